"""The demo and benchmark practices: fictional French data, generated reproducibly.

It uses the services like any caller; nothing in the program's layers imports it but
the command line (an import-linter contract keeps it so). ``generate_demo`` is the
entry point; ``sizes`` says how big each practice is; ``patients``, ``directory`` and
``agenda`` generate each kind of data from its own random stream.
"""

from app.demo.directory import demo_contacts
from app.demo.generator import REFERRAL_SHARE, generate_demo
from app.demo.patients import demo_patients
from app.demo.sizes import SIZES, DemoSize

__all__ = ["REFERRAL_SHARE", "SIZES", "DemoSize", "demo_contacts", "demo_patients",
           "generate_demo"]

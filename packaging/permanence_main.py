"""The bundle's entry point: the same as the installed ``permanence`` command."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())

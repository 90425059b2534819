"""The bundle's entry point: the same as the installed ``permanence`` command."""

import os
import sys

# The windowed executable on Windows (permanencew.exe, for the Start menu) has no
# console: PyInstaller leaves sys.stdout and sys.stderr None, and a warning printed
# there would stop the program.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w", encoding="utf-8")

from app.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

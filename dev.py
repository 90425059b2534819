#!/usr/bin/env python3
"""Set up and run Permanence from a fresh checkout, with only Python 3.11+ installed.

    python3 dev.py demo      # create .venv, install, open the demo practice
    python3 dev.py test      # create .venv, install with test tools, run every test
    python3 dev.py i18n      # extract messages, update and compile the catalogues
    python3 dev.py bench     # run the benchmarks (see bench/)
    python3 dev.py package   # build the standalone application in dist/permanence/
    python3 dev.py app ARGS  # run `permanence ARGS` inside the environment

The environment is .venv, made with the Python that first runs dev.py here; another
Python version gets its own, .venv-X.Y (`python3.13 dev.py test` uses .venv-3.13), and
PERMANENCE_VENV=DIR names one outright.

Uses only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def made_with(venv_dir: Path) -> str | None:
    """The X.Y version of the Python a virtual environment was made with, if it exists."""
    try:
        lines = (venv_dir / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:2])
    return None


def choose_venv(root: Path, running: str, named: str | None) -> Path:
    """``named`` (PERMANENCE_VENV) if given; else .venv unless it was made with another
    Python version than ``running`` (X.Y), which then gets .venv-X.Y."""
    if named:
        return Path(named).resolve()
    default = root / ".venv"
    if made_with(default) in (None, running):
        return default
    return root / f".venv-{running}"


VENV = choose_venv(ROOT, "%d.%d" % sys.version_info[:2], os.environ.get("PERMANENCE_VENV"))
STAMP = VENV / ".installed"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(extras: str = "test") -> Path:
    if sys.version_info < (3, 11):
        sys.exit("Permanence needs Python 3.11 or newer (this is %d.%d)." % sys.version_info[:2])
    py = venv_python()
    if not py.exists():
        print(f"Creating the virtual environment in {VENV.name} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != want:
        print("Installing dependencies (first run only) …", flush=True)
        pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.check_call(pip + ["install", "--upgrade", "pip"])
        subprocess.check_call(pip + ["install", "-e", f"{ROOT}[{extras}]"])
        STAMP.write_text(want)
    return py


def run(cmd: list[str], env: dict | None = None) -> int:
    # Hints printed by the application show the command as typed here.
    launcher = {"PERMANENCE_COMMAND": f"{Path(sys.executable).name} dev.py app"}
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, **launcher, **(env or {})})


def cmd_test(args: list[str]) -> int:
    py = ensure_env("test")
    print("Checking the layer contracts (import-linter) …", flush=True)
    lint = VENV / ("Scripts/lint-imports.exe" if os.name == "nt" else "bin/lint-imports")
    rc = run([str(lint)])
    if rc != 0:
        return rc
    print("Linting (ruff) …", flush=True)
    rc = run([str(py), "-m", "ruff", "check", "app", "tests", "bench", "dev.py"])
    if rc != 0:
        return rc
    return run([str(py), "-m", "pytest", *workers(args), *args],
               env={"QT_QPA_PLATFORM": "offscreen"})


def workers(args: list[str]) -> list[str]:
    """pytest-xdist options: one worker per core, at most four (each builds its own test
    practices), unless the command line chose (``-n 0`` runs in one process)."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args):
        return []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n = max(1, min(cores or 1, 4))
    return ["-n", str(n)] if n > 1 else []


def cmd_demo(args: list[str]) -> int:
    py = ensure_env("test")
    return run([str(py), "-m", "app", "--demo", *args])


def cmd_app(args: list[str]) -> int:
    py = ensure_env("test")
    return run([str(py), "-m", "app", *args])


def cmd_bench(args: list[str]) -> int:
    py = ensure_env("test")
    return run([str(py), "-m", "bench", *args])


# Its own environment: the project installed as a user gets it (not editable, so the
# bundle holds the installed package with its mapped resources), plus PyInstaller.
PACKAGE_VENV = ROOT / ".venv-package"


def package_env() -> Path:
    """.venv-package with the dependencies of ``permanence[package]`` and, reinstalled on
    every build, the project itself from this checkout."""
    if sys.version_info < (3, 11):
        sys.exit("Permanence needs Python 3.11 or newer (this is %d.%d)." % sys.version_info[:2])
    py = PACKAGE_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not py.exists():
        print(f"Creating the build environment in {PACKAGE_VENV.name} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(PACKAGE_VENV)
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
    stamp = PACKAGE_VENV / ".installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + b"package").hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != want:
        print("Installing the build dependencies (first run only) …", flush=True)
        subprocess.check_call(pip + ["install", "--upgrade", "pip"])
        subprocess.check_call(pip + ["install", f"{ROOT}[package]"])
        stamp.write_text(want)
    # The code changes between builds, its dependencies seldom: only the project again,
    # without what setuptools left in build/lib last time (a module deleted since would
    # otherwise ship).
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    print("Installing Permanence from this checkout …", flush=True)
    subprocess.check_call(pip + ["install", "--no-deps", "--force-reinstall", "--no-cache-dir",
                                 str(ROOT)], cwd=PACKAGE_VENV)
    return py


def cmd_package(args: list[str]) -> int:
    """PyInstaller with packaging/permanence.spec: dist/permanence/ (one folder)."""
    py = package_env()
    # Run from outside the checkout: with the checkout on sys.path, PyInstaller would
    # take app/ from the source tree, where the catalogues and styles are not mapped in.
    build = ROOT / "build"
    build.mkdir(exist_ok=True)
    cmd = [str(py), "-m", "PyInstaller", "--noconfirm", "--clean",
           "--distpath", str(ROOT / "dist"), "--workpath", str(build / "pyinstaller"),
           str(ROOT / "packaging" / "permanence.spec"), *args]
    return subprocess.call(cmd, cwd=build)


def cmd_i18n(args: list[str]) -> int:
    py = ensure_env("test")
    pybabel = [str(py), "-m", "babel.messages.frontend"]
    pot = "translations/permanence.pot"
    steps = [
        ["extract", "-F", "translations/babel.cfg", "-k", "_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2",
         "--no-location", "--sort-output", "--project", "Permanence", "-o", pot, "app"],
        ["update", "-i", pot, "-d", "translations", "-D", "permanence", "--no-fuzzy-matching", "--ignore-obsolete"],
        ["compile", "-d", "translations", "-D", "permanence", "--statistics"],
    ]
    for step in steps:
        rc = run(pybabel + step)
        if rc:
            return rc
    return 0


COMMANDS = {"test": cmd_test, "demo": cmd_demo, "app": cmd_app, "bench": cmd_bench,
            "i18n": cmd_i18n, "package": cmd_package}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Builds the standalone application and runs it as a user would get it: copied out of
the checkout and started without the virtual environment (a bare environment: a minimal
PATH, HOME a fresh folder), in French, on a demo practice: --version, demo, check, a CSV
import, an iCalendar export and the screenshots (offscreen, and on X11 when Xvfb is
installed). Exits non-zero at the first step that
fails. Then prints the bundle's size and its start time against the virtual
environment's (medians).

    python3 packaging/smoke_test.py              # build with dev.py package, then run
    python3 packaging/smoke_test.py --no-build   # run the dist/permanence/ already built

The virtual environment compared is the one dev.py uses (.venv, or PERMANENCE_VENV).
Linux only (CI); uses only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist" / "permanence"
TIMED_RUNS = 3

# Headings as a French practice software writes them, with accents; UTF-8.
CSV_TEXT = (
    "Civilité;Nom;Prénom(s);DDN;Tél. portable;CP;Ville\r\n"
    "Mme;Lefèvre;Hélène;12/03/1961;06 12 34 56 78;42000;Saint-Étienne\r\n"
    "M.;Dupré;Jérôme;01/07/1975;07 98 76 54 32;69003;Lyon\r\n"
    "Mme;Nguyễn;Thảo;23/11/1990;06 55 44 33 22;75011;Paris\r\n"
)


class StepFailed(Exception):
    pass


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """What a user's session guarantees at least, and nothing from this build."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), **extra}


def run(step: str, cmd: list, env: dict, *, expect: tuple[str, ...] = (),
        cwd: Path | None = None) -> str:
    started = time.perf_counter()
    result = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True,
                            text=True, encoding="utf-8", errors="replace", timeout=600)
    took = time.perf_counter() - started
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise StepFailed(f"{step}: exit code {result.returncode}\n{output}")
    for text in expect:
        if text not in output:
            raise StepFailed(f"{step}: {text!r} not in its output\n{output}")
    print(f"ok   {step} ({took:.1f} s)", flush=True)
    return result.stdout


def median_seconds(cmd: list, env: dict, runs: int = TIMED_RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(c) for c in cmd], env=env, check=True, capture_output=True,
                       timeout=300)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def venv_program() -> Path | None:
    """The `permanence` of dev.py's environment, if it exists."""
    named = os.environ.get("PERMANENCE_VENV")
    candidates = [Path(named)] if named else [ROOT / ".venv",
                                             ROOT / (".venv-%d.%d" % sys.version_info[:2])]
    for venv in candidates:
        program = venv / "bin" / "permanence"
        if program.exists():
            return program
    return None


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*"))


def smoke(program: Path, work: Path) -> None:
    home = work / "home"
    home.mkdir()
    env = bare_env(home)
    fr = ["--language", "fr"]
    profile = work / "D"

    # Qt's standard dialogs in French (app/ui/theme.py), the other languages left out.
    qt_catalogues = {p.name for p in program.parent.glob("_internal/PySide6/Qt/translations/*")}
    if "qtbase_fr.qm" not in qt_catalogues or "qtbase_de.qm" in qt_catalogues:
        raise StepFailed(f"Qt's catalogues in the bundle: {sorted(qt_catalogues)}")

    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    run("--version", [program, "--version"], env, expect=(f"permanence {version}",))
    run("demo", [program, "demo", "--profile", profile, *fr], env,
        expect=("Cabinet de démonstration créé",))
    run("check", [program, "check", "--profile", profile, *fr], env,
        expect=("Chiffrement", "Version du schéma", "Toutes les vérifications sont réussies"))

    csv = work / "patients.csv"
    csv.write_text(CSV_TEXT, encoding="utf-8")
    run("import patients", [program, "import", "patients", csv, "--profile", profile, *fr],
        env, expect=("Fichier", "Prénom"))
    run("check after the import", [program, "check", "--profile", profile, *fr], env,
        expect=("Toutes les vérifications sont réussies",))

    listing = run("practitioners", [program, "practitioners", "--profile", profile, *fr], env)
    first = listing.splitlines()[0].split("\t")[0] if listing.strip() else ""
    if not first:
        raise StepFailed(f"practitioners: no practitioner listed\n{listing}")
    ics = work / "agenda.ics"
    today = time.strftime("%Y-%m-%d")
    in_a_month = time.strftime("%Y-%m-%d", time.localtime(time.time() + 30 * 86400))
    run("export agenda", [program, "export", "agenda", "--practitioner", first, "--from", today,
                          "--to", in_a_month, ics, "--profile", profile, *fr], env)
    text = ics.read_text("utf-8")
    if not text.startswith("BEGIN:VCALENDAR") or "BEGIN:VEVENT" not in text:
        raise StepFailed(f"export agenda: {ics} is not a calendar with appointments")

    shots = work / "captures"
    run("screenshot", [program, "screenshot", shots, "--profile", profile, *fr],
        bare_env(home, QT_QPA_PLATFORM="offscreen"))
    pngs = sorted(shots.glob("*.png"))
    empty = [p.name for p in pngs if p.stat().st_size == 0]
    if not pngs or empty:
        raise StepFailed(f"screenshot: {len(pngs)} PNG files, empty: {empty}")
    for png in pngs:
        if png.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            raise StepFailed(f"screenshot: {png.name} is not a PNG")
    print(f"     {len(pngs)} screenshots: {', '.join(p.name for p in pngs)}")

    # The X11 plugin and the libraries it loads, on a virtual X server when there is one.
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("skip screenshot on X11: no Xvfb here")
        return
    with virtual_display(xvfb) as display:
        run("screenshot on X11", [program, "screenshot", work / "captures-x11", "--profile",
                                  profile, *fr],
            bare_env(home, QT_QPA_PLATFORM="xcb", DISPLAY=display))


@contextlib.contextmanager
def virtual_display(xvfb: str):
    """An Xvfb server on a free display, stopped afterwards; yields ":N"."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0",
                               "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise StepFailed("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def portable(program: Path, work: Path) -> None:
    """The portable mode: everything beside the program (Permanence-data), nothing in a
    HOME of its own, with the option and then with the marker file."""
    home = work / "home-portable"
    home.mkdir()
    env = bare_env(home, QT_QPA_PLATFORM="offscreen")
    fr = ["--language", "fr"]
    data = program.parent / "Permanence-data"
    run("portable demo", [program, "--portable", "demo", *fr], env,
        expect=("Cabinet de démonstration créé", str(data)))
    run("portable check", [program, "check", "--portable", *fr], env,
        expect=("Toutes les vérifications sont réussies",))
    run("portable screenshot", [program, "screenshot", work / "captures-portable",
                                "--portable", *fr], env)
    marker = program.parent / "permanence-portable"
    marker.touch()
    try:
        run("portable by its marker file", [program, "check", *fr], env,
            expect=("Toutes les vérifications sont réussies",))
    finally:
        marker.unlink()
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    if left:
        raise StepFailed(f"portable: files written in HOME: {left[:20]}")
    if not (data / "permanence.db").is_file() or not (data / "logs").is_dir():
        raise StepFailed(f"portable: no practice or log in {data}")
    print(f"     nothing in HOME; {data.name}/ holds "
          f"{', '.join(sorted(p.name for p in data.iterdir()))}")
    shutil.rmtree(data)


def per_user_install(program: Path, work: Path) -> None:
    """packaging/linux/install.sh in a HOME of its own: the program, its command, its
    menu entry and icons in the user's folders; then the installed command runs."""
    home = work / "home-install"
    home.mkdir()
    env = bare_env(home)
    run("install.sh", ["sh", ROOT / "packaging" / "linux" / "install.sh", program.parent], env)
    installed = home / ".local" / "bin" / "permanence"
    for path in (home / ".local/share/applications/permanence.desktop",
                 home / ".local/share/icons/hicolor/256x256/apps/permanence.png"):
        if not path.is_file():
            raise StepFailed(f"install.sh: no {path}")
    run("installed --version", [installed, "--version"], env, expect=("permanence ",))
    run("install.sh --uninstall", ["sh", ROOT / "packaging" / "linux" / "install.sh",
                                   "--uninstall"], env)
    if installed.exists() or (home / ".local/opt/permanence").exists():
        raise StepFailed("install.sh --uninstall left the program")


def figures(program: Path, work: Path) -> None:
    """Size and start times, the bundle against the virtual environment."""
    size = folder_size(program.parent)
    print(f"Bundle: {size / 1e6:.0f} MB in {sum(1 for _ in program.parent.rglob('*'))} files")
    env = bare_env(work / "home")
    profile = work / "D"
    rows = [("--version", ["--version"]),
            ("check", ["check", "--profile", profile, "--language", "fr"])]
    other = venv_program()
    if other is None:
        print("No virtual environment (.venv or PERMANENCE_VENV): start times of the "
              "bundle only.")
    print(f"Start times, median of {TIMED_RUNS} runs:")
    for label, args in rows:
        bundle = median_seconds([program, *args], env)
        line = f"  {label:<10} bundle {bundle:.2f} s"
        if other is not None:
            line += f"   virtual environment {median_seconds([other, *args], env):.2f} s"
        print(line, flush=True)


def main(argv: list[str]) -> int:
    if not sys.platform.startswith("linux"):
        print("The bundle's smoke test runs on Linux only.", file=sys.stderr)
        return 2
    if "--no-build" not in argv:
        started = time.perf_counter()
        rc = subprocess.call([sys.executable, str(ROOT / "dev.py"), "package"], cwd=ROOT)
        if rc != 0:
            print(f"dev.py package failed (exit code {rc}).", file=sys.stderr)
            return rc
        print(f"Built in {time.perf_counter() - started:.0f} s.", flush=True)
    if not (DIST / "permanence").exists():
        print(f"No bundle in {DIST}: run python3 dev.py package.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="permanence-bundle-") as tmp:
        work = Path(tmp)
        # Out of the checkout: nothing can be found through the source tree.
        shutil.copytree(DIST, work / "permanence", symlinks=True)
        program = work / "permanence" / "permanence"
        try:
            smoke(program, work)
            portable(program, work)
            per_user_install(program, work)
        except (StepFailed, subprocess.TimeoutExpired) as exc:
            print(f"FAIL {exc}", file=sys.stderr)
            return 1
        figures(program, work)
    print("The bundle works.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

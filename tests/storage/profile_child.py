"""A second process working on a profile, driven by the storage tests (not a test module).

    python profile_child.py hold   PROFILE          open, say READY, wait for a line on stdin, close
    python profile_child.py write  PROFILE TAG      open, create patients forever: "ACK <n> <id>"
    python profile_child.py writer PROFILE TAG      open, say READY, then for each line on stdin
                                                    "write": create a patient, say "WROTE <id>"
                                                    or "REFUSED <exit code>"; "close": close
    python profile_child.py canary PROFILE MARKER PHONE
                                                    a whole session with a marked patient

The passphrase comes from PERMANENCE_PASSPHRASE. Every line is flushed at once: the
parent reads them while this process runs and may kill it with SIGKILL at any moment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.clock import SystemClock
from app.services.patients import PatientInput, PhoneEntry
from app.services.workspace import open_workspace
from app.storage.keys import KdfParams
from app.storage.profile import ProfilePaths, unlock_key

# The cost of the profiles the tests make (tests/conftest.py FAST_KDF), accepted explicitly.
FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def open_ws(root: str):
    paths = ProfilePaths(Path(root))
    key = unlock_key(paths, passphrase=os.environ["PERMANENCE_PASSPHRASE"], kdf_floor=FAST_KDF)
    return open_workspace(paths, key, clock=SystemClock())


def hold(root: str) -> None:
    ws = open_ws(root)
    say("READY")
    sys.stdin.readline()
    ws.close()
    say("CLOSED")


def write(root: str, tag: str) -> None:
    ws = open_ws(root)
    say("READY")
    n = 0
    while True:
        p = ws.patients.create(PatientInput(
            birth_name=f"{tag}x{n}", first_names="Crash", birth_date="01/02/1990",
            phones=[PhoneEntry(f"06 12 {n % 100:02d} 34 56")], admin_note="x" * (n % 700)))
        say(f"ACK {n} {p.id}")  # only once the commit has returned
        n += 1


def writer(root: str, tag: str) -> None:
    from app.storage.errors import StorageError

    ws = open_ws(root)
    say("READY")
    n = 0
    for line in sys.stdin:
        if line.strip() == "close":
            break
        try:
            p = ws.patients.create(PatientInput(birth_name=f"{tag}x{n}", first_names="Verrou"))
            say(f"WROTE {p.id}")
        except StorageError as exc:
            say(f"REFUSED {exc.exit_code}")
        n += 1
    ws.close()
    say("CLOSED")


def canary(root: str, marker: str, phone: str) -> None:
    from app.logging_setup import configure, install_excepthook, log
    from app.services.practice import PracticeInput
    from app.services.settings import WorkstationSettings
    from app.services.workspace import create_practice
    from app.storage.backup import backup_database

    paths = ProfilePaths(Path(root))
    configure(paths.logs)
    install_excepthook()
    WorkstationSettings(paths.workstation_settings).set("language", "fr")
    clock = SystemClock()
    created = create_practice(paths, PracticeInput(name="Cabinet du Canari"),
                              passphrase=os.environ["PERMANENCE_PASSPHRASE"], keychain=None,
                              clock=clock, kdf=FAST_KDF)
    ws = created.workspace
    log.info("canary session started")
    accented = marker.replace("c", "ç", 1).replace("a", "ä", 1)  # folds back to the marker
    data = PatientInput(
        birth_name=marker, used_name=marker.upper(), first_names=f"Anne {accented}",
        email=f"{marker.lower()}@example.fr", address_line=f"12 rue {marker}",
        postal_code="69003", city=f"Lyon {marker}", referring_doctor=f"Dr {marker}",
        admin_note=f"Appeler {marker} le matin", birth_date="12/03/1958",
        phones=[PhoneEntry(phone)])
    p = ws.patients.create(data)
    data.admin_note = f"Rappel {marker} fait"
    data.first_names = f"Annie {accented}"
    p = ws.patients.update(p.id, data, expected_version=p.version)
    assert ws.patients.get(p.id).birth_name == marker
    assert [r.id for r in ws.patients.search(marker.lower())] == [p.id]
    assert [r.id for r in ws.patients.search(phone)] == [p.id]
    for _ in range(30):  # more traffic so the WAL has several frames
        ws.patients.search(marker[:6])
    raw = ws.store.engine.raw_connection()
    try:
        backup = backup_database(raw, paths.backups, paths.envelope, reason="canary",
                                 now=clock.now())
    finally:
        raw.close()
    log.info("backup written: %s", backup.name)
    # A backup file beside the profile (the scheduled backups' kind), checked with the
    # secret: its database copy goes through the temp folder.
    from app.services.backups import Secret, make_backup, verify_backup

    out = Path(root).parent / "backup-out"
    out.mkdir()
    raw = ws.store.engine.raw_connection()
    try:
        archive = make_backup(raw, paths, out, now=clock.now())
    finally:
        raw.close()
    verify_backup(archive, Secret(passphrase=os.environ["PERMANENCE_PASSPHRASE"],
                                  kdf_floor=FAST_KDF))
    say("PAUSE")  # the parent scans the folder while the database is open
    sys.stdin.readline()
    ws.close()
    say("DONE")


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    {"hold": hold, "write": write, "writer": writer, "canary": canary}[mode](*args)

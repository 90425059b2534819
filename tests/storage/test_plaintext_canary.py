"""Nothing readable without the key: a marked patient leaves no trace in any file.

A helper process runs a whole session (create the practice, create, update, read and
search a patient whose every field carries a unique marker, make a backup and a backup file, log) with
TMPDIR pointing at a fresh folder. The profile folder is scanned while the database is
open (live WAL and SHM) and again after closing; the temp folder after exit. The marker
is looked for as typed, lower- and upper-cased, accent-folded, in UTF-8 and UTF-16.
"""

from __future__ import annotations

import secrets
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Patient
from app.services.phones import parse_phone
from app.models.text import fold
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from tests.conftest import FAST_KDF


def needles_for(marker: str, phone: str) -> set[bytes]:
    accented = marker.replace("c", "ç", 1).replace("a", "ä", 1)  # as profile_child writes it
    e164 = parse_phone(phone).e164
    texts = {marker, marker.lower(), marker.upper(), marker.casefold(), fold(accented),
             accented, unicodedata.normalize("NFD", accented), accented.lower(),
             e164, "0" + e164[3:], phone, e164[1:]}
    found = set()
    for text in texts:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            found.add(text.encode(encoding))
    return found


def scan(root: Path, needles: set[bytes]) -> list[tuple[str, bytes]]:
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits += [(str(path.relative_to(root)), n) for n in needles if n in data]
    return hits


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    """Control: each form of the marker, written in clear, is found."""
    marker = "Zqxcanary" + secrets.token_hex(6)
    phone = "06 12 34 56 78"
    needles = needles_for(marker, phone)
    for i, text in enumerate([marker.lower(), marker.upper().encode("utf-16-le").decode("latin-1"),
                              "+33612345678", fold(marker.replace("c", "ç", 1))]):
        (tmp_path / "sub").mkdir(exist_ok=True)
        (tmp_path / "sub" / f"f{i}").write_bytes(b"\x00junk" + text.encode("latin-1") + b"junk")
        assert scan(tmp_path, needles), text
        (tmp_path / "sub" / f"f{i}").unlink()
    assert scan(tmp_path, needles) == []


@pytest.mark.slow
def test_no_file_holds_patient_data_in_clear(tmp_path, spawn_child, wait_for_line, passphrase,
                                             clock):
    marker = "Zqxcanary" + secrets.token_hex(6)
    # Random but always valid: the 06 12 block is allocated to mobile operators.
    phone = "06 12 {} {} {}".format(*(f"{secrets.randbelow(100):02d}" for _ in range(3)))
    needles = needles_for(marker, phone)
    root = tmp_path / "profile"
    temp = tmp_path / "tmpdir"
    temp.mkdir()

    child = spawn_child("canary", str(root), marker, phone,
                        env={"TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)})
    wait_for_line(child, "PAUSE", timeout=60)
    live = sorted(p.name for p in root.iterdir())
    assert "permanence.db-wal" in live and (root / "permanence.db-wal").stat().st_size > 0
    assert scan(root, needles) == [], "patient data in clear while the profile is open"

    child.stdin.write("go\n")
    child.stdin.flush()
    wait_for_line(child, "DONE")
    assert child.wait(timeout=30) == 0, child.stderr.read()

    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert {"permanence.db", "keys.json", "workstation.json", "logs/permanence.log"} <= set(files)
    assert any(f.startswith("backups/") and f.endswith(".db") for f in files)
    assert any(f.startswith("backups/") and f.endswith(".keys.json") for f in files)
    assert scan(root, needles) == [], "patient data in clear in the closed profile"
    assert scan(temp, needles) == [], "patient data in clear in the temp folder"
    backups = sorted(p.name for p in (tmp_path / "backup-out").iterdir())
    assert len(backups) == 1 and backups[0].endswith(".permanence-backup")
    assert scan(tmp_path / "backup-out", needles) == [], "patient data in clear in a backup"

    # Control: the data really is in there, readable with the key.
    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=passphrase, kdf_floor=FAST_KDF), clock=clock)
    try:
        with ws.store.reader() as s:
            assert s.execute(select(Patient.admin_note).where(Patient.birth_name == marker)
                             ).scalar_one() == f"Rappel {marker} fait"
        assert [r.display_name.split()[0] for r in ws.patients.search(marker)] == \
            [marker.upper()]
    finally:
        ws.close()

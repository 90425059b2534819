"""What an import does with files that are not what they seem: UTF-8 with a few stray
bytes, devices and pipes, huge files, a quotation mark that is never closed. Real files
in tmp_path, a real encrypted profile."""

from __future__ import annotations

import os
import re
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Patient
from app.services.importing import (
    MixedEncoding,
    PatientImporter,
    UnreadableFile,
    detect_format,
    preview_file,
)
from app.services.importing.reading import LISTED_LINES, MAX_FILE_BYTES

HEADER = "Nom;Prénom(s);Ville\n"


@pytest.fixture
def importer(workspace) -> PatientImporter:
    return PatientImporter(workspace.store, principal=workspace.principal, clock=workspace.clock)


def stored(ws) -> int:
    with ws.store.reader() as s:
        return s.execute(select(func.count()).select_from(Patient)).scalar_one()


def within(seconds: float, fn):
    """``fn()``'s result or exception, or a failure if it is still running after
    ``seconds`` (it would hang the suite: it runs in a thread left behind)."""
    outcome: list = []

    def run():
        try:
            outcome.append(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(("raised", exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still running after {seconds} s"
    return outcome[0]


def refused(seconds: float, fn) -> str:
    kind, value = within(seconds, fn)
    assert kind == "raised" and isinstance(value, UnreadableFile), value
    return value.user_message


def mostly_utf8(path: Path, broken: dict[int, bytes], rows: int = 40) -> Path:
    """UTF-8 with accents on every line, except the lines in ``broken`` (1 = the header),
    which are written as given."""
    lines = [HEADER.encode()] + [f"Lefèvre{i};Hélène;Saint-Étienne\n".encode()
                                 for i in range(rows)]
    for line, raw in broken.items():
        lines[line - 1] = raw
    path.write_bytes(b"".join(lines))
    return path


STRAY = {3: b"Gar\xe7on;No\xebl;Lyon\n", 17: "Martin;Zoé;Lyon".encode() + b"\x92s\n"}


# -- a file that is UTF-8 but for a few lines -------------------------------------------------
def test_stray_bytes_in_a_utf8_file_are_named_not_read_as_windows_1252(importer, tmp_path):
    path = mostly_utf8(tmp_path / "p.csv", STRAY)
    for attempt in (lambda: detect_format(path), lambda: preview_file(path),
                    lambda: importer.dry_run(path), lambda: importer.run(path)):
        with pytest.raises(MixedEncoding) as info:
            attempt()
        assert info.value.broken.first == (3, 17) and info.value.broken.count == 2
        assert "3, 17" in info.value.user_message


def test_read_as_utf8_the_stray_bytes_become_replacement_characters(workspace, importer,
                                                                     tmp_path):
    path = mostly_utf8(tmp_path / "p.csv", STRAY)
    preview = importer.preview(path, encoding="utf-8")
    fmt = preview.format
    assert (fmt.encoding, fmt.delimiter) == ("utf-8", ";")
    assert fmt.broken.first == (3, 17)
    assert preview.rows[0] == ["Lefèvre0", "Hélène", "Saint-Étienne"]
    assert preview.rows[1] == ["Gar\ufffdon", "No\ufffdl", "Lyon"]
    report = importer.run(path, fmt=fmt)
    assert report.imported == 40 and report.format.broken.first == (3, 17)
    with workspace.store.reader() as s:
        names = set(s.execute(select(Patient.birth_name)).scalars())
    assert {"Lefèvre0", "Gar\ufffdon", "Martin"} <= names


def test_read_as_windows_1252_the_whole_file_is(importer, tmp_path):
    path = mostly_utf8(tmp_path / "p.csv", STRAY)
    preview = importer.preview(path, encoding="cp1252")
    assert (preview.format.encoding, preview.format.broken) == ("cp1252", None)
    assert preview.rows[0][1] == "HÃ©lÃ¨ne" and preview.rows[1][0] == "Garçon"
    assert preview.headers[1] == "PrÃ©nom(s)"  # garbled too: the mapping is given
    mapping = ["birth_name", "first_names", "city"]
    assert importer.dry_run(path, fmt=preview.format, mapping=mapping).valid == 40


def test_many_broken_lines_are_counted_and_the_first_named(tmp_path):
    broken = {line: b"Gar\xe7on;No\xebl;Lyon\n" for line in range(2, 60, 2)}
    path = mostly_utf8(tmp_path / "p.csv", broken, rows=80)
    with pytest.raises(MixedEncoding) as info:
        detect_format(path)
    lines = info.value.broken
    assert lines.first == tuple(range(2, 2 + 2 * LISTED_LINES, 2)) and lines.count == 29
    assert lines.label.startswith("2, 4, 6") and re.search(r"\b9\b", lines.label)  # more


def test_a_broken_last_line_without_end_and_a_cut_character(tmp_path):
    path = mostly_utf8(tmp_path / "p.csv", {41: "Roux;Zoé;Lyon".encode() + b"\xc3"})
    with pytest.raises(MixedEncoding) as info:
        detect_format(path)
    assert info.value.broken.first == (41,)


def test_a_windows_1252_file_is_still_detected_as_one(importer, tmp_path):
    rows = "".join(f"Lefèvre{i};Hélène;Saint-Étienne\n" for i in range(40))
    path = tmp_path / "p.csv"
    path.write_bytes((HEADER + rows + "Œuvre;Zoë;“Lyon”\n").encode("cp1252"))
    preview = preview_file(path)
    assert (preview.format.encoding, preview.format.broken) == ("cp1252", None)
    assert preview.rows[0] == ["Lefèvre0", "Hélène", "Saint-Étienne"]
    undefined = tmp_path / "q.csv"
    undefined.write_bytes(path.read_bytes() + b"Roux;Zo\x81;Lyon\n")  # 0x81: not cp1252
    assert detect_format(undefined).encoding == "latin-1"
    assert detect_format(undefined, encoding="cp1252").encoding == "latin-1"


def test_utf8_chosen_for_a_utf8_file_replaces_nothing(tmp_path):
    path = mostly_utf8(tmp_path / "p.csv", {})
    assert detect_format(path) == detect_format(path, encoding="utf-8")
    assert detect_format(path, encoding="utf-8").broken is None


# -- what is not a regular file, or too large ------------------------------------------------
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("how", ["preview", "dry_run", "run"])
def test_a_device_is_refused_at_once(workspace, importer, tmp_path, how):
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), link):
        message = refused(10, lambda p=path: getattr(importer, how)(p))
        assert str(path) in message
    assert stored(workspace) == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
@pytest.mark.parametrize("how", ["preview", "dry_run", "run"])
def test_a_pipe_is_refused_without_waiting_for_a_writer(workspace, importer, tmp_path, how):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    assert str(fifo) in refused(10, lambda: getattr(importer, how)(fifo))
    assert stored(workspace) == 0


def test_a_folder_is_refused(importer, tmp_path):
    folder = tmp_path / "export.csv"
    folder.mkdir()
    assert str(folder) in refused(10, lambda: importer.preview(folder))


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(importer, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(HEADER.encode())
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing to write, nothing to read
    message = refused(10, lambda: importer.preview(path))
    assert "200" in message
    assert "200" in refused(10, lambda: importer.dry_run(path))


# -- a quotation mark that is never closed ----------------------------------------------------
def unclosed_quote(path: Path, megabytes: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "Martin;Paul;Lyon\n" + 'Roux;"Zoé;Lyon\n')
        block = "".join(f"Lefèvre{i};Hélène;Saint-Étienne\n" for i in range(1000))
        for _ in range(megabytes * 1024 * 1024 // len(block.encode())):
            fh.write(block)
    return path


def test_a_50_mb_file_with_an_unclosed_quote_is_refused_quickly_in_little_memory(
        workspace, importer, tmp_path):
    path = unclosed_quote(tmp_path / "p.csv", 50)
    assert path.stat().st_size > 49 * 1024 * 1024
    tracemalloc.start()
    try:
        started = time.monotonic()
        message = refused(60, lambda: importer.preview(path))
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert re.search(r"\b3\b", message)  # "La ligne 3 commence un enregistrement…"
    assert peak < 10 * 1024 * 1024, peak  # not the file in one value
    assert elapsed < 20
    for how in ("dry_run", "run"):
        assert refused(60, lambda h=how: getattr(importer, h)(path)) == message
    assert stored(workspace) == 0

"""The audit trail anchored outside the database: signed checkpoints beside the key
envelope catch what the hash chain alone cannot (a chain rewritten by someone holding
the database key, a tail cut, a trail emptied, an older copy of the database put back).

Every case tampers with the real files of a closed profile, as an attacker would, then
opens it again and verifies."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import datetime, timezone

import pytest

from app.services.workspace import open_workspace
from app.storage import checkpoints, trail_verify
from app.storage.audit import GENESIS, entry_hash
from app.storage.engine import connect_raw
from app.storage.profile import unlock_key
from tests.conftest import FAST_KDF
from tests.storage.test_unit_of_work import add_practitioners


@pytest.fixture
def trail(workspace):
    """A closed profile whose trail holds a few dozen entries; (paths, key)."""
    add_practitioners(workspace, "Anne", "Bruno", "Chloé")
    for i in range(3):
        with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
            uow.audit("read", "patient", f"id-{i}")
    add_practitioners(workspace, "Denis")
    paths = workspace.paths
    workspace.close()
    return paths, unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)


def reopen(paths, key, clock):
    return open_workspace(paths, key, clock=clock)


def verify(paths, key, clock):
    ws = reopen(paths, key, clock)
    try:
        return ws.audit_trail.verify()
    finally:
        ws.close()


def sql(paths, key, *statements):
    conn = connect_raw(paths.db, key)
    try:
        for statement, params in statements:
            conn.execute(statement, params)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def entries(paths, key) -> list[tuple]:
    conn = connect_raw(paths.db, key)
    try:
        return conn.execute("SELECT seq, at, user_id, action, entity, entity_id, detail, "
                            "prev_hash, hash, workstation, workstation_name FROM audit_trail "
                            "ORDER BY seq").fetchall()
    finally:
        conn.close()


def rehash(paths, key, rows) -> None:
    """What someone with the database key does to hide a change: hash the whole chain
    again, each entry under its (possibly new) sequence number."""
    prev, updates = GENESIS, []
    for (seq, at, user_id, action, entity, entity_id, detail, _old_prev, _old, station,
         station_name) in rows:
        instant = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
        h = entry_hash(seq, prev, instant, user_id, action, entity, entity_id, detail, station,
                       station_name)
        updates.append((prev, h, seq))
        prev = h
    conn = connect_raw(paths.db, key)
    try:
        conn.executemany("UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE seq = ?", updates)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def log_lines(paths) -> list[dict]:
    return [json.loads(line) for line in
            (paths.root / checkpoints.FILE_NAME).read_text().splitlines() if line.strip()]


# -- intact ---------------------------------------------------------------------------
def test_each_commit_appends_a_signed_checkpoint_in_an_owner_only_file(trail, clock):
    paths, key = trail
    lines = log_lines(paths)
    assert lines[0]["kind"] == "start"
    last = entries(paths, key)[-1]
    assert (lines[-1]["seq"], lines[-1]["hash"], lines[-1]["count"]) == (last[0], last[8],
                                                                         len(entries(paths, key)))
    mode = stat.S_IMODE(os.stat(paths.root / checkpoints.FILE_NAME).st_mode)
    assert mode == 0o600
    report = verify(paths, key, clock)
    assert report.ok and report.entries == len(entries(paths, key))
    assert report.checkpoints >= 6  # the start, then one per unit of work


def test_a_torn_last_line_is_tolerated_and_the_next_starts_afresh(trail, clock):
    paths, key = trail
    with open(paths.root / checkpoints.FILE_NAME, "ab") as fh:
        fh.write(b'{"kind":"head","seq":9')  # a crash in the middle of an append
    ws = reopen(paths, key, clock)
    try:
        add_practitioners(ws, "Après")
        assert ws.audit_trail.verify().ok
    finally:
        ws.close()
    assert log_lines_tolerant(paths)[-1]["kind"] == "head"


def log_lines_tolerant(paths) -> list[dict]:
    out = []
    for line in (paths.root / checkpoints.FILE_NAME).read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


# -- tampering ------------------------------------------------------------------------
def test_an_edited_entry_is_named(trail, clock):
    paths, key = trail
    target = entries(paths, key)[5][0]
    sql(paths, key, ("UPDATE audit_trail SET detail = 'rien' WHERE seq = ?", (target,)))
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.EDITED, target)


def test_an_edited_entry_with_the_chain_hashed_again_differs_from_its_checkpoint(trail, clock):
    paths, key = trail
    rows = entries(paths, key)
    target = rows[5][0]
    rows[5] = (*rows[5][:3], "update", *rows[5][4:])
    rehash(paths, key, rows)
    sql(paths, key, ("UPDATE audit_trail SET action = 'update' WHERE seq = ?", (target,)))
    report = verify(paths, key, clock)
    assert not report.ok and report.problem == trail_verify.DIFFERS
    assert report.seq == target


def test_a_deleted_middle_entry_is_named_as_missing(trail, clock):
    paths, key = trail
    target = entries(paths, key)[4][0]
    sql(paths, key, ("DELETE FROM audit_trail WHERE seq = ?", (target,)))
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.MISSING, target)


def test_a_deleted_middle_entry_renumbered_and_hashed_again_is_caught(trail, clock):
    paths, key = trail
    target = entries(paths, key)[4][0]
    sql(paths, key, ("DELETE FROM audit_trail WHERE seq = ?", (target,)),
        ("UPDATE audit_trail SET seq = seq - 1 WHERE seq > ?", (target,)))
    rehash(paths, key, entries(paths, key))
    report = verify(paths, key, clock)
    assert not report.ok and report.problem in (trail_verify.DIFFERS, trail_verify.BEHIND)
    assert report.seq is not None and report.seq >= target


def test_a_deleted_tail_is_caught_naming_the_first_missing_entry(trail, clock):
    paths, key = trail
    rows = entries(paths, key)
    first_gone = rows[-3][0]
    sql(paths, key, ("DELETE FROM audit_trail WHERE seq >= ?", (first_gone,)))
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.BEHIND, first_gone)


def test_an_emptied_trail_is_caught_while_data_exists(trail, clock):
    paths, key = trail
    sql(paths, key, ("DELETE FROM audit_trail", ()))
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.EMPTIED, 1)


def test_an_older_copy_of_the_database_put_back_is_caught(trail, clock, tmp_path):
    paths, key = trail
    older = tmp_path / "older.db"
    shutil.copy2(paths.db, older)
    before = entries(paths, key)[-1][0]
    ws = reopen(paths, key, clock)
    add_practitioners(ws, "Émile", "Fanny")
    ws.close()
    shutil.copy2(older, paths.db)  # the older copy, put back in place
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.BEHIND, before + 1)


def test_writing_after_an_older_copy_was_put_back_does_not_hide_it(trail, clock, tmp_path):
    paths, key = trail
    older = tmp_path / "older.db"
    shutil.copy2(paths.db, older)
    ws = reopen(paths, key, clock)
    add_practitioners(ws, "Émile", "Fanny")
    ws.close()
    shutil.copy2(older, paths.db)
    ws = reopen(paths, key, clock)
    add_practitioners(ws, "Gaspard", "Hugo", "Inès", "Jules")  # past the old head again
    ws.close()
    report = verify(paths, key, clock)
    assert not report.ok and report.problem == trail_verify.DIFFERS


def test_an_altered_checkpoint_line_is_caught(trail, clock):
    paths, key = trail
    path = paths.root / checkpoints.FILE_NAME
    lines = path.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[2])
    record["seq"] -= 1
    lines[2] = json.dumps(record).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    report = verify(paths, key, clock)
    assert (report.problem, report.line) == (trail_verify.FILE_ALTERED, 3)


def test_a_deleted_checkpoint_file_is_caught(trail, clock):
    paths, key = trail
    (paths.root / checkpoints.FILE_NAME).unlink()
    assert verify(paths, key, clock).problem == trail_verify.FILE_MISSING


def test_checkpoints_signed_with_another_key_are_refused(trail, clock):
    paths, key = trail
    path = paths.root / checkpoints.FILE_NAME
    forged = checkpoints.signing_key(b"\x01" * 32, "someone-else")
    lines = [checkpoints.sign({k: v for k, v in r.items() if k != "sig"}, forged)
             for r in log_lines(paths)]
    path.write_bytes(b"".join(lines))
    report = verify(paths, key, clock)
    assert (report.problem, report.line) == (trail_verify.FILE_ALTERED, 1)


# -- the keychain's copy ------------------------------------------------------------------
def test_the_folder_put_back_whole_is_caught_by_the_keychain_copy(workspace, clock, tmp_path):
    """Database and checkpoint file rolled back together: only the keychain, which
    follows the OS session and not the folder, still knows the later head."""
    from tests.storage.test_keychain import _cryptfile_backend

    from app.storage.keychain import Keychain

    (tmp_path / "keyring").mkdir()
    keychain = Keychain(_cryptfile_backend(tmp_path / "keyring" / "cryptfile.cfg"))
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    older = tmp_path / "older"
    shutil.copytree(paths.root, older)
    ws = open_workspace(paths, key, clock=clock, keychain=keychain)
    add_practitioners(ws, "Émile")
    ws.close()  # the last checkpoint, mirrored
    for name in ("permanence.db", checkpoints.FILE_NAME):
        shutil.copy2(older / name, paths.root / name)
    ws = open_workspace(paths, key, clock=clock, keychain=keychain)
    try:
        report = ws.audit_trail.verify()
    finally:
        ws.close()
    assert report.problem == trail_verify.MIRROR_AHEAD


# -- retention ----------------------------------------------------------------------------
def test_old_entries_are_summarised_into_a_signed_checkpoint_and_verify_still_passes(
        workspace, clock):
    from app.storage import trail_retention

    add_practitioners(workspace, "Anne", "Bruno")
    with workspace.store.unit_of_work(actor_id=workspace.user_id) as uow:
        uow.audit("read", "patient", "p-1")
    with workspace.store.engine.connect() as conn:
        old = conn.exec_driver_sql("SELECT count(*), max(seq) FROM audit_trail").one()
    clock.advance(days=200)
    add_practitioners(workspace, "Chloé")  # recent: kept
    workspace.audit_trail.set_retention_days(180)
    summary = workspace.audit_trail.apply_retention()
    assert summary is not None and summary.removed == old[0] and summary.cut.seq == old[1]
    assert sum(summary.counts.values()) == old[0]
    assert summary.counts["read patient 2026-03"] == 1
    report = workspace.audit_trail.verify()
    assert report.ok, report
    with workspace.store.engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT min(seq) FROM audit_trail").scalar()
    assert first == old[1] + 1
    lines = log_lines(workspace.paths)
    summaries = [r for r in lines if r["kind"] == "summary"]
    assert summaries and summaries[-1]["seq"] == old[1] and summaries[-1]["count"] == old[0]
    assert trail_retention.apply_configured(workspace.store) is None  # nothing more to cut
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    assert verify(paths, key, clock).ok  # and after reopening


def test_retention_applies_when_the_practice_opens(workspace, clock):
    add_practitioners(workspace, "Anne")
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    clock.advance(days=400)  # beyond the default year
    ws = reopen(paths, key, clock)
    try:
        assert ws.audit_trail.verify().ok
        with ws.store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM audit_trail").scalar() == 0
    finally:
        ws.close()
    assert [r["kind"] for r in log_lines(paths)].count("summary") == 1


def test_entries_removed_without_a_signed_summary_are_caught(workspace, clock):
    add_practitioners(workspace, "Anne", "Bruno")
    clock.advance(days=200)
    add_practitioners(workspace, "Chloé")
    workspace.audit_trail.set_retention_days(180)
    workspace.audit_trail.apply_retention()
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    # Someone moves the cut further on, removing what it covers, and hashes nothing.
    rows = entries(paths, key)
    cut = {"seq": rows[1][0], "hash": rows[1][8]}
    sql(paths, key, ("DELETE FROM audit_trail WHERE seq <= ?", (rows[1][0],)),
        ("UPDATE local_meta SET value = ? WHERE key = 'audit_cut'", (json.dumps(cut),)))
    report = verify(paths, key, clock)
    assert (report.problem, report.seq) == (trail_verify.CUT_UNSIGNED, rows[1][0])


def test_a_damaged_trail_is_never_summarised_away(workspace, clock):
    add_practitioners(workspace, "Anne", "Bruno")
    paths = workspace.paths
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    target = entries(paths, key)[2][0]
    sql(paths, key, ("UPDATE audit_trail SET detail = 'x' WHERE seq = ?", (target,)))
    clock.advance(days=400)
    report = verify(paths, key, clock)  # opening tries the retention: it refuses
    assert (report.problem, report.seq) == (trail_verify.EDITED, target)


def test_a_checkpoint_that_could_not_be_written_is_written_at_close(workspace, clock):
    """The commit stands when its checkpoint cannot be appended (here the file's name
    is taken by a folder); the head is checkpointed when the profile closes."""
    paths = workspace.paths
    log = paths.root / checkpoints.FILE_NAME
    aside = paths.root / "aside.log"
    log.rename(aside)
    log.mkdir()
    try:
        add_practitioners(workspace, "Anne")  # committed; its checkpoint failed
        assert workspace.store.anchor.log.pending is not None
    finally:
        log.rmdir()
        aside.rename(log)
    with workspace.store.engine.connect() as conn:
        head = conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1").one()
    assert log_lines(paths)[-1]["seq"] < head[0]
    key = unlock_key(paths, passphrase="correct horse", kdf_floor=FAST_KDF)
    workspace.close()
    assert (log_lines(paths)[-1]["seq"], log_lines(paths)[-1]["hash"]) == tuple(head)
    assert verify(paths, key, clock).ok


def test_a_damaged_cut_still_opens_and_is_reported(trail, clock):
    paths, key = trail
    sql(paths, key, ("INSERT INTO local_meta (key, value) VALUES ('audit_cut', 'garbage')", ()))
    report = verify(paths, key, clock)
    assert report.problem == trail_verify.CUT_UNSIGNED

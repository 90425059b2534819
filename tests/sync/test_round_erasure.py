"""Rows erased for good at the practice are erased at its workstation after a round: the
workstation keeps one journal entry per row, the blank row, and no copy of the values."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.models import ChangeJournal
from app.models.calls import Call
from app.services.calls.events import CallInput
from app.storage.erasure import ERASED, RETENTION
from tests.decrypted_file import holds
from app.sync.scope import Scope
from tests.sync.roundkit import pair, sharing, sync


def test_a_call_erased_at_the_practice_is_erased_at_the_workstation(practice_factory,
                                                                    tmp_path, clock):
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    # Every call, however old: the workstation holds the one the rules erase.
    sharing(practice).set_scope("quimper", Scope(days_back=None, days_ahead=None))
    folder = tmp_path / "share"
    folder.mkdir()
    marker = "Zqxround" + secrets.token_hex(4)
    # A call of more than a year ago, logged today.
    call = practice.calls.record(CallInput("06 11 22 33 44", clock.now() - timedelta(days=400),
                                           note=marker)).id
    practice.calls.describe(call, note=marker + " rappelé")
    for ws in (practice, remote, practice):
        sync(ws, folder)
    with remote.store.reader() as s:
        assert s.get(Call, call).note == marker + " rappelé"

    clock.advance(hours=1)
    assert practice.retention.apply().calls == 1
    got = [sync(ws, folder) for ws in (practice, remote)][-1].peers[0]
    assert got.received and not got.refused_changes and got.held is None

    with remote.store.reader() as s:
        row = s.get(Call, call)
        assert (row.note, row.number, row.deleted_at is not None) == ("", "", True)
        entries = s.execute(select(ChangeJournal.op, ChangeJournal.payload).where(
            ChangeJournal.entity_id == call)).all()
        journal = "\n".join(s.execute(select(ChangeJournal.payload)).scalars())
    assert [(op, json.loads(p)[ERASED]) for op, p in entries] == [("insert", RETENTION)]
    assert marker not in journal
    assert holds(remote.paths.db, remote.profile.key, marker) == []

"""The phone system's report of an outgoing call joins only a call dialled from this
installation: a call another installation dialled (received by sync) went out through
its own phone, and the report here is another call, made by someone else."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Call
from tests.sync.roundkit import pair, sync


def test_a_report_here_never_joins_a_call_a_workstation_dialled(practice_factory, tmp_path):
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    pair(practice, remote)
    folder = tmp_path / "share"
    folder.mkdir()
    for ws in (practice, remote, practice):
        sync(ws, folder)
    away = remote.calls.dialled("06 12 34 56 78").call
    sync(remote, folder)
    assert sync(practice, folder).peers[0].applied
    with practice.store.reader() as s:
        assert s.get(Call, away.id) is not None
    # The practice's secretary dials the same number on the desk phone, a minute later.
    practice.clock.advance(seconds=60)
    reported = practice.calls.ringing("+33612345678", line="02 47 00 00 00",
                                      call_id="pbx-desk-1", direction="out")
    assert not reported.joined and reported.call.id != away.id
    with practice.store.reader() as s:
        mine = s.get(Call, away.id)
        assert (mine.external_id, mine.handled_by) == (None, away.handled_by)
        assert len(s.execute(select(Call)).scalars().all()) == 2

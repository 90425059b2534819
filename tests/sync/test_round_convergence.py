"""Random interleavings of edits and sync rounds between a practice and two remote
workstations (each paired with the practice, which relays between them): once every
side has synchronised, the shared rows are identical everywhere."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Patient, kinds
from app.services.agenda.views import BookingInput
from app.services.messages import MessageInput
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.sync.roundkit import pair, rows, sync

FIELDS = ("city", "email", "alert")
VALUES = ("Tours", "Quimper", "a@example.org", "b@example.org", "Malentendant", "")

step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(FIELDS),
              st.sampled_from(VALUES)),
    st.tuples(st.just("message"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("sync"), st.integers(0, 2)),
)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_three_nodes_end_identical(practice_factory, tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("share")
    practice = practice_factory("practice").workspace
    remotes = [practice_factory(f"remote{i}").workspace for i in (1, 2)]
    nodes = [practice, *remotes]
    try:
        a = build_agenda(practice)
        for i, patient in enumerate(a.patients):
            practice.agenda.book(BookingInput(a.morel, a.at(MONDAY + timedelta(days=1), 9 + i),
                                              None, patient, a.consult))
        for i, remote in enumerate(remotes):
            pair(practice, remote, name=f"poste{i + 1}")
        for ws in nodes:  # everyone starts with the practice's data
            sync(ws, folder)
        for ws in nodes:
            sync(ws, folder)
        for action, *args in steps:
            if action == "edit":
                who, patient, name, value = args
                with nodes[who].store.unit_of_work(actor_id=nodes[who].user_id) as uow:
                    setattr(uow.session.get(Patient, a.patients[patient]), name, value)
            elif action == "message":
                who, patient = args
                nodes[who].messages.send(MessageInput(f"Message de {who}",
                                                      patient_id=a.patients[patient]))
            else:
                for refused in sync(nodes[args[0]], folder).peers:
                    assert refused.refused_batch is None and not refused.refused_changes
        for _ in range(3):  # the practice relays: two passes reach everyone, one acks
            for ws in nodes:
                sync(ws, folder)
        patients = [{pid: {f: row[f] for f in FIELDS}
                     for pid, row in rows(ws, kinds.PATIENT, a.patients).items()}
                    for ws in nodes]
        assert patients[0] == patients[1] == patients[2]
        messages = [{mid: (row["body"], row["patient_id"])
                     for mid, row in rows(ws, kinds.MESSAGE).items()} for ws in nodes]
        assert messages[0] == messages[1] == messages[2]
    finally:
        for ws in nodes:
            ws.close()

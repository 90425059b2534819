"""The whole role × action matrix, walked through the service layer: each role signs in
with its own secret, tries every action; what the role may do works, anything else is
"accès refusé" and writes nothing (journal, audit trail, output file)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, ChangeJournal
from app.services import access
from app.services.access import MATRIX, AccessDenied
from app.services.agenda.setup import TypeInput
from app.services.audit_trail import TrailFilter
from app.services.agenda.views import BookingInput
from app.services.calls import CallInput
from app.services.consignes import ConsigneInput
from app.services.directory import ContactInput
from app.services.importing import PatientImporter
from app.services.patients import PatientInput
from app.services.workspace import open_workspace
from app.storage.signin import sign_in
from app.sync.pairing import Sharing
from tests.agenda_fixtures import MONDAY, build_agenda
from tests.conftest import FAST_KDF, assert_french

ALL = frozenset(access.ACTIONS)
NOT_SHARED = {access.ACCOUNTS, access.KEYS, access.SYNC_PEERS, access.AUDIT_READ,
              access.PATIENT_RIGHTS, access.RETENTION}
# The defaults the practice starts with, spelled out here so that a change to the
# matrix is a change of this test too.
EXPECTED = {
    "owner": ALL,
    "practitioner": ALL - NOT_SHARED - {access.SYNC_CONFLICTS},
    "secretary": ALL - NOT_SHARED - {access.GUARD_OVERRIDE},
    "remote-secretary": frozenset({
        access.APPOINTMENTS_READ, access.APPOINTMENTS_BOOK, access.APPOINTMENTS_MOVE,
        access.APPOINTMENTS_CANCEL, access.PATIENTS_READ, access.PATIENTS_EDIT,
        access.DIRECTORY_READ, access.CALLS_EVENT, access.CALLS_LOOKUP, access.MESSAGES,
        access.CALLBACKS, access.CONSIGNES_ACK, access.URGENT_PROTOCOL}),
    "telephony": frozenset({access.CALLS_EVENT, access.CALLS_LOOKUP}),
}
ACCOUNTS = {"practitioner": "dr-morel", "secretary": "secretaire",
            "remote-secretary": "distante", "telephony": "standard"}
SECRET = "Bureau du matin {}"
NOTE = "Tutelle : appeler sa fille"
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in range(1, 5))


def test_the_matrix_holds_the_suggested_defaults():
    assert MATRIX == EXPECTED
    assert access.sees_admin_note(_principal("secretary"))
    assert not access.sees_admin_note(_principal("remote-secretary"))


def _principal(role, practitioner_id=None):
    from app.models.principal import Principal

    return Principal("u", "n", role, practitioner_id)


def _writes(ws) -> tuple[int, int]:
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar())


@pytest.fixture
def practice(workspace, tmp_path):
    """The agenda practice, an account per role, and for each role its own appointments
    to move and cancel; closed, ready for each role to sign in."""
    ws = workspace
    ws.kdf = FAST_KDF
    agenda = build_agenda(ws)
    for role, name in ACCOUNTS.items():
        ws.accounts.add(name, role, SECRET.format(name),
                        practitioner_id=agenda.morel if role == "practitioner" else None)
    ctx = {"agenda": agenda, "roles": {}, "csv": tmp_path / "import.csv"}
    ctx["csv"].write_text("Nom;Prénom\nDurand;Léa\n", encoding="utf-8")
    card = ws.patients.create(PatientInput(birth_name="Roux", first_names="Marc",
                                           admin_note=NOTE))
    ctx["card"] = card.id
    ws.agenda.book(BookingInput(agenda.morel, agenda.at(FRIDAY, 10), None, agenda.patients[0],
                                agenda.consult))  # the refusal the override probes meet
    for i, role in enumerate(["owner", *ACCOUNTS]):
        minute = 30 * i
        move = ws.agenda.book(BookingInput(agenda.morel, agenda.at(WEDNESDAY, 9, 0) + timedelta(
            minutes=minute), None, agenda.patients[1], agenda.consult)).appointment.id
        cancel = ws.agenda.book(BookingInput(agenda.morel, agenda.at(THURSDAY, 9, 0) + timedelta(
            minutes=minute), None, agenda.patients[2], agenda.consult)).appointment.id
        call = ws.calls.record(CallInput("06 12 34 56 78", started_at=ws.clock.now())).id
        ctx["roles"][role] = {"i": i, "move": move, "cancel": cancel, "call": call}
    ctx["paths"] = ws.paths
    ws.close()
    return ctx


def _probes(ctx, role, out):
    """One call through the services per action."""
    a, mine = ctx["agenda"], ctx["roles"][role]
    minute = timedelta(minutes=30 * mine["i"])

    def book(ws):
        ws.agenda.book(BookingInput(a.morel, a.at(TUESDAY, 9) + minute, None, a.patients[0],
                                    a.consult))

    def override(ws):
        ws.agenda.book(BookingInput(a.morel, a.at(FRIDAY, 10), None, a.patients[1], a.consult),
                       override=True)

    probes = {
        access.APPOINTMENTS_READ: lambda ws: ws.agenda.appointments([a.morel], MONDAY, FRIDAY),
        access.APPOINTMENTS_BOOK: book,
        access.APPOINTMENTS_MOVE: lambda ws: ws.agenda.move(
            mine["move"], a.at(WEDNESDAY, 9, 15) + minute),
        access.APPOINTMENTS_CANCEL: lambda ws: ws.agenda.cancel(mine["cancel"], "patient"),
        access.GUARD_OVERRIDE: override,
        access.PATIENTS_READ: lambda ws: ws.patients.search("roux"),
        access.PATIENTS_EDIT: lambda ws: ws.patients.create(
            PatientInput(birth_name="Essai", first_names=role)),
        access.PATIENTS_NOTE_READ: lambda ws: _note_read(ws, ctx["card"]),
        access.PATIENTS_NOTE_EDIT: lambda ws: ws.patients.create(
            PatientInput(birth_name="Essai", first_names="Note", admin_note="note")),
        access.PATIENTS_MERGE: lambda ws: ws.duplicates.list_pairs(),
        access.PATIENTS_IMPORT: lambda ws: PatientImporter(
            ws.store, principal=ws.principal, clock=ws.clock).dry_run(ctx["csv"]),
        access.DIRECTORY_READ: lambda ws: ws.directory.search(""),
        access.DIRECTORY_EDIT: lambda ws: ws.directory.create(ContactInput(name=f"Labo {role}")),
        access.EXPORT: lambda ws: ws.exports.export_patients_csv(out),
        access.SETTINGS: lambda ws: ws.agenda_setup.save_type(TypeInput(f"Motif {role}")),
        access.ACCOUNTS: lambda ws: ws.accounts.list(),
        access.AUDIT_READ: lambda ws: ws.audit_trail.export_csv(out, TrailFilter()),
        access.CALLS_EVENT: lambda ws: ws.calls.ringing("06 12 34 56 78",
                                                        call_id=f"matrix-{role}"),
        access.CALLS_LOOKUP: lambda ws: ws.callers.identify("06 12 34 56 78"),
        access.CALLBACKS: lambda ws: ws.callbacks.open_list(),
        access.MESSAGES: lambda ws: ws.messages.inbox(),
        access.CONSIGNES_EDIT: lambda ws: ws.consignes.save(ConsigneInput(
            text=f"Consigne {role}")),
        access.CONSIGNES_ACK: lambda ws: ws.consignes.acknowledge([]),
        access.SYNC_CONFLICTS: lambda ws: ws.sync_conflicts.open_conflicts(),
        access.SYNC_PEERS: lambda ws: Sharing(ws.store, principal=ws.principal,
                                              clock=ws.clock).invite(f"poste-{role}"),
        access.URGENT_PROTOCOL: lambda ws: ws.call_desk.urgent_start(mine["call"]),
        access.REPORTS: lambda ws: (ws.day_reports.build(MONDAY),
                                    ws.call_desk.urgent_calls(MONDAY)),
        access.PATIENT_RIGHTS: lambda ws: ws.rights.erasure_refusal(ctx["card"]),
        access.RETENTION: lambda ws: ws.retention.apply(dry_run=True),
    }
    # Actions whose services come later (sync, reports...) or that are done
    # outside one (printing): the workspace's check, the one the screens call.
    for action in access.ACTIONS:
        probes.setdefault(action, lambda ws, action=action: ws.require(action))
    return probes


def _note_read(ws, card_id):
    """The read-scope rule: the card without its note is a refusal of the note."""
    if not ws.patients.get(card_id).admin_note:
        access.require(ws.principal, access.PATIENTS_NOTE_READ)


# The owner's adjustment walked as the defaults are: the secretary may override the
# guard and may no longer export.
ADJUSTED = {access.GUARD_OVERRIDE: True, access.EXPORT: False}


def _as_owner(practice, clock):
    signed = sign_in(practice["paths"], clock=clock, passphrase="correct horse",
                     kdf_floor=FAST_KDF)
    return open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)


@pytest.mark.parametrize("role, changes", [*((role, {}) for role in ["owner", *ACCOUNTS]),
                                           ("secretary", ADJUSTED)])
def test_every_action_of_every_role_through_the_services(practice, role, changes, clock,
                                                         tmp_path):
    expected = {**EXPECTED}
    if changes:
        owner = _as_owner(practice, clock)
        try:
            for action, allow in changes.items():
                owner.security.set_allowed(role, action, allow)
        finally:
            owner.close()
        expected[role] = (EXPECTED[role] | {a for a, on in changes.items() if on}) - {
            a for a, on in changes.items() if not on}
    name = ACCOUNTS.get(role)
    secret = SECRET.format(name) if name else "correct horse"
    signed = sign_in(practice["paths"], clock=clock, name=name, passphrase=secret,
                     kdf_floor=FAST_KDF)
    ws = open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)
    out = tmp_path / "export.csv"
    try:
        assert ws.principal.role == role
        for action, probe in _probes(practice, role, out).items():
            before = _writes(ws)
            if action in expected[role]:
                probe(ws)
                out.unlink(missing_ok=True)  # an allowed export
                continue
            with pytest.raises(AccessDenied) as refused:
                probe(ws)
            # Refused for this action, or for one it needs that the role lacks as well
            # (no override without booking).
            assert refused.value.action not in expected[role], (role, action)
            if action == access.PATIENTS_NOTE_READ and access.PATIENTS_READ in expected[role]:
                continue  # the card was read, without its note: that read is audited
            assert _writes(ws) == before, (role, action)
            assert not out.exists(), (role, action)
        if role != "owner":
            assert_french(lambda: refused.value.user_message, "accès refusé")
    finally:
        ws.close()


@pytest.mark.parametrize("role, practitioner, motif, allowed", [
    ("practitioner", "morel", "consult", True),
    ("practitioner", "faure", "consult", False),  # not their own agenda
    ("remote-secretary", "morel", "consult", True),
    ("remote-secretary", "morel", "visit", False),  # a motif not bookable remotely
    ("secretary", "faure", "visit", True),
])
def test_whose_agenda_and_which_motif(practice, clock, role, practitioner, motif, allowed):
    a, name = practice["agenda"], ACCOUNTS[role]
    signed = sign_in(practice["paths"], clock=clock, name=name, passphrase=SECRET.format(name),
                     kdf_floor=FAST_KDF)
    ws = open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)
    try:
        data = BookingInput(getattr(a, practitioner), a.at(TUESDAY, 15), None, a.patients[0],
                            getattr(a, motif))
        before = _writes(ws)
        if allowed:
            booked = ws.agenda.book(data).appointment
            ws.agenda.cancel(booked.id, "patient")
        else:
            with pytest.raises(AccessDenied):
                ws.agenda.book(data)
            assert _writes(ws) == before
    finally:
        ws.close()


def test_the_telephony_hook_reads_nothing_of_the_practice(practice, clock):
    """Every read of the agenda or of patients, whichever service: refused to the phone
    system's account, which only records calls and looks numbers up."""
    from app.services.agenda.day_queries import DayQueries

    a, card = practice["agenda"], practice["card"]
    signed = sign_in(practice["paths"], clock=clock, name="standard",
                     passphrase=SECRET.format("standard"), kdf_floor=FAST_KDF)
    ws = open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)
    appointment = practice["roles"]["owner"]["move"]
    reads = [
        lambda: ws.agenda.get(appointment), lambda: ws.agenda.waiting_room(MONDAY),
        lambda: ws.agenda.history(appointment), lambda: ws.agenda.for_patient(card),
        lambda: DayQueries.of(ws).day([a.morel], MONDAY),
        lambda: DayQueries.of(ws).my_day(a.morel, MONDAY),
        lambda: ws.appointment_brief(appointment), lambda: ws.patient_label(card),
        lambda: ws.patients.get(card), lambda: ws.timeline.for_patient(card),
        lambda: ws.duplicates.similar(PatientInput(birth_name="Roux", first_names="Marc")),
        lambda: ws.waiting_list.waiting(), lambda: ws.directory.count(),
        lambda: ws.call_desk.context(practice["roles"]["owner"]["call"]),
        lambda: ws.call_desk.start("06 12 34 56 78"),
    ]
    try:
        before = _writes(ws)
        for read in reads:
            with pytest.raises(AccessDenied):
                read()
        assert _writes(ws) == before
    finally:
        ws.close()


@pytest.mark.parametrize("role", ["owner", *ACCOUNTS])
def test_the_call_pages_and_the_reports_read_only_what_the_role_may(practice, role, clock):
    """Each read of the Appels and Statistiques pages and of the day report, under the
    action it needs: allowed or "accès refusé", never a write."""
    from app.services.calls.log import LogFilter

    name = ACCOUNTS.get(role)
    secret = SECRET.format(name) if name else "correct horse"
    signed = sign_in(practice["paths"], clock=clock, name=name, passphrase=secret,
                     kdf_floor=FAST_KDF)
    ws = open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)
    reads = [
        (access.CALLS_LOOKUP, lambda: ws.call_log.page(LogFilter(MONDAY))),
        (access.CALLS_LOOKUP, lambda: ws.call_log.count(LogFilter(MONDAY))),
        (access.CALLBACKS, lambda: ws.call_log.callbacks(MONDAY)),
        (access.CALLBACKS, lambda: ws.call_log.within_target_rate(MONDAY)),
        (access.REPORTS, lambda: ws.day_reports.build(MONDAY)),
        (access.REPORTS, lambda: ws.call_statistics(MONDAY, FRIDAY)),
    ]
    try:
        before = _writes(ws)
        for action, read in reads:
            if action in EXPECTED[role]:
                read()
            else:
                with pytest.raises(AccessDenied):
                    read()
        assert _writes(ws) == before
        if access.PRINT in EXPECTED[role] and access.REPORTS in EXPECTED[role]:
            ws.day_reports.record_output(MONDAY, None, output="printer")
        else:
            with pytest.raises(AccessDenied):
                ws.day_reports.record_output(MONDAY, None, output="printer")
            assert _writes(ws) == before
    finally:
        ws.close()


def test_the_owner_adjusts_within_bounds_and_each_change_is_audited(practice, clock):
    from app.services.errors import ValidationError

    owner = _as_owner(practice, clock)
    try:
        security = owner.security
        for role, action in (("owner", access.EXPORT), ("secretary", access.ACCOUNTS),
                             ("practitioner", access.KEYS), ("telephony", access.PATIENTS_READ)):
            with pytest.raises(ValidationError):
                security.set_allowed(role, action, role != "owner")
        assert security.rights() == MATRIX  # nothing changed
        before = _writes(owner)
        security.set_allowed("remote-secretary", access.PATIENTS_NOTE_READ, True)
        assert _writes(owner)[1] == before[1] + 1
        with owner.store.reader() as s:
            last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
        assert (last.action, last.detail) == (
            "setting", "remote-secretary:patients.note.read=on")
        assert access.PATIENTS_NOTE_READ in security.rights()["remote-secretary"]
        security.set_allowed("remote-secretary", access.PATIENTS_NOTE_READ, False)
        assert security.rights() == MATRIX and security.changes() == {}
    finally:
        owner.close()
    signed = sign_in(practice["paths"], clock=clock, name="secretaire",
                     passphrase=SECRET.format("secretaire"), kdf_floor=FAST_KDF)
    ws = open_workspace(practice["paths"], signed.key, clock=clock, signed_in=signed)
    try:
        before = _writes(ws)
        with pytest.raises(AccessDenied):
            ws.security.set_allowed("secretary", access.GUARD_OVERRIDE, True)
        assert _writes(ws) == before
    finally:
        ws.close()

"""Demo and benchmark data: a fictional French practice, generated reproducibly.

Everything here is invented: names are drawn from lists of common French surnames and
first names, phone numbers are random numbers in valid French ranges, addresses are
random street names in real towns. No record describes a real person.

The same ``seed`` gives the same contents in the same order (ids and timestamps
differ: they come from the clock and the ID generator). Each kind of data has its own
random stream derived from the seed, so adding a kind later (appointments, calls)
does not change the patients of an existing seed. The agenda (motifs, hours, absences,
appointments, series, waiting list) is in ``agenda_gen``, the telephone (calls,
callbacks) in ``calls_gen``.

The profile is built in a hidden folder beside the target and renamed into place at
the end: a cancelled or failed generation leaves nothing behind, and what a killed one
left is removed by the next run.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone
from itertools import islice

from sqlalchemy import select

from app.demo import agenda as agenda_gen
from app.demo import calls as calls_gen
from app.demo import messages as messages_gen
from app.demo.accounts import DEMO_ACCOUNTS
from app.demo.directory import demo_contacts
from app.demo.patients import demo_patients
from app.demo.sizes import (
    CHUNK,
    PRACTITIONERS,
    SIZES,
    CancelledFn,
    DemoSize,
    ProgressFn,
    practice_input,
    practitioner_name,
)
from app.clock import Clock
from app.models import (
    ContactCategory,
    Patient,
    Practitioner,
    Sex,
    contact_display_name,
)
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime
from app.services.errors import Cancelled
from app.services.workspace import Workspace, prepare_practice
from app.storage import leftovers
from app.storage.errors import ProfileExistsError
from app.storage.keys import DEMO_PASSPHRASE, KdfParams
from app.storage.profile import ProfilePaths

# -- the clock of a generation ------------------------------------------------------------
class _StampClock:
    """The generation's clock, which ``backdate`` sets back for a while: records are
    stamped when they would have been made (patients before their appointments, each
    appointment days before its day), so their history reads as a practice's would."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._at: datetime | None = None

    def now(self) -> datetime:
        return self._at if self._at is not None else self._clock.now()

    @contextmanager
    def backdate(self, at: datetime) -> Iterator[None]:
        before, self._at = self._at, at
        try:
            yield
        finally:
            self._at = before


# Before the agenda's first day: when the directory and then the patients were entered.
_DIRECTORY_LEAD = timedelta(days=900)
_PATIENTS_LEAD = timedelta(days=720)
# Above this many patients (the benchmark practice) the cards are entered at generation
# time: one unit of work per run of patients entered together would be tens of thousands.
_BACKDATED_CARDS_MAX = 10_000


# -- the sections of a generated practice -------------------------------------------------
@dataclass
class _Run:
    workspace: Workspace
    size: DemoSize
    seed: int
    clock: _StampClock
    total: int
    progress: ProgressFn | None
    cancelled: CancelledFn | None
    done: int = 0
    # (id, display name) of the general practitioners of the directory
    gp_contacts: list[tuple[str, str]] = field(default_factory=list)
    # the patients created, in order: who the agenda books
    patients: list[agenda_gen.PatientRef] = field(default_factory=list)

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled()

    def advance(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def _first_day(run: _Run) -> datetime:
    """About the instant the generated agenda starts (``months_back`` before now)."""
    return run.clock.now() - timedelta(days=round(run.size.months_back * 30.44))


def _contacts_section(run: _Run) -> None:
    rows = demo_contacts(run.seed, run.size.contacts)
    service = run.workspace.directory
    entered = _first_day(run) - _DIRECTORY_LEAD
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            return
        with run.clock.backdate(entered):
            ids = service.create_many(chunk)
        entered += timedelta(days=1)
        run.gp_contacts.extend(
            (cid, contact_display_name(c.title, c.name, c.first_name))
            for cid, c in zip(ids, chunk) if c.category == ContactCategory.GP.value)


# Share of patients whose referring doctor is a contact of the directory.
REFERRAL_SHARE = 0.04


def _patients_section(run: _Run) -> None:
    rows = demo_patients(run.seed, run.size.patients, size=run.size,
                         today=run.clock.now().date())
    # Its own stream: the patients themselves stay those of demo_patients().
    referrals = random.Random(f"permanence-demo/{run.seed}/referrals")
    service = run.workspace.patients
    # The cards entered chunk by chunk over the months before the agenda's first day.
    first = _first_day(run)
    entered = first - _PATIENTS_LEAD
    step = _PATIENTS_LEAD / max(1, -(-run.size.patients // CHUNK))
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        for patient in chunk:
            if run.gp_contacts and referrals.random() < REFERRAL_SHARE:
                patient.referring_contact_id, patient.referring_doctor = referrals.choice(
                    run.gp_contacts)
        if run.size.patients > _BACKDATED_CARDS_MAX:
            service.create_many(chunk)  # a benchmark practice: entered now, in one go
        else:
            _enter_cards(run, service, chunk, min(entered, first))
        entered += step
        run.advance(len(chunk))
    run.patients = _created_patients(run.workspace)


def _enter_cards(run: _Run, service, chunk: list, at: datetime) -> None:
    """Create the cards of ``chunk`` as entered at ``at``; a card is never older than its
    patient: a baby's is entered the week after birth. In the order generated (the
    agenda books patients by that order), the cards entered at the same time together."""
    runs: list[tuple[datetime, list]] = []
    for patient in chunk:
        when = at
        if patient.birth_date is not None:
            week = patient.birth_date + timedelta(days=7 - patient.birth_date.weekday())
            when = max(at, datetime.combine(week, time(9), tzinfo=timezone.utc))
        when = min(when, run.clock.now())
        if runs and runs[-1][0] == when:
            runs[-1][1].append(patient)
        else:
            runs.append((when, [patient]))
    for when, patients in runs:
        with run.clock.backdate(when):
            service.create_many(patients)


def _created_patients(workspace: Workspace) -> list[agenda_gen.PatientRef]:
    with workspace.store.reader() as s:
        rows = s.execute(select(Patient.id, Patient.sex, Patient.birth_date,
                                Patient.referring_doctor)
                         .where(Patient.deleted_at.is_(None)).order_by(Patient.version))
        return [agenda_gen.PatientRef(pid, sex == Sex.FEMALE.value, birth, doctor or "")
                for pid, sex, birth, doctor in rows]


def _agenda_section(run: _Run) -> None:
    if not run.size.appointments:
        return
    ws = run.workspace
    with ws.store.reader() as s:
        ids = {(first, last): pid for pid, first, last in s.execute(
            select(Practitioner.id, Practitioner.first_name, Practitioner.last_name))}
    staff = [agenda_gen.Practitioner(i, ids[p.first_name, p.last_name], practitioner_name(p),
                                      p.specialty)
             for i, p in enumerate(PRACTITIONERS[:run.size.practitioners])]
    agenda_gen.generate_agenda(
        ws.store, actor_id=ws.user_id, seed=run.seed, practitioners=staff,
        patients=run.patients, zone=PracticeTime(ws.practice.timezone),
        holidays=PublicHolidays(ws.practice.holiday_region), now=run.clock.now(),
        months_back=run.size.months_back, months_ahead=run.size.months_ahead,
        appointments=run.size.appointments, progress=run.advance, check=run.check,
        backdate=run.clock.backdate)


def _calls_section(run: _Run) -> None:
    if not run.size.calls:
        return
    ws = run.workspace
    lines = [calls_gen.Line(pid, p.specialty)
             for pid, p in zip(_practitioner_ids(run), PRACTITIONERS)]
    calls_gen.generate_calls(
        ws.store, actor_id=ws.user_id, seed=run.seed, lines=lines,
        zone=PracticeTime(ws.practice.timezone),
        holidays=PublicHolidays(ws.practice.holiday_region), now=run.clock.now(),
        calls=run.size.calls, progress=run.advance, check=run.check)


def _practitioner_ids(run: _Run) -> list[str]:
    """The practice's practitioners' ids, in ``PRACTITIONERS`` order."""
    with run.workspace.store.reader() as s:
        ids = {(first, last): pid for pid, first, last in s.execute(
            select(Practitioner.id, Practitioner.first_name, Practitioner.last_name))}
    return [ids[p.first_name, p.last_name] for p in PRACTITIONERS[:run.size.practitioners]]


def _messages_section(run: _Run) -> None:
    """The consignes, and the last weeks' messages for the practitioners."""
    ws, now = run.workspace, run.clock.now()
    practitioner_ids = _practitioner_ids(run)
    run.check()
    messages_gen.generate_consignes(ws, practitioner_ids=practitioner_ids, now=now)
    messages_gen.generate_messages(ws, seed=run.seed, practitioner_ids=practitioner_ids,
                                   patient_ids=[p.id for p in run.patients[:500]], now=now)


def _accounts_section(run: _Run) -> None:
    """An account per role (app.demo.accounts), wrapped with the practice's own cost."""
    ws = run.workspace
    ids = _practitioner_ids(run)
    for account in DEMO_ACCOUNTS:
        practitioner = None
        if account.practitioner is not None:
            practitioner = ids[account.practitioner]
        ws.accounts.add(account.name, account.role, account.passphrase,
                        display_name=account.display_name, practitioner_id=practitioner)


def _sharing_section(run: _Run) -> None:
    """A remote secretariat invited, its request not yet back: Réglages → Partage shows
    the invitation pending and what it will receive (the invite file itself is not kept);
    and one conflict to resolve, as a round records it when both sides changed a
    patient's e-mail before synchronising (the conflict list is local, never sent)."""
    from app.models import Patient
    from app.models.conflict import FIELD, SyncConflict
    from app.sync.pairing import Sharing

    ws = run.workspace
    Sharing(ws.store, principal=ws.principal, clock=ws.clock).invite("secretariat-quimper")
    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        patient = uow.session.scalars(select(Patient).where(
            Patient.deleted_at.is_(None), Patient.email > "")
            .order_by(Patient.id).limit(1)).first()
        if patient is None:
            return
        other = "ancienne." + patient.email
        uow.session.add(SyncConflict(
            key=f"field:patient:{patient.id}:email:demo", conflict=FIELD, kind="patient",
            entity_id=patient.id, field="email", kept_value=json.dumps(patient.email),
            other_value=json.dumps(other), kept_stamp=patient.version,
            other_stamp=max(patient.version - 1, 0), kept_node=ws.store.node_id,
            other_node=DEMO_REMOTE_NODE, peer_node=DEMO_REMOTE_NODE, detected_at=uow.now))


# The remote secretariat's node in the demo's conflict (it is not paired: no keys).
DEMO_REMOTE_NODE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


# Each kind of data in the order it is generated: (name, how many, generator). The
# directory comes first (patients refer to its doctors), the agenda after the patients it
# books, then the calls and the messages about them, and the accounts; progress counts
# patients and
# appointments, the directory takes a moment.
_SECTIONS: tuple[tuple[str, Callable[[DemoSize], int], Callable[[_Run], None]], ...] = (
    ("contacts", lambda s: 0, _contacts_section),
    ("patients", lambda s: s.patients, _patients_section),
    ("agenda", lambda s: s.appointments, _agenda_section),
    ("calls", lambda s: s.calls, _calls_section),
    ("messages", lambda s: 0, _messages_section),
    ("accounts", lambda s: 0, _accounts_section),
    ("sharing", lambda s: 0, _sharing_section),
)


# -- the entry point ---------------------------------------------------------------------
def generate_demo(paths: ProfilePaths, *, size: str | DemoSize = "demo", seed: int = 1,
                  passphrase: str = DEMO_PASSPHRASE, clock: Clock, kdf: KdfParams = KdfParams(),
                  progress: ProgressFn | None = None,
                  cancelled: CancelledFn | None = None) -> Workspace:
    """Create a fictional practice at ``paths`` and return it open (the caller closes it).

    Raises ``ProfileExistsError`` if a profile is already there, ``Cancelled`` if
    ``cancelled()`` turned true; in both cases, and on any failure, nothing is left at
    ``paths``. ``size``: one of ``SIZES`` by name, or a ``DemoSize`` of one's own.
    """
    if isinstance(size, DemoSize):
        spec = size
    else:
        try:
            spec = SIZES[size]
        except KeyError:
            raise ValueError(f"unknown demo size {size!r}; one of {', '.join(SIZES)}") from None
    # Hidden ".partial" folders of a generation killed under an older version.
    leftovers.remove_stale(paths.root.parent, f".{paths.root.name}.", ".partial", legacy=True)
    if paths.exists():
        raise ProfileExistsError(str(paths.root))
    stamps = _StampClock(clock)
    # The practice and its practitioners were set up before anything else was entered.
    set_up = clock.now() - timedelta(days=round(spec.months_back * 30.44)) - _DIRECTORY_LEAD \
        - timedelta(days=7)
    with stamps.backdate(set_up):
        pending = prepare_practice(paths, practice_input(spec), passphrase=passphrase,
                                   keychain=None, clock=stamps, kdf=kdf, demo=True)
    try:
        workspace = pending.open_aside(clock=stamps)
        workspace.kdf = kdf  # the accounts' passphrases cost what the owner's does
        run = _Run(workspace, spec, seed, stamps,
                   total=sum(count(spec) for _, count, _ in _SECTIONS),
                   progress=progress, cancelled=cancelled)
        try:
            if progress is not None:
                progress(0, run.total)
            for _name, _count, section in _SECTIONS:
                section(run)
            run.check()
        finally:
            workspace.close()
        return pending.place(clock=clock)
    except BaseException:
        pending.discard()
        raise

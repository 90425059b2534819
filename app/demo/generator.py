"""Demo and benchmark data: a fictional French practice, generated reproducibly.

Everything here is invented: names are drawn from lists of common French surnames and
first names, phone numbers are random numbers in valid French ranges, addresses are
random street names in real towns. No record describes a real person.

The same ``seed`` gives the same contents in the same order (ids and timestamps
differ: they come from the clock and the ID generator). Each kind of data has its own
random stream derived from the seed, so adding a kind later (appointments, calls)
does not change the patients of an existing seed. The agenda (motifs, hours, absences,
appointments, series, waiting list) is in ``agenda_gen``.

The profile is built in a hidden folder beside the target and renamed into place at
the end: a cancelled or failed generation leaves nothing behind, and what a killed one
left is removed by the next run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import select

from app.demo import agenda as agenda_gen
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

# -- the sections of a generated practice -------------------------------------------------
@dataclass
class _Run:
    workspace: Workspace
    size: DemoSize
    seed: int
    clock: Clock
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


def _contacts_section(run: _Run) -> None:
    rows = demo_contacts(run.seed, run.size.contacts)
    service = run.workspace.directory
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            return
        ids = service.create_many(chunk)
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
    while True:
        run.check()
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        for patient in chunk:
            if run.gp_contacts and referrals.random() < REFERRAL_SHARE:
                patient.referring_contact_id, patient.referring_doctor = referrals.choice(
                    run.gp_contacts)
        service.create_many(chunk)
        run.advance(len(chunk))
    run.patients = _created_patients(run.workspace)


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
        appointments=run.size.appointments, progress=run.advance, check=run.check)


def _accounts_section(run: _Run) -> None:
    """An account per role (app.demo.accounts), wrapped with the practice's own cost."""
    ws = run.workspace
    with ws.store.reader() as s:
        ids = {(first, last): pid for pid, first, last in s.execute(
            select(Practitioner.id, Practitioner.first_name, Practitioner.last_name))}
    for account in DEMO_ACCOUNTS:
        practitioner = None
        if account.practitioner is not None:
            p = PRACTITIONERS[account.practitioner]
            practitioner = ids[p.first_name, p.last_name]
        ws.accounts.add(account.name, account.role, account.passphrase,
                        display_name=account.display_name, practitioner_id=practitioner)


# Each kind of data in the order it is generated: (name, how many, generator).
# Later kinds (calls) add a line here. The directory comes first (patients refer to its
# doctors), the agenda after the patients it books; progress counts patients and
# appointments, the directory takes a moment.
_SECTIONS: tuple[tuple[str, Callable[[DemoSize], int], Callable[[_Run], None]], ...] = (
    ("contacts", lambda s: 0, _contacts_section),
    ("patients", lambda s: s.patients, _patients_section),
    ("agenda", lambda s: s.appointments, _agenda_section),
    ("accounts", lambda s: 0, _accounts_section),
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
    pending = prepare_practice(paths, practice_input(spec), passphrase=passphrase,
                               keychain=None, clock=clock, kdf=kdf, demo=True)
    try:
        workspace = pending.open_aside(clock=clock)
        workspace.kdf = kdf  # the accounts' passphrases cost what the owner's does
        run = _Run(workspace, spec, seed, clock,
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

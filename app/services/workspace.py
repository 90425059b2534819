"""Opening and creating a practice: the storage steps plus the practice's own setup.

A ``Workspace`` is an open profile with the services the UI and the CLI use, wired
for the signed-in user. It is the only object the composition root hands around.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from app.clock import Clock
from app.services.agenda.confirmations import ConfirmationService
from app.services.agenda.freed_slots import FreedSlotService
from app.models.principal import Principal
from app.models.user import LOGIN_PATTERN
from app.services import access
from app.services.accounts import USER_ENTITY, AccountKeys, AccountService, principal_for
from app.services.agenda.links import appointment_source, register_agenda_links
from app.services.agenda.series import SeriesService
from app.services.agenda.service import AgendaService
from app.services.agenda.setup import AgendaSetupService
from app.services.agenda.slots import SlotFinder
from app.services.agenda.waiting_list import WaitingListService
from app.services.agenda.zone import PracticeTime
from app.services.audit_trail import AuditTrailService
from app.services.break_glass import BreakGlassService
from app.services.calls import CallbackService, CallerIdentifier, CallService
from app.services.consignes import ConsigneService
from app.services.directory import DirectoryService
from app.services.duplicates import DuplicateService
from app.services.exporting import ExportService
from app.services.messages import MessageService
from app.services.patients import PatientService
from app.services.practice_keys import PracticeKeys
from app.services.retention import RetentionService
from app.services.rgpd import PatientRightsService
from app.services.sync_conflicts import SyncConflictService
from app.services.security import SecuritySettings
from app.services.timeline import DEFAULT_SOURCES, TimelineService
from app.services.practice import (
    PracticeDetails, PracticeEditor, PracticeInfo, PracticeInput, PractitionerInfo, get_practice,
    list_practitioners, setup_practice, validate_practice,
)
from app.storage.changes import Initiator
from app.storage.keychain import Keychain
from app.storage.keys import KdfParams
from app.storage.signin import Attempts, SignedIn
from app.storage.profile import (
    CreatedProfile,
    OpenProfile,
    ProfileBuild,
    ProfilePaths,
    create_database,
    open_profile,
)

# How the trail names failures of the owner's passphrase (counted without a name).
OWNER_LABEL = "(owner)"

if TYPE_CHECKING:
    from app.services.agenda.ics import IcsExporter


@dataclass
class Workspace:
    profile: OpenProfile
    principal: Principal
    practice: PracticeInfo
    patients: PatientService
    directory: DirectoryService
    clock: Clock
    timeline: TimelineService
    duplicates: DuplicateService
    # The Argon2id cost of the passphrases set from here (new accounts); tests lower it.
    kdf: KdfParams = field(default_factory=KdfParams)

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    def may(self, action: str) -> bool:
        """Whether the signed-in account's role may do ``action`` (app.services.access),
        for the screens to hide what it cannot do; the services check it anyway."""
        return access.allowed(self.principal, action)

    def require(self, action: str) -> None:
        """``AccessDenied`` unless the signed-in account may do ``action``: for what is
        done outside a service (printing)."""
        access.require(self.principal, action)

    def change_own_passphrase(self, old: str, new: str, *, kdf_floor: KdfParams | None = None,
                              wait=None) -> None:
        """The signed-in person's new passphrase (any role: it is their own). Held to the
        passphrase rule (``ValidationError``); the old one must be right (a wrong one is
        a failed sign-in); only their own wrap changes; audited."""
        from app.services.passphrase_policy import check_new_passphrase
        from app.storage.keys import MIN_KDF
        from app.storage.signin import change_own_passphrase

        check_new_passphrase(new, context=[self.principal.name])
        change_own_passphrase(self.paths, clock=self.clock, name=self.principal.name, old=old,
                              new=new, kdf=self.kdf, kdf_floor=kdf_floor or MIN_KDF, wait=wait)
        with self.store.unit_of_work(actor_id=self.user_id) as uow:
            uow.audit("passphrase_change", USER_ENTITY, self.user_id)

    def seen_as(self, account_name: str) -> Workspace:
        """The same open practice as the account ``account_name`` would have it, its
        services checking that account's rights: for the owner to see (and show, in the
        screenshots) what a role sees. Owner's only (``access.ACCOUNTS``); not to be
        closed (it shares this one's profile)."""
        access.require(self.principal, access.ACCOUNTS)
        account = next((a for a in self.accounts.list()
                        if a.name == account_name and a.active), None)
        if account is None:
            raise LookupError(f"no active account {account_name}")
        who = principal_for(self.store, SignedIn(b"", account.name, account.id, how="account"),
                            workstation=self.principal.workstation,
                            workstation_name=self.principal.workstation_name, clock=self.clock)
        return _workspace(self.profile, who, self.practice, self.clock)

    # -- what the screens read, so that they never hold the store themselves ----------
    def practitioners(self) -> list[PractitionerInfo]:
        """The active practitioners of the agenda (the screens' reference list)."""
        return list_practitioners(self.store)

    def subscribe(self, listener):
        """Call ``listener(change_set)`` after each commit (the UI's change bus); returns
        what unsubscribes it."""
        return self.store.subscribe(listener)

    def patient_label(self, patient_id: str):
        from app.services.agenda.booking_queries import patient_label

        access.require(self.principal, access.PATIENTS_READ)
        return patient_label(self.store, patient_id)

    def appointment_brief(self, appointment_id: str):
        from app.services.agenda.booking_queries import appointment_brief

        access.require(self.principal, access.APPOINTMENTS_READ)
        return appointment_brief(self.store, appointment_id)

    def patient_phones(self, patient_id: str):
        """The card's numbers, in its order (the agenda's tooltip, menu and dialog)."""
        from app.services.agenda.booking_queries import patient_phones

        access.require(self.principal, access.PATIENTS_READ)
        return patient_phones(self.store, patient_id)

    def agenda_readiness(self, practitioner_ids):
        """What the agenda of these practitioners still lacks (types, weekly hours)."""
        from app.services.agenda.readiness import agenda_readiness

        access.require(self.principal, access.APPOINTMENTS_READ)
        return agenda_readiness(self.store, practitioner_ids)

    def check_sign_in(self, signed: SignedIn) -> Principal:
        """Who a sign-in made while this practice is open is (at the lock): the
        principal it would open as; ``UnknownAccount`` for a disabled or unknown one."""
        return principal_for(self.store, signed, workstation=self.principal.workstation,
                             workstation_name=self.principal.workstation_name,
                             clock=self.clock)

    @cached_property
    def backup_schedule(self):
        """The practice's scheduled backups (its folder, when one is due, running it)."""
        from app.services.backup_schedule import BackupSchedule

        return BackupSchedule(self.store, self.paths, actor_id=self.user_id, clock=self.clock,
                              zone=self.zone.zone)

    def holiday_openings(self, first, last):
        from app.services.agenda.setup_queries import holiday_openings

        return holiday_openings(self.store, first, last)

    def importer(self):
        """A CSV importer of patients, for the signed-in person."""
        from app.services.importing import PatientImporter

        return PatientImporter(self.store, principal=self.principal, clock=self.clock)

    def run_checks(self):
        """The database checks of Réglages (may run on a worker thread)."""
        from app.services.check import run_checks

        return run_checks(self.store)

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(self.store, principal=self.principal, clock=self.clock,
                              keys=AccountKeys(self.paths.envelope, self.profile.key, self.kdf))

    @property
    def store(self):
        return self.profile.store

    @property
    def initiator(self) -> Initiator:
        """Who the changes made through this workspace come from (the signed-in user)."""
        return Initiator(self.user_id)

    @cached_property
    def zone(self) -> PracticeTime:
        return PracticeTime(self.practice.timezone)

    @cached_property
    def agenda(self) -> AgendaService:
        return AgendaService(self.store, principal=self.principal, clock=self.clock, zone=self.zone,
                             holiday_region=self.practice.holiday_region)

    @cached_property
    def agenda_setup(self) -> AgendaSetupService:
        return AgendaSetupService(self.store, principal=self.principal, clock=self.clock)

    @cached_property
    def agenda_export(self) -> IcsExporter:
        from app.services.agenda.ics import IcsExporter  # icalendar: ~65 ms, on first export

        return IcsExporter(self.store, principal=self.principal, clock=self.clock)

    @cached_property
    def slots(self) -> SlotFinder:
        return SlotFinder(self.store, clock=self.clock, zone=self.zone,
                          holiday_region=self.practice.holiday_region)

    @cached_property
    def series(self) -> SeriesService:
        return SeriesService(self.store, agenda=self.agenda, principal=self.principal)

    @cached_property
    def waiting_list(self) -> WaitingListService:
        return WaitingListService(self.store, agenda=self.agenda, principal=self.principal,
                                  clock=self.clock)

    @cached_property
    def confirmations(self) -> ConfirmationService:
        return ConfirmationService(self.store, agenda=self.agenda, actor_id=self.user_id,
                                   clock=self.clock)

    @cached_property
    def freed_slots(self) -> FreedSlotService:
        return FreedSlotService(self.store, agenda=self.agenda, waiting_list=self.waiting_list,
                                actor_id=self.user_id, clock=self.clock)

    @cached_property
    def messages(self) -> MessageService:
        return MessageService(self.store, actor_id=self.user_id, clock=self.clock,
                              principal=self.principal)

    @cached_property
    def sync_conflicts(self) -> SyncConflictService:
        return SyncConflictService(self.store, principal=self.principal, clock=self.clock,
                                   zone=self.zone)

    @cached_property
    def consignes(self) -> ConsigneService:
        return ConsigneService(self.store, actor_id=self.user_id, clock=self.clock,
                               zone=self.zone, principal=self.principal)

    def set_holiday_region(self, region: str) -> None:
        """Save the practice's holiday region; the agenda and the slot finder follow at once
        (the series and the waiting list read it from the agenda)."""
        previous = self.practice.holiday_region
        # Before the write: whoever the store tells of it reads with the new region.
        self._use_holiday_region(region)
        try:
            self.agenda_setup.set_holiday_region(region)
        except BaseException:
            self._use_holiday_region(previous)
            raise

    def _use_holiday_region(self, region: str) -> None:
        self.practice = replace(self.practice, holiday_region=region)
        for service in (self.agenda, vars(self).get("slots")):  # the finder, if made
            if service is not None:
                service.holiday_region = region

    @cached_property
    def practice_editor(self) -> PracticeEditor:
        return PracticeEditor(self.store, actor_id=self.user_id, clock=self.clock)

    # -- the practice's lines (app.services.calls.lines) ------------------------------
    def practice_lines(self) -> list[str]:
        from app.services.calls.lines import practice_lines

        return practice_lines(self.store)

    def set_practice_lines(self, numbers) -> list[str]:
        from app.services.calls.lines import set_practice_lines

        return set_practice_lines(self.store, numbers, principal=self.principal,
                                  paths=self.paths)

    @property
    def is_remote_workstation(self) -> bool:
        from app.services.calls.lines import is_remote_workstation

        return is_remote_workstation(self.store)

    def save_practice(self, details: PracticeDetails) -> PracticeInfo:
        """Save the practice's details; the name and address show at once. A new time
        zone (allowed only before the first appointment) is saved and used from the next
        start: the open agenda keeps the one it was opened with."""
        saved = self.practice_editor.save_practice(details)
        self.practice = replace(saved, timezone=self.practice.timezone)
        return saved

    @cached_property
    def calls(self) -> CallService:
        # Who handles a call is asked of the workspace at each call: the signed-in user.
        return CallService(self.store, actor_id=self.user_id, clock=self.clock, zone=self.zone,
                           handler=lambda: self.user_id, principal=self.principal)

    @cached_property
    def callbacks(self) -> CallbackService:
        return CallbackService(self.store, actor_id=self.user_id, clock=self.clock,
                               principal=self.principal)

    @cached_property
    def call_desk(self):
        """The call panel's service (app.services.calls.desk)."""
        from app.services.agenda.day_queries import DayQueries
        from app.services.calls.desk import CallDesk

        days = DayQueries.of(self)
        return CallDesk(self.store, calls=self.calls, messages=self.messages,
                        callbacks=self.callbacks, consignes=self.consignes,
                        patient_agenda=lambda pid: days.patient_agenda(pid, upcoming=2, past=1),
                        actor_id=self.user_id, clock=self.clock, zone=self.zone,
                        principal=self.principal)

    @cached_property
    def callers(self) -> CallerIdentifier:
        return CallerIdentifier(self.store, principal=self.principal)

    @cached_property
    def call_log(self):
        """The Appels page's reads: a day's calls page by page, the callbacks list."""
        from app.services.calls.log import CallLog

        return CallLog(self.store, zone=self.zone, clock=self.clock, principal=self.principal)

    @cached_property
    def day_reports(self):
        """The day report ("Compte rendu de la journée"), read and audited when output."""
        from app.services.calls.day_report import DayReportService

        return DayReportService(self.store, zone=self.zone, clock=self.clock,
                                actor_id=self.user_id, principal=self.principal)

    def call_statistics(self, first, last, *, practitioner_id: str | None = None):
        """The Statistiques page's figures (``app.services.calls.statistics``); may run
        on a worker thread."""
        from app.services.calls.statistics import statistics

        access.require(self.principal, access.REPORTS)
        return statistics(self.store, self.zone, first, last, now=self.clock.now(),
                          practitioner_id=practitioner_id)

    @property
    def role(self) -> str:
        return self.principal.role

    @cached_property
    def audit_trail(self) -> AuditTrailService:
        return AuditTrailService(self.store, principal=self.principal, clock=self.clock,
                                 zone=self.zone)

    @cached_property
    def rights(self) -> PatientRightsService:
        """The patient's rights: the RGPD export and erasure (owner-only)."""
        return PatientRightsService(self.store, principal=self.principal, clock=self.clock,
                                    zone=self.zone)

    @cached_property
    def retention(self) -> RetentionService:
        """The retention rules and their application (setting and applying on demand:
        the owner; the daily run: whoever is signed in)."""
        return RetentionService(self.store, principal=self.principal, clock=self.clock)

    @property
    def practice_keys(self) -> PracticeKeys:
        """The practice's own passphrase and recovery key (the owner's); each account's
        own passphrase is ``accounts``'. Made at each use: it takes ``kdf`` as it is."""
        return PracticeKeys(self.store, self.paths.envelope, self.profile.key,
                            principal=self.principal, kdf=self.kdf)

    @cached_property
    def security(self) -> SecuritySettings:
        return SecuritySettings(self.store, principal=self.principal, clock=self.clock)

    @cached_property
    def break_glass(self) -> BreakGlassService:
        return BreakGlassService(self.store, principal=self.principal, clock=self.clock)

    @cached_property
    def exports(self) -> ExportService:
        return ExportService(self.store, principal=self.principal, clock=self.clock)

    @property
    def paths(self) -> ProfilePaths:
        return self.profile.paths

    def close(self) -> None:
        self.profile.close()


def open_workspace(paths: ProfilePaths, key: bytes, *, clock: Clock,
                   signed_in: SignedIn | None = None,
                   keychain: Keychain | None = None) -> Workspace:
    """The practice, open for whoever ``signed_in`` says (None: its owner, as for the
    keychain and the recovery key). Failed sign-ins kept since it was last opened are
    written to the audit trail first. ``keychain``: where the audit trail's last
    checkpoint is mirrored, if usable."""
    register_agenda_links()
    if signed_in is None:
        signed_in = getattr(key, "signed_in", None)  # a key from sign_in says whose it is
    profile = open_profile(paths, key, clock=clock, keychain=keychain)
    try:
        store = profile.store
        user = principal_for(store, signed_in, workstation=store.node_id, clock=clock)
        # The unit of work stamps the workstation on every audit entry from now on.
        store.workstation_name = user.workstation_name
        practice = get_practice(store)
        if practice is None:
            raise LookupError("no practice in this database")
        _audit_failed_sign_ins(store, paths, user, clock)
        workspace = _workspace(profile, user, practice, clock)
        if signed_in is not None and signed_in.emergency is not None:
            workspace.break_glass.open(signed_in.emergency)
        return workspace
    except BaseException:
        profile.close()
        raise


def _workspace(profile: OpenProfile, user: Principal, practice: PracticeInfo,
               clock: Clock) -> Workspace:
    store = profile.store
    return Workspace(profile=profile, principal=user, practice=practice,
                     patients=PatientService(store, principal=user, clock=clock), clock=clock,
                     directory=DirectoryService(store, principal=user, clock=clock),
                     timeline=TimelineService(store, principal=user, sources=(
                         *DEFAULT_SOURCES, appointment_source(PracticeTime(practice.timezone)))),
                     duplicates=DuplicateService(store, principal=user, clock=clock))


def _audit_failed_sign_ins(store, paths: ProfilePaths, principal: Principal,
                           clock: Clock) -> None:
    """The failures the attempt counter kept, into the trail (then out of the file)."""
    attempts = Attempts(paths.root, clock)
    pending = attempts.pending()
    if not pending:
        return
    with store.unit_of_work(actor_id=principal.user_id) as uow:
        for failure in pending:
            name = failure.name if LOGIN_PATTERN.fullmatch(failure.name) else OWNER_LABEL
            uow.audit("sign_in_failed", USER_ENTITY, name,
                      "at=" + failure.at.isoformat(timespec="seconds"))
    attempts.forget_pending(len(pending))


@dataclass
class NewPractice:
    workspace: Workspace
    recovery_key: str


class PendingPractice:
    """A new practice, built and set up in a hidden folder beside its profile folder,
    not yet in place: the caller shows ``recovery_key``, then ``place()``s it (or
    ``discard()``s it). Until then the profile folder holds no profile, and a process
    killed meanwhile leaves nothing that the next run does not remove."""

    def __init__(self, build: ProfileBuild, created: CreatedProfile,
                 keychain: Keychain | None) -> None:
        self.paths = build.target
        self.recovery_key = created.recovery_key
        self._build = build
        self._created = created
        self._keychain = keychain
        self.placed = False

    def open_aside(self, *, clock: Clock) -> Workspace:
        """The practice where it is built, to fill it before placing it (the demo)."""
        return open_workspace(self._build.paths, self._created.key, clock=clock)

    def place(self, *, clock: Clock) -> Workspace:
        """Move it into its profile folder and open it there."""
        self._build.place()
        self.placed = True
        return open_workspace(self.paths, self._created.key, clock=clock)

    def discard(self) -> None:
        """Drop it, unless it is already in place."""
        if self.placed:
            return
        self._build.discard()
        if self._keychain is not None and self._created.protected_by_keychain:
            self._keychain.delete(self._created.envelope_id)


def prepare_practice(paths: ProfilePaths, data: PracticeInput, *, passphrase: str | None,
                     keychain: Keychain | None, clock: Clock,
                     kdf: KdfParams = KdfParams(), demo: bool = False) -> PendingPractice:
    """A new profile holding a set-up practice, built aside (see ``PendingPractice``).

    The caller checks a new passphrase first (app.services.passphrase_policy); ``demo``
    marks a demo practice, the only kind that may use the documented demo passphrase.
    """
    validate_practice(data)  # before any file is written
    build = ProfileBuild(paths)
    try:
        created = create_database(build.paths, passphrase=passphrase, keychain=keychain,
                                  kdf=kdf, clock=clock, demo=demo)
        pending = PendingPractice(build, created, keychain)
    except BaseException:
        build.discard()
        raise
    try:
        profile = open_profile(build.paths, created.key, clock=clock)
        try:
            setup_practice(profile.store, data)
        finally:
            profile.close()
    except BaseException:
        pending.discard()
        raise
    return pending


def create_practice(paths: ProfilePaths, data: PracticeInput, *, passphrase: str | None,
                    keychain: Keychain | None, clock: Clock,
                    kdf: KdfParams = KdfParams(), demo: bool = False) -> NewPractice:
    """A new profile holding a set-up practice, in place and open; the recovery key to
    show once. (The command line and the setup assistant show the key before placing:
    ``prepare_practice``.)"""
    pending = prepare_practice(paths, data, passphrase=passphrase, keychain=keychain,
                               clock=clock, kdf=kdf, demo=demo)
    try:
        workspace = pending.place(clock=clock)
    except BaseException:
        pending.discard()
        raise
    return NewPractice(workspace, pending.recovery_key)

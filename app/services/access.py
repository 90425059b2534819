"""Who may do what: one matrix of role × action, one check at the service boundary.

Every service method that reads or writes practice data calls ``require`` first, with
the principal it was given at sign-in; a refusal is ``AccessDenied`` ("accès refusé"),
raised before anything is read or written. The screens ask ``allowed`` to hide what a
role cannot do, but a direct call is refused all the same.

Two rules go beyond the matrix, both in ``require``:
- a practitioner account linked to a practitioner of the agenda books, moves and
  cancels in that agenda only (their own), and sees every agenda;
- a remote secretary books, moves and cancels only appointments of a motif marked
  bookable remotely (``AppointmentType.remote_bookable``).
And at a remote workstation, the practice's policy (``app.services.workstation_policy``)
decides exports, printing, copying a patient list and screenshots (``POLICY_ACTIONS``)
for every account there, whatever its role and the workstation's own matrix: what it
forbids is refused with ``PolicyDenied``, what it allows is allowed (never to the
telephony role).
And one read-scope rule (``sees_admin_note``): the administrative note of a patient is
given to the roles that may read it, and to no other (a remote secretary never gets it).

The defaults follow the practice's usual split: practitioners see everything and manage
their own agenda; secretaries do everything but accounts, keys, sharing (sync peers),
the trail, the patients' rights (RGPD export and erasure), the retention rules and the
guard override; remote secretaries book, move and cancel remotely
bookable motifs, see patients' contact fields but not the administrative note, and
cannot export, print, copy patient lists, take screenshots or change settings; sync
conflicts are resolved by the owner and the secretaries; the telephony role (a phone system's hook) only records call events and
looks numbers up.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.principal import Principal
from app.models.user import (
    ROLE_OWNER, ROLE_PRACTITIONER, ROLE_REMOTE_SECRETARY, ROLE_SECRETARY, ROLE_TELEPHONY, ROLES,
)

# -- actions ----------------------------------------------------------------------------
APPOINTMENTS_READ = "appointments.read"
APPOINTMENTS_BOOK = "appointments.book"  # also the waiting list and series
APPOINTMENTS_MOVE = "appointments.move"  # also a change of status, motif or note
APPOINTMENTS_CANCEL = "appointments.cancel"
GUARD_OVERRIDE = "guard.override"  # book over a refusal of the agenda's guard
PATIENTS_READ = "patients.read"  # identity and contact fields
PATIENTS_EDIT = "patients.edit"
PATIENTS_NOTE_READ = "patients.note.read"  # the administrative note
PATIENTS_NOTE_EDIT = "patients.note.edit"
PATIENTS_MERGE = "patients.merge"  # duplicates: merge, dismiss, undo
PATIENTS_IMPORT = "patients.import"
DIRECTORY_READ = "directory.read"
DIRECTORY_EDIT = "directory.edit"
EXPORT = "export"  # files of patients, the directory, an agenda
PRINT = "print"
PATIENTS_COPY = "patients.copy"  # a list of patients copied to the clipboard
SCREENSHOTS = "screenshots"  # the application's screenshots (``permanence screenshot``)
SETTINGS = "settings"  # the practice's agenda settings: motifs, hours, absences, holidays
ACCOUNTS = "accounts"
KEYS = "keys"  # passphrases of the practice, the recovery key, the keychain
SYNC_PEERS = "sync.peers"
SYNC_CONFLICTS = "sync.conflicts"  # see and resolve what two installations both changed
AUDIT_READ = "audit.read"
# The actions of the features that come next; in the matrix now so that each lands
# with its rights already decided.
CALLS_EVENT = "calls.event"  # a call rang, was answered, ended (the telephony hook)
CALLS_LOOKUP = "calls.lookup"  # who is calling: a number looked up
CALLS_EXPORT = "calls.export"
MESSAGES = "messages"
CALLBACKS = "callbacks"
CONSIGNES_EDIT = "consignes.edit"
CONSIGNES_ACK = "consignes.ack"
URGENT_PROTOCOL = "urgent.protocol"
REPORTS = "reports"  # reports and indicators
BACKUPS = "backups"
PATIENT_RIGHTS = "patients.rights"  # a patient's RGPD export and erasure, and its rule
RETENTION = "retention"  # the retention rules, removing what they no longer keep, the
# record of processing

ACTIONS = (
    APPOINTMENTS_READ, APPOINTMENTS_BOOK, APPOINTMENTS_MOVE, APPOINTMENTS_CANCEL, GUARD_OVERRIDE,
    PATIENTS_READ, PATIENTS_EDIT, PATIENTS_NOTE_READ, PATIENTS_NOTE_EDIT, PATIENTS_MERGE,
    PATIENTS_IMPORT, DIRECTORY_READ, DIRECTORY_EDIT, EXPORT, PRINT, SETTINGS, ACCOUNTS, KEYS,
    SYNC_PEERS, SYNC_CONFLICTS, AUDIT_READ, CALLS_EVENT, CALLS_LOOKUP, CALLS_EXPORT, MESSAGES,
    CALLBACKS, CONSIGNES_EDIT, CONSIGNES_ACK, URGENT_PROTOCOL, REPORTS, BACKUPS,
    PATIENT_RIGHTS, RETENTION, PATIENTS_COPY, SCREENSHOTS,
)
# What a practice's policy may forbid a remote workstation (``app.services.
# workstation_policy``): taking data out of the application.
POLICY_ACTIONS = frozenset({EXPORT, CALLS_EXPORT, PRINT, PATIENTS_COPY, SCREENSHOTS})
_AGENDA_WRITES = frozenset({APPOINTMENTS_BOOK, APPOINTMENTS_MOVE, APPOINTMENTS_CANCEL,
                            GUARD_OVERRIDE})

_OWNER_ONLY = frozenset({ACCOUNTS, KEYS, SYNC_PEERS, AUDIT_READ, PATIENT_RIGHTS, RETENTION})
_EVERYTHING = frozenset(ACTIONS)
MATRIX: dict[str, frozenset[str]] = {
    ROLE_OWNER: _EVERYTHING,
    ROLE_PRACTITIONER: _EVERYTHING - _OWNER_ONLY - {SYNC_CONFLICTS},
    ROLE_SECRETARY: _EVERYTHING - _OWNER_ONLY - {GUARD_OVERRIDE},
    ROLE_REMOTE_SECRETARY: frozenset({
        APPOINTMENTS_READ, APPOINTMENTS_BOOK, APPOINTMENTS_MOVE, APPOINTMENTS_CANCEL,
        PATIENTS_READ, PATIENTS_EDIT, DIRECTORY_READ, CALLS_EVENT, CALLS_LOOKUP, MESSAGES,
        CALLBACKS, CONSIGNES_ACK, URGENT_PROTOCOL}),
    ROLE_TELEPHONY: frozenset({CALLS_EVENT, CALLS_LOOKUP}),
}
assert set(MATRIX) == set(ROLES)


class AccessDenied(PermanenceError):
    """The signed-in person's role may not do this; nothing was read or written."""

    code = "access_denied"
    exit_code = ExitCode.ACCESS_DENIED

    def __init__(self, action: str, role: str) -> None:
        super().__init__(f"{role}: {action}")
        self.action = action
        self.role = role

    @property
    def user_message(self) -> str:
        return _("Access denied: your account ({role}) may not do this ({action}). Nothing "
                 "was changed.").format(role=role_label(self.role), action=action_label(
                     self.action))


class PolicyDenied(AccessDenied):
    """The practice's policy for its remote workstations forbids this one to do it."""

    code = "access_denied_policy"

    @property
    def user_message(self) -> str:
        return _("Access denied: the practice's policy forbids this on a remote workstation "
                 "({action}). Nothing was changed.").format(action=action_label(self.action))


# The bounds of the owner's adjustments (``adjusted``): the owner's own rights never
# change; accounts and keys are nobody else's (whoever held them could make themselves
# owner); a phone system's account never gets beyond calls.
FIXED_ROLES = frozenset({ROLE_OWNER})
NEVER_SHARED = frozenset({ACCOUNTS, KEYS})
CAPPED: dict[str, frozenset[str]] = {ROLE_TELEPHONY: frozenset({CALLS_EVENT, CALLS_LOOKUP})}


def adjustable(role: str, action: str) -> bool:
    """Whether the owner may change this cell of the matrix."""
    return (role in MATRIX and action in ACTIONS and role not in FIXED_ROLES
            and action not in NEVER_SHARED and action in CAPPED.get(role, _EVERYTHING))


def adjusted(role: str, changes: dict[str, bool]) -> frozenset[str]:
    """The rights of ``role`` with the owner's ``changes`` (action -> allowed) over the
    defaults; a change outside the bounds (or of an unknown action) is ignored."""
    rights = set(MATRIX.get(role, frozenset()))
    for action, allow in changes.items():
        if adjustable(role, action):
            (rights.add if allow else rights.discard)(action)
    return frozenset(rights)


# What a break-glass access opens: everything but the owner's own (accounts, keys,
# sharing, the trail), for roles that are people (not the telephony hook, not the owner
# who has it all), and without the agenda's own rules.
EMERGENCY_RIGHTS = _EVERYTHING - _OWNER_ONLY
EMERGENCY_ROLES = frozenset({ROLE_PRACTITIONER, ROLE_SECRETARY, ROLE_REMOTE_SECRETARY})


def rights_of(principal: Principal) -> frozenset[str]:
    """The role's rights as this sign-in has them: the practice's adjusted matrix when
    the owner changed it (``grants.rights``), else the defaults."""
    rights = principal.grants.rights
    return rights if rights is not None else MATRIX.get(principal.role, frozenset())


def in_emergency(principal: Principal) -> bool:
    return principal.role in EMERGENCY_ROLES and principal.grants.emergency_active()


def forbidden_by_policy(principal: Principal, action: str) -> bool:
    """Whether the practice's policy forbids ``action`` on this (remote) workstation;
    it holds over every role and over a break-glass access."""
    if action not in POLICY_ACTIONS:
        return False
    here = principal.grants.policy_allows()
    return here is not None and action not in here


def allowed(principal: Principal, action: str) -> bool:
    """What the matrix says, without the agenda's own rules (for the screens). At a
    remote workstation the practice's policy decides the actions it governs, for every
    person's account there (a phone system's account never gets them)."""
    if action in POLICY_ACTIONS:
        here = principal.grants.policy_allows()
        if here is not None:
            return action in here and principal.role != ROLE_TELEPHONY
    if action in rights_of(principal):
        return True
    return action in EMERGENCY_RIGHTS and in_emergency(principal)


@dataclass(frozen=True)
class AgendaTarget:
    """Where an agenda write lands: whose agenda, and whether its motif is bookable
    remotely (False without a motif)."""

    practitioner_id: str | None
    remote_bookable: bool


def require_for(principal: Principal | None, action: str) -> None:
    """``require`` for a service the workspace builds with the signed-in principal; one
    built without (the demo generator, a test) is not checked."""
    if principal is not None:
        require(principal, action)


def require(principal: Principal, action: str, *, target: AgendaTarget | None = None) -> None:
    """The one check: ``AccessDenied`` unless ``principal`` may do ``action``.

    An agenda write (book, move, cancel, override) gives its ``target``: a practitioner
    account writes in its own agenda only, a remote secretary only motifs bookable
    remotely. Without a target only the matrix is asked (a series or a waiting-list
    entry, whose appointments are then checked one by one as they are written).
    """
    if forbidden_by_policy(principal, action):
        raise PolicyDenied(action, principal.role)
    if not allowed(principal, action):
        raise AccessDenied(action, principal.role)
    if target is None or action not in _AGENDA_WRITES or in_emergency(principal):
        return
    if (principal.role == ROLE_PRACTITIONER and principal.practitioner_id is not None
            and target.practitioner_id != principal.practitioner_id):
        raise AccessDenied(action, principal.role)
    if principal.role == ROLE_REMOTE_SECRETARY and not target.remote_bookable:
        raise AccessDenied(action, principal.role)


def sees_admin_note(principal: Principal) -> bool:
    """The read-scope rule: whether patients' administrative notes are given at all."""
    return allowed(principal, PATIENTS_NOTE_READ)


def role_label(role: str) -> str:
    return {ROLE_OWNER: _("owner"), ROLE_PRACTITIONER: _("practitioner"),
            ROLE_SECRETARY: _("secretary"), ROLE_REMOTE_SECRETARY: _("remote secretary"),
            ROLE_TELEPHONY: _("telephony")}.get(role, role)


def action_label(action: str) -> str:
    labels = {
        APPOINTMENTS_READ: _("see the agenda"), APPOINTMENTS_BOOK: _("book an appointment"),
        APPOINTMENTS_MOVE: _("change an appointment"),
        APPOINTMENTS_CANCEL: _("cancel an appointment"),
        GUARD_OVERRIDE: _("book over a refusal"), PATIENTS_READ: _("see patients"),
        PATIENTS_EDIT: _("change patients"),
        PATIENTS_NOTE_READ: _("see the administrative note"),
        PATIENTS_NOTE_EDIT: _("change the administrative note"),
        PATIENTS_MERGE: _("merge duplicates"), PATIENTS_IMPORT: _("import patients"),
        DIRECTORY_READ: _("see the directory"), DIRECTORY_EDIT: _("change the directory"),
        EXPORT: _("export"), PRINT: _("print"), SETTINGS: _("change the settings"),
        ACCOUNTS: _("manage accounts"), KEYS: _("manage the keys"),
        SYNC_PEERS: _("manage sharing"), SYNC_CONFLICTS: _("resolve sync conflicts"),
        AUDIT_READ: _("read the access trail"),
        CALLS_EVENT: _("record calls"), CALLS_LOOKUP: _("look up a caller"),
        CALLS_EXPORT: _("export calls"), MESSAGES: _("messages"), CALLBACKS: _("callbacks"),
        CONSIGNES_EDIT: _("write instructions"), CONSIGNES_ACK: _("acknowledge instructions"),
        URGENT_PROTOCOL: _("urgent protocol"), REPORTS: _("reports"), BACKUPS: _("backups"),
        PATIENT_RIGHTS: _("export or erase a patient's data"),
        RETENTION: _("apply the retention rules"),
        PATIENTS_COPY: _("copy a patient list"), SCREENSHOTS: _("take screenshots"),
    }
    return labels.get(action, action)

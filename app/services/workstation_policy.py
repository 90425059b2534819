"""What a remote workstation may do with what it holds of the practice: the owner's
policy, one per paired workstation, sent with every sync batch to it and enforced there.

Four permissions, each forbidden unless the owner allows it (``WorkstationPolicy()``):
exports (files of patients, the directory, an agenda, the call log; a patient's RGPD
export), printing (the agenda's printouts and PDF, the day report), copying a patient
list to the clipboard, and the application's screenshots. A remote workstation answers
calls and books appointments: taking data out of the application is the exception the
owner grants, per workstation (a practice's own secretary working from home and an
outside call centre are not trusted alike; the scope of what each receives is per
workstation already).

At the practice the policy sits on the peer's row (``SyncPeer.policy``); each batch to
that workstation carries it, inside the encrypted payload whose digest the signed header
holds, so only the practice's signature sets it. The workstation keeps the last one
received (``RECEIVED_KEY`` in its local bookkeeping) and ``allowed_here`` gives
``access`` (through the principal's grants) the actions it allows: there they are the
practice's decision, for every account, whatever the workstation's own matrix says.
A workstation that has received no policy yet applies the default.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import select

from app.models.journal import LocalMeta
from app.models.sync import NODE_PRACTICE, NodeIdentity
from app.services import access

EXPORTS, PRINTING, CLIPBOARD, SCREENSHOTS = "exports", "printing", "clipboard", "screenshots"
ITEMS = (EXPORTS, PRINTING, CLIPBOARD, SCREENSHOTS)
ACTIONS_OF: dict[str, frozenset[str]] = {
    EXPORTS: frozenset({access.EXPORT, access.CALLS_EXPORT}),
    PRINTING: frozenset({access.PRINT}),
    CLIPBOARD: frozenset({access.PATIENTS_COPY}),
    SCREENSHOTS: frozenset({access.SCREENSHOTS}),
}
assert frozenset().union(*ACTIONS_OF.values()) == access.POLICY_ACTIONS
RECEIVED_KEY = "sync.policy"  # at a remote workstation: the policy its practice sent
AUDIT_SET, AUDIT_RECEIVED = "sync_policy", "sync_policy_received"


@dataclass(frozen=True)
class WorkstationPolicy:
    exports: bool = False
    printing: bool = False
    clipboard: bool = False
    screenshots: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_value(cls, raw) -> WorkstationPolicy:
        """From its JSON values; what is not a known permission set to a boolean keeps
        the default (forbidden)."""
        if not isinstance(raw, dict):
            return cls()
        return cls(**{k: raw[k] for k in ITEMS if isinstance(raw.get(k), bool)})

    @classmethod
    def from_json(cls, text: str | None) -> WorkstationPolicy:
        try:
            return cls.from_value(json.loads(text or "{}"))
        except ValueError:
            return cls()

    def with_changes(self, **changes: bool) -> WorkstationPolicy:
        values = self.as_dict()
        values.update({k: bool(v) for k, v in changes.items() if k in ITEMS})
        return WorkstationPolicy(**values)

    def forbidden_actions(self) -> frozenset[str]:
        out: set[str] = set()
        for item in ITEMS:
            if not getattr(self, item):
                out |= ACTIONS_OF[item]
        return frozenset(out)


def _is_remote(session, node_id: str | None) -> bool:
    kind = session.execute(select(NodeIdentity.kind).where(
        NodeIdentity.node_id == node_id)).scalar()
    return kind is not None and kind != NODE_PRACTICE


def received_policy(store) -> WorkstationPolicy | None:
    """At a remote workstation, the policy its practice sent last (None: none yet, or
    this is a practice)."""
    with store.reader() as s:
        row = s.get(LocalMeta, RECEIVED_KEY)
        return None if row is None else WorkstationPolicy.from_json(row.value)


def policy_here(store) -> WorkstationPolicy | None:
    """The policy that binds this installation: None at a practice; at a remote
    workstation the one received, or the default before any."""
    with store.reader() as s:
        if not _is_remote(s, store.node_id):
            return None
        row = s.get(LocalMeta, RECEIVED_KEY)
        return WorkstationPolicy() if row is None else WorkstationPolicy.from_json(row.value)


def allowed_here(store) -> frozenset[str] | None:
    """Of ``access.POLICY_ACTIONS``, those the practice's policy allows on this
    installation; None at a practice (the matrix alone decides there)."""
    policy = policy_here(store)
    return None if policy is None else access.POLICY_ACTIONS - policy.forbidden_actions()


def record_received(uow, policy: WorkstationPolicy) -> bool:
    """Keep ``policy``, received in a batch from the practice, in the caller's unit of
    work (audited when it changes); True when it changed."""
    row = uow.session.get(LocalMeta, RECEIVED_KEY)
    value = policy.to_json()
    if row is not None and row.value == value:
        return False
    uow.session.merge(LocalMeta(key=RECEIVED_KEY, value=value))
    uow.audit(AUDIT_RECEIVED, "workstation_policy", "local", _detail(policy))
    return True


def _detail(policy: WorkstationPolicy) -> str:
    return " ".join(f"{k}={'on' if v else 'off'}" for k, v in policy.as_dict().items())


def policy_detail(policy: WorkstationPolicy) -> str:
    """The audit trail's words for a policy: ``exports=off printing=on …``."""
    return _detail(policy)

"""The practice's lines: the numbers its calls arrive on, typed in any form and kept in
E.164 (``app.services.phones.parse_phone``) on the practice's row, so they travel with
sync to the remote workstations, where they are read-only.

A copy of them (numbers only: the practice's public numbers) is written in the profile's
``workstation.json`` whenever they change, here or by a sync round, so that a running
application or the command line can tell which practice owns a line without unlocking
(``lines_of_profile``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.practice import Practice
from app.models.principal import Principal
from app.services import access
from app.models.sync import NODE_PRACTICE, NodeIdentity
from app.services.errors import NotFound, ValidationError
from app.services.phones import InvalidPhone, parse_phone
from app.services.settings import WorkstationSettings
from app.storage.profile import ProfilePaths

MAX_LINES = 20
COPY_KEY = "lines"  # shared with app.services.practice_lines (routing)
AUDIT_ACTION, AUDIT_ENTITY = "practice_lines", "practice"


class LinesReadOnly(PermanenceError):
    """At a remote workstation: the lines are the practice's, received with sync."""

    code = "lines_read_only"
    exit_code = ExitCode.ACCESS_DENIED

    @property
    def user_message(self) -> str:
        return _("The practice's lines are set at the practice; this workstation receives "
                 "them with sync. Nothing was changed.")


def _decoded(value: str | None) -> list[str]:
    try:
        raw = json.loads(value or "[]")
    except ValueError:
        return []
    return [n for n in raw if isinstance(n, str)] if isinstance(raw, list) else []


def _practice(session) -> Practice | None:
    return session.execute(select(Practice).where(Practice.deleted_at.is_(None))
                           .order_by(Practice.created_at).limit(1)).scalar()


def is_remote_workstation(store) -> bool:
    """Whether this installation is a remote workstation (``peer join``), not a practice."""
    with store.reader() as s:
        kind = s.execute(select(NodeIdentity.kind).where(
            NodeIdentity.node_id == store.node_id)).scalar()
    return kind is not None and kind != NODE_PRACTICE


def practice_lines(store) -> list[str]:
    """The practice's lines, E.164, in the order the owner gave them ([] when none)."""
    with store.reader() as s:
        practice = _practice(s)
        return [] if practice is None else _decoded(practice.lines)


def normalised_lines(numbers: Iterable[str]) -> list[str]:
    """``numbers`` as typed, in E.164, without repeats; ``ValidationError`` naming each
    number refused (the project's phone-number message), nothing kept then."""
    out: list[str] = []
    errors: dict[str, str] = {}
    for raw in numbers:
        if not raw.strip():
            continue
        try:
            e164 = parse_phone(raw).e164
        except InvalidPhone as exc:
            errors[f"line:{raw.strip()[:40]}"] = "{number}: {reason}".format(
                number=raw.strip()[:40], reason=exc.user_message)
            continue
        if e164 not in out:
            out.append(e164)
    if len(out) > MAX_LINES:
        errors["lines"] = _("At most {n} lines.").format(n=MAX_LINES)
    if errors:
        raise ValidationError(errors)
    return out


def set_practice_lines(store, numbers: Iterable[str], *, principal: Principal | None,
                       paths: ProfilePaths | None = None) -> list[str]:
    """Replace the practice's lines with ``numbers`` (any usual form); returns them in
    E.164. The owner's and those who change the practice's settings (``access.SETTINGS``);
    ``LinesReadOnly`` at a remote workstation; an invalid number refuses the whole list.
    Audited by the unit of work; ``paths``: the profile whose copy is rewritten."""
    access.require_for(principal, access.SETTINGS)
    if is_remote_workstation(store):
        raise LinesReadOnly()
    lines = normalised_lines(numbers)
    actor = principal.user_id if principal is not None else "system"
    with store.unit_of_work(actor_id=actor) as uow:
        practice = _practice(uow.session)
        if practice is None:
            raise NotFound("practice")
        if _decoded(practice.lines) != lines:
            practice.lines = json.dumps(lines)
            uow.audit(AUDIT_ACTION, AUDIT_ENTITY, practice.id, f"lines={len(lines)}")
    if paths is not None:
        write_lines_copy(store, paths)
    return lines


def add_line(store, number: str, *, principal: Principal | None,
             paths: ProfilePaths | None = None) -> list[str]:
    return set_practice_lines(store, [*practice_lines(store), number], principal=principal,
                              paths=paths)


def remove_line(store, number: str, *, principal: Principal | None,
                paths: ProfilePaths | None = None) -> list[str]:
    """Without ``number`` (any form); ``ValidationError`` when it is not one of them."""
    gone = normalised_lines([number]) or [""]
    current = practice_lines(store)
    if gone[0] not in current:
        access.require_for(principal, access.SETTINGS)
        raise ValidationError({"line": _("{number} is not one of the practice's lines.").format(
            number=number.strip()[:40])})
    return set_practice_lines(store, [n for n in current if n != gone[0]],
                              principal=principal, paths=paths)


def write_lines_copy(store, paths: ProfilePaths) -> list[str]:
    """Copy the practice's lines into the profile's ``workstation.json`` when they differ
    (after a change here or a sync round); returns them."""
    lines = practice_lines(store)
    settings = WorkstationSettings(paths.workstation_settings)
    if list(settings.get(COPY_KEY)) != lines:
        settings.set(COPY_KEY, lines)
    return lines


def lines_of_profile(paths: ProfilePaths) -> list[str]:
    """The lines of the profile at ``paths`` as last copied, read without its key ([] if
    never copied or unreadable)."""
    from app.services.practice_lines import profile_lines  # the one reader of the copy

    return profile_lines(paths.root)

"""When the booking guard says no: the reasons, and for the practice owner only, an
explicit "book anyway", which is recorded on the appointment and in the audit trail.

``run_guarded`` wraps any booking or move: it tries without override, shows the refusal
(with the override button when allowed), retries with ``override=True`` if asked, and
reports the other failures (a field problem, a concurrent edit, a removed appointment)
in plain words. It returns the result, or None when nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from app.i18n import _
from app.services.agenda.guard import Conflict
from app.services.agenda.service import BookingRefused, OverrideNotAllowed
from app.services.errors import ConcurrentEdit, NotFound, ValidationError
from app.ui.plain import message_box
from app.ui.failures import failure_text

BULLET = "\u2022 "


def reasons_text(conflicts: Sequence[Conflict]) -> str:
    """One bullet per reason, blocking ones first, then the warnings."""
    blocking = [c.message for c in conflicts if c.blocking]
    warnings = [c.message for c in conflicts if not c.blocking]
    lines = [BULLET + m for m in blocking]
    if warnings:
        lines.append("")
        lines.append(_("Also:"))
        lines.extend(BULLET + m for m in warnings)
    return "\n".join(lines)


def refusal_box(parent: QWidget | None, refused: BookingRefused, *, can_override: bool,
                moving: bool = False) -> tuple[QMessageBox, object | None]:
    """The question, not yet shown: (the box, its override button or None)."""
    intro = (_("This appointment cannot be moved there:") if moving
             else _("This appointment cannot be booked there:"))
    box = message_box(QMessageBox.Icon.Warning, _("Not possible here"),
                      intro + "\n\n" + reasons_text(refused.conflicts), parent=parent)
    box.setObjectName("RefusalBox")
    override = None
    if can_override:
        box.setInformativeText(
            _("As the practice owner you may move it anyway. It will be marked on the "
              "appointment and recorded in the audit trail with these reasons.") if moving
            else _("As the practice owner you may book it anyway. It will be marked on the "
                   "appointment and recorded in the audit trail with these reasons."))
        override = box.addButton(_("Move anyway (recorded)") if moving
                                 else _("Book anyway (recorded)"),
                                 QMessageBox.ButtonRole.AcceptRole)
        override.setObjectName("OverrideButton")
        cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
    else:
        ok = box.addButton(_("OK"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(ok)
        box.setEscapeButton(ok)
    return box, override


def ask_to_override(parent: QWidget | None, refused: BookingRefused, *, can_override: bool,
                    moving: bool = False) -> bool:
    """Show the refusal; True only if the owner chose to book anyway."""
    box, override = refusal_box(parent, refused, can_override=can_override, moving=moving)
    box.exec()
    return override is not None and box.clickedButton() is override


def failure_message(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return _("This appointment no longer exists (it was removed elsewhere).")
    return failure_text(exc, _("The change could not be made."))


def show_failure(parent: QWidget | None, exc: Exception) -> None:
    box = message_box(QMessageBox.Icon.Warning, _("Not possible"), failure_message(exc),
                      parent=parent)
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def run_guarded(parent: QWidget | None, attempt: Callable[[bool], object], *,
                can_override: bool, moving: bool = False):
    """``attempt(override)`` through the guard's refusal question; the result or None."""
    try:
        return attempt(False)
    except BookingRefused as refused:
        if not ask_to_override(parent, refused, can_override=can_override and refused.can_override,
                               moving=moving):
            return None
    except (ValidationError, ConcurrentEdit, NotFound, OverrideNotAllowed) as exc:
        show_failure(parent, exc)
        return None
    try:
        return attempt(True)
    except (BookingRefused, ValidationError, ConcurrentEdit, NotFound, OverrideNotAllowed) as exc:
        show_failure(parent, exc)
        return None

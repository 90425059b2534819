"""Putting a moved appointment back: "Annuler le déplacement" (and Ctrl+Z) on the agenda.

The last move (a drag, a paste, the slot finder) is remembered with where the
appointment was and the version the move left it at. Undoing moves it back through the
agenda service's own ``move``, so the guard looks at the old slot again: if someone has
been booked there since, or the appointment has changed since, nothing is written and
the refusal says why. The undo is one more move in the appointment's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.i18n import _, format_date
from app.services.agenda.guard import OVERLAP
from app.services.agenda.service import AgendaService, BookingRefused
from app.services.agenda.views import AppointmentView, BookingResult
from app.services.errors import ConcurrentEdit, MessageError, NotFound, ValidationError


class UndoRefused(MessageError):
    """The appointment could not go back where it was; nothing was written."""

    code = "undo_refused"


@dataclass(frozen=True)
class MoveRecord:
    """Where the appointment was before the move, and its version after it."""

    appointment_id: str
    practitioner_id: str
    starts_at: datetime
    ends_at: datetime
    version: int


class MoveUndo:
    """The last move of one screen, to put back once."""

    def __init__(self, agenda: AgendaService) -> None:
        self._agenda = agenda
        self._last: MoveRecord | None = None

    @property
    def last(self) -> MoveRecord | None:
        return self._last

    def remember(self, before: AppointmentView, after: AppointmentView) -> bool:
        """Keep ``before`` to go back to; False (and nothing kept) when nothing moved."""
        if (before.practitioner_id, before.starts_at, before.ends_at) == (
                after.practitioner_id, after.starts_at, after.ends_at):
            return False
        self._last = MoveRecord(before.id, before.practitioner_id, before.starts_at,
                                before.ends_at, after.version)
        return True

    def forget(self) -> None:
        self._last = None

    def when(self, record: MoveRecord) -> str:
        """"lundi 16 mars à 09:00": where the appointment would go back to."""
        zone = self._agenda.zone
        minute = zone.wall_minute(record.starts_at)
        return _("{day} at {time}").format(
            day=format_date(zone.day_of(record.starts_at), "EEEE d MMMM"),
            time=f"{minute // 60:02d}:{minute % 60:02d}")

    def undo(self) -> BookingResult:
        """Move the appointment back; UndoRefused (nothing written) when it cannot go."""
        record = self._last
        if record is None:
            raise UndoRefused(_("There is no move to undo."))
        try:
            result = self._agenda.move(record.appointment_id, record.starts_at, record.ends_at,
                                       practitioner_id=record.practitioner_id,
                                       expected_version=record.version)
        except BookingRefused as exc:
            if any(c.kind == OVERLAP for c in exc.conflicts if c.blocking):
                message = _("The appointment cannot go back to {when}: that time has been "
                            "taken since. It stays where it is.").format(when=self.when(record))
            else:
                message = _("The appointment cannot go back to {when}:").format(
                    when=self.when(record)) + "\n" + exc.user_message
            raise UndoRefused(message) from exc
        except (ConcurrentEdit, NotFound, ValidationError) as exc:
            self._last = None  # it has changed (or gone) since: this undo means nothing now
            raise UndoRefused(_("The appointment has changed since it was moved; it stays as "
                                "it is now.")) from exc
        self._last = None
        return result

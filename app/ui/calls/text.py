"""The words of the call panel: lines for a caller, an appointment, a step of the call."""

from __future__ import annotations

from datetime import datetime, time

from app.i18n import _, format_date, ngettext
from app.models.call_desk import StepKind
from app.services.agenda.day_queries import DayEntry
from app.services.calls.desk import CallerCard, StepView, action_labels
from app.services.calls.labels import label, outcomes
from app.services.phones import display_phone


def number_text(e164: str) -> str:
    return display_phone(e164) if e164 else _("Withheld number")


def duration_text(seconds: float) -> str:
    """"4 min 05 s", "35 s": how long the call has lasted (computed, never typed)."""
    seconds = max(0, int(seconds))
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return _("{s} s").format(s=rest)
    return _("{m} min {s} s").format(m=minutes, s=f"{rest:02d}")


def birth_text(card: CallerCard) -> str:
    if card.birth_date is None:
        return _("birth date unknown")
    return _("born {date}").format(date=format_date(card.birth_date, "dd/MM/y"))


def appointment_text(entry: DayEntry, zone) -> str:
    local = zone.local(entry.starts_at)
    when = f"{format_date(local.date(), 'EEE d MMM y')} {local:%H:%M}"
    return " · ".join(b for b in (when, entry.practitioner_name, entry.type_name) if b)


def _hhmm(t: time) -> str:
    return f"{t:%H:%M}"


def call_window_text(card: CallerCard) -> str:
    """The patient's preference for being called, "" when none."""
    lo, hi = card.call_not_before, card.call_not_after
    if lo and hi:
        return _("Call between {start} and {end}").format(start=_hhmm(lo), end=_hhmm(hi))
    if lo:
        return _("Call after {start}").format(start=_hhmm(lo))
    if hi:
        return _("Call before {end}").format(end=_hhmm(hi))
    return ""


def no_shows_text(n: int) -> str:
    return ngettext("{n} missed appointment", "{n} missed appointments", n).format(n=n)


def step_text(step: StepView, zone) -> str:
    """"09:42:10 — Appointment booked", each step with the second it was recorded."""
    at = f"{zone.local(step.at):%H:%M:%S}"
    return f"{at} — {step_words(step.kind, step.ref, step.detail)}"


def step_words(kind: str, ref: str, detail: str) -> str:
    """What a step of a call says ("Appointment booked", "Referral: the 15")."""
    words = {
        StepKind.BOOKED.value: _("Appointment booked"),
        StepKind.MOVED.value: _("Appointment moved"),
        StepKind.CANCELLED.value: _("Appointment cancelled"),
        StepKind.MESSAGE.value: _("Message left for {who}"),
        StepKind.CALLBACK.value: _("Callback planned"),
        StepKind.TRANSFERRED.value: _("Transferred to {who}"),
        StepKind.URGENT_STARTED.value: _("Urgent protocol opened"),
        StepKind.RED_FLAG.value: _("Red flag: {who}"),
        StepKind.REFERRAL.value: _("Referral: {who}"),
        StepKind.URGENT_MESSAGE.value: _("Urgent message sent to {who}"),
        StepKind.CLOSED.value: _("Closed: {who}"),
    }
    who = detail
    if kind == StepKind.REFERRAL.value:
        who = action_labels().get(ref, ref)
        if detail and detail != who:
            who = f"{who} ({detail})"
    elif kind == StepKind.CLOSED.value:
        who = label(outcomes(), ref)
    text = words.get(kind, kind).format(who=who)
    if kind == StepKind.CALLBACK.value and detail:
        text += f" ({detail})"
    return text


def started_text(started: datetime, zone) -> str:
    return _("Started {time}").format(time=f"{zone.local(started):%H:%M:%S}")

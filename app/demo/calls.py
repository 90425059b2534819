"""The demo's telephone: calls, missed calls returned (or not yet), callbacks.

A general practitioner's line gets 20 to 60 calls a working day, the other specialties
fewer; they come in peaks from 08:30 to 10:00 and from 13:30 to 14:30. About a third
are about appointments, a third results and advice, the rest administrative, with a
few emergencies. About one incoming call in eight is missed (a third of them short
hang-ups); the number is called back (an outgoing call) within a couple of hours most
of the time, which closes its callback, as the call log does (one callback per number
within the window). Calls that plan a callback, and a few messages, make callbacks of
their own. A callback due before today and not returned at once is tried again as a
secretariat does (no answer, a message left), until the person is reached or it is
given up, and marked done at its last try: the open ones, a few of them overdue, are
today's work, or yesterday's whose next try is still to come. The generation goes back from
today, working day by working day (public holidays closed), until it has about the
number of calls asked for; today's calls stop at the clock's time.

Rows are plain dicts written with ``uow.bulk_insert`` a day group at a time (callbacks
before the calls that point to them), journaled and audited like any write.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, text

from app.models import Call, Callback, CallbackAttempt
from app.models.base import UTCDateTime
from app.models.ids import uuid7
from app.services.agenda.public_holidays import PublicHolidays
from app.services.agenda.zone import PracticeTime
from app.services.calls.events import CALLBACK_TARGET, MISSED_CALL_WINDOW

CHUNK_CALLS = 5_000  # calls per unit of work (with their callbacks and attempts)
OPEN_MIN, CLOSE_MIN = 8 * 60, 19 * 60
GP = "Médecine générale"

# (reason, weight, outcomes with their weights)
_REASONS = (
    ("appointment", 24, (("booked", 80), ("informed", 12), ("no_follow_up", 8))),
    ("reschedule", 9, (("booked", 55), ("no_follow_up", 45))),
    ("results", 18, (("informed", 55), ("message", 20), ("callback", 25))),
    ("prescription", 8, (("message", 70), ("callback", 15), ("informed", 15))),
    ("information", 8, (("informed", 90), ("transferred", 10))),
    ("administrative", 20, (("informed", 80), ("no_follow_up", 20))),
    ("health_professional", 7, (("transferred", 40), ("message", 45), ("informed", 15))),
    ("urgent", 1, (("sent_to_15", 45), ("transferred", 35), ("booked", 20))),
    ("other", 5, (("no_follow_up", 60), ("informed", 40))),
)
_CALLBACK_REASONS = ("Rappeler avec les résultats", "Rappeler après 14 h",
                     "Rappeler pour l'ordonnance", "Confirmer le rendez-vous",
                     "Rappeler le laboratoire", "Donner la réponse du docteur")
_MESSAGE_REASONS = ("Message sur le répondeur", "Demande de rappel par e-mail",
                    "Message laissé à l'accueil")


@dataclass(frozen=True)
class Line:
    """A practitioner whose patients call."""

    id: str
    specialty: str

    @property
    def daily(self) -> tuple[int, int]:
        return (20, 60) if self.specialty == GP else (6, 20)


@dataclass
class CallsSummary:
    calls: int = 0
    callbacks: int = 0
    attempts: int = 0


def _minute(rng: random.Random) -> float:
    """A minute of the day: the two peaks, then the rest of the opening hours."""
    r = rng.random()
    if r < 0.42:
        return rng.uniform(8 * 60 + 30, 10 * 60)
    if r < 0.62:
        return rng.uniform(13 * 60 + 30, 14 * 60 + 30)
    return rng.uniform(OPEN_MIN, CLOSE_MIN)


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


class _Day:
    """The rows of one working day."""

    def __init__(self, gen: _Generator, day: date) -> None:
        self.gen = gen
        self.day = day
        self.calls: list[dict] = []
        self.callbacks: list[dict] = []
        self.attempts: list[dict] = []


class _Generator:
    def __init__(self, *, seed: int, lines: Sequence[Line], zone: PracticeTime, now: datetime,
                 actor_id: str, patients: Sequence[tuple[str, str]],
                 contacts: Sequence[tuple[str, str]], first_appointment: Callable) -> None:
        self.rng = random.Random(f"permanence-demo/{seed}/calls")
        self.lines = lines
        self.weights = [sum(line.daily) for line in lines]
        self.zone = zone
        self.now = now
        self.actor = actor_id
        self.patients = patients
        self.contacts = contacts
        self.first_appointment = first_appointment

    def _number(self, direction: str) -> tuple[str, str, str | None]:
        """(number, caller kind, caller id)."""
        r = self.rng.random()
        if self.patients and r < (0.72 if direction == "in" else 0.8):
            pid, e164 = self.rng.choice(self.patients)
            return e164, "patient", pid
        if self.contacts and r < 0.84:
            cid, e164 = self.rng.choice(self.contacts)
            return e164, "contact", cid
        if direction == "in" and r > 0.96:
            return "", "unknown", None  # withheld
        return f"+336{self.rng.randrange(10**8):08d}", "unknown", None

    def day(self, day: date) -> _Day:
        rng = self.rng
        out = _Day(self, day)
        origin = self.zone.day_start(day)
        count = sum(rng.randint(*line.daily) for line in self.lines)
        open_missed: dict[str, tuple[dict, datetime]] = {}
        # In time order: a missed call joins the callback of an earlier one.
        for start in sorted(origin + timedelta(minutes=_minute(rng)) for _ in range(count)):
            if start >= self.now:
                break
            direction = "in" if rng.random() < 0.86 else "out"
            self._call(out, start, direction, *self._number(direction), open_missed, 0)
        if rng.random() < 0.5:
            self._message(out, origin)
        today = self.zone.today(self.now)
        for cb in out.callbacks:
            # Today's are the secretaries' work in progress: left as they are.
            if cb["done_at"] is None and self.zone.local(cb["due_at"]).date() < today:
                self._follow_up(out, cb)
        out.calls.sort(key=lambda r: r["started_at"])
        return out

    def _follow_up(self, out: _Day, cb: dict) -> None:
        """One to three more tries from a while after the due time, hours apart; the
        last one reaches the person or, half the time, leaves a message and the callback
        is closed. Tries that would come after the clock's time are not made yet."""
        rng = self.rng
        at = cb["due_at"] + timedelta(minutes=rng.uniform(20, 180))
        tries = rng.randint(1, 3)
        for n in range(tries):
            at = self._opening_hours(at)
            if at >= self.now:
                return  # still open (and overdue once due)
            last = n == tries - 1
            if last:
                outcome = "reached" if rng.random() < 0.5 else "message_left"
            else:
                outcome = "no_answer" if rng.random() < 0.7 else "message_left"
            self._attempt(out, cb, at, outcome, None)
            if last:
                cb["done_at"], cb["done_by"] = at, self.actor
            at += timedelta(hours=rng.uniform(1, 20))

    def _call(self, out: _Day, start: datetime, direction: str, number: str, kind: str,
              caller: str | None, open_missed: dict, redial: int) -> None:
        rng = self.rng
        line = rng.choices(self.lines, self.weights)[0]
        reason = "health_professional" if kind == "contact" and rng.random() < 0.7 \
            else _pick(rng, [(r, w) for r, w, _o in _REASONS])
        outcomes = next(o for r, _w, o in _REASONS if r == reason)
        if direction == "out":
            ring = rng.uniform(4, 25)
            answered = rng.random() < 0.8
        elif rng.random() > 0.12:
            answered = True
            ring = rng.expovariate(1 / 9) if rng.random() < 0.85 else rng.uniform(20, 60)
        else:
            answered = False
            ring = rng.uniform(1, 4.9) if rng.random() < 0.33 else rng.uniform(5, 60)
        talk = min(900.0, rng.lognormvariate(4.5, 0.6)) if answered else 0.0
        answered_at = start + timedelta(seconds=ring) if answered else None
        ended_at = start + timedelta(seconds=ring + talk)
        if ended_at >= self.now:
            return
        row = {"id": uuid7(), "direction": direction, "number": number, "line": "",
               "external_id": None, "started_at": start, "answered_at": answered_at,
               "ended_at": ended_at, "caller_kind": kind, "caller_id": caller,
               "practitioner_id": line.id if answered and kind != "unknown" else None,
               "reason": reason if answered else "",
               "outcome": _pick(rng, outcomes) if answered else "",
               "note": "", "handled_by": self.actor if answered else None,
               "appointment_id": None, "callback_id": None}
        if row["outcome"] == "booked" and kind == "patient":
            row["appointment_id"] = self.first_appointment(caller, start)
        out.calls.append(row)
        if answered and number in open_missed:
            # The number is on the line: its open missed-call callback is answered.
            cb = open_missed[number][0]
            # Calls are not made in time order (a redial comes first): a call answered
            # before the callback's last missed call cannot have returned it.
            if answered_at >= cb["last_missed_at"] and (
                    cb["done_at"] is None or cb["done_at"] > answered_at):
                cb["done_at"], cb["done_by"] = answered_at, self.actor
        if answered and row["outcome"] == "callback":
            self._planned(out, row, ended_at)
        elif not answered and direction == "in" and number:
            self._missed(out, row, ended_at, open_missed, redial)

    def _opening_hours(self, at: datetime) -> datetime:
        """``at``, or if the practice is closed then, a moment of its next opening hours
        (weekends skipped)."""
        local = self.zone.local(at)
        minute = local.hour * 60 + local.minute
        if local.weekday() < 5 and OPEN_MIN <= minute < CLOSE_MIN:
            return at
        day = local.date() + timedelta(days=minute >= CLOSE_MIN)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self.zone.day_start(day) + timedelta(
            minutes=OPEN_MIN + self.rng.uniform(0, 120))

    def _callback(self, out: _Day, *, number, kind, caller, practitioner, source, due,
                  reason, missed, last_missed) -> dict:
        cb = {"id": uuid7(), "number": number, "caller_kind": kind, "caller_id": caller,
              "practitioner_id": practitioner, "source": source, "due_at": due,
              "reason": reason, "missed_calls": missed, "last_missed_at": last_missed,
              "done_at": None, "done_by": None, "created_by": self.actor}
        out.callbacks.append(cb)
        return cb

    def _attempt(self, out: _Day, cb: dict, at: datetime, outcome: str, call_id) -> None:
        out.attempts.append({"callback_id": cb["id"], "at": at, "outcome": outcome,
                             "by": self.actor, "call_id": call_id})

    def _missed(self, out: _Day, row: dict, ended: datetime, open_missed: dict,
                redial: int) -> None:
        number = row["number"]
        held = open_missed.get(number)
        # Joined while the callback is open: not yet returned at this call's end.
        if held is not None and held[1] >= ended - MISSED_CALL_WINDOW \
                and (held[0]["done_at"] is None or held[0]["done_at"] > ended):
            cb = held[0]
            cb["missed_calls"] += 1
            cb["last_missed_at"] = ended
        else:
            cb = self._callback(out, number=number, kind=row["caller_kind"],
                                caller=row["caller_id"], practitioner=None,
                                source="missed_call", due=ended + CALLBACK_TARGET, reason="",
                                missed=1, last_missed=ended)
        row["callback_id"] = cb["id"]
        open_missed[number] = (cb, ended)
        if redial < 2 and self.rng.random() < 0.3:
            # The caller rings again a few minutes later; that call decides what follows.
            again = ended + timedelta(minutes=self.rng.uniform(1, 15))
            self._call(out, again, "in", number, row["caller_kind"], row["caller_id"],
                       open_missed, redial + 1)
            return
        # Today, more of them are still to return: the afternoon's list holds a few.
        late = 0.3 if self.zone.local(ended).date() == self.zone.today(self.now) else 0.12
        if cb["done_at"] is not None or self.rng.random() < late:
            return  # answered on a redial, or not returned at once
        # Returned within the target three times out of four.
        delay = self.rng.uniform(5, 115) if self.rng.random() < 0.75 else self.rng.uniform(
            125, 300)
        at = cb["due_at"] - CALLBACK_TARGET + timedelta(minutes=delay)
        if at + timedelta(minutes=3) >= self.now:
            return  # still to do
        if self.rng.random() < 0.2:  # a first try without an answer
            self._attempt(out, cb, at - timedelta(minutes=20), "no_answer", None)
        back = {**row, "id": uuid7(), "direction": "out", "started_at": at,
                "answered_at": at + timedelta(seconds=self.rng.uniform(4, 15)),
                "ended_at": at + timedelta(seconds=self.rng.uniform(40, 200)),
                "reason": "other", "outcome": "informed", "handled_by": self.actor,
                "callback_id": cb["id"], "appointment_id": None}
        out.calls.append(back)
        cb["done_at"], cb["done_by"] = back["answered_at"], self.actor
        self._attempt(out, cb, back["answered_at"], "reached", back["id"])

    def _planned(self, out: _Day, row: dict, ended: datetime) -> None:
        due = ended + timedelta(hours=self.rng.choice((1, 2, 3, 4, 24)))
        cb = self._callback(out, number=row["number"], kind=row["caller_kind"],
                            caller=row["caller_id"], practitioner=row["practitioner_id"],
                            source="call", due=due,
                            reason=self.rng.choice(_CALLBACK_REASONS), missed=0,
                            last_missed=None)
        row["callback_id"] = cb["id"]
        done = due - timedelta(minutes=self.rng.uniform(-90, 50))
        if done < self.now and self.rng.random() < 0.92:
            cb["done_at"], cb["done_by"] = done, self.actor
            self._attempt(out, cb, done, "reached", None)

    def _message(self, out: _Day, origin: datetime) -> None:
        number, kind, caller = self._number("out")
        at = origin + timedelta(minutes=self.rng.uniform(OPEN_MIN, CLOSE_MIN))
        if at >= self.now:
            return
        cb = self._callback(out, number=number, kind=kind, caller=caller, practitioner=None,
                            source="message", due=at + timedelta(hours=4),
                            reason=self.rng.choice(_MESSAGE_REASONS), missed=0,
                            last_missed=None)
        done = at + timedelta(minutes=self.rng.uniform(10, 300))
        if done < self.now:
            cb["done_at"], cb["done_by"] = done, self.actor
            self._attempt(out, cb, done, "message_left" if self.rng.random() < 0.3 else
                          "reached", None)


def _working_days(today: date, holidays: PublicHolidays, lines: Sequence[Line],
                  calls: int):
    """The working days before today (today first), as many as make ``calls`` calls."""
    mean = sum(sum(line.daily) / 2 for line in lines) * 1.12  # and the returns
    days, day, total = [], today, 0.0
    while total < calls:
        if day.weekday() < 5 and not holidays.is_holiday(day):
            days.append(day)
            total += mean
        day -= timedelta(days=1)
    return days[::-1]


def generate_calls(store, *, actor_id: str, seed: int, lines: Sequence[Line],
                   zone: PracticeTime, holidays: PublicHolidays, now: datetime, calls: int,
                   progress: Callable[[int], None], check: Callable[[], None]) -> CallsSummary:
    """Write about ``calls`` calls (``progress(n)`` adds up to ``calls`` exactly)."""
    summary = CallsSummary()
    if not calls or not lines:
        return summary
    with store.reader() as s:
        conn = s.connection()
        # Ordered by what the seed made, never by ids (random bits): the same seed picks
        # the same callers, so the same calls follow.
        patients = conn.exec_driver_sql(
            "SELECT pp.patient_id, pp.e164 FROM patient_phone pp JOIN patient p "
            "ON p.id = pp.patient_id WHERE pp.deleted_at IS NULL ORDER BY p.sort_key, "
            "p.first_names, p.birth_date, pp.position, pp.e164").fetchall()
        contacts = conn.exec_driver_sql(
            "SELECT id, phone_e164 FROM contact WHERE deleted_at IS NULL AND phone_e164 != '' "
            "ORDER BY sort_key, phone_e164").fetchall()
    days = _working_days(zone.today(now), holidays, lines, calls)
    stmt = text("SELECT id FROM appointment INDEXED BY ix_appointment_patient_starts "
                "WHERE patient_id = :p AND starts_at > :t AND deleted_at IS NULL "
                "ORDER BY starts_at LIMIT 1").bindparams(bindparam("t", type_=UTCDateTime))
    current: dict = {}  # the read session of the group being generated

    def first_appointment(patient_id: str, after: datetime) -> str | None:
        """The patient's first appointment after the call that booked it."""
        return current["reader"].execute(stmt, {"p": patient_id, "t": after}).scalar()

    gen = _Generator(seed=seed, lines=lines, zone=zone, now=now, actor_id=actor_id,
                     patients=[tuple(r) for r in patients],
                     contacts=[tuple(r) for r in contacts],
                     first_appointment=first_appointment)
    reported = 0
    index = 0
    while index < len(days):
        check()
        pending: list[_Day] = []
        # A read transaction per group only: a long one would keep the write-ahead log
        # from being checkpointed while a million rows are written.
        with store.reader() as current["reader"]:
            while index < len(days) and sum(len(d.calls) for d in pending) < CHUNK_CALLS:
                pending.append(gen.day(days[index]))
                index += 1
        _write(store, actor_id, pending, summary)
        step = round(calls * index / len(days)) - reported
        if step > 0:
            reported += step
            progress(step)
    if reported < calls:
        progress(calls - reported)
    return summary


def _write(store, actor_id: str, days: list[_Day], summary: CallsSummary) -> None:
    callbacks = [cb for d in days for cb in d.callbacks]
    calls = [c for d in days for c in d.calls]
    attempts = [a for d in days for a in d.attempts]
    with store.unit_of_work(actor_id=actor_id) as uow:
        if callbacks:
            uow.bulk_insert(Callback, callbacks)
        uow.bulk_insert(Call, calls)
        if attempts:
            uow.bulk_insert(CallbackAttempt, attempts)
    summary.calls += len(calls)
    summary.callbacks += len(callbacks)
    summary.attempts += len(attempts)

"""What a phone system's request does, wherever it arrives: the command line opening the
profile, the running application (local channel) or its Action URL listener.

``perform`` runs one request on a workspace, with the signed-in person's principal,
and gives the reply the command line prints: the exit code and the lines for the
standard output and the standard error. Refusals are raised (``PermanenceError``), as
the services raise them.

While the application is locked on its workstation (nobody at the desk), call events
are still recorded, since a call the phone system reports must not be lost (a missed
call is exactly what the callback list is for), but the reply names nobody and the
call panel does not open; a lookup is refused (``AppLocked``): it would show names on
a workstation left locked.
"""

from __future__ import annotations

import json

from app import i18n
from app.errors import ExitCode, PermanenceError
from app.i18n import _, ngettext
from app.models.calls import CallDirection
from app.models.text import clean_name
from app.services import access
from app.services.calls.channel import MalformedRequest, reply

EVENTS = ("ringing", "answered", "ended")


class AppLocked(PermanenceError):
    code = "app_locked"
    exit_code = ExitCode.PROFILE_IN_USE

    @property
    def user_message(self) -> str:
        return _("Permanence is locked on this workstation: numbers are looked up once "
                 "someone unlocks it.")


def _time(ws, instant) -> str:
    return ws.zone.local(instant).strftime("%H:%M:%S")


def _field(request: dict, key: str, *, required: bool = True) -> str | None:
    value = request.get(key)
    if value is None and required:
        raise MalformedRequest(f"no {key}")
    return value


def perform(ws, request: dict, *, locked: bool = False) -> dict:
    """Run ``request`` (``op`` one of ``EVENTS`` or ``lookup``) on ``ws``; the reply
    (``app.services.calls.channel.reply``), with ``call`` the id of a call that rang."""
    op = request.get("op")
    if op == "ringing":
        return _ringing(ws, request, locked)
    if op == "answered":
        call = ws.calls.answered(_field(request, "call_id"))
        return reply(0, [_("Call answered at {time}, after {seconds} s.").format(
            time=_time(ws, call.answered_at), seconds=round(call.ring_seconds))])
    if op == "ended":
        return _ended(ws, _field(request, "call_id"))
    if op == "lookup":
        if locked:
            raise AppLocked()
        return _lookup(ws, _field(request, "number"), request.get("format") or "text")
    raise MalformedRequest("unknown op")


def _ringing(ws, request: dict, locked: bool) -> dict:
    result = ws.calls.ringing(request.get("number") or "", line=request.get("line") or None,
                              call_id=request.get("call_id"),
                              direction=request.get("direction") or CallDirection.IN.value)
    caller = result.caller
    if locked:
        who = _("Permanence is locked, the caller is not shown")
    elif caller.withheld:
        who = _("withheld number")
    elif not caller.matches:
        who = _("unknown caller")
    else:
        who = ", ".join(clean_name(m.name) for m in caller.matches)
    time = _time(ws, result.call.started_at)
    if result.joined:
        said = _("Outgoing call at {time}: {who}; it is the call dialled from Permanence, "
                 "which takes the next events.").format(time=time, who=who)
    elif result.call.direction == CallDirection.OUT.value:
        said = _("Outgoing call at {time}: {who}.").format(time=time, who=who)
    else:
        said = _("Call ringing at {time}: {who}.").format(time=time, who=who)
    answer = reply(0, [clean_name(result.call.ref)], [said])  # the id the next events give
    if not result.joined:  # a dialled call has its panel open already
        answer["call"] = result.call.id
    return answer


def _ended(ws, call_id: str) -> dict:
    result = ws.calls.ended(call_id)
    call, callback = result.call, result.callback
    if not call.missed:
        line = _("Call ended at {time}, {seconds} s of conversation.").format(
            time=_time(ws, call.ended_at), seconds=round(call.talk_seconds))
    elif callback is None:
        line = _("Missed call at {time} from a withheld number: nobody to call back.").format(
            time=_time(ws, call.ended_at))
    else:
        line = ngettext("Missed call at {time}: to call back by {due} ({n} missed call from "
                        "this number).",
                        "Missed call at {time}: to call back by {due} ({n} missed calls from "
                        "this number).", callback.missed_calls).format(
            time=_time(ws, call.ended_at), due=ws.zone.local(callback.due_at).strftime("%H:%M"),
            n=callback.missed_calls)
    return reply(0, [line])


def lookup_matches(ws, number: str) -> tuple[object, list[dict]]:
    """The identification and its matches as a PBX gets them: names only for a role that
    may read them (a phone system's account gets ids)."""
    found = ws.callers.identify(number)
    shown = {"patient": ws.may(access.PATIENTS_READ), "contact": ws.may(access.DIRECTORY_READ)}
    return found, [{"kind": m.kind, "id": m.id,
                    "name": clean_name(m.name) if shown.get(m.kind, False) else "",
                    "match": m} for m in found.matches]


def _lookup(ws, number: str, fmt: str) -> dict:
    if fmt not in ("text", "json"):
        raise MalformedRequest("format")
    found, matches = lookup_matches(ws, number)
    if fmt == "json":
        return reply(0, [json.dumps([{k: m[k] for k in ("kind", "id", "name")}
                                     for m in matches], ensure_ascii=False)])
    if not matches:
        return reply(0, [_("Withheld number.") if found.withheld
                         else _("Nobody has this number.")])
    lines = []
    for m in matches:  # tab-separated: no field may hold a tab or a line break
        match = m["match"]
        extra = ((i18n.format_date(match.birth_date) if match.birth_date else match.detail)
                 if m["name"] else "")
        lines.append("\t".join(clean_name(v) for v in (m["kind"], m["id"], m["name"],
                                                          extra or "")))
    return reply(0, lines)

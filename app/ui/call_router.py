"""The window's own channel: a phone system's event without a profile, routed by line.

``permanence call ringing --from NUMBER --to LINE`` without ``--profile`` reaches this
server (``app.services.calls.channel.find_window``). The practice open in the window
that declared LINE (``app.services.practice_lines.practice_lines``) takes the call: the
event goes to that practice's own phone server, which records it and opens its call
panel, and the window switches to the practice. A window holding one practice gives it
every call. A line no open practice declares is not lost: the reply gives a call id at
once, the window asks which practice takes it (``choice_needed``), and the call, with
the events that arrived meanwhile, is recorded there once chosen.

``answered`` and ``ended`` follow the call to the practice that took it; a call id the
window did not route (given before it started) is asked of each open practice.

``show`` is Permanence started again while this window runs (``permanence`` hands its
start over): the window comes to the front, opens the practice given (``profile``, an
absolute folder) if it is not open yet, and dials the ``tel:`` link given (``dial``).
The reply goes first; what the window does then may ask for a sign-in.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.ids import uuid7
from app.services.calls import channel
from app.services.calls.channel import MalformedRequest, error_reply, reply
from app.services.calls.dialing import number_from_uri
from app.services.calls.errors import UnknownCall
from app.services.practice_lines import normalise_line, owner_of, practice_lines
from app.ui.phone_server import PhoneServer

log = logging.getLogger(__name__)

ROUTED_OPS = ("ringing", "answered", "ended")
REMEMBERED = 500  # the calls whose practice is kept for their next events


class NotRouted(MalformedRequest):
    """A lookup or a dial reaches a practice through its profile's own channel."""

    code = "not_routed"

    @property
    def user_message(self) -> str:
        return _("Several practices may be open in Permanence: give --profile for this "
                 "command.")


class CallRouter(PhoneServer):
    """``shell``: what holds the open practices (``sessions``, ``switch_to``)."""

    choice_needed = Signal(str, str)  # the call id given, the line rung (E.164 or "")
    routed = Signal(object, str)  # the session that took a call, the call's id
    # Permanence started again: the profile folder to open, the tel: link to dial ("" none)
    show_requested = Signal(str, str)

    def __init__(self, shell, *, transport: str | None = None, parent=None) -> None:
        super().__init__(lambda: None, Path("."), transport=transport, parent=parent)
        self._shell = shell
        self._taken: dict[str, object] = {}  # a call id → the session that took it
        self._pending: dict[str, list[dict]] = {}  # an id → its events, until chosen

    def _names(self, folder: Path) -> tuple[Path, Path]:
        return channel.window_socket_path(folder), channel.window_endpoint_file(folder)

    @property
    def pending(self) -> list[str]:
        return list(self._pending)

    def _perform(self, request: dict) -> dict:
        op = request.get("op")
        if op == "show":
            return self._show(request)
        if op not in ROUTED_OPS:
            return error_reply(NotRouted())
        if op == "ringing":
            return self._ringing(request)
        return self._follow(request)

    def _show(self, request: dict) -> dict:
        profile = request.get("profile") or ""
        if profile and ("\x00" in profile or not Path(profile).is_absolute()):
            return error_reply(MalformedRequest("profile"))
        dial = request.get("dial") or ""
        if dial:
            try:
                number_from_uri(dial)
            except PermanenceError as exc:
                return error_reply(exc)
            shown = self._shell.dialling_session()
            if not profile and shown is not None and shown.window.is_locked:
                return reply(ExitCode.PROFILE_IN_USE, stderr=[_(
                    "Permanence is locked on this workstation: unlock it, then dial again.")])
        # Queued: the window may ask for a sign-in, after the reply has gone.
        self.show_requested.emit(profile, dial)
        if profile:
            return reply(0, [_("Permanence is already running: its window comes to the front "
                               "and opens the practice {path}.").format(path=profile)])
        return reply(0, [_("Permanence is already running: its window comes to the front.")])

    def _ringing(self, request: dict) -> dict:
        sessions = list(self._shell.sessions)
        if not sessions:
            return error_reply(NotRouted())
        owner = owner_of(request.get("line"),
                         [(s, practice_lines(s.workspace)) for s in sessions])
        if owner is None and len(sessions) == 1:
            owner = sessions[0]
        if owner is not None:
            return self._hand(owner, request)
        ref = (request.get("call_id") or "").strip() or uuid7()
        if ref in self._pending or ref in self._taken:
            return self._hand(self._taken[ref], request) if ref in self._taken else reply(
                0, [ref], [_("This call already waits for its practice to be chosen in "
                             "Permanence.")])
        self._pending[ref] = [{**request, "call_id": ref}]
        self.choice_needed.emit(ref, normalise_line(request.get("line")) or "")
        return reply(0, [ref], [_("Call ringing on a line no practice open in Permanence "
                                  "declares: Permanence asks which practice takes it.")])

    def _hand(self, session, request: dict) -> dict:
        answer = session.telephony.server.perform(request)
        if answer.get("exit") == 0 and request.get("op") == "ringing" and answer["stdout"]:
            self._taken[answer["stdout"][0]] = session
            while len(self._taken) > REMEMBERED:
                self._taken.pop(next(iter(self._taken)))
            self.routed.emit(session, answer["stdout"][0])
        answer.pop("code", None)
        return answer

    def _follow(self, request: dict) -> dict:
        ref = (request.get("call_id") or "").strip()
        if ref in self._pending:
            self._pending[ref].append(request)
            return reply(0, [], [_("The call waits for its practice to be chosen in "
                                   "Permanence; this event is recorded then.")])
        owner = self._taken.get(ref)
        candidates = [owner] if owner is not None else list(self._shell.sessions)
        answer = error_reply(UnknownCall(ref))
        for session in candidates:
            answer = session.telephony.server.perform(request)
            if answer.get("code") != UnknownCall.code:
                break
        answer.pop("code", None)
        return answer

    def choose(self, ref: str, session) -> list[dict]:
        """The practice chosen for a call on an unknown line: its events recorded there,
        in order; their replies (a refusal is said by the window)."""
        events = self._pending.pop(ref, [])
        replies = []
        for request in events:
            replies.append(self._hand(session, request))
        if events:
            self._taken.setdefault(ref, session)
        return replies

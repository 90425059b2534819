"""The refusals of the call log: each one writes nothing (exit code 2 on the command line)."""

from __future__ import annotations

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.models.text import clean_name


class CallRefused(PermanenceError):
    """Bad input for the call log; nothing was written."""

    code = "call_refused"
    exit_code = ExitCode.BAD_INPUT


class InvalidCallNumber(CallRefused):
    """A number that is neither a phone number nor a withheld one."""

    code = "invalid_call_number"

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number

    @property
    def user_message(self) -> str:
        return _("“{number}” is not a phone number (nor a withheld one); nothing was "
                 "recorded.").format(number=clean_name(self.number)[:60])


class InvalidCallId(CallRefused):
    code = "invalid_call_id"

    @property
    def user_message(self) -> str:
        return _("A call id is 1 to 100 printable characters; nothing was recorded.")


class UnknownCall(CallRefused):
    code = "unknown_call"

    def __init__(self, call_ref: str) -> None:
        super().__init__(call_ref)
        self.call_ref = call_ref

    @property
    def user_message(self) -> str:
        return _("No call has the id “{id}”: a call starts with its ringing event; nothing "
                 "was recorded.").format(id=clean_name(self.call_ref)[:100])


class EventOutOfOrder(CallRefused):
    """An event that cannot follow what the call already went through."""

    code = "event_out_of_order"

    def __init__(self, call_ref: str, event: str, state: str) -> None:
        super().__init__(f"{event} after {state}")
        self.call_ref, self.event, self.state = call_ref, event, state

    @property
    def user_message(self) -> str:
        states = {"ringing": _("is still ringing"), "answered": _("was already answered"),
                  "ended": _("has already ended"), "later": _("has a later event")}
        events = {"ringing": _("ringing"), "answered": _("answered"), "ended": _("ended")}
        return _("The call “{id}” {state}: the event “{event}” is out of order; nothing was "
                 "recorded.").format(id=clean_name(self.call_ref)[:100],
                                     state=states.get(self.state, self.state),
                                     event=events.get(self.event, self.event))


class UnknownCallback(CallRefused):
    code = "unknown_callback"

    @property
    def user_message(self) -> str:
        return _("This callback no longer exists; nothing was recorded.")


class CallbackClosed(CallRefused):
    code = "callback_closed"

    @property
    def user_message(self) -> str:
        return _("This callback is already done; nothing was recorded.")


class InvalidCallDetails(CallRefused):
    """A reason, outcome, practitioner, caller or appointment that does not exist."""

    code = "invalid_call_details"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._message = message

    @property
    def user_message(self) -> str:
        return self._message

"""Calls and callbacks: identifying a caller, the phone system's events, the call log,
the callbacks owed, the indicators and the CSV export of the log."""

from app.services.calls.callbacks import CallbackService
from app.services.calls.errors import (
    CallbackClosed,
    CallRefused,
    EventOutOfOrder,
    InvalidCallDetails,
    InvalidCallId,
    InvalidCallNumber,
    UnknownCall,
    UnknownCallback,
)
from app.services.calls.events import (
    CALLBACK_TARGET,
    DIAL_JOIN_WINDOW,
    MISSED_CALL_WINDOW,
    CallInput,
    CallService,
    EndedResult,
    RingingResult,
)
from app.services.calls.identify import CallerIdentifier, CallerMatch, Identification
from app.services.calls.indicators import KEYS as INDICATOR_KEYS
from app.services.calls.indicators import indicators

__all__ = [
    "CALLBACK_TARGET", "DIAL_JOIN_WINDOW", "INDICATOR_KEYS", "MISSED_CALL_WINDOW", "CallInput",
    "CallRefused",
    "CallService", "CallbackClosed", "CallbackService", "CallerIdentifier", "CallerMatch",
    "EndedResult", "EventOutOfOrder", "Identification", "InvalidCallDetails", "InvalidCallId",
    "InvalidCallNumber", "RingingResult", "UnknownCall", "UnknownCallback", "indicators",
]

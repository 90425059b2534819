"""The Action URL listener's requests: what a desk phone, a softphone or a PBX client
calls on an incoming call (Yealink/Snom "Action URL", 3CX CRM templates).

The listener (``app.ui.action_url``) accepts only connections from this computer
(127.0.0.1), only ``GET``, only a request head of at most ``MAX_HEAD`` bytes, and only
with the token set in Réglages (``token=`` in the query; compared in constant time).
Paths and parameters, the same as the commands::

    /ringing?token=T&from=NUMBER[&to=NUMBER][&id=CALL_ID]
    /outgoing?token=T&to=NUMBER[&from=NUMBER][&id=CALL_ID]
    /answered?token=T&id=CALL_ID
    /ended?token=T&id=CALL_ID
    /lookup?token=T&number=NUMBER[&format=json]

The reply's body is what the command prints (the call id for ``ringing``, the matches
for ``lookup``), its status says the exit code (``STATUS``).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from app.errors import ExitCode
from app.services.calls.channel import ChannelRefused, MalformedRequest

MAX_HEAD = 8 * 1024
DEFAULT_PORT = 8725
STATUS = {ExitCode.OK: 200, ExitCode.BAD_INPUT: 400, ExitCode.SECRET: 403,
          ExitCode.ACCESS_DENIED: 403, ExitCode.PROFILE_IN_USE: 503}
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 500: "Internal Server Error",
           503: "Service Unavailable"}
_PARAMS = {"ringing": {"from": "number", "to": "line", "id": "call_id"},
           "outgoing": {"to": "number", "from": "line", "id": "call_id"},
           "answered": {"id": "call_id"}, "ended": {"id": "call_id"},
           "lookup": {"number": "number", "from": "number", "format": "format"}}


def new_token() -> str:
    """Letters and digits only: pasted in a phone's web page, nothing to escape."""
    return secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


def status_of(exit_code: int) -> int:
    return STATUS.get(exit_code, 500)


def parse_head(head: bytes, token: str) -> dict:
    """The request of an HTTP head (``GET /ringing?… HTTP/1.1``, headers ignored);
    ``MalformedRequest`` for anything else, ``ChannelRefused`` for a missing or wrong
    token."""
    try:
        request_line = head.split(b"\r\n", 1)[0].decode("ascii")
        method, target, version = request_line.split(" ")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("request line") from exc
    if method != "GET" or not version.startswith("HTTP/"):
        raise MalformedRequest("method")
    parts = urlsplit(target)
    op = parts.path.strip("/")
    if op not in _PARAMS:
        raise MalformedRequest("path")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False,
                         encoding="utf-8", errors="strict", max_num_fields=20)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest("query") from exc
    given = (query.get("token") or [""])[0]
    if not token or not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise ChannelRefused("token")
    request: dict = {"op": op}
    for name, key in _PARAMS[op].items():
        if name in query:
            request[key] = query[name][0]
    # A PBX sends its variables as they are: "$call_id" left unexpanded means none.
    if request.get("call_id", "").startswith("$"):
        raise MalformedRequest("unexpanded variable")
    if op == "ringing":
        request.setdefault("number", "")  # a withheld number may come as no parameter
    if op == "outgoing":  # the channel's ringing, dialled out
        request.update(op="ringing", direction="out")
        request.setdefault("number", "")
    return request


def http_response(status: int, body: str, *, json_body: bool = False) -> bytes:
    data = body.encode("utf-8")
    kind = "application/json" if json_body else "text/plain"
    head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: {kind}; charset=utf-8\r\nContent-Length: {len(data)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n")
    return head.encode("ascii") + data


def examples(port: int, token: str) -> list[tuple[str, str]]:
    """(what, URL) for Réglages and the README: Yealink/Snom variables and 3CX's."""
    base = f"http://127.0.0.1:{port}"
    return [
        ("Yealink", f"{base}/ringing?token={token}&from=$remote&id=$call_id"),
        ("Snom", f"{base}/ringing?token={token}&from=$remote&id=$call-id"),
        ("3CX", f"{base}/lookup?token={token}&number=[Number]&format=json"),
    ]

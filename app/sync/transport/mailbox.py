"""The layout both transports share: one mailbox per receiver.

    <receiver node id>/<sender node id>/<seq:010d>.age      the encrypted batch
    <receiver node id>/<sender node id>/<seq:010d>.header   its signed header

A node reads only its own folder, and writes and prunes only the ``<receiver>/<me>``
folders: what it sent. The body is written first and the header last, each under a
temporary name then renamed, so a batch whose header is there is whole; a body alone is
an interrupted send, ignored by readers and replaced when its sender sends that number
again. Any other name (a temporary file, a Syncthing or Nextcloud leftover, a note
someone left) is ignored; a complete batch is never replaced by a different one.
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple

from app.sync.transport.base import FILE, FOLDER, Transport, is_temp_name
from app.sync.transport.errors import BatchConflict

# What app.storage gives a node: a UUID in its canonical lower-case form (uuid7).
NODE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SEQ_DIGITS = 10
MAX_SEQ = 10**SEQ_DIGITS - 1
HEADER, BODY = "header", "age"
_FILE = re.compile(r"([0-9]{%d})\.(header|age)" % SEQ_DIGITS)
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 512 * 1024 * 1024
# A temporary file of ours older than this was left by an interrupted send.
STALE_TEMP_SECONDS = 3600


class Waiting(NamedTuple):
    sender: str
    seq: int


class Batch(NamedTuple):
    sender: str
    seq: int
    header: bytes
    body: bytes


def is_node_id(value: object) -> bool:
    return isinstance(value, str) and NODE_ID.fullmatch(value) is not None


def _node(value: str) -> str:
    if not is_node_id(value):
        raise ValueError(f"not a node id: {value!r}")
    return value


def _seq(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise ValueError(f"not a batch number: {value!r}")
    return value


def file_name(seq: int, part: str) -> str:
    return f"{_seq(seq):0{SEQ_DIGITS}d}.{part}"


class Mailbox:
    """The batches of node ``me`` over ``transport``: send, list, fetch, prune."""

    def __init__(self, transport: Transport, me: str) -> None:
        self.transport = transport
        self.me = _node(me)

    @property
    def where(self) -> str:
        return self.transport.where

    # -- sending -------------------------------------------------------------------
    def post(self, receiver: str, seq: int, header: bytes, body: bytes) -> bool:
        """Put batch ``seq`` for ``receiver``: the body, then the header. True when
        written, False when the very same batch was already there (a send repeated
        after a crash). A different batch under that number raises ``BatchConflict``
        and changes nothing."""
        folder = (_node(receiver), self.me)
        if receiver == self.me:
            raise ValueError("a node does not send batches to itself")
        header_path, body_path = folder + (file_name(seq, HEADER),), folder + (
            file_name(seq, BODY),)
        t = self.transport
        t.make_folders(folder)
        there = t.read(header_path, MAX_HEADER_BYTES)
        if there is not None and there != header:
            raise BatchConflict(self.where, "/".join(header_path))
        old_body = t.read(body_path, MAX_BODY_BYTES)
        if old_body is None:
            if not t.write(body_path, body) and t.read(body_path, MAX_BODY_BYTES) != body:
                raise BatchConflict(self.where, "/".join(body_path))
        elif old_body != body:
            if there is not None:
                raise BatchConflict(self.where, "/".join(body_path))
            t.write(body_path, body, replace=True)  # the body of an interrupted send
        if there is not None:
            return False
        if not t.write(header_path, header) and t.read(header_path, MAX_HEADER_BYTES) != header:
            raise BatchConflict(self.where, "/".join(header_path))
        return True

    def sent(self, receiver: str) -> list[int]:
        """The numbers of the whole batches of ours still in ``receiver``'s mailbox."""
        return sorted(self._complete((_node(receiver), self.me)))

    def prune(self, receiver: str, upto: int) -> list[int]:
        """Remove the batches of ours numbered ``upto`` or less from ``receiver``'s
        mailbox, once the receiver has acknowledged them: the header first, so that
        none is ever seen without its body; and temporary files an interrupted send of
        ours left there. Returns the numbers removed."""
        folder = (_node(receiver), self.me)
        _seq(upto)
        removed = set()
        now = time.time()
        for entry in self.transport.list(folder):
            found = _FILE.fullmatch(entry.name)
            if found and entry.kind == FILE and int(found.group(1)) <= upto \
                    and found.group(2) == HEADER:
                self.transport.delete(folder + (entry.name,))
                removed.add(int(found.group(1)))
            elif is_temp_name(entry.name) and entry.kind == FILE \
                    and now - entry.mtime > STALE_TEMP_SECONDS:
                self.transport.delete(folder + (entry.name,))
        for entry in self.transport.list(folder):
            found = _FILE.fullmatch(entry.name)
            if found and entry.kind == FILE and int(found.group(1)) <= upto \
                    and found.group(2) == BODY:
                self.transport.delete(folder + (entry.name,))
                removed.add(int(found.group(1)))
        return sorted(removed)

    # -- receiving -----------------------------------------------------------------
    def waiting(self) -> list[Waiting]:
        """The whole batches addressed to this node, by sender then number."""
        found = []
        for entry in self.transport.list((self.me,)):
            if entry.kind == FOLDER and is_node_id(entry.name) and entry.name != self.me:
                found.extend(Waiting(entry.name, seq)
                             for seq in self._complete((self.me, entry.name)))
        return sorted(found)

    def fetch(self, sender: str, seq: int) -> Batch | None:
        """Batch ``seq`` from ``sender`` (header, body), None while it is not whole."""
        folder = (self.me, _node(sender))
        header = self.transport.read(folder + (file_name(seq, HEADER),), MAX_HEADER_BYTES)
        if header is None:
            return None
        body = self.transport.read(folder + (file_name(seq, BODY),), MAX_BODY_BYTES)
        if body is None:
            return None
        return Batch(sender, seq, header, body)

    def _complete(self, folder: tuple[str, str]) -> set[int]:
        parts: dict[int, set[str]] = {}
        for entry in self.transport.list(folder):
            found = _FILE.fullmatch(entry.name)
            if found and entry.kind == FILE:
                parts.setdefault(int(found.group(1)), set()).add(found.group(2))
        return {seq for seq, kinds in parts.items() if kinds == {HEADER, BODY}}

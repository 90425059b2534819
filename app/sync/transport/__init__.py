"""How batches travel: a shared folder or an SFTP server, with one mailbox layout.

The sync round opens a target with ``open_transport`` (a folder path or an
``sftp://USER@HOST:PORT/PATH`` address), wraps it in a ``Mailbox`` for its own node id,
posts, lists, fetches and prunes batches, and closes it::

    with open_transport(target, identity=key, pins=LocalMetaPins(store)) as transport:
        box = Mailbox(transport, store.node_id)
        box.post(peer, seq, header, body)
        for sender, seq in box.waiting():
            batch = box.fetch(sender, seq)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.i18n import _
from app.models.text import one_line
from app.sync.transport.base import Entry, Transport
from app.sync.transport.errors import (
    BadKeyFile,
    BadTarget,
    BatchConflict,
    BatchTooLarge,
    HostKeyChanged,
    LoginRefused,
    RemoteWriteRefused,
    TargetMissing,
    TargetUnreachable,
    TransportError,
    UnsafeEntry,
)
from app.sync.transport.folder import FolderTransport
from app.sync.transport.mailbox import Batch, Mailbox, Waiting, is_node_id
from app.sync.transport.pins import LocalMetaPins
from app.sync.transport.sftp import (
    DEFAULT_TIMEOUT,
    PinStore,
    SftpAddress,
    SftpTransport,
    fingerprint,
    parse_sftp_url,
    pinned_notice,
)

__all__ = [
    "BadKeyFile", "BadTarget", "Batch", "BatchConflict", "BatchTooLarge", "DEFAULT_TIMEOUT",
    "Entry", "FolderTransport", "HostKeyChanged", "LocalMetaPins", "LoginRefused", "Mailbox",
    "PinStore", "RemoteWriteRefused", "SftpAddress", "SftpTransport", "TargetMissing",
    "TargetUnreachable", "Transport", "TransportError", "UnsafeEntry", "Waiting", "connect",
    "fingerprint", "is_node_id", "open_transport", "parse_sftp_url", "pinned_notice",
]


def connect(target: str | os.PathLike, *, identity: Path | None = None,
            pins: PinStore | None = None, host_key_file: Path | None = None,
            timeout: float = DEFAULT_TIMEOUT,
            on_pinned: Callable[[str], None] | None = None) -> Transport:
    """The transport ``target`` names: an ``sftp://`` address (then ``identity`` and
    ``pins`` are needed; ``on_pinned(fingerprint)`` is called when a server's key is
    pinned, to be shown with ``pinned_notice``) or a folder. The caller closes it."""
    text = os.fspath(target)
    if text.lower().startswith("sftp://"):
        address = parse_sftp_url(text)
        if identity is None:
            raise BadTarget(str(address), _("give the key file to log in with --identity KEY"))
        if pins is None:
            raise ValueError("an SFTP target needs a pin store")
        return SftpTransport(address, identity=identity, pins=pins,
                             host_key_file=host_key_file, timeout=timeout, on_pinned=on_pinned)
    if "://" in text:
        raise BadTarget(one_line(text), _("only folders and sftp:// addresses are supported"))
    if identity is not None or host_key_file is not None:
        raise BadTarget(one_line(text), _("--identity and --host-key apply to an sftp:// "
                                          "address, not to a folder"))
    return FolderTransport(text)


@contextmanager
def open_transport(target: str | os.PathLike, **options) -> Iterator[Transport]:
    """``connect(target, **options)``, closed on the way out."""
    transport = connect(target, **options)
    try:
        yield transport
    finally:
        transport.close()

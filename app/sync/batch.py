"""A batch: whole transactions of the journal, encrypted to one peer and signed by the
sender, checked before anything is decrypted. Plain Python: keys, sequence numbers and
hashes are given by the caller (the peers' ledger), nothing here opens a database.

A batch is two files side by side in the shared folder:

``<name>.age`` — the ciphertext: a plain age file (X25519 recipient: the receiver's
``age1…`` key), which ``age -d -i IDENTITY FILE | gunzip`` reads with the standard tool.
Its plaintext is gzip-compressed UTF-8 JSON (``PAYLOAD_FORMAT``, version 1)::

    {"format": "permanence-batch-payload", "version": 1,
     "sender": NODE_ID, "receiver": NODE_ID, "seq": N,
     "acknowledges": K,            # last batch seq the sender received from the receiver
     "journal_through": J,         # the sender's last journal seq this batch carries
     "policy": {"exports": false, …},  # from a practice to a remote workstation only:
                                   # what it may do (app.services.workstation_policy)
     "transactions": [
       {"tx_id": "…", "changes": [
          {"kind": "patient", "entity_id": "…", "op": "insert|update|delete",
           "version": STAMP, "origin_node": NODE_ID, "at": "ISO 8601",
           "payload": {field: value, …},          # as journaled (dates in ISO 8601)
           "field_versions": {field: STAMP} | null,
           "field_bases": {field: STAMP} | null}, …]}, …]}

``<name>.header`` — the signed header, two lines of ASCII: the header as canonical JSON
(keys sorted, no spaces, ASCII only), then the Ed25519 signature of exactly those bytes
in base64. The header holds ``format`` ("permanence-batch"), ``version``, ``sender``,
``receiver``, ``seq`` (per sender → receiver, from 1, no gap), ``prev`` (hash of the
previous batch, "" for the first), ``schema`` (Alembic revision of the sender),
``created_at`` and ``expires_at`` (UTC, ISO 8601), ``acknowledges``,
``ciphertext_sha256`` and ``ciphertext_size``. A batch's hash is the SHA-256 (hex) of
the canonical header bytes; the next batch's ``prev`` names it.

After the sender rotated its keys (``app.sync.rotation``), its batches carry one more
header key until the receiver acknowledges one: ``rotation``, ``{"verify_key": BASE64,
"age_recipient": "age1…"}`` (its new public keys), and a third line: the signature of
the same canonical bytes by its *previous* signing key, the one the receiver holds.
The second line is then the signature by the new key: both keys vouch for the change.

``verify`` checks the header and the ciphertext's digest against what the receiver
knows, in the order the refusals are listed in ``verify``, without decrypting;
``open_batch`` then decrypts and parses. Every refusal is a ``BatchRefused``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey,
)
from pyrage import x25519

from app.errors import ExitCode, PermanenceError
from app.i18n import _
from app.storage.remote import RemoteChange

FORMAT = "permanence-batch"
PAYLOAD_FORMAT = "permanence-batch-payload"
VERSION = 1
HEADER_SUFFIX = ".header"
CIPHERTEXT_SUFFIX = ".age"
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_LIFETIME = timedelta(days=30)
# A batch never decompresses to more than this: a hostile one is refused, not swallowed.
MAX_PLAINTEXT = 512 * 1024 * 1024
_HEADER_KEYS = frozenset({
    "format", "version", "sender", "receiver", "seq", "prev", "schema", "created_at",
    "expires_at", "acknowledges", "ciphertext_sha256", "ciphertext_size"})
_ROTATION_KEYS = frozenset({"verify_key", "age_recipient"})
_CHANGE_KEYS = frozenset({"kind", "entity_id", "op", "version", "origin_node", "at",
                          "payload", "field_versions", "field_bases"})


# -- refusals ---------------------------------------------------------------------------
class BatchRefused(PermanenceError):
    """A batch that is not applied: nothing of it was read into the database."""

    code = "batch_refused"
    exit_code = ExitCode.BATCH_REFUSED

    @property
    def user_message(self) -> str:
        return _("A batch received from another installation was refused; nothing of it "
                 "was applied.")


class UnknownSender(BatchRefused):
    code = "batch_unknown_sender"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it comes from an installation this practice is not paired "
                 "with. Nothing was applied.")


class RevokedSender(BatchRefused):
    code = "batch_revoked_sender"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it was signed by an installation whose access was revoked. "
                 "Nothing was applied.")


class BadSignature(BatchRefused):
    code = "batch_bad_signature"

    @property
    def user_message(self) -> str:
        return _("Refused batch: its signature does not match (altered or forged). Nothing "
                 "was applied.")


class MalformedBatch(BatchRefused):
    code = "batch_malformed"

    @property
    def user_message(self) -> str:
        return _("Refused batch: its content is not a valid Permanence batch (damaged or "
                 "written by something else). Nothing was applied.")


class WrongReceiver(BatchRefused):
    code = "batch_wrong_receiver"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it is addressed to another installation. Nothing was "
                 "applied.")


class FutureSchema(BatchRefused):
    code = "batch_future_schema"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it was written by a newer version of Permanence; update "
                 "this installation, then synchronise again. Nothing was applied.")


class ForgedRotation(BadSignature):
    """A batch announcing new keys for its sender that the sender's current key did not
    sign (or whose new key did not): nothing changes, its keys stay as they were."""

    code = "batch_forged_rotation"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it announces new keys for the other installation, but they "
                 "are not signed by the key this installation holds for it (forged or "
                 "altered). Nothing was applied and its keys were not changed.")


class CiphertextMismatch(BatchRefused):
    code = "batch_ciphertext_mismatch"

    @property
    def user_message(self) -> str:
        return _("Refused batch: its encrypted part is not the one that was signed "
                 "(truncated, altered or swapped). Nothing was applied.")


class BatchGap(BatchRefused):
    """A later batch arrived before a missing one: it waits, it is not lost."""

    code = "batch_gap"

    @property
    def user_message(self) -> str:
        return _("A batch arrived before an earlier one that is still missing; it will be "
                 "applied once the missing one arrives. Nothing was applied yet.")


class BatchFork(BatchRefused):
    """Two different batches with one number: stop and alert, apply neither."""

    code = "batch_fork"

    @property
    def user_message(self) -> str:
        return _("Refused batch: another batch with the same number was already applied "
                 "(the other installation's history was forked: restored from a backup or "
                 "copied?). Synchronisation with it stops until it is paired again. Nothing "
                 "was applied.")


class BrokenChain(BatchRefused):
    code = "batch_broken_chain"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it does not follow the last batch applied from that "
                 "installation. Nothing was applied.")


class BatchExpired(BatchRefused):
    code = "batch_expired"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it expired before it was received; the other installation "
                 "must be paired again. Nothing was applied.")


class CannotDecrypt(BatchRefused):
    code = "batch_cannot_decrypt"

    @property
    def user_message(self) -> str:
        return _("Refused batch: it cannot be decrypted with this installation's key. "
                 "Nothing was applied.")


# -- the header ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyRotation:
    """A sender's new public keys, announced in its batches' headers."""

    verify_key: bytes
    age_recipient: str


@dataclass(frozen=True)
class BatchHeader:
    sender: str
    receiver: str
    seq: int
    prev: str
    schema: str
    created_at: datetime
    expires_at: datetime
    acknowledges: int
    ciphertext_sha256: str
    ciphertext_size: int
    format: str = FORMAT
    version: int = VERSION
    rotation: KeyRotation | None = None  # the sender's new public keys, if it rotated

    def canonical(self) -> bytes:
        data = {
            "format": self.format, "version": self.version, "sender": self.sender,
            "receiver": self.receiver, "seq": self.seq, "prev": self.prev,
            "schema": self.schema, "created_at": _instant(self.created_at),
            "expires_at": _instant(self.expires_at), "acknowledges": self.acknowledges,
            "ciphertext_sha256": self.ciphertext_sha256,
            "ciphertext_size": self.ciphertext_size}
        if self.rotation is not None:
            data["rotation"] = {"verify_key": base64.b64encode(self.rotation.verify_key)
                                .decode("ascii"),
                                "age_recipient": self.rotation.age_recipient}
        return _canonical(data)

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


@dataclass(frozen=True)
class Sealed:
    header: bytes  # the ``.header`` file
    ciphertext: bytes  # the ``.age`` file
    hash: str  # the next batch's ``prev``


@dataclass(frozen=True)
class Checked:
    """A batch whose header passed ``verify``. ``duplicate``: already applied (same
    number, same hash): nothing to do. ``warnings``: translated, e.g. a clock skew."""

    header: BatchHeader
    duplicate: bool = False
    warnings: tuple[str, ...] = ()
    rotation: KeyRotation | None = None  # new keys to record for the sender on applying


@dataclass(frozen=True)
class Transaction:
    tx_id: str
    changes: tuple[RemoteChange, ...]


@dataclass(frozen=True)
class Payload:
    sender: str
    receiver: str
    seq: int
    acknowledges: int
    journal_through: int
    transactions: tuple[Transaction, ...]
    policy: dict[str, bool] | None = None  # the practice's policy for the receiver

    @property
    def changes(self) -> list[RemoteChange]:
        return [c for tx in self.transactions for c in tx.changes]


@dataclass(frozen=True)
class PayloadSize:
    """Bytes of one batch: its JSON, gzip-compressed, and encrypted (the ``.age`` file)."""

    raw_json: int
    compressed: int
    changes: int
    transactions: int
    extra: dict = field(default_factory=dict)


# -- the payload ----------------------------------------------------------------------------
def transactions_of(entries: Sequence[tuple[int, RemoteChange]], *,
                    max_changes: int | None = None) -> tuple[list[Transaction], int]:
    """Group journal entries (``(seq, change)`` in seq order, as ``Store.changes_for_peer``
    gives them) by transaction, whole transactions only: with ``max_changes``, stop before
    the transaction that would go past it (the first one always goes, however large).
    Returns the transactions and the last journal seq they include (0 if none)."""
    groups: list[tuple[str, list[RemoteChange], int]] = []
    for seq, change in entries:
        if not groups or groups[-1][0] != change.tx_id:
            groups.append((change.tx_id, [], seq))
        groups[-1][1].append(change)
        groups[-1] = (change.tx_id, groups[-1][1], seq)
    out: list[Transaction] = []
    count, through = 0, 0
    for tx_id, changes, last in groups:
        if max_changes is not None and out and count + len(changes) > max_changes:
            break
        out.append(Transaction(tx_id, tuple(changes)))
        count += len(changes)
        through = last
    return out, through


def payload_document(transactions: Sequence[Transaction], *, sender: str, receiver: str,
                     seq: int, acknowledges: int, journal_through: int,
                     policy: dict[str, bool] | None = None) -> dict[str, Any]:
    """The plaintext of a batch as JSON values (see the module's docstring)."""
    document = {
        "format": PAYLOAD_FORMAT, "version": VERSION, "sender": sender, "receiver": receiver,
        "seq": seq, "acknowledges": acknowledges, "journal_through": journal_through,
        "transactions": [{"tx_id": tx.tx_id, "changes": [_change_json(c) for c in tx.changes]}
                         for tx in transactions],
    }
    if policy is not None:
        document["policy"] = dict(policy)
    return document


def _change_json(c: RemoteChange) -> dict[str, Any]:
    return {"kind": c.kind, "entity_id": c.entity_id, "op": c.op, "version": c.version,
            "origin_node": c.origin_node, "at": _instant(c.at), "payload": dict(c.payload),
            "field_versions": dict(c.field_versions) if c.field_versions else None,
            "field_bases": dict(c.field_bases) if c.field_bases else None}


def encode_payload(document: dict[str, Any]) -> bytes:
    """The plaintext bytes: UTF-8 JSON, gzip-compressed (no file name, time 0)."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(raw, compresslevel=6, mtime=0)


def measure(document: dict[str, Any]) -> PayloadSize:
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    txs = document.get("transactions", [])
    return PayloadSize(raw_json=len(raw), compressed=len(encode_payload(document)),
                       changes=sum(len(t["changes"]) for t in txs), transactions=len(txs))


# -- sealing --------------------------------------------------------------------------------
def seal(document: dict[str, Any], *, signing_key: bytes, recipient: str, schema: str,
         prev: str, created_at: datetime, expires_at: datetime | None = None,
         rotation: KeyRotation | None = None, previous_key: bytes | None = None) -> Sealed:
    """Encrypt ``document`` (``payload_document``) to ``recipient`` (the receiver's
    ``age1…`` key) and sign its header with ``signing_key`` (the sender's Ed25519
    private key, 32 raw bytes). Sender, receiver, seq and acknowledgement come from the
    document; ``prev``: the hash of the previous batch to that receiver ("" first).
    ``rotation`` (the sender's new public keys, those of ``signing_key``) goes with
    ``previous_key``, the signing key the receiver still holds, which signs too."""
    if (rotation is None) != (previous_key is None):
        raise ValueError("a rotation is signed by the previous key")
    ciphertext = pyrage.encrypt(encode_payload(document), [x25519.Recipient.from_str(recipient)])
    header = BatchHeader(
        sender=document["sender"], receiver=document["receiver"], seq=document["seq"],
        prev=prev, schema=schema, created_at=created_at,
        expires_at=expires_at or created_at + DEFAULT_LIFETIME,
        acknowledges=document["acknowledges"],
        ciphertext_sha256=hashlib.sha256(ciphertext).hexdigest(),
        ciphertext_size=len(ciphertext), rotation=rotation)
    signed = header.canonical()
    lines = [signed, base64.b64encode(Ed25519PrivateKey.from_private_bytes(signing_key)
                                      .sign(signed))]
    if previous_key is not None:
        lines.append(base64.b64encode(Ed25519PrivateKey.from_private_bytes(previous_key)
                                      .sign(signed)))
    return Sealed(b"\n".join(lines) + b"\n", ciphertext, header.hash)


def read_header(header_file: bytes) -> tuple[BatchHeader, bytes, bytes]:
    """The header, the exact bytes signed and the signature; ``MalformedBatch`` if the
    file is not two lines of canonical JSON and base64. Nothing is trusted yet."""
    return _read_header(header_file)[:3]


def _read_header(header_file: bytes) -> tuple[BatchHeader, bytes, bytes, bytes | None]:
    """``read_header``, and the previous key's signature of a rotation (else None)."""
    try:
        signed, *signatures, rest = header_file.split(b"\n")
        if rest:
            raise ValueError("trailing bytes")
        data = json.loads(signed.decode("ascii"))
        rotation = None
        if isinstance(data, dict) and "rotation" in data:
            rotation = _rotation(data.pop("rotation"))
        if not isinstance(data, dict) or set(data) != _HEADER_KEYS:
            raise ValueError("header keys")
        if len(signatures) != (2 if rotation is not None else 1):
            raise ValueError("signatures")
        header = BatchHeader(
            sender=_text(data["sender"]), receiver=_text(data["receiver"]),
            seq=_count(data["seq"], 1), prev=_text(data["prev"]), schema=_text(data["schema"]),
            created_at=_parse_instant(data["created_at"]),
            expires_at=_parse_instant(data["expires_at"]),
            acknowledges=_count(data["acknowledges"], 0),
            ciphertext_sha256=_text(data["ciphertext_sha256"]),
            ciphertext_size=_count(data["ciphertext_size"], 0),
            format=_text(data["format"]), version=_count(data["version"], 1),
            rotation=rotation)
        if header.format != FORMAT or header.canonical() != signed:
            raise ValueError("not canonical")
        raw = [base64.b64decode(line, validate=True) for line in signatures]
        if any(len(r) != 64 for r in raw):
            raise ValueError("signature length")
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, binascii.Error) as exc:
        raise MalformedBatch(f"header: {exc}") from None
    return header, signed, raw[0], (raw[1] if len(raw) > 1 else None)


def _rotation(value: Any) -> KeyRotation:
    if not isinstance(value, dict) or set(value) != _ROTATION_KEYS:
        raise ValueError("rotation keys")
    key = base64.b64decode(_text(value["verify_key"]).encode("ascii"), validate=True)
    recipient = _text(value["age_recipient"])
    if len(key) != 32 or not recipient.startswith("age1"):
        raise ValueError("rotation keys")
    return KeyRotation(key, recipient)


def _signs(key: bytes, signature: bytes | None, signed: bytes) -> bool:
    if signature is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, signed)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(header_file: bytes, ciphertext: bytes, *, receiver: str,
           sender_key: bytes | None, revoked_at: datetime | None, next_seq: int,
           last_hash: str, known_schemas: Collection[str], now: datetime,
           retired_keys: Sequence[tuple[bytes, int]] = ()) -> Checked:
    """Check a batch before anything is decrypted; raise the refusal, or return it.

    ``receiver``: this node's id. ``sender_key``: the Ed25519 public key (32 raw bytes)
    the ledger holds for the header's sender, None if the sender is not a known peer.
    ``revoked_at``: when that peer was revoked (None: it is not). ``next_seq``: the
    number expected from it (1 + the last applied), ``last_hash``: the hash of the last
    applied ("" before the first). ``known_schemas``: the schema revisions this version
    of Permanence knows (a batch from a newer one is refused). ``retired_keys``: the
    sender's keys before it rotated, each with the number of the batch that announced
    the new one: a batch numbered before it, signed with that key, still verifies
    (it was sealed before the rotation; the caller drops keys past their deadline).

    A batch announcing new keys (``rotation``) verifies when the key held for the
    sender signed it and the new key did too (else ``ForgedRotation``), or when the
    key held already is the new one; ``Checked.rotation`` then says what to record.

    In this order: a header that is not one (``MalformedBatch``), unknown sender,
    revoked sender (signed at or after revocation), signature, receiver, version and
    schema, ciphertext digest and size, sequence (an older number whose hash matches the
    last applied: ``duplicate``; the last number with another hash: ``BatchFork``; a
    number past the next: ``BatchGap``, it waits), chain (``prev``), expiry; a creation
    time more than five minutes ahead of ``now`` is a warning, not a refusal.
    """
    header, signed, signature, previous = _read_header(header_file)
    if sender_key is None:
        raise UnknownSender(header.sender)
    if revoked_at is not None and header.created_at >= revoked_at:
        raise RevokedSender(header.sender)
    rotation = header.rotation
    if rotation is not None and rotation.verify_key != bytes(sender_key):
        if not (_signs(sender_key, previous, signed)
                and _signs(rotation.verify_key, signature, signed)):
            raise ForgedRotation(header.sender)
    elif not (_signs(sender_key, signature, signed) or any(
            header.seq < before and _signs(key, signature, signed)
            for key, before in retired_keys)):
        raise BadSignature(header.sender)
    else:
        rotation = None  # nothing new: the key held is the one announced
    if header.receiver != receiver:
        raise WrongReceiver(header.receiver)
    if header.version > VERSION or header.schema not in known_schemas:
        raise FutureSchema(f"{header.version} {header.schema}")
    if (len(ciphertext) != header.ciphertext_size
            or hashlib.sha256(ciphertext).hexdigest() != header.ciphertext_sha256):
        raise CiphertextMismatch(f"{len(ciphertext)} bytes")
    if header.seq < next_seq:
        if header.seq == next_seq - 1 and header.hash != last_hash:
            raise BatchFork(f"seq {header.seq}")
        # Already applied (this very batch, or one before the last): nothing to do.
        return Checked(header, duplicate=True)
    if header.seq > next_seq:
        raise BatchGap(f"expected {next_seq}, got {header.seq}")
    if header.prev != last_hash:
        raise BrokenChain(f"seq {header.seq}")
    if now >= header.expires_at:
        raise BatchExpired(_instant(header.expires_at))
    warnings = []
    if header.created_at - now > CLOCK_SKEW:
        warnings.append(_("The other installation's clock is {minutes} minutes ahead of this "
                          "one; check the date and time of both computers.").format(
                              minutes=int((header.created_at - now).total_seconds() // 60)))
    return Checked(header, warnings=tuple(warnings), rotation=rotation)


def open_batch(checked: Checked, ciphertext: bytes, identity: str | Sequence[str]) -> Payload:
    """Decrypt a verified batch with ``identity`` (this node's ``AGE-SECRET-KEY-…``, or
    several: its current one and those it retired, for batches sealed before its peer
    learnt the new one) and parse it; ``CannotDecrypt`` or ``MalformedBatch`` (content
    that does not match its header is malformed too)."""
    identities = [identity] if isinstance(identity, str) else list(identity)
    try:
        compressed = pyrage.decrypt(ciphertext, [x25519.Identity.from_str(i)
                                                 for i in identities])
    except (pyrage.DecryptError, pyrage.IdentityError, ValueError):
        raise CannotDecrypt(checked.header.sender) from None
    try:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        raw = inflater.decompress(compressed, MAX_PLAINTEXT)
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise ValueError("not one gzip member, or too large")
        return _parse_payload(json.loads(raw.decode("utf-8")), checked.header)
    except (ValueError, TypeError, KeyError, zlib.error, UnicodeDecodeError,
            RecursionError) as exc:
        raise MalformedBatch(f"payload: {type(exc).__name__}: {exc}") from None


def _parse_payload(data: Any, header: BatchHeader) -> Payload:
    if not isinstance(data, dict) or data.get("format") != PAYLOAD_FORMAT:
        raise ValueError("not a payload")
    if _count(data["version"], 1) > VERSION:
        raise ValueError("payload version")
    bound = (data["sender"], data["receiver"], data["seq"], data["acknowledges"])
    if bound != (header.sender, header.receiver, header.seq, header.acknowledges):
        raise ValueError("payload does not match its header")
    transactions = []
    for tx in _list(data["transactions"]):
        tx_id = _text(tx["tx_id"])
        changes = tuple(_parse_change(tx_id, c) for c in _list(tx["changes"]))
        if not changes:
            raise ValueError("empty transaction")
        transactions.append(Transaction(tx_id, changes))
    policy = data.get("policy")
    if policy is not None:
        if not isinstance(policy, dict) or not all(
                isinstance(k, str) and isinstance(v, bool) for k, v in policy.items()):
            raise ValueError("policy")
    return Payload(header.sender, header.receiver, header.seq, header.acknowledges,
                   _count(data["journal_through"], 0), tuple(transactions), policy)


def _parse_change(tx_id: str, c: Any) -> RemoteChange:
    if not isinstance(c, dict) or set(c) != _CHANGE_KEYS:
        raise ValueError("change keys")
    payload = c["payload"]
    if not isinstance(payload, dict):
        raise ValueError("change payload")
    for value in payload.values():
        if isinstance(value, (dict, list)):
            raise ValueError("a field holds a structure")
    return RemoteChange(
        tx_id=tx_id, kind=_text(c["kind"]), entity_id=_text(c["entity_id"]),
        op=_text(c["op"]), version=_count(c["version"], 0),
        origin_node=_text(c["origin_node"]), at=_parse_instant(c["at"]), payload=payload,
        field_versions=_stamps(c["field_versions"]), field_bases=_stamps(c["field_bases"]))


# -- helpers --------------------------------------------------------------------------------
def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True
                      ).encode("ascii")


def _instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a batch's instants are aware (UTC)")
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse_instant(value: Any) -> datetime:
    at = datetime.fromisoformat(_text(value))
    if at.tzinfo is None:
        raise ValueError("naive instant")
    return at.astimezone(timezone.utc)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _count(value: Any, least: int) -> int:
    if type(value) is not int or value < least:
        raise ValueError("expected a whole number")
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _stamps(value: Any) -> dict[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("expected stamps")
    return {_text(k): _count(v, 0) for k, v in value.items()}

"""Batches between two real practices: sealed on one, checked before decryption, opened
and applied on the other; every refusal leaves the receiver exactly as it was; the
standard ``age`` tool reads what was sent."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import zlib
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519
from sqlalchemy import func, select

from app.errors import ExitCode
from app.models import AuditEntry, ChangeJournal, Patient
from app.services.patients import PatientInput
from app.storage.migrate import head_revision, known_revisions
from app.sync import batch
from app.sync.batch import (
    BadSignature, BatchExpired, BatchFork, BatchGap, BatchHeader, BatchRefused, BrokenChain,
    CannotDecrypt, CiphertextMismatch, FutureSchema, MalformedBatch, RevokedSender,
    UnknownSender, WrongReceiver,
)
from tests.conftest import assert_french


@dataclass
class Node:
    ws: object
    signing: bytes = field(default_factory=lambda: Ed25519PrivateKey.generate()
                           .private_bytes_raw())
    identity: x25519.Identity = field(default_factory=x25519.Identity.generate)
    next_seq: int = 1  # what this node expects from its peer
    last_hash: str = ""
    sent_seq: int = 0  # what this node sent to its peer
    sent_hash: str = ""
    sent_through: int = 0

    @property
    def node_id(self) -> str:
        return self.ws.store.node_id

    @property
    def public(self) -> bytes:
        return (Ed25519PrivateKey.from_private_bytes(self.signing).public_key()
                .public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def recipient(self) -> str:
        return str(self.identity.to_public())


@pytest.fixture
def pair(practice_factory):
    return Node(practice_factory("node-a").workspace), Node(practice_factory("node-b").workspace)


def make_batch(sender: Node, receiver: Node, clock, **overrides) -> batch.Sealed:
    """The next batch from ``sender`` to ``receiver`` of what the journal holds since the
    last one; ``overrides`` change the header's inputs."""
    entries = sender.ws.store.changes_for_peer(receiver.node_id, after_seq=sender.sent_through)
    txs, through = batch.transactions_of(entries)
    seq = overrides.pop("seq", sender.sent_seq + 1)
    doc = batch.payload_document(txs, sender=sender.node_id,
                                 receiver=overrides.pop("to", receiver.node_id),
                                 seq=seq, acknowledges=sender.next_seq - 1,
                                 journal_through=through)
    sealed = batch.seal(doc, signing_key=overrides.pop("signing_key", sender.signing),
                        recipient=receiver.recipient,
                        schema=overrides.pop("schema", head_revision()),
                        prev=overrides.pop("prev", sender.sent_hash),
                        created_at=overrides.pop("created_at", clock.now()),
                        expires_at=overrides.pop("expires_at", None))
    assert not overrides
    sender.sent_seq, sender.sent_hash, sender.sent_through = seq, sealed.hash, through
    return sealed


def receive(receiver: Node, sender: Node, header: bytes, ciphertext: bytes, clock, *,
            sender_key: bytes | None | str = "known", revoked_at=None) -> batch.Checked:
    """What a sync round does with one batch: check, open, apply, move the ledger on."""
    checked = batch.verify(
        header, ciphertext, receiver=receiver.node_id,
        sender_key=sender.public if sender_key == "known" else sender_key,
        revoked_at=revoked_at, next_seq=receiver.next_seq, last_hash=receiver.last_hash,
        known_schemas=known_revisions(), now=clock.now())
    if checked.duplicate:
        return checked
    payload = batch.open_batch(checked, ciphertext, str(receiver.identity))
    receiver.ws.store.apply_remote(payload.changes, peer_node_id=payload.sender,
                                   actor_id=receiver.ws.user_id)
    receiver.next_seq, receiver.last_hash = checked.header.seq + 1, checked.header.hash
    return checked


def state(ws) -> tuple:
    with ws.store.reader() as s:
        return (s.execute(select(func.count()).select_from(ChangeJournal)).scalar_one(),
                s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
                s.execute(select(func.count()).select_from(Patient)).scalar_one())


def new_patient(ws, name: str) -> str:
    return ws.patients.create(PatientInput(birth_name=name, first_names="Léa")).id


def test_a_batch_goes_across_and_the_next_one_is_chained(pair, clock):
    a, b = pair
    first = new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    header, _signed, _sig = batch.read_header(sealed.header)
    assert (header.sender, header.receiver, header.seq, header.prev) == \
        (a.node_id, b.node_id, 1, "")
    assert header.ciphertext_size == len(sealed.ciphertext)
    assert header.hash == sealed.hash

    checked = receive(b, a, sealed.header, sealed.ciphertext, clock)
    assert not checked.duplicate and checked.warnings == ()
    with b.ws.store.reader() as s:
        assert s.get(Patient, first).birth_name == "Durand"

    clock.advance(minutes=1)
    second = new_patient(a.ws, "Moreau")
    sealed2 = make_batch(a, b, clock)
    assert batch.read_header(sealed2.header)[0].prev == sealed.hash
    receive(b, a, sealed2.header, sealed2.ciphertext, clock)
    assert (b.next_seq, b.last_hash) == (3, sealed2.hash)
    with b.ws.store.reader() as s:
        assert s.get(Patient, second).birth_name == "Moreau"


def test_the_payload_carries_whole_transactions_as_journaled(pair, clock):
    a, b = pair
    pid = new_patient(a.ws, "Durand")
    with a.ws.store.unit_of_work(actor_id=a.ws.user_id) as uow:
        uow.session.get(Patient, pid).city = "Tours"
    entries = a.ws.store.changes_for_peer(b.node_id)
    txs, through = batch.transactions_of(entries)
    assert through == entries[-1][0]
    assert [c for tx in txs for c in tx.changes] == [c for _s, c in entries]
    assert len({tx.tx_id for tx in txs}) == len(txs) and len(txs) >= 2
    edit = txs[-1].changes[-1]
    assert edit.field_bases is not None and set(edit.field_bases) == {"city"}
    # A limit never splits a transaction: the first one goes whole, the rest waits.
    limited, upto = batch.transactions_of(entries, max_changes=1)
    assert limited == txs[:1] and upto == entries[len(txs[0].changes) - 1][0]

    sealed = make_batch(a, b, clock)
    payload = batch.open_batch(batch.Checked(batch.read_header(sealed.header)[0]),
                               sealed.ciphertext, str(b.identity))
    assert payload.transactions == tuple(txs) and payload.journal_through == through
    size = batch.measure(batch.payload_document(txs, sender=a.node_id, receiver=b.node_id,
                                                seq=1, acknowledges=0, journal_through=through))
    assert size.changes == len(entries) and size.compressed < size.raw_json


def test_applying_a_batch_again_is_a_duplicate_with_nothing_to_do(pair, clock):
    a, b = pair
    new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    receive(b, a, sealed.header, sealed.ciphertext, clock)
    before = state(b.ws)
    assert receive(b, a, sealed.header, sealed.ciphertext, clock).duplicate
    assert state(b.ws) == before


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _header_byte(sealed):
    at = sealed.header.index(b'"receiver"') + 12
    return flip(sealed.header, at), sealed.ciphertext


def _signature_byte(sealed):
    signature = sealed.header.split(b"\n")[1]
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x01
    return sealed.header.replace(signature, base64.b64encode(bytes(raw))), sealed.ciphertext


REFUSALS = {
    "flipped header byte": (_header_byte, BadSignature),
    "flipped signature bit": (_signature_byte, BadSignature),
    "flipped ciphertext byte": (lambda s: (s.header, flip(s.ciphertext, 200)),
                                CiphertextMismatch),
    "truncated ciphertext": (lambda s: (s.header, s.ciphertext[:-16]), CiphertextMismatch),
    "swapped ciphertext": (lambda s: (s.header, s.ciphertext + b"x"), CiphertextMismatch),
    "not a header": (lambda s: (b"{}\n\n", s.ciphertext), MalformedBatch),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_an_altered_batch_is_refused_before_decryption_and_nothing_is_applied(pair, clock, case):
    a, b = pair
    new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    alter, refusal = REFUSALS[case]
    header, ciphertext = alter(sealed)
    before = state(b.ws)
    with pytest.raises(refusal) as refused:
        receive(b, a, header, ciphertext, clock)
    assert_refusal(refused.value)
    assert state(b.ws) == before and b.next_seq == 1
    # The genuine batch still goes through afterwards.
    receive(b, a, sealed.header, sealed.ciphertext, clock)
    assert state(b.ws) != before


def assert_refusal(error: BatchRefused) -> None:
    assert isinstance(error, BatchRefused)
    assert error.exit_code == ExitCode.BATCH_REFUSED == 9
    assert error.code.startswith("batch_")
    assert_french(lambda: error.user_message, "lot")


def test_a_gap_waits_a_fork_stops_a_broken_chain_is_refused(pair, clock):
    a, b = pair
    new_patient(a.ws, "Durand")
    one = make_batch(a, b, clock)
    new_patient(a.ws, "Moreau")
    two = make_batch(a, b, clock)
    before = state(b.ws)
    with pytest.raises(BatchGap) as gap:  # out of order: 2 before 1
        receive(b, a, two.header, two.ciphertext, clock)
    assert_refusal(gap.value)
    assert state(b.ws) == before
    receive(b, a, one.header, one.ciphertext, clock)
    receive(b, a, two.header, two.ciphertext, clock)
    assert b.next_seq == 3

    # A copy of A restored from an old backup numbers a different batch 2 again.
    new_patient(a.ws, "Petit")
    fork = make_batch(a, b, clock, seq=2, prev=one.hash)
    before = state(b.ws)
    with pytest.raises(BatchFork) as forked:
        receive(b, a, fork.header, fork.ciphertext, clock)
    assert_refusal(forked.value)
    # Batch 3 that does not follow batch 2 as applied here.
    broken = make_batch(a, b, clock, seq=3, prev=one.hash)
    with pytest.raises(BrokenChain) as chain:
        receive(b, a, broken.header, broken.ciphertext, clock)
    assert_refusal(chain.value)
    assert state(b.ws) == before and b.next_seq == 3


def test_a_replayed_older_batch_is_not_applied_again(pair, clock):
    a, b = pair
    new_patient(a.ws, "Durand")
    one = make_batch(a, b, clock)
    receive(b, a, one.header, one.ciphertext, clock)
    new_patient(a.ws, "Moreau")
    two = make_batch(a, b, clock)
    receive(b, a, two.header, two.ciphertext, clock)
    before = state(b.ws)
    assert receive(b, a, one.header, one.ciphertext, clock).duplicate
    assert state(b.ws) == before and b.next_seq == 3


def test_sender_receiver_schema_and_expiry_are_checked(pair, clock, practice_factory):
    a, b = pair
    new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    before = state(b.ws)
    stranger = Node(practice_factory("node-c").workspace)

    def refused(kind, made=sealed, **kw):
        with pytest.raises(kind) as caught:
            receive(b, a, made.header, made.ciphertext, clock, **kw)
        assert_refusal(caught.value)
        assert state(b.ws) == before

    refused(UnknownSender, sender_key=None)
    refused(BadSignature, sender_key=stranger.public)  # signed by someone else
    # Revoked at 10:00: a batch signed at 10:05 is refused...
    revoked = clock.now() - timedelta(minutes=5)
    refused(RevokedSender, revoked_at=revoked)
    refused(RevokedSender, revoked_at=clock.now())
    for header_kw, kind in (({"to": stranger.node_id}, WrongReceiver),
                            ({"schema": "9999"}, FutureSchema),
                            ({"expires_at": clock.now()}, BatchExpired)):
        a.sent_seq, a.sent_hash, a.sent_through = 0, "", 0
        bad = make_batch(a, b, clock, **header_kw)
        refused(kind, made=bad)
    a.sent_seq, a.sent_hash, a.sent_through = 0, "", 0
    # ... one signed before the revocation is still read.
    old = make_batch(a, b, clock, created_at=clock.now() - timedelta(hours=1))
    receive(b, a, old.header, old.ciphertext, clock, revoked_at=revoked)
    assert state(b.ws) != before


def test_a_clock_far_ahead_is_a_warning_not_a_refusal(pair, clock):
    a, b = pair
    new_patient(a.ws, "Durand")
    ahead = make_batch(a, b, clock, created_at=clock.now() + timedelta(minutes=12))
    checked = receive(b, a, ahead.header, ahead.ciphertext, clock)
    assert len(checked.warnings) == 1
    assert "12" in checked.warnings[0] and "horloge" in checked.warnings[0]


def _forged(a: Node, b: Node, clock, plaintext: bytes) -> tuple[bytes, bytes]:
    """A batch signed by A around any plaintext (what a buggy or hostile sender could
    send): the header is right, the content is not."""
    from pyrage import encrypt

    ciphertext = encrypt(plaintext, [b.identity.to_public()])
    header = BatchHeader(
        sender=a.node_id, receiver=b.node_id, seq=1, prev="", schema=head_revision(),
        created_at=clock.now(), expires_at=clock.now() + timedelta(days=1), acknowledges=0,
        ciphertext_sha256=hashlib.sha256(ciphertext).hexdigest(),
        ciphertext_size=len(ciphertext))
    signed = header.canonical()
    signature = Ed25519PrivateKey.from_private_bytes(a.signing).sign(signed)
    return signed + b"\n" + base64.b64encode(signature) + b"\n", ciphertext


def _doc(a, b, **changes):
    doc = batch.payload_document([], sender=a.node_id, receiver=b.node_id, seq=1,
                                 acknowledges=0, journal_through=0)
    doc.update(changes)
    return json.dumps(doc).encode()


def _gzip_of_spaces(size: int) -> bytes:
    """One gzip member inflating to ``size`` spaces, compressed a chunk at a time at the
    fastest level (what it inflates to is all that matters)."""
    deflater = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    parts = []
    for start in range(0, size, len(chunk)):
        parts.append(deflater.compress(chunk[:size - start]))
    parts.append(deflater.flush())
    return b"".join(parts)


@pytest.mark.parametrize("content", [
    "not gzip", "not json", "not a payload", "another seq", "bad change", "bomb",
])
def test_malformed_plaintext_is_refused_and_nothing_is_applied(pair, clock, content):
    a, b = pair
    change = {"kind": "patient", "entity_id": "x", "op": "insert", "version": "1",
              "origin_node": a.node_id, "at": clock.now().isoformat(), "payload": {},
              "field_versions": None, "field_bases": None}
    # Made on demand: the bomb takes seconds to compress, the others none.
    plaintext = {
        "not gzip": lambda: b"{}",
        "not json": lambda: gzip.compress(b"\xff{"),
        "not a payload": lambda: gzip.compress(b"[1, 2]"),
        "another seq": lambda: gzip.compress(_doc(a, b, seq=7)),
        "bad change": lambda: gzip.compress(_doc(a, b, transactions=[{"tx_id": "t",
                                                                      "changes": [change]}])),
        "bomb": lambda: _gzip_of_spaces(batch.MAX_PLAINTEXT + 1),
    }[content]()
    header, ciphertext = _forged(a, b, clock, plaintext)
    before = state(b.ws)
    with pytest.raises(MalformedBatch) as refused:
        receive(b, a, header, ciphertext, clock)
    assert_refusal(refused.value)
    assert state(b.ws) == before


def test_a_batch_for_another_key_cannot_be_decrypted(pair, clock):
    a, b = pair
    new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    b_other = replace(b, identity=x25519.Identity.generate())
    before = state(b.ws)
    with pytest.raises(CannotDecrypt) as refused:
        receive(b_other, a, sealed.header, sealed.ciphertext, clock)
    assert_refusal(refused.value)
    assert state(b.ws) == before


AGE = shutil.which("age") or "/usr/bin/age"


@pytest.mark.skipif(not shutil.which("age"), reason="the age command-line tool is not "
                    "installed (apt-get install age)")
def test_the_standard_age_tool_reads_a_batch(pair, clock, tmp_path):
    a, b = pair
    pid = new_patient(a.ws, "Durand")
    sealed = make_batch(a, b, clock)
    identity = tmp_path / "identity.txt"
    identity.write_text(str(b.identity) + "\n", encoding="ascii")
    identity.chmod(0o600)
    ciphertext = tmp_path / "batch.age"
    ciphertext.write_bytes(sealed.ciphertext)
    done = subprocess.run([AGE, "-d", "-i", str(identity), str(ciphertext)],
                          capture_output=True, check=True, timeout=60)
    document = json.loads(gzip.decompress(done.stdout).decode("utf-8"))
    assert document["format"] == batch.PAYLOAD_FORMAT and document["version"] == 1
    assert (document["sender"], document["receiver"], document["seq"]) == \
        (a.node_id, b.node_id, 1)
    changes = [c for tx in document["transactions"] for c in tx["changes"]]
    assert any(c["entity_id"] == pid and c["payload"]["birth_name"] == "Durand"
               for c in changes)

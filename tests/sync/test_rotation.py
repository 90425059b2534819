"""Key rotation on real profiles through a real folder: the practice rotates, then the
workstation; exchanges go on; each side records the other's new keys (audited); a
batch signed with the retired key after the rotation is refused; the old identity
cannot open what is sent after; a forged announcement changes nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pyrage
import pytest
from sqlalchemy import select

from app.models import AuditEntry
from app.services.access import AccessDenied
from app.services.messages import MessageInput
from app.sync import batch, peers, rotation
from app.sync.node import this_node
from app.sync.transport import Mailbox, connect
from app.sync.transport.mailbox import HEADER, file_name
from tests.sync.roundkit import rows, sharing, sync


def _exchange(practice, remote, folder):
    return sync(practice, folder), sync(remote, folder), sync(practice, folder)


def _message(ws, text: str) -> str:
    return ws.messages.send(MessageInput(text, caller_name="Durand",
                                         caller_phone="06 12 34 56 78")).id


def _peer_keys(ws):
    with ws.store.reader() as s:
        (peer,) = peers.list_peers(s)
    return peer.verify_key, peer.age_recipient, peer.fingerprint


def _audit(ws, action: str) -> list[str]:
    with ws.store.reader() as s:
        return list(s.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)))


def _last_batch(folder, receiver, sender):
    box = Mailbox(connect(folder), receiver)
    seq = max(w.seq for w in box.waiting() if w.sender == sender)
    return seq, box.fetch(sender, seq)


def test_both_sides_rotate_and_exchanges_go_on(two):
    practice, remote, folder = two
    _exchange(practice, remote, folder)
    old = this_node(practice.store)
    rotated = sharing(practice).rotate_keys()
    new = this_node(practice.store)
    assert (rotated.old_fingerprint, rotated.new_fingerprint) == (old.fingerprint,
                                                                  new.fingerprint)
    assert old.fingerprint != new.fingerprint and rotated.peers == 1
    assert new.node_id == old.node_id
    assert _peer_keys(remote)[2] == old.fingerprint

    # The practice's next batch announces the new keys, even with nothing else to send.
    sent = sync(practice, folder).peers[0]
    assert sent.sent, "a batch carries the announcement"
    seq, fetched = _last_batch(folder, remote.store.node_id, practice.store.node_id)
    header, _signed, _sig = batch.read_header(fetched.header)
    assert header.rotation is not None and header.rotation.verify_key == new.verify_key
    got = sync(remote, folder).peers[0]
    assert got.rotated and got.refused_batch is None
    assert _peer_keys(remote) == (new.verify_key, new.age_recipient, new.fingerprint)
    assert _audit(practice, rotation.AUDIT_ROTATE) == [
        f"from={old.fingerprint} to={new.fingerprint} peers=1"]
    (detail,) = _audit(remote, rotation.AUDIT_PEER_ROTATED)
    assert detail.startswith(f"from={old.fingerprint} to={new.fingerprint}")

    # Changes travel both ways under the new keys.
    at_practice = _message(practice, "Rappeler Mme Durand")
    at_remote = _message(remote, "Demande un certificat")
    _exchange(practice, remote, folder)
    assert at_practice in rows(remote, "message")
    assert at_remote in rows(practice, "message")

    # What the workstation sends now is sealed to the new key: the old identity cannot
    # open it, the new one can.
    seq, fetched = _last_batch(folder, practice.store.node_id, remote.store.node_id)
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(fetched.body, [pyrage.x25519.Identity.from_str(old.age_identity)])
    pyrage.decrypt(fetched.body, [pyrage.x25519.Identity.from_str(new.age_identity)])

    # The workstation rotates in turn; the practice learns it.
    r_old = this_node(remote.store)
    r_rotated = sharing(remote).rotate_keys()
    assert r_rotated.old_fingerprint == r_old.fingerprint
    _message(remote, "Second message")
    back = sync(remote, folder).peers[0]
    assert back.sent
    got = sync(practice, folder).peers[0]
    assert got.rotated and got.refused_batch is None
    r_new = this_node(remote.store)
    assert _peer_keys(practice)[2] == r_new.fingerprint != r_old.fingerprint
    last = _message(practice, "Après les deux rotations")
    for result in _exchange(practice, remote, folder) + (sync(remote, folder),):
        assert all(p.refused_batch is None for p in result.peers)
    assert last in rows(remote, "message")
    # Acknowledged on both sides: no more announcements.
    with practice.store.reader() as s:
        assert rotation.announcement(s, remote.store.node_id, new,
                                     practice.clock.now()) is None


def test_a_batch_in_flight_sealed_before_the_rotation_still_opens(two):
    practice, remote, folder = two
    _exchange(practice, remote, folder)
    # The workstation writes and sends to the practice's current keys...
    message = _message(remote, "Envoyé avant la rotation")
    sync(remote, folder)
    # ... which the practice rotates before it reads the batch.
    sharing(practice).rotate_keys()
    got = sync(practice, folder).peers[0]
    assert got.refused_batch is None and message in rows(practice, "message")
    # The old batches left in the mailbox (signed with the old key) are skipped, not
    # refused, at the workstation after it learnt the new key.
    assert sync(remote, folder).peers[0].refused_batch is None
    assert sync(remote, folder).peers[0].refused_batch is None


def _forge(fetched, header: batch.BatchHeader, *, signing: bytes, previous: bytes | None):
    signed = header.canonical()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    lines = [signed, base64.b64encode(Ed25519PrivateKey.from_private_bytes(signing)
                                      .sign(signed))]
    if previous is not None:
        lines.append(base64.b64encode(Ed25519PrivateKey.from_private_bytes(previous)
                                      .sign(signed)))
    return b"\n".join(lines) + b"\n"


def _next_header(fetched, **changes) -> batch.BatchHeader:
    header, _signed, _sig = batch.read_header(fetched.header)
    values = {f: getattr(header, f) for f in batch.BatchHeader.__dataclass_fields__}
    values.update(changes)
    return batch.BatchHeader(**values)


def test_a_batch_signed_with_the_retired_key_after_the_rotation_is_refused(two):
    practice, remote, folder = two
    _exchange(practice, remote, folder)
    old = this_node(practice.store)
    sharing(practice).rotate_keys()
    _message(practice, "Annonce")
    sync(practice, folder), sync(remote, folder)
    # Someone holding the retired key writes the next batch: same chain, old signature.
    seq, fetched = _last_batch(folder, remote.store.node_id, practice.store.node_id)
    header, _s, _g = batch.read_header(fetched.header)
    forged = _next_header(fetched, seq=seq + 1, prev=header.hash, rotation=None)
    box = Mailbox(connect(folder), practice.store.node_id)
    box.post(remote.store.node_id, seq + 1,
             _forge(fetched, forged, signing=old.signing_key.private_bytes_raw(),
                    previous=None), fetched.body)
    before = _peer_keys(remote)
    got = sync(remote, folder).peers[0]
    assert isinstance(got.refused_batch, batch.BadSignature)
    assert got.refused_batch.exit_code == 9
    assert _peer_keys(remote) == before
    with remote.store.reader() as s:
        assert peers.list_peers(s)[0].ledger.last_received_seq == seq


def test_a_forged_rotation_is_refused_and_changes_nothing(two):
    practice, remote, folder = two
    _exchange(practice, remote, folder)
    real = this_node(practice.store)
    _message(practice, "Dernier lot authentique")
    sync(practice, folder)
    seq, fetched = _last_batch(folder, remote.store.node_id, practice.store.node_id)
    # An intruder's keys, announced as the practice's new ones, signed by the intruder
    # only (the practice's current key did not sign).
    intruder = pyrage.x25519.Identity.generate()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    rot = batch.KeyRotation(key.public_key().public_bytes_raw(),
                            str(intruder.to_public()))
    forged = _next_header(fetched, rotation=rot)
    header_file = _forge(fetched, forged, signing=key.private_bytes_raw(),
                         previous=key.private_bytes_raw())
    path = folder.joinpath(remote.store.node_id, practice.store.node_id,
                           file_name(seq, HEADER))
    path.write_bytes(header_file)
    before = _peer_keys(remote), _audit(remote, rotation.AUDIT_PEER_ROTATED)
    got = sync(remote, folder).peers[0]
    assert isinstance(got.refused_batch, batch.ForgedRotation)
    assert got.refused_batch.exit_code == 9
    assert (_peer_keys(remote), _audit(remote, rotation.AUDIT_PEER_ROTATED)) == before
    assert _peer_keys(remote)[0] == real.verify_key


def test_retired_keys_go_after_their_deadline(two):
    practice, remote, folder = two
    _exchange(practice, remote, folder)
    old = this_node(practice.store)
    sharing(practice).rotate_keys()
    now = practice.clock.now()
    with practice.store.reader() as s:
        assert old.age_identity in rotation.identities(s, "x", now)
    practice.clock.advance(seconds=(rotation.RETIRED_FOR + timedelta(minutes=1)).total_seconds())
    sync(practice, folder)
    with practice.store.reader() as s:
        assert rotation.identities(s, "x", practice.clock.now()) == ["x"]
        assert not rotation.expired(s, practice.clock.now())


def test_only_the_owner_rotates(practice_factory):
    from app.models.principal import Principal

    practice = practice_factory("practice").workspace
    secretary = Principal(user_id=practice.user_id, name="accueil", role="secretary")
    before = this_node(practice.store).fingerprint
    with pytest.raises(AccessDenied):
        sharing(practice).__class__(practice.store, principal=secretary,
                                    clock=practice.clock).rotate_keys()
    assert this_node(practice.store).fingerprint == before

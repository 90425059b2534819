"""Pairing on real profiles: a practice invites, a second profile joins, the practice
accepts with the fingerprint the other side shows; every refusal changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.errors import ExitCode
from app.models import AuditEntry
from app.models.sync import NodeIdentity, SyncPeer
from app.services.access import AccessDenied
from app.services.errors import ValidationError
from app.sync import peers
from app.sync.node import fingerprint, same_fingerprint, this_node
from app.sync.pairing import (
    ALREADY, EXPIRED, FORGED, UNKNOWN, WRONG_FINGERPRINT, PairingFileError, PairingRefused,
    Sharing, join, read_invite,
)
from app.sync.scope import Scope
from tests.conftest import assert_french


def _sharing(ws) -> Sharing:
    return Sharing(ws.store, principal=ws.principal, clock=ws.clock)


def _state(ws) -> tuple:
    with ws.store.reader() as s:
        rows = [(r.name, r.state, r.node_id, r.invite_token) for r in
                s.scalars(select(SyncPeer).order_by(SyncPeer.name))]
        return rows, s.execute(select(func.count()).select_from(AuditEntry)).scalar()


@pytest.fixture
def pair(practice_factory):
    practice = practice_factory("practice").workspace
    remote = practice_factory("remote").workspace
    return practice, remote


def _invite_and_join(practice, remote, name="quimper"):
    invite = _sharing(practice).invite(name)
    checked = read_invite(invite, now=remote.clock.now())
    request = join(remote.store, checked, principal=remote.principal)
    return invite, checked, request


def test_a_node_has_keys_and_a_readable_fingerprint(pair):
    practice, remote = pair
    node = this_node(practice.store)
    assert node.node_id == practice.store.node_id
    assert node.age_recipient.startswith("age1")
    assert node.age_identity.startswith("AGE-SECRET-KEY-1")
    assert len(node.verify_key) == 32
    groups = node.fingerprint.split(" ")
    assert len(groups) == 6 and all(len(g) == 4 and g.isdigit() for g in groups)
    # Read again, the same keys; another node, others.
    assert this_node(practice.store).fingerprint == node.fingerprint
    assert this_node(remote.store).fingerprint != node.fingerprint
    assert fingerprint(node.verify_key, node.age_recipient) == node.fingerprint
    assert same_fingerprint(node.fingerprint.replace(" ", "-"), node.fingerprint)
    assert "AGE-SECRET" not in repr(node)


def test_a_new_profile_has_its_keys_from_the_start(tmp_path, fast_kdf, clock):
    from app.services.practice import PracticeInput
    from app.services.workspace import create_practice
    from app.storage.profile import ProfilePaths

    made = create_practice(ProfilePaths(tmp_path / "p"), PracticeInput(name="Cabinet"),
                           passphrase="correct horse", keychain=None, clock=clock, kdf=fast_kdf)
    try:
        with made.workspace.store.reader() as s:
            rows = s.scalars(select(NodeIdentity)).all()
        assert [r.node_id for r in rows] == [made.workspace.store.node_id]
    finally:
        made.workspace.close()


def test_invite_join_accept_pairs_both_sides(pair):
    practice, remote = pair
    _, checked, request = _invite_and_join(practice, remote)
    remote_node = this_node(remote.store)
    assert remote_node.is_remote
    assert checked.fingerprint == this_node(practice.store).fingerprint

    with remote.store.reader() as s:
        (at_remote,) = peers.list_peers(s)
    assert at_remote.role == "practice" and at_remote.active
    assert at_remote.node_id == practice.store.node_id
    assert at_remote.scope == Scope.everything()

    sharing = _sharing(practice)
    assert sharing.read_request(request).fingerprint == remote_node.fingerprint
    paired = sharing.accept(request, remote_node.fingerprint)
    assert paired.state == "active" and paired.node_id == remote.store.node_id
    assert paired.fingerprint == remote_node.fingerprint
    assert paired.scope == Scope()  # a remote secretary's default
    with practice.store.reader() as s:
        assert peers.by_node_id(s, remote.store.node_id).name == "quimper"
        assert [p.name for p in peers.active_peers(s)] == ["quimper"]
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"peer_invite", "peer_accept"} <= actions
    # The token is spent: the same request again is refused.
    with pytest.raises(PairingRefused) as again:
        sharing.accept(request, remote_node.fingerprint)
    assert again.value.reason == UNKNOWN


def test_a_wrong_fingerprint_is_refused_and_changes_nothing(pair):
    practice, remote = pair
    _, _, request = _invite_and_join(practice, remote)
    before = _state(practice)
    wrong = this_node(practice.store).fingerprint
    with pytest.raises(PairingRefused) as refused:
        _sharing(practice).accept(request, wrong)
    assert refused.value.reason == WRONG_FINGERPRINT
    assert refused.value.exit_code == ExitCode.PAIRING_REFUSED
    assert _state(practice) == before
    assert_french(lambda: refused.value.user_message, "empreinte")


def test_a_forged_request_is_refused(pair):
    practice, remote = pair
    _, _, request = _invite_and_join(practice, remote)
    document = json.loads(request)
    document["body"]["node_id"] = "0" * 36  # another node, the same signature
    before = _state(practice)
    with pytest.raises(PairingRefused) as refused:
        _sharing(practice).accept(json.dumps(document).encode(),
                                  this_node(remote.store).fingerprint)
    assert refused.value.reason == FORGED
    assert _state(practice) == before
    assert_french(lambda: refused.value.user_message, "signature")


def test_a_request_for_an_invite_of_another_practice_is_refused(practice_factory):
    practice = practice_factory("practice").workspace
    other = practice_factory("other").workspace
    remote = practice_factory("remote").workspace
    _sharing(practice).invite("quimper")
    _, _, request = _invite_and_join(other, remote)  # the other practice's invite
    before = _state(practice)
    with pytest.raises(PairingRefused) as refused:
        _sharing(practice).accept(request, this_node(remote.store).fingerprint)
    assert refused.value.reason == UNKNOWN
    assert _state(practice) == before


def test_an_expired_invite_is_refused_on_both_sides(pair):
    practice, remote = pair
    invite = _sharing(practice).invite("quimper", valid_days=1)
    with pytest.raises(PairingRefused) as late:
        read_invite(invite, now=remote.clock.now() + timedelta(days=2))
    assert late.value.reason == EXPIRED
    request = join(remote.store, read_invite(invite, now=remote.clock.now()),
                   principal=remote.principal)
    practice.clock.advance(days=1, seconds=1)
    with pytest.raises(PairingRefused) as refused:
        _sharing(practice).accept(request, this_node(remote.store).fingerprint)
    assert refused.value.reason == EXPIRED
    assert_french(lambda: refused.value.user_message, "expiré")


def test_a_file_that_is_no_invite_is_bad_input(pair, tmp_path):
    practice, remote = pair
    for data in (b"", b"{}", b"\xff\xfe", json.dumps({"permanence": "invite"}).encode(),
                 b"x" * 100_000):
        with pytest.raises(PairingFileError) as bad:
            read_invite(data, now=remote.clock.now(), path="x.invite")
        assert bad.value.exit_code == ExitCode.BAD_INPUT
    assert_french(lambda: bad.value.user_message, "invitation")
    request = _invite_and_join(practice, remote)[2]
    with pytest.raises(PairingFileError):  # a request is not an invite
        read_invite(request, now=remote.clock.now())


def test_joining_the_same_practice_twice_or_itself(pair):
    practice, remote = pair
    invite = _sharing(practice).invite("quimper")
    with pytest.raises(PairingRefused) as itself:
        join(practice.store, read_invite(invite, now=practice.clock.now()),
             principal=practice.principal)
    assert itself.value.reason == ALREADY
    _, _, request = _invite_and_join(practice, remote, "quimper")
    _sharing(practice).accept(request, this_node(remote.store).fingerprint)
    with pytest.raises(ValidationError):  # the name is taken by an active peer
        _sharing(practice).invite("quimper")


def test_revoke_and_scope(pair):
    practice, remote = pair
    _, _, request = _invite_and_join(practice, remote)
    sharing = _sharing(practice)
    sharing.accept(request, this_node(remote.store).fingerprint)
    narrow = Scope(days_back=7, days_ahead=30, calls=False)
    assert sharing.set_scope("quimper", narrow).scope == narrow
    with pytest.raises(ValidationError):
        sharing.set_scope("quimper", Scope(patient_fields=Scope().patient_fields
                                           | {"admin_note"}))
    revoked = sharing.revoke("quimper")
    assert revoked.revoked and revoked.revoked_at is not None
    with practice.store.reader() as s:
        assert peers.active_peers(s) == []
        actions = list(s.scalars(select(AuditEntry.action)))
    assert "peer_scope" in actions and "peer_revoke" in actions


def test_the_ledger_moves_forward_only(pair):
    practice, remote = pair
    _, _, request = _invite_and_join(practice, remote)
    _sharing(practice).accept(request, this_node(remote.store).fingerprint)
    node_id, now = remote.store.node_id, practice.clock.now()
    with practice.store.unit_of_work(actor_id=practice.user_id) as uow:
        assert peers.ledger(uow, node_id) == peers.Ledger(snapshot_due=True)
        peers.record_sent(uow, node_id, seq=1, batch_hash="a" * 64, at=now)
        peers.record_received(uow.session, node_id, seq=1, batch_hash="b" * 64, at=now)
        peers.record_acknowledged(uow, node_id, 12)
        peers.record_acknowledged(uow, node_id, 5)
        peers.record_sync(uow, node_id, at=now, error="")
        with pytest.raises(ValueError):
            peers.record_sent(uow, node_id, seq=3, batch_hash="c" * 64, at=now)
    with practice.store.reader() as s:
        ledger = peers.ledger(s, node_id)
    assert (ledger.next_send_seq, ledger.last_sent_hash, ledger.last_received_seq,
            ledger.last_received_hash, ledger.acked_journal_seq) == (2, "a" * 64, 1, "b" * 64,
                                                                      12)


def test_only_the_owner_manages_peers(practice_factory, clock, tmp_path):
    from app.services.workspace import open_workspace
    from app.storage.signin import sign_in
    from tests.conftest import FAST_KDF

    ws = practice_factory("practice").workspace
    ws.kdf = FAST_KDF
    ws.accounts.add("secretaire", "secretary", "accueil du cabinet des tilleuls")
    paths = ws.paths
    ws.close()
    signed = sign_in(paths, clock=clock, name="secretaire",
                     passphrase="accueil du cabinet des tilleuls", kdf_floor=FAST_KDF)
    secretary = open_workspace(paths, signed.key, clock=clock, signed_in=signed)
    try:
        sharing = _sharing(secretary)
        for attempt in (lambda: sharing.invite("quimper"), sharing.list,
                        lambda: sharing.revoke("quimper"),
                        lambda: sharing.export_identity(tmp_path / "id.txt")):
            with pytest.raises(AccessDenied):
                attempt()
        assert not (tmp_path / "id.txt").exists()
    finally:
        secretary.close()


def test_export_identity_writes_an_owner_only_file_once(pair, tmp_path):
    practice, _ = pair
    out = tmp_path / "identity.txt"
    _sharing(practice).export_identity(out)
    node = this_node(practice.store)
    text = out.read_text()
    assert node.age_identity in text and node.age_recipient in text
    if os.name == "posix":
        assert out.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        _sharing(practice).export_identity(out)
    with practice.store.reader() as s:
        assert s.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "identity_export")).all() == ["identity_export"]


@pytest.mark.skipif(shutil.which("age") is None, reason="the age tool is not installed")
def test_the_age_tool_decrypts_with_the_exported_identity(pair, tmp_path):
    import pyrage

    practice, _ = pair
    out = tmp_path / "identity.txt"
    _sharing(practice).export_identity(out)
    node = this_node(practice.store)
    sealed = tmp_path / "batch.age"
    sealed.write_bytes(pyrage.encrypt(b'{"changes": []}',
                                      [pyrage.x25519.Recipient.from_str(node.age_recipient)]))
    opened = subprocess.run(["age", "-d", "-i", str(out), str(sealed)], capture_output=True,
                            timeout=30)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == b'{"changes": []}'

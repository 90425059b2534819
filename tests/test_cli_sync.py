"""``permanence sync`` on real profiles paired from the command line: rounds through a
folder, ``sync status`` and ``sync conflicts``, with and without a subcommand; a missing
folder exits 8, an altered batch 9 and nothing of it is applied."""

from __future__ import annotations

import json

import pytest

from app.errors import ExitCode
from tests.test_cli import permanence

OWNER = "une phrase de passe"
REMOTE = "Télétravail depuis Quimper"


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def paired(tmp_path_factory):
    return _paired(tmp_path_factory.mktemp("sync"))


def _paired(base):
    root, remote = base / "cabinet", base / "distante"
    _ok(permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                   "--practitioner", "Dr Claire Morel", "--specialty", "general",
                   passphrase=OWNER))
    invite, request = base / "q.invite", base / "q.request"
    _ok(permanence("peer", "invite", "--profile", str(root), "--name", "quimper", "--role",
                   "remote-secretary", str(invite), passphrase=OWNER))
    _ok(permanence("peer", "join", "--profile", str(remote), str(invite), str(request),
                   passphrase=REMOTE))
    node = json.loads(_ok(permanence("node", "show", "--profile", str(remote), "--format",
                                     "json", passphrase=REMOTE)).stdout)
    _ok(permanence("peer", "accept", "--profile", str(root), str(request), "--fingerprint",
                   node["fingerprint"], passphrase=OWNER))
    share = base / "partage"
    share.mkdir()
    return base, root, remote, share


def _status(profile, passphrase):
    return json.loads(_ok(permanence("sync", "status", "--profile", str(profile), "--format",
                                     "json", passphrase=passphrase)).stdout)


def test_a_round_each_way_from_the_command_line(paired):
    base, root, remote, share = paired
    before = _status(root, OWNER)
    (peer,) = before["peers"]
    assert peer["name"] == "quimper" and peer["snapshot_due"] and peer["pending"] > 0
    assert before["conflicts"] == 0

    sent = _ok(permanence("sync", "--profile", str(root), "--via", str(share),
                          passphrase=OWNER))
    assert "quimper" in sent.stdout and "1 lot" in sent.stdout, sent.stdout
    got = _ok(permanence("sync", "--profile", str(remote), "--via", str(share),
                         passphrase=REMOTE))
    assert "appliquée" in got.stdout, got.stdout
    (at_remote,) = _status(remote, REMOTE)["peers"]
    assert at_remote["last_received"] == 1 and at_remote["error"] == ""
    # The acknowledgement comes back; the practice prunes its first batch.
    _ok(permanence("sync", "--profile", str(root), "--via", str(share), passphrase=OWNER))
    (peer,) = _status(root, OWNER)["peers"]
    assert peer["acknowledged"] == 1 and not peer["snapshot_due"] and peer["pending"] == 0
    conflicts = json.loads(_ok(permanence("sync", "conflicts", "--profile", str(root),
                                          "--format", "json", passphrase=OWNER)).stdout)
    assert conflicts == []
    text = _ok(permanence("sync", "conflicts", "--profile", str(root), passphrase=OWNER))
    assert "Aucun conflit" in text.stdout


def _in_process(profile, passphrase):
    from app.clock import SystemClock
    from app.services.workspace import open_workspace
    from app.storage.profile import ProfilePaths, unlock_key

    paths = ProfilePaths(profile)
    return open_workspace(paths, unlock_key(paths, passphrase=passphrase), clock=SystemClock())


def _message_body(ws, message_id: str, body: str) -> None:
    from app.models import Message

    with ws.store.unit_of_work(actor_id=ws.user_id) as uow:
        uow.session.get(Message, message_id).body = body


def test_the_same_field_changed_on_both_sides_is_listed_by_sync_conflicts(paired):
    from app.services.messages import MessageInput

    base, root, remote, share = paired
    ws = _in_process(root, OWNER)
    try:
        message = ws.messages.send(MessageInput("Rappeler Mme Durand", caller_name="Durand",
                                                caller_phone="06 12 34 56 78")).id
    finally:
        ws.close()
    for profile, secret in ((root, OWNER), (remote, REMOTE), (root, OWNER)):
        _ok(permanence("sync", "--profile", str(profile), "--via", str(share),
                       passphrase=secret))
    for profile, secret, body in ((root, OWNER, "Rappeler avant midi"),
                                  (remote, REMOTE, "Rappeler après 17 h")):
        ws = _in_process(profile, secret)
        try:
            _message_body(ws, message, body)
        finally:
            ws.close()
    for profile, secret in ((root, OWNER), (remote, REMOTE), (root, OWNER)):
        _ok(permanence("sync", "--profile", str(profile), "--via", str(share),
                       passphrase=secret))
    listed = json.loads(_ok(permanence("sync", "conflicts", "--profile", str(root),
                                       "--format", "json", passphrase=OWNER)).stdout)
    (conflict,) = [c for c in listed if c["entity_id"] == message]
    assert conflict["field"] == "body"
    assert {conflict["kept"], conflict["other"]} == {"Rappeler avant midi",
                                                    "Rappeler après 17 h"}
    assert _status(root, OWNER)["conflicts"] == len(listed)
    text = _ok(permanence("sync", "conflicts", "--profile", str(root), passphrase=OWNER))
    assert "Rappeler avant midi" in text.stdout


def test_usage_errors_and_a_missing_folder(paired):
    base, root, remote, share = paired
    no_via = permanence("sync", "--profile", str(root), passphrase=OWNER)
    assert no_via.returncode == ExitCode.BAD_INPUT and "--via" in no_via.stderr
    mixed = permanence("sync", "status", "--profile", str(root), "--via", str(share),
                       passphrase=OWNER)
    assert mixed.returncode == ExitCode.BAD_INPUT
    unknown = permanence("sync", "statut", "--profile", str(root), passphrase=OWNER)
    assert unknown.returncode == ExitCode.BAD_INPUT
    missing = permanence("sync", "--profile", str(root), "--via", str(base / "absent"),
                         passphrase=OWNER)
    assert missing.returncode == ExitCode.SYNC_TARGET, missing.stderr
    assert "Traceback" not in missing.stderr


def test_an_altered_batch_exits_9_and_applies_nothing(paired):
    base, root, remote, share = paired
    _ok(permanence("peer", "scope", "--profile", str(root), "quimper", "--days-back", "10",
                   passphrase=OWNER))  # a new snapshot is due: a batch goes out
    _ok(permanence("sync", "--profile", str(root), "--via", str(share), passphrase=OWNER))
    remote_node = _status(root, OWNER)["peers"][0]["node_id"]
    body = sorted((share / remote_node).rglob("*.age"))[-1]
    data = bytearray(body.read_bytes())
    data[-1] ^= 1
    body.write_bytes(bytes(data))
    refused = permanence("sync", "--profile", str(remote), "--via", str(share),
                         passphrase=REMOTE)
    assert refused.returncode == ExitCode.BATCH_REFUSED, refused.stdout + refused.stderr
    assert "refusé" in refused.stderr
    (peer,) = _status(remote, REMOTE)["peers"]
    assert peer["last_received"] == int(body.stem) - 1 and peer["error"]


def _fingerprint(profile, passphrase) -> str:
    return json.loads(_ok(permanence("node", "show", "--profile", str(profile), "--format",
                                     "json", passphrase=passphrase)).stdout)["fingerprint"]


def test_node_rotate_prints_both_fingerprints_and_rounds_go_on(tmp_path):
    base, root, remote, share = _paired(tmp_path)
    for profile, secret in ((root, OWNER), (remote, REMOTE), (root, OWNER)):
        _ok(permanence("sync", "--profile", str(profile), "--via", str(share),
                       passphrase=secret))
    for profile, secret, other, other_secret in ((root, OWNER, remote, REMOTE),
                                                 (remote, REMOTE, root, OWNER)):
        old = _fingerprint(profile, secret)
        rotated = _ok(permanence("node", "rotate", "--profile", str(profile),
                                 passphrase=secret))
        new = _fingerprint(profile, secret)
        assert new != old
        assert old in rotated.stdout and new in rotated.stdout, rotated.stdout
        assert "Nouvelle empreinte" in rotated.stdout
        for who, pw in ((profile, secret), (other, other_secret), (profile, secret)):
            _ok(permanence("sync", "--profile", str(who), "--via", str(share),
                           passphrase=pw))
        assert [p["error"] for p in _status(other, other_secret)["peers"]] == [""]
    # The practice holds the workstation's new keys (a workstation's account does not
    # list peers).
    listed = json.loads(_ok(permanence("peer", "list", "--profile", str(root), "--format",
                                       "json", passphrase=OWNER)).stdout)
    assert [p["fingerprint"] for p in listed] == [new]

"""``permanence node`` and ``permanence peer`` on real profiles: a practice invites, a
remote workstation joins (its profile created by the join), the owner accepts with the
fingerprint the remote side shows; a wrong fingerprint or a forged file is refused with
its exit code and changes nothing."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from app.errors import ExitCode
from tests.test_cli import permanence, snapshot

OWNER = "une phrase de passe"
REMOTE = "Télétravail depuis Quimper"


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    base = tmp_path_factory.mktemp("peers")
    root = base / "cabinet"
    made = permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                      passphrase=OWNER)
    assert made.returncode == 0, made.stderr
    return base, root


def _json(result) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_pairing_from_the_command_line(practice):
    base, root = practice
    remote = base / "distante"
    invite, request = base / "quimper.invite", base / "quimper.request"
    shown = _json(permanence("node", "show", "--profile", str(root), "--format", "json",
                             passphrase=OWNER))
    assert re.fullmatch(r"(\d{4} ){5}\d{4}", shown["fingerprint"]) and shown["node_id"]

    made = permanence("peer", "invite", "--profile", str(root), "--name", "quimper",
                      "--role", "remote-secretary", str(invite), passphrase=OWNER)
    assert made.returncode == 0, made.stderr
    assert shown["fingerprint"] in made.stdout
    if os.name == "posix":
        assert stat.S_IMODE(invite.stat().st_mode) == 0o600

    joined = permanence("peer", "join", "--profile", str(remote), str(invite), str(request),
                        passphrase=REMOTE)
    assert joined.returncode == 0, joined.stderr
    assert shown["fingerprint"] in joined.stdout  # the practice's, to compare
    assert "Clé de secours" in joined.stdout
    # The remote workstation's commands act as the account the join made.
    remote_node = _json(permanence("node", "show", "--profile", str(remote), "--format",
                                   "json", passphrase=REMOTE))
    # Its account may export the workstation's identity (for the age tool).
    exported = permanence("node", "export-identity", "--profile", str(remote),
                          str(base / "remote-identity.txt"), passphrase=REMOTE)
    assert exported.returncode == 0, exported.stderr
    assert remote_node["age_recipient"] in (base / "remote-identity.txt").read_text()
    denied = permanence("peer", "list", "--profile", str(remote), passphrase=REMOTE)
    assert denied.returncode == ExitCode.ACCESS_DENIED, denied.stderr
    at_remote = _json(permanence("peer", "list", "--profile", str(remote), "--user", "owner",
                                 "--format", "json", passphrase=REMOTE))
    assert [(p["role"], p["state"]) for p in at_remote] == [("practice", "active")]
    assert at_remote[0]["fingerprint"] == shown["fingerprint"]

    # A wrong fingerprint: refused, nothing changes.
    before = snapshot(root)
    wrong = permanence("peer", "accept", "--profile", str(root), str(request),
                       "--fingerprint", shown["fingerprint"], passphrase=OWNER)
    assert wrong.returncode == ExitCode.PAIRING_REFUSED
    assert "empreinte" in wrong.stderr and "Traceback" not in wrong.stderr
    assert snapshot(root) == before
    # A forged request: refused too.
    forged = base / "forged.request"
    document = json.loads(request.read_text())
    document["body"]["peer_name"] = "autre"
    forged.write_text(json.dumps(document))
    refused = permanence("peer", "accept", "--profile", str(root), str(forged),
                         "--fingerprint", remote_node["fingerprint"], passphrase=OWNER)
    assert refused.returncode == ExitCode.PAIRING_REFUSED, refused.stderr
    # Not a request at all: bad input.
    junk = permanence("peer", "accept", "--profile", str(root), str(invite),
                      "--fingerprint", remote_node["fingerprint"], passphrase=OWNER)
    assert junk.returncode == ExitCode.BAD_INPUT, junk.stderr
    assert snapshot(root) == before

    accepted = permanence("peer", "accept", "--profile", str(root), str(request),
                          "--fingerprint", remote_node["fingerprint"], passphrase=OWNER)
    assert accepted.returncode == 0, accepted.stderr
    listed = permanence("peer", "list", "--profile", str(root), passphrase=OWNER)
    assert listed.stdout.split("\t")[:4] == ["quimper", "remote-secretary", "active",
                                             remote_node["fingerprint"]]

    scoped = permanence("peer", "scope", "--profile", str(root), "quimper", "--days-back",
                        "7", "--calls", "no", "--patient-fields", "contact",
                        passphrase=OWNER)
    assert scoped.returncode == 0, scoped.stderr
    scope = _json(permanence("peer", "list", "--profile", str(root), "--format", "json",
                             passphrase=OWNER))[0]["scope"]
    assert scope["days_back"] == 7 and scope["calls"] is False
    assert "alert" not in scope["patient_fields"] and "email" in scope["patient_fields"]
    bad = permanence("peer", "scope", "--profile", str(root), "quimper", "--patient-fields",
                     "admin_note", passphrase=OWNER)
    assert bad.returncode == ExitCode.BAD_INPUT

    revoked = permanence("peer", "revoke", "--profile", str(root), "quimper",
                         passphrase=OWNER)
    assert revoked.returncode == 0, revoked.stderr
    assert "\trevoked\t" in permanence("peer", "list", "--profile", str(root),
                                       passphrase=OWNER).stdout
    unknown = permanence("peer", "revoke", "--profile", str(root), "personne",
                         passphrase=OWNER)
    assert unknown.returncode == ExitCode.BAD_INPUT


def test_export_identity_once_with_a_warning(practice):
    base, root = practice
    out = base / "identity.txt"
    done = permanence("node", "export-identity", "--profile", str(root), str(out),
                      passphrase=OWNER)
    assert done.returncode == 0, done.stderr
    assert "AGE-SECRET-KEY-1" in out.read_text() and "Attention" in done.stderr
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = permanence("node", "export-identity", "--profile", str(root), str(out),
                       passphrase=OWNER)
    assert again.returncode == ExitCode.BAD_INPUT

"""The practice's lines and its policy for a remote workstation, from the command line,
on two real profiles paired with ``peer invite|join|accept`` and synchronised through a
real folder: the workstation's export is refused (exit 7, nothing written) until the
owner allows it and a round brings the change; the lines travel, read-only there."""

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


def _json(result):
    return json.loads(_ok(result).stdout)


@pytest.mark.slow  # two profiles, about twenty commands
def test_policy_and_lines_from_the_command_line(tmp_path):
    root, remote, share = tmp_path / "cabinet", tmp_path / "distante", tmp_path / "partage"
    share.mkdir()
    invite, request = tmp_path / "quimper.invite", tmp_path / "quimper.request"
    _ok(permanence("init", "--profile", str(root), "--practice", "Cabinet du Parc",
                   passphrase=OWNER))
    _ok(permanence("peer", "invite", "--profile", str(root), "--name", "quimper", "--role",
                   "remote-secretary", str(invite), passphrase=OWNER))
    _ok(permanence("peer", "join", "--profile", str(remote), str(invite), str(request),
                   passphrase=REMOTE))
    fingerprint = _json(permanence("node", "show", "--profile", str(remote), "--format",
                                   "json", passphrase=REMOTE))["fingerprint"]
    _ok(permanence("peer", "accept", "--profile", str(root), str(request), "--fingerprint",
                   fingerprint, passphrase=OWNER))

    # The lines: any usual form, kept in E.164; an invalid number refused, nothing kept.
    bad = permanence("lines", "add", "12", "--profile", str(root), passphrase=OWNER)
    assert bad.returncode == ExitCode.BAD_INPUT and "numéro" in bad.stderr
    _ok(permanence("lines", "add", "04 78 12 34 56", "--profile", str(root), passphrase=OWNER))
    assert _json(permanence("lines", "add", "+33 9 70 12 34 56", "--format", "json",
                            "--profile", str(root), passphrase=OWNER)) == [
        "+33478123456", "+33970123456"]
    policy = _json(permanence("peer", "policy", "quimper", "--format", "json", "--profile",
                              str(root), passphrase=OWNER))
    assert policy == {"clipboard": False, "exports": False, "printing": False,
                      "screenshots": False}

    def round_trip():
        for profile, secret in ((root, OWNER), (remote, REMOTE), (root, OWNER)):
            _ok(permanence("sync", "--profile", str(profile), "--via", str(share),
                           passphrase=secret))

    round_trip()
    _ok(permanence("sync", "--profile", str(remote), "--via", str(share), passphrase=REMOTE))
    assert _json(permanence("lines", "list", "--format", "json", "--profile", str(remote),
                            passphrase=REMOTE)) == ["+33478123456", "+33970123456"]
    read_only = permanence("lines", "remove", "04 78 12 34 56", "--profile", str(remote),
                           "--user", "owner", passphrase=REMOTE)
    assert read_only.returncode == ExitCode.ACCESS_DENIED, read_only.stderr

    # Exports forbidden: refused for the workstation's account and its own owner alike.
    out = tmp_path / "patients.csv"
    for who in ((), ("--user", "owner")):
        refused = permanence("export", "patients", "--format", "csv", "--profile",
                             str(remote), *who, str(out), passphrase=REMOTE)
        assert refused.returncode == ExitCode.ACCESS_DENIED == 7, refused.stderr
        assert "politique du cabinet" in refused.stderr and "Traceback" not in refused.stderr
        assert not out.exists()

    # Allowed by the owner: after a round, the workstation exports.
    assert _json(permanence("peer", "policy", "quimper", "--exports", "yes", "--format",
                            "json", "--profile", str(root), passphrase=OWNER))["exports"]
    round_trip()
    _ok(permanence("sync", "--profile", str(remote), "--via", str(share), passphrase=REMOTE))
    _ok(permanence("export", "patients", "--format", "csv", "--profile", str(remote),
                   str(out), passphrase=REMOTE))
    assert out.is_file()
    # Printing is still forbidden: the day report (a PDF) is refused.
    pdf = tmp_path / "jour.pdf"
    day = permanence("report", "day", "--date", "2026-01-05", "--profile", str(remote),
                     "--user", "owner", str(pdf), passphrase=REMOTE)
    assert day.returncode == ExitCode.ACCESS_DENIED and not pdf.exists()

"""`permanence init --practitioner NAME --specialty KEY`: a practice that can book from
its first start, headless."""

from __future__ import annotations

import re

from app.services.agenda.templates import SPECIALTY_KEYS
from app.services.practice import list_practitioners
from app.services.workspace import open_workspace
from app.storage.profile import ProfilePaths, unlock_key
from tests.test_cli import permanence

PASSPHRASE = "une phrase de passe"


def test_init_with_a_specialty_leaves_a_practice_that_can_book(tmp_path):
    from app.clock import SystemClock
    from app.services.agenda.readiness import agenda_readiness

    root = tmp_path / "cabinet"
    result = permanence("init", "--profile", str(root), "--practice", "Cabinet dentaire du Parc",
                        "--practitioner", "Dr Claire Morel", "--specialty", "dentistry",
                        passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert "Clé de secours" in result.stdout
    assert re.search(r"7 motifs de Chirurgie dentaire .* Dr Claire Morel",
                     result.stdout + result.stderr)
    listed = permanence("practitioners", "--profile", str(root), passphrase=PASSPHRASE)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split("\t")[1:] == ["Dr Claire Morel", "Chirurgie dentaire\n"]
    paths = ProfilePaths(root)
    ws = open_workspace(paths, unlock_key(paths, passphrase=PASSPHRASE), clock=SystemClock())
    try:
        [morel] = list_practitioners(ws.store)
        types = ws.agenda.types()
        assert "Détartrage" in [t.name for t in types]
        assert all(t.practitioner_ids == frozenset() for t in types)
        assert agenda_readiness(ws.store, [morel.id]).ready
        [usual] = ws.agenda_setup.hours(morel.id)
        assert {r[0] for r in usual.ranges} == {0, 1, 2, 3, 4}
    finally:
        ws.close()


def test_a_specialty_needs_a_practitioner_and_a_known_key(tmp_path):
    root = tmp_path / "cabinet"
    alone = permanence("init", "--profile", str(root), "--practice", "Cabinet",
                       "--specialty", "general", passphrase=PASSPHRASE)
    assert alone.returncode == 2 and "--practitioner" in alone.stderr
    unknown = permanence("init", "--profile", str(root), "--practice", "Cabinet",
                         "--practitioner", "Claire Morel", "--specialty", "astrology",
                         passphrase=PASSPHRASE)
    assert unknown.returncode == 2 and "astrology" in unknown.stderr
    assert "Traceback" not in alone.stderr + unknown.stderr
    assert not root.exists() or not any(root.iterdir())


def test_the_help_lists_every_specialty_key():
    result = permanence("init", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps the help anywhere
    listed = re.search(r"\(one of: ([a-z_, ]+)\)", text)
    assert listed is not None, result.stdout
    assert [k.strip() for k in listed.group(1).split(",")] == list(SPECIALTY_KEYS)

"""The command-line tests' forking helper (tests/app_process.py) answers as ``python -m
app`` does, and a command's process-wide settings stay in its own process."""

from __future__ import annotations

import os

import pytest

from tests.app_process import needs_interpreter, run_app

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper forks")


def env(**extra: str) -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if k != "PERMANENCE_PASSPHRASE"}
    full.update(extra)
    return full


@pytest.mark.parametrize("args", [
    ("--version",),
    ("export", "bogus"),  # a usage error: exit 2, on stderr
    ("check", "--profile", "/nonexistent/permanence-profile"),  # a refusal: its exit code
])
def test_a_forked_command_answers_as_a_fresh_interpreter(args):
    forked = run_app(*args, env=env(PERMANENCE_PASSPHRASE="x"), timeout=120)
    fresh = run_app(*args, env=env(PERMANENCE_PASSPHRASE="x"), timeout=120, interpreter=True)
    assert (forked.returncode, forked.stdout, forked.stderr) == \
        (fresh.returncode, fresh.stdout, fresh.stderr)
    assert forked.stdout or forked.stderr


def test_a_command_leaves_the_test_process_as_it_was(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    result = run_app("--language", "en", "check", "--profile", str(tmp_path / "none"),
                     env=env(), timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    after = os.umask(0o022)
    os.umask(after)
    assert after == umask  # the command set 077 for itself only


def test_what_the_interpreter_reads_at_start_needs_a_fresh_one():
    assert not needs_interpreter(env(PERMANENCE_NEW_PASSPHRASE="x"))
    assert needs_interpreter(env(PYTHONOPTIMIZE="1"))
    assert needs_interpreter(env(LC_ALL="POSIX" if os.environ.get("LC_ALL") == "C" else "C"))

"""New practices for tests, copied from a template made once per run.

Creating a practice runs every migration and an Argon2id derivation (about half a
second); most tests only need a fresh, open, set-up practice. The first request for a
given practice (its details, passphrase, KDF and, for a frozen clock, its instant)
creates it for real in a folder kept for the run; later ones copy that folder, then give
the copy a database key, a key envelope, a recovery key, a node id and audit checkpoints
of its own, so two copies are two installations that share no secret, as two real
practices would be. A request with a keychain is always created for real.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from app.clock import Clock, FrozenClock
from app.models.ids import uuid7
from app.services.practice import PracticeInput
from app.services.workspace import NewPractice, create_practice, open_workspace
from app.storage.checkpoints import FILE_NAME as CHECKPOINTS_FILE
from app.storage.checkpoints import META_ANCHOR
from app.storage.engine import connect_raw
from app.storage.keys import KdfParams, KeyEnvelope, new_database_key, new_recovery_key
from app.storage.profile import ProfilePaths, unlock_key
from app.storage.errors import ProfileExistsError
from app.storage.store import META_NODE_ID

_made: dict[tuple, tuple[Path, bytes]] = {}
_folder: Path | None = None


def _key(data: PracticeInput, passphrase: str | None, clock: Clock, kdf: KdfParams) -> tuple:
    instant = clock.now().isoformat() if isinstance(clock, FrozenClock) else "system"
    return (repr(data), passphrase, instant, repr(kdf), type(clock).__name__)


def practice_from_template(paths: ProfilePaths, data: PracticeInput, *, passphrase: str | None,
                 clock: Clock, kdf: KdfParams, keychain=None) -> NewPractice:
    """As ``create_practice``; the same result, but copied from a template when it can be."""
    if keychain is not None or passphrase is None:
        return create_practice(paths, data, passphrase=passphrase, keychain=keychain,
                               clock=clock, kdf=kdf)
    global _folder
    key = _key(data, passphrase, clock, kdf)
    if key not in _made:
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="permanence-templates-"))
        template = ProfilePaths(_folder / f"t{len(_made)}")
        created = create_practice(template, data, passphrase=passphrase, keychain=None,
                                  clock=clock, kdf=kdf)
        created.workspace.close()
        _made[key] = (template.root, unlock_key(template, passphrase=passphrase, kdf_floor=kdf))
    source, template_key = _made[key]
    if paths.exists():
        raise ProfileExistsError(str(paths.root))
    shutil.copytree(source, paths.root, dirs_exist_ok=True)
    db_key = new_database_key()
    conn = connect_raw(paths.db, template_key)
    try:
        conn.execute("UPDATE local_meta SET value = ? WHERE key = ?", (uuid7(), META_NODE_ID))
        # Its own keys too: made at first need under the new node id.
        conn.execute("DELETE FROM node_identity")
        # A new installation: its trail is anchored afresh, under its own key, when opened.
        conn.execute("DELETE FROM local_meta WHERE key = ?", (META_ANCHOR,))
        conn.execute(f"PRAGMA rekey = \"x'{db_key.hex()}'\"")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    (paths.root / CHECKPOINTS_FILE).unlink(missing_ok=True)
    recovery_key = new_recovery_key()
    envelope = KeyEnvelope.new(paths.envelope)
    envelope.wrap_with_passphrase(db_key, passphrase, kdf)
    envelope.wrap_with_recovery_key(db_key, recovery_key)
    envelope.save()
    return NewPractice(open_workspace(paths, db_key, clock=clock), recovery_key)


def remove_templates() -> None:
    global _folder
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
    _folder = None
    _made.clear()

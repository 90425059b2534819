"""Schema versions: what this program knows, what a database holds, and upgrading."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

# Shipped inside the package; Alembic reads the scripts from that folder on disk.
MIGRATIONS_DIR = files("app.storage") / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(dbapi_conn) -> str | None:
    """Read the schema revision from a raw (possibly read-only) connection."""
    row = dbapi_conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if row is None:
        return None
    row = dbapi_conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def upgrade_to_head(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

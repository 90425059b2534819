"""journal ready for sync: a transaction id on every entry, the peer an entry was applied
from, per-field version stamps on entries and on syncable rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15

No existing value changes meaning:
- ``field_versions`` is NULL on every existing row: each of its fields carries the
  row's ``version``, which is what that version meant until now;
- ``peer_node`` is NULL on every existing entry: nothing was ever applied from a peer;
- ``tx_id``: a unit of work stamped every entry it wrote with one instant (``at``), so the
  existing entries are grouped by ``at``, one transaction id per group (a UUIDv7 of
  that instant, in the order of the groups). Two units of work committed within the same
  microsecond (only a frozen test clock does that) become one transaction: both were
  committed, so applying them together is as consistent as applying them apart.
The journal is rebuilt once (SQLite cannot add a NOT NULL column without a default);
its rows keep their sequence numbers.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from app.models.ids import uuid7

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SYNCABLE_TABLES = ("practice", "practitioner", "app_user", "patient", "patient_phone",
                   "patient_merge", "duplicate_dismissal", "contact", "appointment_type",
                   "opening_hours", "absence", "holiday_opening", "appointment_series",
                   "appointment", "waiting_list_entry")


def _tx_id(at) -> str:
    instant = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    ms = int(instant.replace(tzinfo=timezone.utc).timestamp() * 1000)
    return uuid7(now_ms=ms)


def upgrade() -> None:
    for table in SYNCABLE_TABLES:
        op.add_column(table, sa.Column('field_versions', sa.Text(), nullable=True))

    conn = op.get_bind()
    conn.exec_driver_sql("CREATE TEMP TABLE journal_tx (at DATETIME PRIMARY KEY, tx_id "
                         "VARCHAR(36) NOT NULL)")
    instants = [at for (at,) in conn.exec_driver_sql(
        "SELECT DISTINCT at FROM change_journal ORDER BY at")]
    if instants:
        conn.exec_driver_sql("INSERT INTO journal_tx (at, tx_id) VALUES (?, ?)",
                             [(at, _tx_id(at)) for at in instants])

    op.create_table('change_journal_new',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tx_id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('peer_node', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('field_versions', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name='pk_change_journal')
    )
    conn.exec_driver_sql(
        "INSERT INTO change_journal_new (seq, tx_id, entity, entity_id, op, version, "
        "origin_node, at, payload) "
        "SELECT j.seq, t.tx_id, j.entity, j.entity_id, j.op, j.version, j.origin_node, j.at, "
        "j.payload FROM change_journal j JOIN journal_tx t ON t.at = j.at ORDER BY j.seq")
    conn.exec_driver_sql("DROP TABLE journal_tx")
    op.drop_index('ix_change_journal_entity_id', table_name='change_journal')
    op.drop_table('change_journal')
    op.rename_table('change_journal_new', 'change_journal')
    op.create_index('ix_change_journal_entity_id', 'change_journal', ['entity_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

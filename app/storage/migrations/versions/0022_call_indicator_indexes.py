"""the indicators over a year read from indexes alone: the missed calls with their
number (a partial index), a number's callbacks with their id, and the attempts that
reached the person (a partial index)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# As in app.models.calls (a migration keeps its own copy: the models may change).
MISSED_WHERE = ("direction = 'in' AND answered_at IS NULL AND ended_at IS NOT NULL "
                "AND deleted_at IS NULL")
REACHED_WHERE = "outcome = 'reached' AND deleted_at IS NULL"


def upgrade() -> None:
    op.create_index('ix_call_missed', 'call',
                    ['started_at', 'number', 'practitioner_id', 'direction', 'answered_at',
                     'ended_at', 'deleted_at'], sqlite_where=sa.text(MISSED_WHERE))
    op.drop_index('ix_callback_number', table_name='callback')
    op.create_index('ix_callback_number', 'callback', ['number', 'done_at', 'id'])
    op.create_index('ix_callback_attempt_reached', 'callback_attempt',
                    ['callback_id', 'at', 'outcome', 'deleted_at'],
                    sqlite_where=sa.text(REACHED_WHERE))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

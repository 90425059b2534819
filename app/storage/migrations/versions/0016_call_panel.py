"""the call panel: the steps of a call (bookings, messages, callbacks, transfers, the
urgent protocol's red flags and referral, the outcome), time-stamped, and the
practice's call settings (greeting line, reasons offered, red flags, escalation delay),
and the motifs reserved for urgent calls (booked only through the urgent protocol)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _syncable() -> list[sa.Column]:
    return [
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('origin_node', sa.String(length=36), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('field_versions', sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.add_column('appointment_type', sa.Column('urgent_only', sa.Boolean(), nullable=False,
                                                server_default=sa.text('0')))
    op.create_table(
        'call_step',
        sa.Column('call_id', sa.String(length=36), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('ref', sa.String(length=36), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('by', sa.String(length=36), nullable=True),
        *_syncable(),
        sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_step_call_id_call')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_step')))
    op.create_index('ix_call_step_call', 'call_step', ['call_id', 'at'])
    op.create_index('ix_call_step_kind_at', 'call_step', ['kind', 'at'])
    op.create_table(
        'call_settings',
        sa.Column('greeting', sa.String(length=300), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('red_flags', sa.Text(), nullable=False),
        sa.Column('escalate_after_min', sa.Integer(), nullable=False),
        *_syncable(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_settings')))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

"""calls and callbacks: the telephone log (events of the phone system, caller, reason,
outcome), the callbacks owed and their attempts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('caller_kind', sa.String(length=10), nullable=False),
    sa.Column('caller_id', sa.String(length=36), nullable=True),
    sa.Column('practitioner_id', sa.String(length=36), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('missed_calls', sa.Integer(), nullable=False),
    sa.Column('last_missed_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('field_versions', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_callback_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback'))
    )
    op.create_index('ix_callback_due', 'callback', ['done_at', 'due_at'], unique=False)
    op.create_index('ix_callback_due_at', 'callback', ['due_at'], unique=False)
    op.create_index('ix_callback_number', 'callback', ['number', 'done_at'], unique=False)
    op.create_table('call',
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('line', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('caller_kind', sa.String(length=10), nullable=False),
    sa.Column('caller_id', sa.String(length=36), nullable=True),
    sa.Column('practitioner_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('handled_by', sa.String(length=36), nullable=True),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('callback_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('field_versions', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_call_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], name=op.f('fk_call_callback_id_callback')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_call_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call'))
    )
    op.create_index('ix_call_external', 'call', ['external_id', 'started_at'], unique=False)
    op.create_index('ix_call_number_started', 'call', ['number', 'started_at', 'answered_at', 'deleted_at'], unique=False)
    op.create_index('ix_call_practitioner_started', 'call', ['practitioner_id', 'started_at'], unique=False)
    op.create_index('ix_call_started', 'call', ['started_at', 'deleted_at', 'direction', 'answered_at', 'ended_at', 'reason', 'outcome', 'appointment_id', 'practitioner_id'], unique=False)
    op.create_table('callback_attempt',
    sa.Column('callback_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=15), nullable=False),
    sa.Column('by', sa.String(length=36), nullable=True),
    sa.Column('call_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('field_versions', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_callback_attempt_call_id_call')),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], name=op.f('fk_callback_attempt_callback_id_callback')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempt'))
    )
    op.create_index('ix_callback_attempt_callback', 'callback_attempt', ['callback_id', 'at'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

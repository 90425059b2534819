"""confirmations and freed slots: the outcome of the confirmation call on each
appointment (what, when, who), the time left by a move or a shortening, and the offers
of freed time to waiting-list patients

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
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
    op.add_column('appointment', sa.Column('confirmation', sa.String(length=20),
                                           server_default=sa.text("''"), nullable=False))
    op.add_column('appointment', sa.Column('confirmation_at', sa.DateTime(), nullable=True))
    op.add_column('appointment', sa.Column('confirmation_by', sa.String(length=36),
                                           nullable=True))
    op.create_table(
        'freed_slot',
        sa.Column('practitioner_id', sa.String(length=36), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('cause', sa.String(length=20), nullable=False),
        sa.Column('appointment_id', sa.String(length=36), nullable=True),
        *_syncable(),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'],
                                name=op.f('fk_freed_slot_appointment_id_appointment')),
        sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'],
                                name=op.f('fk_freed_slot_practitioner_id_practitioner')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_freed_slot')))
    op.create_index('ix_freed_slot_practitioner_starts', 'freed_slot',
                    ['practitioner_id', 'starts_at'], unique=False)
    op.create_table(
        'slot_offer',
        sa.Column('practitioner_id', sa.String(length=36), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('waiting_entry_id', sa.String(length=36), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('appointment_id', sa.String(length=36), nullable=True),
        *_syncable(),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'],
                                name=op.f('fk_slot_offer_appointment_id_appointment')),
        sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'],
                                name=op.f('fk_slot_offer_practitioner_id_practitioner')),
        sa.ForeignKeyConstraint(['waiting_entry_id'], ['waiting_list_entry.id'],
                                name=op.f('fk_slot_offer_waiting_entry_id_waiting_list_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_offer')))
    op.create_index('ix_slot_offer_practitioner_starts', 'slot_offer',
                    ['practitioner_id', 'starts_at'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

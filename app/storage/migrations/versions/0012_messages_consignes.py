"""messages for the practitioner and consignes: the messages (recipient, patient or
caller, priority, text, callback number, new/read/treated with who and when), the
consignes with every saved version, and who acknowledged which version

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
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
    op.create_table(
        'message',
        sa.Column('recipient_id', sa.String(length=36), nullable=True),
        sa.Column('patient_id', sa.String(length=36), nullable=True),
        sa.Column('caller_name', sa.String(length=200), nullable=False),
        sa.Column('caller_phone', sa.String(length=20), nullable=False),
        sa.Column('callback_phone', sa.String(length=20), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('call_id', sa.String(length=36), nullable=True),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('read_by', sa.String(length=36), nullable=True),
        sa.Column('treated_at', sa.DateTime(), nullable=True),
        sa.Column('treated_by', sa.String(length=36), nullable=True),
        *_syncable(),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'],
                                name=op.f('fk_message_patient_id_patient')),
        sa.ForeignKeyConstraint(['recipient_id'], ['practitioner.id'],
                                name=op.f('fk_message_recipient_id_practitioner')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message')))
    op.create_index('ix_message_state_recipient', 'message', ['state', 'recipient_id'])
    op.create_index('ix_message_author_created', 'message', ['author_id', 'created_at'])
    op.create_index('ix_message_patient', 'message', ['patient_id'])
    op.create_table(
        'consigne',
        sa.Column('practitioner_id', sa.String(length=36), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('motif_ids', sa.Text(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        *_syncable(),
        sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'],
                                name=op.f('fk_consigne_practitioner_id_practitioner')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consigne')))
    op.create_index('ix_consigne_practitioner', 'consigne', ['practitioner_id'])
    op.create_table(
        'consigne_version',
        sa.Column('consigne_id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('practitioner_id', sa.String(length=36), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('priority', sa.String(length=10), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('motif_ids', sa.Text(), nullable=False),
        sa.Column('withdrawn', sa.Boolean(), nullable=False),
        sa.Column('author_id', sa.String(length=36), nullable=False),
        *_syncable(),
        sa.ForeignKeyConstraint(['consigne_id'], ['consigne.id'],
                                name=op.f('fk_consigne_version_consigne_id_consigne')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consigne_version')))
    op.create_index('ix_consigne_version_consigne', 'consigne_version',
                    ['consigne_id', 'revision'])
    op.create_table(
        'consigne_ack',
        sa.Column('consigne_id', sa.String(length=36), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        *_syncable(),
        sa.ForeignKeyConstraint(['consigne_id'], ['consigne.id'],
                                name=op.f('fk_consigne_ack_consigne_id_consigne')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consigne_ack')))
    op.create_index('ix_consigne_ack_user', 'consigne_ack', ['user_id', 'consigne_id'])


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

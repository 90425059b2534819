"""pairs of patient cards dismissed as "not duplicates"; a covering index on phone numbers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'duplicate_dismissal',
        sa.Column('patient_a', sa.String(length=36), nullable=False),
        sa.Column('patient_b', sa.String(length=36), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('origin_node', sa.String(length=36), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['patient_a'], ['patient.id'],
                                name=op.f('fk_duplicate_dismissal_patient_a_patient')),
        sa.ForeignKeyConstraint(['patient_b'], ['patient.id'],
                                name=op.f('fk_duplicate_dismissal_patient_b_patient')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_dismissal')),
    )
    op.create_index('ix_duplicate_dismissal_pair', 'duplicate_dismissal',
                    ['patient_a', 'patient_b'])
    # Shared numbers are grouped from the index alone (no read of every phone row).
    op.drop_index('ix_patient_phone_e164', table_name='patient_phone')
    op.create_index('ix_patient_phone_e164', 'patient_phone', ['e164', 'deleted_at', 'patient_id'])


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

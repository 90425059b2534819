"""sync conflicts: the local list of conflicts met while applying a peer's changes, and
the stamp each field of an update had before it (``change_journal.base_versions``), so a
peer can tell a concurrent edit from a later one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('change_journal', sa.Column('base_versions', sa.Text(), nullable=True))
    op.create_table(
        'sync_conflict',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('conflict', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=36), nullable=False),
        sa.Column('field', sa.String(length=60), nullable=False),
        sa.Column('other_entity_id', sa.String(length=36), nullable=True),
        sa.Column('kept_value', sa.Text(), nullable=True),
        sa.Column('other_value', sa.Text(), nullable=True),
        sa.Column('kept_stamp', sa.BigInteger(), nullable=True),
        sa.Column('other_stamp', sa.BigInteger(), nullable=True),
        sa.Column('kept_node', sa.String(length=36), nullable=True),
        sa.Column('other_node', sa.String(length=36), nullable=True),
        sa.Column('peer_node', sa.String(length=36), nullable=False),
        sa.Column('detected_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by', sa.String(length=36), nullable=True),
        sa.Column('resolution', sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflict')),
        sa.UniqueConstraint('key', name=op.f('uq_sync_conflict_key')))
    op.create_index('ix_sync_conflict_open', 'sync_conflict', ['resolved_at', 'detected_at'])


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

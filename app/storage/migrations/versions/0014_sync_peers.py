"""sync peers: this node's keys (age X25519, Ed25519) and the peers it pairs with, their
scope and where each exchange stands; an existing practice gets its keys now

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from app.storage.node_keys import insert_identity

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'node_identity',
        sa.Column('node_id', sa.String(length=36), nullable=False),
        sa.Column('age_identity', sa.Text(), nullable=False),
        sa.Column('age_recipient', sa.String(length=100), nullable=False),
        sa.Column('signing_key', sa.LargeBinary(), nullable=False),
        sa.Column('verify_key', sa.LargeBinary(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('node_id', name=op.f('pk_node_identity')),
    )
    op.create_table(
        'sync_peer',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('node_id', sa.String(length=36), nullable=True),
        sa.Column('age_recipient', sa.String(length=100), nullable=True),
        sa.Column('verify_key', sa.LargeBinary(), nullable=True),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('invite_token', sa.String(length=64), nullable=True),
        sa.Column('invite_expires_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('paired_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('next_send_seq', sa.Integer(), nullable=False),
        sa.Column('last_sent_hash', sa.String(length=64), nullable=False),
        sa.Column('last_received_seq', sa.Integer(), nullable=False),
        sa.Column('last_received_hash', sa.String(length=64), nullable=False),
        sa.Column('acked_journal_seq', sa.Integer(), nullable=False),
        sa.Column('snapshot_due', sa.Boolean(), nullable=False),
        sa.Column('last_sync_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_peer')),
        sa.UniqueConstraint('name', name=op.f('uq_sync_peer_name')),
        sa.UniqueConstraint('node_id', name=op.f('uq_sync_peer_node_id')),
    )
    # A practice made before: its keys now, under the node id its rows already carry
    # (a new database has no node id yet: create_database makes both).
    conn = op.get_bind()
    node = conn.execute(sa.text("SELECT value FROM local_meta WHERE key = 'node_id'")).scalar()
    if node is not None:
        insert_identity(conn, node, datetime.now(timezone.utc))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

"""patient erasure: the instant a patient's personal data was erased (the card stays as
a blank tombstone, so that an older copy on a peer cannot bring it back)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('patient', sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

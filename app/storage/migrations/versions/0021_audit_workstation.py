"""audit workstation: each audit entry records the workstation that wrote it (its node id
and readable name); entries written before keep NULL and the hash they had

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_trail', sa.Column('workstation', sa.String(length=36), nullable=True))
    op.add_column('audit_trail', sa.Column('workstation_name', sa.String(length=100),
                                           nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

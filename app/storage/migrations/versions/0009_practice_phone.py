"""the practice's phone number, edited in Réglages › Cabinet

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Stored in E.164 ("+33478123456") as patients' numbers are; empty for every existing
practice (nobody was asked for it until now).
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('practice', sa.Column('phone', sa.String(length=20), nullable=False,
                                        server_default=sa.text("''")))

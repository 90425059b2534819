"""accounts: a sign-in name, the practitioner a practitioner account is, and the day an
account was disabled (accounts are never deleted)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('app_user', sa.Column('login', sa.String(length=40), nullable=False,
                                        server_default=sa.text("''")))
    op.add_column('app_user', sa.Column('practitioner_id', sa.String(length=36), nullable=True))
    op.add_column('app_user', sa.Column('disabled_at', sa.DateTime(), nullable=True))
    # The owner of a practice made before accounts signs in as "owner".
    op.execute("UPDATE app_user SET login = 'owner' WHERE role = 'owner' AND login = ''")


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

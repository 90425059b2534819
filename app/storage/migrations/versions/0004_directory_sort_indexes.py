"""directory: contacts in name order from an index, as a whole and within one category

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Indexes only: no row is touched, existing databases keep every contact as it is.
    op.create_index('ix_contact_live_sort', 'contact', ['deleted_at', 'sort_key', 'id'])
    op.create_index('ix_contact_category_sort', 'contact',
                    ['category', 'deleted_at', 'sort_key', 'id'])


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

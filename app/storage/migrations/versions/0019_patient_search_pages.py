"""patient search: a page of results read from indexes (names, date, city and alert in
the search's covering index, the first phone in its own), and name prefixes walked over
the current patients only

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Indexes only: no row is touched. On a large practice the wide patient and phone
    # rows of a hundred results are a hundred scattered pages each, more than the page
    # cache keeps; these indexes hold just what a result row shows and stay cached.
    op.drop_index('ix_patient_search_cover', table_name='patient')
    op.create_index('ix_patient_search_cover', 'patient',
                    ['id', 'deleted_at', 'sort_key', 'birth_name', 'used_name', 'first_names',
                     'birth_date', 'city', 'alert', 'sex', 'civility'])
    op.create_index('ix_patient_sort_live', 'patient', ['sort_key', 'deleted_at', 'id'])
    op.create_index('ix_patient_phone_first', 'patient_phone',
                    ['patient_id', 'deleted_at', 'position', 'e164'])


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

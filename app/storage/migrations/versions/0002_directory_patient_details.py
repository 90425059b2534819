"""directory of contacts, more patient details, homonym key, merges, history indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from datetime import date

from alembic import op
import sqlalchemy as sa

from app.models.patient import patient_identity_key

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_SYNCABLE = (
    ('id', sa.String(length=36)), ('created_at', sa.DateTime()), ('updated_at', sa.DateTime()),
    ('version', sa.BigInteger()), ('origin_node', sa.String(length=36)),
)


def _syncable_columns():
    cols = [sa.Column(name, type_, nullable=False) for name, type_ in _SYNCABLE]
    cols.append(sa.Column('deleted_at', sa.DateTime(), nullable=True))
    return cols


def upgrade() -> None:
    text_cols = ['category', 'title', 'name', 'first_name', 'organisation', 'specialty',
                 'phone_raw', 'phone_e164', 'phone2_raw', 'phone2_e164', 'fax_raw', 'fax_e164',
                 'email', 'mssante', 'address_line', 'postal_code', 'city']
    lengths = {'category': 20, 'title': 20, 'name': 200, 'first_name': 100, 'organisation': 200,
               'specialty': 100, 'phone_raw': 40, 'phone_e164': 20, 'phone2_raw': 40,
               'phone2_e164': 20, 'fax_raw': 40, 'fax_e164': 20, 'email': 254, 'mssante': 254,
               'address_line': 200, 'postal_code': 10, 'city': 100}
    op.create_table(
        'contact',
        *[sa.Column(c, sa.String(length=lengths[c]), nullable=False) for c in text_cols],
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('sort_key', sa.String(length=300), nullable=False),
        *_syncable_columns(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact')),
    )
    op.create_index('ix_contact_sort_key', 'contact', ['sort_key'])
    op.create_index('ix_contact_search_cover', 'contact', ['id', 'deleted_at', 'sort_key'])

    # ADD COLUMN keeps the table (and the rows' rowids) in place; NOT NULL needs a default.
    for name, length in (('email_other', 254), ('preferred_channel', 10), ('alert', 300),
                         ('identity_key', 200)):
        op.add_column('patient', sa.Column(name, sa.String(length=length), nullable=False,
                                           server_default=''))
    op.add_column('patient', sa.Column('call_not_before', sa.Time(), nullable=True))
    op.add_column('patient', sa.Column('call_not_after', sa.Time(), nullable=True))
    op.execute("ALTER TABLE patient ADD COLUMN referring_contact_id VARCHAR(36) "
               "CONSTRAINT fk_patient_referring_contact_id_contact REFERENCES contact (id)")
    op.add_column('patient', sa.Column('merged_into_id', sa.String(length=36), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, birth_name, first_names, birth_date FROM patient")).fetchall()
    updates = []
    for pid, birth_name, first_names, birth_date in rows:
        born = date.fromisoformat(str(birth_date)[:10]) if birth_date else None
        key = patient_identity_key(birth_name, first_names, born)
        if key:
            updates.append({'id': pid, 'key': key})
    if updates:
        bind.execute(sa.text("UPDATE patient SET identity_key = :key WHERE id = :id"), updates)
    op.create_index('ix_patient_identity_key', 'patient', ['identity_key', 'deleted_at'])

    op.create_table(
        'patient_merge',
        sa.Column('kept_id', sa.String(length=36), nullable=False),
        sa.Column('merged_id', sa.String(length=36), nullable=False),
        sa.Column('kept_before', sa.Text(), nullable=False),
        sa.Column('moved_links', sa.Text(), nullable=False),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        *_syncable_columns(),
        sa.ForeignKeyConstraint(['kept_id'], ['patient.id'],
                                name=op.f('fk_patient_merge_kept_id_patient')),
        sa.ForeignKeyConstraint(['merged_id'], ['patient.id'],
                                name=op.f('fk_patient_merge_merged_id_patient')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_merge')),
    )
    op.create_index('ix_patient_merge_kept_id', 'patient_merge', ['kept_id'])
    op.create_index('ix_patient_merge_merged_id', 'patient_merge', ['merged_id'])

    op.create_index('ix_change_journal_entity_id', 'change_journal', ['entity_id'])
    op.create_index('ix_audit_trail_entity_id', 'audit_trail', ['entity_id'])

    # Directory search, built like the patient search (see 0001).
    op.execute("CREATE TABLE contact_search_key ("
               "rowid INTEGER PRIMARY KEY, contact_id VARCHAR(36) NOT NULL UNIQUE)")
    op.execute(
        "CREATE VIRTUAL TABLE contact_search USING fts5("
        "terms, content = '', contentless_delete = 1, "
        "tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\", prefix = '1 2 3')"
    )


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

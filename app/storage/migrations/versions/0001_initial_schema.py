"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('app_user',
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user'))
    )
    op.create_table('audit_trail',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_trail'))
    )
    op.create_table('change_journal',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_journal'))
    )
    op.create_table('local_meta',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_local_meta'))
    )
    op.create_table('patient',
    sa.Column('civility', sa.String(length=8), nullable=False),
    sa.Column('birth_name', sa.String(length=100), nullable=False),
    sa.Column('used_name', sa.String(length=100), nullable=False),
    sa.Column('first_names', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address_line', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('referring_doctor', sa.String(length=200), nullable=False),
    sa.Column('admin_note', sa.Text(), nullable=False),
    sa.Column('reminder_consent', sa.Boolean(), nullable=False),
    sa.Column('sort_key', sa.String(length=300), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient'))
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index('ix_patient_sort_key', ['sort_key'], unique=False)
        batch_op.create_index('ix_patient_search_cover', ['id', 'deleted_at', 'sort_key'], unique=False)
        batch_op.create_index('ix_patient_birth_sort', ['birth_date', 'deleted_at', 'sort_key', 'id'], unique=False)

    op.create_table('practice',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice'))
    )
    op.create_table('practice_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_practice_setting'))
    )
    op.create_table('practitioner',
    sa.Column('title', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('specialty', sa.String(length=100), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practitioner'))
    )
    op.create_table('patient_phone',
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('raw', sa.String(length=40), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_phone_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_phone'))
    )
    with op.batch_alter_table('patient_phone', schema=None) as batch_op:
        batch_op.create_index('ix_patient_phone_e164', ['e164'], unique=False)
        batch_op.create_index('ix_patient_phone_patient_id', ['patient_id'], unique=False)
    # Patient search: folded name prefixes, phone digits, birth-date tokens (see
    # app/services/search_terms.py). FTS5 keeps type-ahead off full-table scans.
    # The FTS rowid comes from patient_search_key, an explicit INTEGER PRIMARY KEY,
    # because VACUUM may renumber the implicit rowids of the patient table.
    op.execute(
        "CREATE TABLE patient_search_key ("
        "rowid INTEGER PRIMARY KEY, patient_id VARCHAR(36) NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE patient_search USING fts5("
        "terms, content = '', contentless_delete = 1, "
        "tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\", prefix = '1 2 3')"
    )


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

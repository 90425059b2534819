"""agenda: appointment types, opening hours, absences, holiday openings, appointments,
recurring series, waiting list; the practice's holiday region

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointment_type',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('buffer_after_min', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('remote_bookable', sa.Boolean(), nullable=False),
    sa.Column('practitioner_ids', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_type'))
    )
    op.create_table('absence',
    sa.Column('practitioner_id', sa.String(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('replacement_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_absence_practitioner_id_practitioner')),
    sa.ForeignKeyConstraint(['replacement_id'], ['practitioner.id'], name=op.f('fk_absence_replacement_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence'))
    )
    op.create_index('ix_absence_practitioner_starts', 'absence', ['practitioner_id', 'starts_at'], unique=False)
    op.create_table('holiday_opening',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('practitioner_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_holiday_opening_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_opening'))
    )
    op.create_index('ix_holiday_opening_day', 'holiday_opening', ['day'], unique=False)
    op.create_table('opening_hours',
    sa.Column('practitioner_id', sa.String(length=36), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_min', sa.Integer(), nullable=False),
    sa.Column('end_min', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('type_ids', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_opening_hours_practitioner_id_practitioner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours'))
    )
    op.create_index('ix_opening_hours_practitioner', 'opening_hours', ['practitioner_id', 'weekday'], unique=False)
    op.create_table('appointment_series',
    sa.Column('practitioner_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('type_id', sa.String(length=36), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('start_min', sa.Integer(), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_appointment_series_patient_id_patient')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_appointment_series_practitioner_id_practitioner')),
    sa.ForeignKeyConstraint(['type_id'], ['appointment_type.id'], name=op.f('fk_appointment_series_type_id_appointment_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_series'))
    )
    op.create_table('appointment',
    sa.Column('practitioner_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('type_id', sa.String(length=36), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancel_reason', sa.String(length=20), nullable=False),
    sa.Column('cancel_note', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('series_id', sa.String(length=36), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('override_note', sa.Text(), nullable=False),
    sa.Column('remote', sa.Boolean(), server_default=sa.text('0'), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_appointment_patient_id_patient')),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_appointment_practitioner_id_practitioner')),
    sa.ForeignKeyConstraint(['series_id'], ['appointment_series.id'], name=op.f('fk_appointment_series_id_appointment_series')),
    sa.ForeignKeyConstraint(['type_id'], ['appointment_type.id'], name=op.f('fk_appointment_type_id_appointment_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    op.create_index('ix_appointment_patient_starts', 'appointment', ['patient_id', 'starts_at'], unique=False)
    op.create_index('ix_appointment_practitioner_starts', 'appointment', ['practitioner_id', 'starts_at'], unique=False)
    op.create_index('ix_appointment_series', 'appointment', ['series_id'], unique=False)
    op.create_table('waiting_list_entry',
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('type_id', sa.String(length=36), nullable=True),
    sa.Column('practitioner_ids', sa.Text(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_until', sa.Date(), nullable=False),
    sa.Column('urgency', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('origin_node', sa.String(length=36), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_waiting_list_entry_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_waiting_list_entry_patient_id_patient')),
    sa.ForeignKeyConstraint(['type_id'], ['appointment_type.id'], name=op.f('fk_waiting_list_entry_type_id_appointment_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_list_entry'))
    )
    op.create_index('ix_waiting_list_status', 'waiting_list_entry', ['status', 'created_at'], unique=False)
    op.add_column('practice', sa.Column('holiday_region', sa.String(length=10), server_default=sa.text("''"), nullable=False))


def downgrade() -> None:
    raise NotImplementedError("Permanence never downgrades a practice database")

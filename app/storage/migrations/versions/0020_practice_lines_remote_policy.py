"""the practice's phone lines, and what each remote workstation may do

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05

``practice.lines``: the numbers the practice's calls arrive on, a JSON list of E.164
strings (synced with the practice row); empty for every existing practice.
``sync_peer.policy``: the owner's policy for that remote workstation (exports, printing,
clipboard, screenshots), JSON; "{}" is the default policy (everything forbidden).
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('practice', sa.Column('lines', sa.Text(), nullable=False,
                                        server_default=sa.text("'[]'")))
    op.add_column('sync_peer', sa.Column('policy', sa.Text(), nullable=False,
                                         server_default=sa.text("'{}'")))

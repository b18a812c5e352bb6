"""rules: the warnings of rules that warn and accept, kept with the submission

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:05:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('warnings', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('warnings')

"""named office accounts; sessions belong to an account

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_accounts_name'))
    )
    # Sessions of the shared office password name no person: they end here (docs/decisions.md,
    # "Named accounts replace the shared office password").
    op.execute(sa.text('DELETE FROM admin_sessions'))
    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_admin_sessions_account_id'), ['account_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_admin_sessions_account_id_accounts'), 'accounts', ['account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_admin_sessions_account_id_accounts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_admin_sessions_account_id'))
        batch_op.drop_column('account_id')
    op.drop_table('accounts')

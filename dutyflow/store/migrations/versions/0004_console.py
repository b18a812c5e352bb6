"""console: messages kept as sent, and the reports made

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sent_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_sent_messages_message_id'))
    )
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('docx_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('html_sha256', sa.String(length=64), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_reports_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_index(op.f('ix_reports_plan_id'), 'reports', ['plan_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reports_plan_id'), table_name='reports')
    op.drop_table('reports')
    op.drop_table('sent_messages')

"""the consolidated report's versions and steps, and the document register

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
    sa.Column('narrative', sa.JSON(), nullable=True),
    sa.Column('narrative_source', sa.Text(), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('signer_name', sa.Text(), nullable=True),
    sa.Column('signer_title', sa.Text(), nullable=True),
    sa.Column('docx_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('made_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligations.id'], name=op.f('fk_report_versions_obligation_id_obligations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
    sa.UniqueConstraint('obligation_id', 'version', name=op.f('uq_report_versions_obligation_id'))
    )
    op.create_index(op.f('ix_report_versions_obligation_id'), 'report_versions', ['obligation_id'], unique=False)
    op.create_table('report_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligations.id'], name=op.f('fk_report_steps_obligation_id_obligations')),
    sa.ForeignKeyConstraint(['version_id'], ['report_versions.id'], name=op.f('fk_report_steps_version_id_report_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_steps'))
    )
    op.create_index(op.f('ix_report_steps_obligation_id'), 'report_steps', ['obligation_id'], unique=False)
    op.create_table('register_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_numbers')),
    sa.UniqueConstraint('issuer', 'kind', 'year', 'sequence', name=op.f('uq_register_numbers_issuer'))
    )


def downgrade() -> None:
    op.drop_table('register_numbers')
    op.drop_index(op.f('ix_report_steps_obligation_id'), table_name='report_steps')
    op.drop_table('report_steps')
    op.drop_index(op.f('ix_report_versions_obligation_id'), table_name='report_versions')
    op.drop_table('report_versions')

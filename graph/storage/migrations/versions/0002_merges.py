"""merges: the record of entity merges and how to undo them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:04:24.529632

One new table, ``merge`` (``graph.tables.MergeRow``); relations shared by
several articles need no schema change (the articles that support a relation
are those of its evidence rows).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('into_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('merged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('undo', sa.JSON(), nullable=False),
    sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('undone_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_from_id'), ['from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_into_id'), ['into_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_into_id'))
        batch_op.drop_index(batch_op.f('ix_merge_from_id'))
    op.drop_table('merge')

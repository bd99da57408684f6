"""index alias.article_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 17:05:00

Replacing or deleting an article, and rebuilding the search index, looked up
an article's aliases by scanning the whole table (the primary key starts with
entity_id): quadratic at 20,000 articles (bench/).
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alias_article_id"), ["article_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alias_article_id"))

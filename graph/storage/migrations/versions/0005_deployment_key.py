"""deployment_key: a random per-deployment key, for labels of unnamed write tokens

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-10 10:00:00

An unnamed token was recorded on merges as the first 32 bits of an unsalted
SHA-256 of its secret: public, and a dictionary recovers a weak secret. New
labels are an HMAC under this key, made here once per database (so the same
for every process and restart of a deployment). Labels already recorded stay.
"""
import secrets

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "deployment_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "key": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("deployment_key")

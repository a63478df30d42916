"""People get ``records_version``, bumped with every change to their records.

Revision ID: 0004
Revises: 0003
Created: 2026-05-27

A reader that cached a person's parsed history compares this number with the
one it cached under, so one indexed read tells it whether to read the history
again (``services.records``). Existing people start at 0. Adding a NOT NULL
column with a default is a plain ALTER on both SQLite and PostgreSQL; batch
mode keeps it working if SQLite ever needs the table copied.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("records_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("records_version")

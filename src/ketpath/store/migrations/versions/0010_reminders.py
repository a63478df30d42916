"""Check-in reminders: a schedule per account, a secret calendar feed, and what was e-mailed.

Revision ID: 0010
Revises: 0009
Created: 2026-11-30

Issue 14, point 6: a person chooses daily or weekly check-in reminders, which
reach them through a private calendar feed, by e-mail, or both, and never
through a third party. ``reminders`` holds one row per account: how often
(``frequency``, None when off), the time of day in ``zone``, the weekday of a
weekly one (0 is Monday), whether to e-mail, the SHA-256 of the feed's secret
(as for API tokens, so a copy of the database opens no feed) and when it was
made, and ``last_sent_for``, the occurrence last e-mailed, so that a restart
never sends it twice. No existing row changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("feed_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_reminders_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.UniqueConstraint("user_id", name="uq_reminders_user_id"),
        sa.UniqueConstraint("feed_token_hash", name="uq_reminders_feed_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("reminders")

"""Ids are never reused; API tokens expire and carry a label; known devices.

Revision ID: 0005
Revises: 0004
Created: 2026-05-28

Issue 11. SQLite gave a new row ``max(id) + 1``, so deleting the newest person
and registering again reused their id, and the newcomer's "Who read your data"
showed the deleted person's audit rows. ``people`` and ``users`` are rebuilt
with ``AUTOINCREMENT`` (batch mode, ``recreate="always"``), and their counters
start above every id that is still referenced in the audit log, which has no
foreign keys on purpose: an id deleted *before* this upgrade is not handed out
either. PostgreSQL's sequences never go back, so nothing changes there.

``api_tokens`` gets ``expires_at`` (existing tokens expire 90 days after they
were made, like new ones; an old token may therefore stop at once, which is
the point) and an optional ``label``. ``known_devices`` holds the hashes of
device tokens (``services.accounts``: a browser that logged in before gets a
rate-limit bucket of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_DAYS = 90
AUDIT_COLUMN = {"people": "person_id", "users": "actor_id"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, audit_column in AUDIT_COLUMN.items():
            _never_reuse_ids(table, audit_column)
    _expiring_tokens()
    op.create_table(
        "known_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_known_devices_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_known_devices"),
        sa.UniqueConstraint("token_hash", name="uq_known_devices_token_hash"),
    )
    op.create_index("ix_known_devices_user_id", "known_devices", ["user_id"])


def _never_reuse_ids(table: str, audit_column: str) -> None:
    """Rebuild ``table`` with AUTOINCREMENT; its counter starts above every id seen."""
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    bind = op.get_bind()
    highest = bind.execute(
        sa.text(
            f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0),"
            f" coalesce((SELECT max({audit_column}) FROM audit_log), 0))"
        )
    ).scalar_one()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table})
    bind.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)"),
        {"table": table, "seq": highest},
    )


def _expiring_tokens() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("label", sa.String(length=100), nullable=True))
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        # Naive UTC on SQLite, aware on PostgreSQL; adding days keeps either as it is.
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        bind.execute(
            sa.update(tokens)
            .where(tokens.c.id == token_id)
            .values(expires_at=created_at + timedelta(days=TOKEN_DAYS))
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    op.drop_index("ix_known_devices_user_id", table_name="known_devices")
    op.drop_table("known_devices")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("label")
        batch.drop_column("expires_at")
    if op.get_bind().dialect.name == "sqlite":
        for table in AUDIT_COLUMN:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": False}
            ):
                pass

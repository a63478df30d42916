"""Kept device sessions and the app lock's PIN.

Revision ID: 0011
Revises: 0010
Created: 2026-11-30

Issue 14, point 5: "Keep me signed in on this device" and a PIN lock after
idle. A kept session is an ordinary ``sessions`` row with ``kept`` set: it
outlives the 30-minute idle limit (it ends a fixed time after it began, 90
days by default) and is listed on the Account page by ``label``, a short
description of the browser made from its user agent when it signed in.
``locked`` is set by the server when a kept session of an account with a PIN
has been idle too long; ``pin_failures`` counts wrong PINs since then (five
end the session). ``users.pin_hash`` is the argon2id hash of the PIN, None
when the person has not set one. Existing sessions become ordinary
(unkept, unlocked) ones; no other row changes. The columns are added and
dropped in place (no table is copied), so no row is lost either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sessions", sa.Column("kept", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("sessions", sa.Column("label", sa.String(length=80), nullable=True))
    op.add_column(
        "sessions", sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "sessions", sa.Column("pin_failures", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("users", sa.Column("pin_hash", sa.String(length=255), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: batch mode copies
    # ``users`` into a new table and drops the old one, and with foreign keys on that
    # drop cascaded to every session, API token and recovery code of every account.
    op.drop_column("users", "pin_hash")
    for column in ("pin_failures", "locked", "label", "kept"):
        op.drop_column("sessions", column)

"""The language a person chose, kept on their account.

Revision ID: 0013
Revises: 0012
Created: 2026-11-30

Issue 15, point 1: the language chosen on Account or at onboarding follows
the person to every device they sign in on. ``users.language`` holds the
BCP 47 tag of a shipped language (``zh-Hant-HK``), None while nothing has
been chosen (the device's cookie or the browser's ``Accept-Language`` then
decides, as before). Existing accounts start with None, so nobody's pages
change language on upgrade. The column is added and dropped in place (no
table is copied), so no row is lost either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN, not batch mode (see 0012): batch mode copies
    # ``users`` and drops the old table, which would cascade to every session.
    op.drop_column("users", "language")

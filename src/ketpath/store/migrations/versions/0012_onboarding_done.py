"""When a person finished the first-run onboarding.

Revision ID: 0012
Revises: 0011
Created: 2026-11-30

Issue 14, point 2: a new person is shown the onboarding (time zone and
country, goal, plan, what ketpath is and is not, privacy) once after the
first sign-in, and never again once it is finished. ``users.onboarded_at``
is when it was finished, None until then. Accounts that exist before this
migration are past their first run, so they count as onboarded at the time
they were created; no other row changes. The column is added and dropped in
place (no table is copied), so no row is lost either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET onboarded_at = created_at")


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN, not batch mode: batch mode copies ``users`` and
    # drops the old table, and with foreign keys on that drop cascades to every session.
    op.drop_column("users", "onboarded_at")

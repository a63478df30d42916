"""Clinicians: shares, care links, the hash-chained audit log, roster summaries, CM schedules.

Revision ID: 0003
Revises: 0002
Created: 2026-05-27

Only new tables (and the audit chain's head row, inserted here so that every
append can lock it without a race over who creates it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("redeemed_at", nullable=True),
        sa.Column("redeemed_by", sa.Integer(), nullable=True),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_shares_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_by"], ["users.id"], name="fk_shares_redeemed_by_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sa.UniqueConstraint("code_hash", name="uq_shares_code_hash"),
    )
    op.create_index("ix_shares_person_id", "shares", ["person_id"])
    op.create_table(
        "care_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        _time("created_at"),
        _time("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_care_links_person_id_people", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name="fk_care_links_clinician_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"], ["shares.id"], name="fk_care_links_share_id_shares", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_links"),
    )
    op.create_index(
        "ix_care_links_clinician_id_person_id", "care_links", ["clinician_id", "person_id"]
    )
    op.create_index("ix_care_links_person_id", "care_links", ["person_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _time("at"),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.UniqueConstraint("seq", name="uq_audit_log_seq"),
    )
    op.create_index("ix_audit_log_person_id", "audit_log", ["person_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "roster_summaries",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("computed_for", sa.String(length=10), nullable=False),
        sa.Column("data", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_roster_summaries_person_id_people",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name="pk_roster_summaries"),
    )
    _create_invalidation_triggers()
    op.create_table(
        "cm_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("start_value", sa.Float(), nullable=False),
        sa.Column("increment", sa.Float(), nullable=False),
        sa.Column("cap", sa.Float(), nullable=False),
        sa.Column("reset_on_positive", sa.Boolean(), nullable=False),
        sa.Column("reset_on_missed", sa.Boolean(), nullable=False),
        sa.Column("return_after_negatives", sa.Integer(), nullable=False),
        sa.Column("settings", JSON_DOCUMENT, nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_cm_schedules_person_id_people",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name="fk_cm_schedules_clinician_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cm_schedules"),
        sa.UniqueConstraint("person_id", name="uq_cm_schedules_person_id"),
    )


def _create_invalidation_triggers() -> None:
    """Any change to a person's records deletes their roster summary, so it is never stale.

    A trigger, not the record services, because every path that writes records
    (import, log, edit, delete, the API, the CLI) must invalidate, and a
    forgotten one would hide a new red flag from the roster. Note: Alembic's
    batch mode on SQLite rebuilds a table and drops its triggers, so a later
    migration that alters ``records`` there must create these again.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION roster_summaries_invalidate() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                DELETE FROM roster_summaries WHERE person_id = OLD.person_id;
              END IF;
              IF TG_OP IN ('UPDATE', 'INSERT') THEN
                DELETE FROM roster_summaries WHERE person_id = NEW.person_id;
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER tr_records_roster_summaries AFTER INSERT OR UPDATE OR DELETE"
            " ON records FOR EACH ROW EXECUTE FUNCTION roster_summaries_invalidate()"
        )
        return
    for event, person in SQLITE_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER tr_records_roster_summaries_{event.lower()} AFTER {event} ON records"
            f" BEGIN DELETE FROM roster_summaries WHERE person_id IN ({person}); END"
        )


SQLITE_TRIGGERS = (
    ("INSERT", "NEW.person_id"),
    ("UPDATE", "OLD.person_id, NEW.person_id"),
    ("DELETE", "OLD.person_id"),
)


def _drop_invalidation_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tr_records_roster_summaries ON records")
        op.execute("DROP FUNCTION roster_summaries_invalidate()")
        return
    for event, _person in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER tr_records_roster_summaries_{event.lower()}")


def downgrade() -> None:
    op.drop_table("cm_schedules")
    _drop_invalidation_triggers()
    op.drop_table("roster_summaries")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_person_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_care_links_person_id", table_name="care_links")
    op.drop_index("ix_care_links_clinician_id_person_id", table_name="care_links")
    op.drop_table("care_links")
    op.drop_index("ix_shares_person_id", table_name="shares")
    op.drop_table("shares")

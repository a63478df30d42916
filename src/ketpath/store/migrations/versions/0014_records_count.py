"""People get ``records_count``, kept equal to how many records they hold by triggers.

Revision ID: 0014
Revises: 0013
Created: 2026-11-30

Every write checks the person's quota (``services.quota``), and did so by
counting their records: a scan of ~5,000 index entries for five years of
data, on the writer holding the person's row lock (issue 16, point 3). A
process that had just written for the person kept the count it left, but
under concurrent writes, or with several server processes, that count was
usually out of date and the write counted again: on PostgreSQL about half of
all writes, with 32 clients writing for one person.

The count now lives on the person's row, kept by triggers on ``records``
(insert, delete, and an update that moves a record to another person;
per statement on PostgreSQL, per row on SQLite, which has no other kind), for
the same reason migration 0003 invalidates roster summaries with triggers:
every path that writes records (import, log, edit, delete, the API, the CLI)
keeps it, and none can forget. A write that bumps the person's
``records_version`` reads the count in the same statement; on PostgreSQL
that ``UPDATE`` rereads the row after waiting for another writer's lock, so
the count includes what that writer just committed.

Existing people get their count on upgrade. The column is added and dropped
in place, like 0013's: batch mode would copy ``people`` and drop the old
table, which would cascade to every record. Alembic's batch mode on SQLite
drops a table's triggers when it copies it, so a later migration that alters
``records`` there must create these again (as 0003's note says of its own).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: SQLite's triggers: the event, and the statements that keep the count.
SQLITE_TRIGGERS = (
    ("INSERT", "UPDATE people SET records_count = records_count + 1 WHERE id = NEW.person_id;"),
    ("DELETE", "UPDATE people SET records_count = records_count - 1 WHERE id = OLD.person_id;"),
    (
        "UPDATE OF person_id",
        "UPDATE people SET records_count = records_count - 1 WHERE id = OLD.person_id;"
        " UPDATE people SET records_count = records_count + 1 WHERE id = NEW.person_id;",
    ),
)

#: PostgreSQL's: one function for three statement-level triggers, each naming its
#: transition tables ``new_rows`` and ``old_rows``. Per statement, not per row: a row
#: trigger updated the person's row once for every record, and nearly doubled the time
#: of importing five years (~5,000 records) on PostgreSQL; this updates it once.
POSTGRES_FUNCTION = """
CREATE FUNCTION people_records_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE people SET records_count = records_count + added.n
      FROM (SELECT person_id, count(*) AS n FROM new_rows GROUP BY person_id) AS added
      WHERE people.id = added.person_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE people SET records_count = records_count - removed.n
      FROM (SELECT person_id, count(*) AS n FROM old_rows GROUP BY person_id) AS removed
      WHERE people.id = removed.person_id;
  ELSE
    UPDATE people SET records_count = records_count + moved.n
      FROM (
        SELECT person_id, sum(change) AS n
        FROM (
          SELECT person_id, 1 AS change FROM new_rows
          UNION ALL SELECT person_id, -1 FROM old_rows
        ) AS changes
        GROUP BY person_id HAVING sum(change) <> 0
      ) AS moved
      WHERE people.id = moved.person_id;
  END IF;
  RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = (
    ("insert", "INSERT", "NEW TABLE AS new_rows"),
    ("delete", "DELETE", "OLD TABLE AS old_rows"),
    ("update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
)


def upgrade() -> None:
    op.add_column(
        "people", sa.Column("records_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE people SET records_count ="
        " (SELECT count(*) FROM records WHERE records.person_id = people.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for name, event, tables in POSTGRES_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER tr_records_people_count_{name} AFTER {event} ON records"
                f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION people_records_count()"
            )
        return
    for event, statements in SQLITE_TRIGGERS:
        name = event.split()[0].lower()
        op.execute(
            f"CREATE TRIGGER tr_records_people_count_{name} AFTER {event} ON records"
            f" BEGIN {statements} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _event, _tables in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER tr_records_people_count_{name} ON records")
        op.execute("DROP FUNCTION people_records_count()")
    else:
        for event, _statements in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER tr_records_people_count_{event.split()[0].lower()}")
    op.drop_column("people", "records_count")

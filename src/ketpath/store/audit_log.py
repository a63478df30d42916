"""The audit log's storage: its hash-chained rows and the chain head that serialises appends.

The chain rule (what is hashed, how a row links to the one before) is the
audit service's (``services.audit``); this module only stores and reads rows.
As in ``repository``, rows never leave it (frozen dataclasses come back) and
nothing here commits. An open unit of work carries it as ``uow.audit``.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ketpath.store.tables import audit_head, audit_log, from_row


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    actor_role: str | None
    action: str
    person_id: int | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, kw_only=True)
class ChainHead:
    seq: int
    hash: str


class AuditRepository:
    """The chain's rows and its head; appends must hold the head (see :meth:`lock_head`)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def lock_head(self) -> ChainHead:
        """The chain head, locked until this transaction ends.

        PostgreSQL: ``SELECT … FOR UPDATE`` on the single head row makes every
        other appender wait for this transaction, in whichever server process
        or host it runs (``serve --workers``); once it commits, the waiter
        reads the new head (read committed re-reads a row it waited for), so
        no two rows follow the same one. The row lock does what an advisory
        lock would, and ``audit_log.seq`` is unique besides, so a fork could
        not be stored even if an append skipped the lock. SQLite ignores ``FOR UPDATE``;
        there the unit of work must be a writing one (``BEGIN IMMEDIATE``), whose
        database-wide write lock serialises appends just the same.
        """
        row = self._connection.execute(
            select(audit_head).where(audit_head.c.id == 1).with_for_update()
        ).one()
        return ChainHead(seq=row.seq, hash=row.hash)

    def append(self, row: dict[str, Any]) -> None:
        self.append_many([row])

    def append_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert chained rows (in ``seq`` order) in one statement; the head moves to the last."""
        if not rows:
            return
        dialect = self._connection.dialect.name
        if dialect == "sqlite":
            _insert_sqlite(self._connection, rows)
        elif dialect == "postgresql":
            _insert_postgresql(self._connection, rows)
        else:
            self._connection.execute(insert(audit_log), list(rows))
        last = rows[-1]
        self._connection.execute(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(seq=last["seq"], hash=last["hash"])
        )

    def head(self) -> ChainHead:
        row = self._connection.execute(select(audit_head).where(audit_head.c.id == 1)).one()
        return ChainHead(seq=row.seq, hash=row.hash)

    def rows(
        self,
        *,
        person_id: int | None = None,
        actions: Sequence[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[AuditRow]:
        query = select(audit_log).where(audit_log.c.seq > after_seq)
        if person_id is not None:
            query = query.where(audit_log.c.person_id == person_id)
        if actions is not None:
            query = query.where(audit_log.c.action.in_(list(actions)))
        order = audit_log.c.seq.desc() if newest_first else audit_log.c.seq
        query = query.order_by(order)
        if limit is not None:
            query = query.limit(limit)
        return [from_row(AuditRow, row) for row in self._connection.execute(query)]


_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "person_id",
    "detail",
    "prev_hash",
    "hash",
)
_SQLITE_INSERT = (
    f"INSERT INTO {audit_log.name} ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


def _insert_sqlite(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """One ``executemany`` of the driver's own, the values converted by the columns' own types.

    A roster view appends a row per patient shown; SQLAlchemy's per-row bind
    processing (every value of every row through its type) cost about half
    of appending a thousand rows. The rows of one append share their time
    and mostly an empty detail, so each distinct value goes through the
    column's type once (``UTCDateTime`` and ``JSON``'s bind processors, as an
    ``insert`` would) and the driver gets the same stored text, read back by
    the same types; ``tests/integration/test_audit_chain.py`` compares the two.
    """
    dialect = connection.dialect
    at_type = audit_log.c.at.type.dialect_impl(dialect)
    detail_type = audit_log.c.detail.type.dialect_impl(dialect)
    to_time: Callable[[Any], Any] = at_type.bind_processor(dialect) or _same
    to_json: Callable[[Any], Any] = detail_type.bind_processor(dialect) or _same
    times: dict[datetime, Any] = {}
    empty = to_json({})
    parameters = []
    for row in rows:
        at = row["at"]
        stored_at = times.get(at)
        if stored_at is None:
            stored_at = times[at] = to_time(at)
        detail = row["detail"]
        parameters.append(
            (
                row["seq"],
                stored_at,
                row["actor_id"],
                row["actor_email"],
                row["actor_role"],
                row["action"],
                row["person_id"],
                to_json(detail) if detail else empty,
                row["prev_hash"],
                row["hash"],
            )
        )
    connection.exec_driver_sql(_SQLITE_INSERT, parameters)


def _same(value: Any) -> Any:
    return value


_POSTGRESQL_TYPES = (
    "integer",
    "timestamptz",
    "integer",
    "text",
    "text",
    "text",
    "integer",
    "text",
    "text",
    "text",
)
_POSTGRESQL_INSERT = (
    f"INSERT INTO {audit_log.name} ({', '.join(_COLUMNS)}) "
    f"SELECT {', '.join('CAST(detail AS jsonb)' if c == 'detail' else c for c in _COLUMNS)} "
    f"FROM unnest({', '.join(f'CAST(%s AS {kind}[])' for kind in _POSTGRESQL_TYPES)}) "
    f"WITH ORDINALITY AS batch ({', '.join(_COLUMNS)}, position) ORDER BY position"
)


def _insert_postgresql(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """One ``INSERT ... SELECT FROM unnest(...)``: each column a single array parameter.

    SQLAlchemy's insert of a list reaches psycopg as an ``executemany``, which
    pipelines one INSERT per row: for a roster view's thousand rows that was
    about half of the warm roster's time on PostgreSQL (the server running a
    thousand statements, and psycopg preparing a thousand parameter sets).
    Here the server runs one statement over ten arrays, each sent as the text
    of an array literal (``{1,2,NULL}``, ``{"a","b"}``) that is written here
    with ``str.join``: psycopg's own array dumpers go element by element in
    Python (in binary, a thousand roster rows' ten arrays were about a tenth
    of a warm roster's CPU; as text, quoting each element, seven times that).
    PostgreSQL parses each literal by the cast's element type. The values
    are the ones an insert would bind (the time through the column's own
    type, as ``timestamptz``; the detail as JSON text cast to ``jsonb``, which
    keeps it parsed, so its spacing does not matter), in the rows' order;
    ``tests/integration/test_audit_chain.py`` compares what is stored with a
    plain insert's, with values that need quoting in a literal.
    """
    dialect = connection.dialect
    at_type = audit_log.c.at.type.dialect_impl(dialect)
    to_time: Callable[[Any], Any] = at_type.bind_processor(dialect) or _same
    times: dict[datetime, str] = {}
    texts: dict[str, str] = {}
    empty = _quoted(json.dumps({}))
    literals: list[str] = []
    for name, kind in zip(_COLUMNS, _POSTGRESQL_TYPES, strict=True):
        values = [row[name] for row in rows]
        if name == "at":
            elements = [
                times[value]
                if value in times
                else times.setdefault(value, _quoted(to_time(value).isoformat()))
                for value in values
            ]
        elif name == "detail":
            elements = [_quoted(json.dumps(value)) if value else empty for value in values]
        elif None not in values and kind == "integer":
            elements = list(map(str, map(operator.index, values)))
        elif kind == "integer":
            elements = ["NULL" if value is None else str(operator.index(value)) for value in values]
        elif None not in values and _nothing_to_escape("".join(values)):
            # The usual case: the column's elements quoted in one join.
            literals.append('{"' + '","'.join(values) + '"}')
            continue
        else:
            elements = [
                "NULL"
                if value is None
                else texts[value]
                if value in texts
                else texts.setdefault(value, _quoted(value))
                for value in values
            ]
        literals.append("{" + ",".join(elements) + "}")
    connection.exec_driver_sql(_POSTGRESQL_INSERT, tuple(literals))


def _nothing_to_escape(text: str) -> bool:
    """Whether ``text`` has neither of the two characters :func:`_quoted` escapes."""
    return '"' not in text and "\\" not in text


def _quoted(value: str) -> str:
    """An element of a PostgreSQL array literal: in double quotes, ``\\`` and ``"`` escaped.

    Inside double quotes every other character (commas, braces, spaces, the
    word NULL) is the element's own.
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

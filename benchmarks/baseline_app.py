"""A bare web app doing the storage work of ketpath's busiest requests, to measure beside them.

The web benchmarks (``bench_web.py``, ``bench_roster.py``) run this app in
the same run, on the same machine, against a copy of the same SQLite file, and
print ketpath's figures as a ratio of its figures (issue 16, point 3). It is a
minimal Starlette app under uvicorn, and no ketpath code is imported, so the
ratio says what ketpath's own code costs on top of the storage work:

- ``POST /people/{id}/records`` writes the rows ketpath's ``POST
  /api/v1/records`` writes for the same body: the record(s) (``records``: type,
  time in UTC, the JSON document with a new UUID as its id, author, role,
  ``uid``) and the bump of the person's ``records_version`` (``people``; the
  roster-summary trigger of migration 0003 fires on both sides), with the
  same connection settings as ``ketpath.store.database`` (WAL,
  ``synchronous = FULL``, foreign keys on, a 5 s busy timeout, writes in
  ``BEGIN IMMEDIATE``). Concurrent requests share a transaction and its
  commit (one writing thread commits whatever is queued), as ketpath's group
  commit does (``services.writes``): without that the bare app would be
  capped at one fsync per request and would flatter ketpath.
- ``GET /people/{id}/records`` selects a person's rows as ketpath reads a
  history (the same columns, ``data`` as text, in the same order) and answers
  with them as JSON (the stored text, not parsed); ``?answer=count`` selects
  the same rows and answers with their number only, so that the response is
  small, like the dashboard's page, rather than ~1 MB of records.
- ``GET /clinicians/{id}/roster`` selects the clinician's standing care links
  (the oldest per person) with each person's roster summary, the rows the
  roster page reads; ``?answer=count`` as above.
- ``GET /healthz`` answers with the connection's settings as SQLite reports
  them (``tests/web/test_bench_baseline.py`` compares them with ketpath's).

What it does not do, so read the ratio with this in mind: no authentication
(no session, no token lookup), no CSRF or security headers, no validation of a
record (a malformed body is a 500 error, not a 4xx), no check of ids already
held or of the quota (reads: ketpath counts the person's records in the
statement that bumps the version), no audit rows (a person's own API write
appends none in ketpath either; a roster view appends one per patient shown,
in a committed transaction), no assessment, no rendering. It is a floor, not a
rival: a ratio near 1 means ketpath adds little to what storage costs anyway.
It listens on 127.0.0.1 only, having no authentication.

On PostgreSQL (``--db postgresql://…``) it does the same work with psycopg,
as ketpath does there: each POST in a transaction of its own (PostgreSQL
takes concurrent writers itself; ketpath shares commits only on SQLite),
each worker thread with a connection of its own kept open, and the server's
durability settings whatever they are (the benchmarks start one with
PostgreSQL's defaults: ``benchmarks/durable_postgres.py``).

    python benchmarks/baseline_app.py --db FILE_OR_URL --port PORT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

#: As ``ketpath.store.database._configure_sqlite`` sets up every connection.
CONNECTION_SETTINGS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
)
#: How SQLAlchemy writes a naive UTC datetime into SQLite (ketpath's ``UTCDateTime``).
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

#: Every write of ketpath's bumps the person's ``records_version`` (its caches and the
#: roster's summaries key on it; the trigger of migration 0003 clears the summary).
BUMP_VERSION = "UPDATE people SET records_version = records_version + 1 WHERE id = ?"
INSERT_RECORD = (
    "INSERT INTO records (person_id, type, time_utc, data, created_at, created_by,"
    " created_role, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
SELECT_HISTORY = (
    "SELECT id, person_id, CAST(data AS TEXT), created_by, created_role FROM records"
    " WHERE person_id = ? ORDER BY time_utc ASC NULLS FIRST, id"
)
SELECT_ROSTER = (
    "SELECT links.person_id, links.label, summaries.computed_for, CAST(summaries.data AS TEXT)"
    " FROM care_links AS links"
    " LEFT JOIN roster_summaries AS summaries ON summaries.person_id = links.person_id"
    " WHERE links.id IN (SELECT min(id) FROM care_links"
    "  WHERE clinician_id = ? AND revoked_at IS NULL GROUP BY person_id)"
    " ORDER BY links.person_id"
)

Row = tuple[Any, ...]

#: The same statements in psycopg's placeholders, for a PostgreSQL database.
POSTGRES_BUMP_VERSION = BUMP_VERSION.replace("?", "%s")
POSTGRES_INSERT_RECORD = INSERT_RECORD.replace("?", "%s")
POSTGRES_SELECT_HISTORY = SELECT_HISTORY.replace("?", "%s")
POSTGRES_SELECT_ROSTER = SELECT_ROSTER.replace("?", "%s")


def connect(database: Path) -> sqlite3.Connection:
    """A connection with ketpath's settings; transactions are begun explicitly, as ketpath does."""
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for statement in CONNECTION_SETTINGS:
        connection.execute(statement)
    return connection


def connection_settings(connection: sqlite3.Connection) -> dict[str, Any]:
    """The settings SQLite reports for this connection (names as in ``CONNECTION_SETTINGS``)."""
    names = ("busy_timeout", "foreign_keys", "journal_mode", "synchronous")
    return {name: connection.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


def record_row(
    document: dict[str, Any], *, person_id: int, author: int | None, created_at: str
) -> Row:
    """The ``records`` row ketpath would store for this document (which is not validated)."""
    uid = str(document.get("id") or uuid.uuid4())
    data = {"type": document["type"], "id": uid}
    data.update((key, value) for key, value in document.items() if key not in data)
    moment = document.get("time")
    time_utc = (
        datetime.fromisoformat(moment).astimezone(UTC).strftime(SQLITE_TIME) if moment else None
    )
    return (person_id, data["type"], time_utc, json.dumps(data), created_at, author, "person", uid)


@dataclass(eq=False)
class _Insert:
    rows: Sequence[Row]
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[list[int]]


class GroupWriter:
    """One thread owns the writing connection and commits all queued inserts at once.

    One writing thread fed by a queue, as datasette's single writer is; unlike
    datasette's, it commits everything queued by then in one transaction, as
    ketpath's group commit does. Each request's rows go in a savepoint of it, so
    one request's failure (an unknown person, an id already held) undoes only
    its own rows.
    """

    def __init__(self, database: Path) -> None:
        self._database = database
        self._jobs: queue.SimpleQueue[_Insert | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="baseline-writer", daemon=True)
        self._thread.start()

    async def insert(self, rows: Sequence[Row]) -> list[int]:
        """Store the rows; their ids once the commit that holds them is done."""
        loop = asyncio.get_running_loop()
        job = _Insert(rows=rows, loop=loop, done=loop.create_future())
        self._jobs.put(job)
        return await job.done

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        connection = connect(self._database)
        try:
            while (first := self._jobs.get()) is not None:
                batch = [first]
                while True:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        self._jobs.put(None)  # stop after this batch
                        break
                    batch.append(job)
                _commit_together(connection, batch)
        finally:
            connection.close()


def _commit_together(connection: sqlite3.Connection, batch: list[_Insert]) -> None:
    outcomes: list[list[int] | BaseException] = []
    try:
        connection.execute("BEGIN IMMEDIATE")
        outcomes = [_insert_in_savepoint(connection, job.rows) for job in batch]
        connection.execute("COMMIT")
    except Exception as error:
        if connection.in_transaction:
            with suppress(sqlite3.Error):  # the thread must live on to serve the next batch
                connection.execute("ROLLBACK")
        outcomes = [error] * len(batch)
    for job, outcome in zip(batch, outcomes, strict=True):
        job.loop.call_soon_threadsafe(_settle, job.done, outcome)


def _insert_in_savepoint(
    connection: sqlite3.Connection, rows: Sequence[Row]
) -> list[int] | BaseException:
    connection.execute("SAVEPOINT request")
    try:
        for person_id in sorted({row[0] for row in rows}):
            connection.execute(BUMP_VERSION, (person_id,))
        ids = [connection.execute(INSERT_RECORD, row).fetchone()[0] for row in rows]
    except sqlite3.IntegrityError as error:
        connection.execute("ROLLBACK TO request")
        connection.execute("RELEASE request")
        return error
    connection.execute("RELEASE request")
    return ids


def _settle(done: asyncio.Future[list[int]], outcome: list[int] | BaseException) -> None:
    if done.cancelled():  # the client went away
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)


class Readers:
    """A reading connection per worker thread, kept open as ketpath's connection pool keeps its."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        found: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if found is None:
            found = self._local.connection = connect(self._database)
        return found

    def rows(self, query: str, parameters: tuple[Any, ...]) -> list[Row]:
        return self.connection().execute(query, parameters).fetchall()


class PostgresStore:
    """Each worker thread's own psycopg connection; a POST commits in a transaction of its own."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._local = threading.local()

    def connection(self) -> Any:
        found = getattr(self._local, "connection", None)
        if found is None:
            found = self._local.connection = psycopg.connect(self._url)
        return found

    def insert(self, rows: Sequence[Row]) -> list[int]:
        connection = self.connection()
        with connection.transaction():
            for person_id in sorted({row[0] for row in rows}):
                connection.execute(POSTGRES_BUMP_VERSION, (person_id,))
            return [
                connection.execute(POSTGRES_INSERT_RECORD, _postgres_row(row)).fetchone()[0]
                for row in rows
            ]

    def rows(self, query: str, parameters: tuple[Any, ...]) -> list[Row]:
        connection = self.connection()
        with connection.transaction():
            found: list[Row] = connection.execute(query, parameters).fetchall()
        return found

    def settings(self) -> dict[str, Any]:
        names = ("synchronous_commit", "fsync", "wal_sync_method", "server_version")
        return {name: self.rows(f"SHOW {name}", ())[0][0] for name in names}


def _postgres_row(row: Row) -> Row:
    """A row of :func:`record_row` with its times as datetimes (PostgreSQL's ``timestamptz``)."""
    person_id, kind, time_utc, data, created_at, author, role, uid = row
    as_time = [
        datetime.strptime(value, SQLITE_TIME).replace(tzinfo=UTC) if value else None
        for value in (time_utc, created_at)
    ]
    return (person_id, kind, as_time[0], data, as_time[1], author, role, uid)


def create_postgres_baseline_app(url: str) -> Starlette:
    """The bare app on an existing ketpath PostgreSQL database (it creates no tables)."""
    store = PostgresStore(url)

    async def insert(_request: Request, rows: list[Row]) -> list[int]:
        return await run_in_threadpool(store.insert, rows)

    return _app(
        insert=insert,
        conflict=psycopg.IntegrityError,
        rows=store.rows,
        statements=(POSTGRES_SELECT_HISTORY, POSTGRES_SELECT_ROSTER),
        settings=store.settings,
    )


def _app(
    *,
    insert: Callable[[Request, list[Row]], Awaitable[list[int]]],
    conflict: type[Exception],
    rows: Callable[[str, tuple[Any, ...]], list[Row]],
    statements: tuple[str, str],
    settings: Callable[[], dict[str, Any]],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    """The four endpoints on a storage: how it inserts (``conflict`` is its integrity error,
    answered 409), how it selects ``rows`` (in the thread pool), its history and roster
    statements, and the settings ``/healthz`` reports."""
    select_history, select_roster = statements

    async def post_records(request: Request) -> Response:
        posted = await _posted_rows(request)
        try:
            ids = await insert(request, posted)
        except conflict as error:
            return JSONResponse({"error": str(error)}, status_code=409)
        return JSONResponse({"ids": ids, "count": len(ids)}, status_code=201)

    async def get_records(request: Request) -> Response:
        found = await run_in_threadpool(rows, select_history, (request.path_params["person_id"],))
        return _answer(request, found, _history_json)

    async def get_roster(request: Request) -> Response:
        found = await run_in_threadpool(rows, select_roster, (request.path_params["clinician_id"],))
        return _answer(request, found, _roster_json)

    async def healthz(_request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(settings))

    return Starlette(
        routes=[
            Route("/people/{person_id:int}/records", post_records, methods=["POST"]),
            Route("/people/{person_id:int}/records", get_records, methods=["GET"]),
            Route("/clinicians/{clinician_id:int}/roster", get_roster, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def _posted_rows(request: Request) -> list[Row]:
    person_id: int = request.path_params["person_id"]
    author = request.query_params.get("author")
    body = await request.json()
    created_at = datetime.now(UTC).strftime(SQLITE_TIME)
    return [
        record_row(
            document,
            person_id=person_id,
            author=int(author) if author else None,
            created_at=created_at,
        )
        for document in (body if isinstance(body, list) else [body])
    ]


def _history_json(rows: list[Row]) -> str:
    """The rows as a JSON list, the stored ``data`` text spliced in as it is (not parsed)."""
    return (
        "["
        + ",".join(
            f'{{"id":{row_id},"person_id":{person_id},"data":{data},'
            f'"created_by":{json.dumps(created_by)},"created_role":{json.dumps(role)}}}'
            for row_id, person_id, data, created_by, role in rows
        )
        + "]"
    )


def _roster_json(rows: list[Row]) -> str:
    return (
        "["
        + ",".join(
            f'{{"person_id":{person_id},"label":{json.dumps(label)},'
            f'"computed_for":{json.dumps(computed_for)},"summary":{summary or "null"}}}'
            for person_id, label, computed_for, summary in rows
        )
        + "]"
    )


def create_baseline_app(database: Path) -> Starlette:
    """The bare app on an existing ketpath SQLite file (it creates no tables)."""
    readers = Readers(database)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.writer = GroupWriter(database)
        try:
            yield
        finally:
            app.state.writer.close()

    async def insert(request: Request, rows: list[Row]) -> list[int]:
        writer: GroupWriter = request.app.state.writer
        return await writer.insert(rows)

    return _app(
        insert=insert,
        conflict=sqlite3.IntegrityError,
        rows=readers.rows,
        statements=(SELECT_HISTORY, SELECT_ROSTER),
        settings=lambda: connection_settings(readers.connection()),
        lifespan=lifespan,
    )


def _answer(request: Request, rows: list[Row], as_json: Callable[[list[Row]], str]) -> Response:
    if request.query_params.get("answer") == "count":
        return JSONResponse({"count": len(rows)})
    return Response(as_json(rows), media_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a ketpath SQLite file, or a postgresql:// URL")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    if options.db.startswith("postgresql://"):
        app = create_postgres_baseline_app(options.db)
    elif Path(options.db).is_file():
        app = create_baseline_app(Path(options.db))
    else:
        raise SystemExit(f"{options.db} is not a file: the bare app opens a ketpath database")
    # As ``ketpath serve`` configures uvicorn (cli/server.py), so that only the app differs.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=options.port,
        access_log=False,
        server_header=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()

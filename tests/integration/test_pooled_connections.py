"""Pooled connections to a database server: a dead one is replaced, a busy one is not pinged.

The pool pings a connection before handing it out only when it sat idle
(``store.database._ping_idle_connections``, issue 16.3): one that died
meanwhile must still be replaced without the unit of work failing, as
SQLAlchemy's ``pool_pre_ping`` did, and one handed back a moment ago must
be used as it is (the ping was a round trip on every API write).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from integration.conftest import PostgresServer
from ketpath.services import Database, open_database
from ketpath.store import database as store_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_db(postgres_server: PostgresServer) -> Iterator[Database]:
    name = f"ketpath_pool_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    database = open_database(postgres_server.url(name))
    try:
        yield database
    finally:
        database.close()
        postgres_server.drop_database(name)


def _backend_pid(db: Database) -> int:
    with db.engine.connect() as connection:
        pid: int = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def _pings(db: Database) -> list[str]:
    """The statements sent from now on that are the dialect's ping."""
    sent: list[str] = []
    original = db.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        sent.append("ping")
        return original(dbapi_connection)

    db.engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return sent


def test_a_connection_killed_while_idle_is_replaced(
    server_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_database, "TRUSTED_SECONDS", 0.05)
    first = _backend_pid(server_db)
    url = server_db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    time.sleep(0.1)  # idle for longer than the trusted moment: pinged, found dead, replaced

    second = _backend_pid(server_db)

    assert second != first


def test_a_connection_handed_back_a_moment_ago_is_not_pinged(server_db: Database) -> None:
    _backend_pid(server_db)  # the pool now holds a connection, just handed back
    pings = _pings(server_db)
    checkouts: list[int] = []
    event.listen(server_db.engine, "checkout", lambda *_: checkouts.append(1))

    for _ in range(5):
        _backend_pid(server_db)

    assert len(checkouts) == 5
    assert pings == []


def test_a_connection_idle_for_longer_is_pinged(
    server_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_database, "TRUSTED_SECONDS", 0.05)
    _backend_pid(server_db)
    pings = _pings(server_db)
    time.sleep(0.1)

    _backend_pid(server_db)

    assert pings == ["ping"]

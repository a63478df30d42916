"""Signing in deletes every session idle beyond the configured limit (issue 13, dead code).

``purge_idle_sessions`` was never called, so a session whose owner never came
back kept its row for ever. Now each sign-in deletes them in its own
transaction, by the idle limit the server is configured with.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from ketpath.services import accounts
from ketpath.store import Database
from ketpath.store.tables import sessions
from ketpath.web.app import create_app
from webtest import BASE_URL, TEST_HASHING, Account, login, settings_for


def _idle_for(db: Database, user_id: int, idle: timedelta) -> None:
    with db.engine.begin() as connection:
        row = connection.execute(sessions.select().where(sessions.c.user_id == user_id)).one()
        connection.execute(
            update(sessions).where(sessions.c.id == row.id).values(last_seen=row.last_seen - idle)
        )


def _session_owners(db: Database) -> list[int]:
    with db.engine.connect() as connection:
        rows = connection.execute(sessions.select().order_by(sessions.c.id)).all()
    return [row.user_id for row in rows]


def test_a_sign_in_deletes_sessions_idle_beyond_the_limit_and_keeps_the_others(
    app: FastAPI, alice: Account, bob: Account, charlie: Account, db: Database
) -> None:
    _idle_for(db, alice.user_id, timedelta(minutes=31))
    _idle_for(db, bob.user_id, timedelta(minutes=29))
    with TestClient(app, base_url=BASE_URL) as fresh:
        assert login(fresh, charlie.email, charlie.password).status_code == 303
    assert _session_owners(db) == [bob.user_id, charlie.user_id, charlie.user_id]


def test_the_configured_idle_limit_decides_what_is_idle(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, session_idle=timedelta(minutes=10)))
    db: Database = app.state.db
    try:
        hasher = accounts.password_hasher(TEST_HASHING)
        password = "a long enough passphrase"
        alice = accounts.register(db, email="alice@example.org", password=password, hasher=hasher)
        bob = accounts.register(db, email="bob@example.org", password=password, hasher=hasher)
        with (
            TestClient(app, base_url=BASE_URL) as first,
            TestClient(app, base_url=BASE_URL) as second,
        ):
            assert login(first, "alice@example.org", password).status_code == 303
            # Idle 15 minutes: kept under the default 30-minute limit, gone under this server's 10.
            _idle_for(db, alice.id, timedelta(minutes=15))
            assert login(second, "bob@example.org", password).status_code == 303
        assert _session_owners(db) == [bob.id]
    finally:
        db.close()

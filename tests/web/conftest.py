"""Fixtures for the web app: an app on a fresh SQLite file, clients, three people, a live server.

The people follow healthchecks' test base: ``alice`` is a person with her own
history; ``bob`` is a clinician (hers, once consent exists); ``charlie`` is
another person, who "should have no access to Alice's stuff"; ``dana`` is a
clinician Alice never asked. Each account has its own logged-in client
(``alice.client`` is the ``client`` fixture) and a personal access token for
the API. Passwords are hashed with argon2's
cheapest profile so that the tests stay fast; production uses RFC 9106's.

``live_server`` runs ``python -m ketpath.web`` (uvicorn) in a subprocess on a
free port of 127.0.0.1 with a temporary SQLite file and yields its base URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.core.records import parse_record
from ketpath.services import OPERATOR, accounts, import_records
from ketpath.store import Database
from ketpath.web.app import create_app
from ketpath.web.settings import Settings
from webtest import (
    BASE_URL,
    TEST_HASHING,
    Account,
    LiveServer,
    Login,
    free_port,
    login,
    person_id,
    settings_for,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.db.close()


@pytest.fixture
def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture(name="login")
def login_fixture() -> Login:
    return login


@pytest.fixture
def make_account(app: FastAPI) -> Iterator[Callable[..., Account]]:
    """``make_account(name, role="person", client=None)``: register and log in someone new."""
    opened: list[TestClient] = []

    def make(name: str, *, role: str = "person", client: TestClient | None = None) -> Account:
        email = f"{name}@example.org"
        password = f"{name} keeps a long passphrase"
        user = accounts.register(
            app.state.db,
            email=email,
            password=password,
            role=role,
            hasher=accounts.password_hasher(TEST_HASHING),
        )
        if client is None:
            client = TestClient(app, base_url=BASE_URL)
            opened.append(client)
        response = login(client, email, password)
        assert response.status_code == 303, response.text
        return Account(
            email=email,
            password=password,
            role=role,
            user_id=user.id,
            person_name=user.person_name,
            client=client,
            token=accounts.create_api_token(app.state.db, email=email),
        )

    yield make
    for opened_client in opened:
        opened_client.close()


@pytest.fixture
def alice(make_account: Callable[..., Account], client: TestClient) -> Account:
    """A person, logged in on ``client``."""
    return make_account("alice", client=client)


@pytest.fixture
def bob(make_account: Callable[..., Account]) -> Account:
    """A clinician (Alice's, once consent exists), logged in on a client of his own."""
    return make_account("bob", role="clinician")


@pytest.fixture
def charlie(make_account: Callable[..., Account]) -> Account:
    """Another person, logged in on a client of his own; must never see Alice's data."""
    return make_account("charlie")


@pytest.fixture
def dana(make_account: Callable[..., Account]) -> Account:
    """A second clinician, one Alice never asked (no consent)."""
    return make_account("dana", role="clinician")


@pytest.fixture
def alice_id(alice: Account, db: Database) -> int:
    """Alice's person id, once four urine screens are on her record.

    Negative, negative, positive, negative, one every three days up to now,
    entered by the operator (so rewards count them). A test module that
    needs other records defines its own ``alice_id``.
    """
    first = datetime.now(UTC) - timedelta(days=12)
    screens = [
        parse_record(
            {
                "type": "drug-screen",
                "time": (first + timedelta(days=3 * i)).isoformat(),
                "result": result,
                "method": "urine",
            }
        )
        for i, result in enumerate(["negative", "negative", "positive", "negative"])
    ]
    assert alice.person_name is not None
    import_records(db, alice.person_name, screens, author=OPERATOR)
    return person_id(db, alice)


# ---------------------------------------------------------------- a real server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """The live server as an object (``url``, ``kill()``, ``start()``), for crash tests."""
    live = LiveServer(database=tmp_path / "live.db", port=free_port())
    live.start()
    yield live
    live.stop()


@pytest.fixture
def live_server(server: LiveServer) -> str:
    """The base URL of a real ketpath server on 127.0.0.1 with an empty database."""
    return server.url

"""Helpers for the web tests: accounts with their clients, logging in, sharing, a live server.

Importable from any test (``tests`` is on the path); the fixtures that use them
are in ``tests/web/conftest.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.cli.server import serving_options
from ketpath.store import Database
from ketpath.web.settings import Settings
from templates import migrated_sqlite_file

BASE_URL = "http://127.0.0.1"
TEST_HASHING = "CHEAPEST"
SERVER_START_SECONDS = 30.0


@dataclass(frozen=True, kw_only=True)
class Account:
    email: str
    password: str
    role: str
    user_id: int
    person_name: str | None
    client: TestClient
    token: str

    @property
    def api(self) -> dict[str, str]:
        """Headers that authenticate an API request as this account."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Share:
    """A person's records shared with a clinician: the share's id and the patient id."""

    id: int
    """What the person revokes it by (``DELETE /api/v1/shares/{id}``)."""
    patient_id: int
    """What the clinician names the person by (``/patients/{patient_id}``)."""


def share_records(person: Account, clinician: Account) -> Share:
    """The person creates a share code and the clinician redeems it, both through the API."""
    created = person.client.post("/api/v1/shares", headers=person.api)
    assert created.status_code == 201, created.text
    redeemed = clinician.client.post(
        "/api/v1/shares/redeem", json={"code": created.json()["code"]}, headers=clinician.api
    )
    assert redeemed.status_code == 201, redeemed.text
    return Share(id=int(created.json()["id"]), patient_id=int(redeemed.json()["patient_id"]))


def person_id(db: Database, account: Account) -> int:
    """The id of the account's person (what a clinician's URLs name her by)."""
    with db.unit_of_work() as uow:
        person = uow.people.get(account.person_name or "")
        assert person is not None
        return person.id


#: What :func:`login` answers: the test client's response (httpx2) or a real server's (httpx).
LoginResponse = httpx2.Response | httpx.Response


def login(client: TestClient | httpx.Client, email: str, password: str) -> LoginResponse:
    """Log in through the form; the client keeps the session cookie. Returns the response.

    ``client`` is the app's test client (on httpx2, as Starlette's is) or an
    HTTP client of a real server (on httpx).
    """
    return client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )


#: The ``login`` fixture's type.
Login = Callable[[TestClient | httpx.Client, str, str], LoginResponse]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A uvicorn subprocess serving ketpath; ``restart()`` keeps the database."""

    database: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    arguments: tuple[str, ...] = ()
    """More options for ``ketpath serve`` (``--trusted-proxy`` ...)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "ketpath",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            str(self.database),
            *self.arguments,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_until_up(self.url, self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what a crash or power cut leaves."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class MovableClock:
    """The real time plus an offset the test moves forward: a wait skipped, not waited.

    Given to an app as ``session_clock`` or ``reminder_clock``, it runs on at
    the real pace between moves, so everything else the app does in between is
    timed as it would be.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def skip(self, seconds: float) -> None:
        """As if ``seconds`` had passed (with nothing happening meanwhile)."""
        self.offset += timedelta(seconds=seconds)

    def move_to(self, moment: datetime) -> None:
        """Read ``moment`` now (and from there on, run on)."""
        self.offset = moment - datetime.now(UTC)


@dataclass
class ThreadedServer:
    """ketpath's app served by uvicorn on a thread of the test process, on 127.0.0.1.

    For browser tests that hold the app's clocks (``Settings.session_clock``,
    ``Settings.reminder_clock``): a subprocess's clock cannot be moved, so a
    test waiting for a session to idle or for a reminder's minute would wait
    in real time. Served as ``ketpath serve`` serves (no access log, no
    server header, forwarded headers ignored), with the app's lifespan run, so
    the reminder sender and the roster refresher start and stop with it.
    """

    app: FastAPI
    port: int
    _server: uvicorn.Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, **serving_options(proxies="")
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, name="ketpath-test-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server at {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the server exited with {process.returncode}: {errors[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the server at {url} did not start in {SERVER_START_SECONDS} s")


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test app: an SQLite file in ``tmp_path``, cheap password hashing.

    The file starts as a copy of one migrated once per process (``templates``),
    unless ``database_url`` is given or the file is already there.
    """
    database = tmp_path / "ketpath.db"
    if "database_url" not in overrides:
        migrated_sqlite_file(database)
    values: dict[str, Any] = {
        "database_url": str(database),
        "password_profile": TEST_HASHING,
    }
    values.update(overrides)
    return Settings(**values)

"""Integration fixtures: a real database, once on SQLite and once on PostgreSQL.

Every test that asks for ``db`` (or ``database_url``) runs twice. The SQLite run
uses a file in the test's tmp dir. The PostgreSQL run uses a throwaway server
this module starts itself, once per test session (once per xdist worker):
Debian's binaries from ``/usr/lib/postgresql/<version>/bin``, ``initdb`` into a
fresh temporary directory, listening on a free port of 127.0.0.1 with its unix
socket in that directory, durability switched off because nothing here needs
to survive a crash. Each test gets a database of its own on that server.

PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` system user (created when missing) via ``runuser``.

Without the binaries the PostgreSQL runs are skipped, saying how to get them
(``scripts/ensure-postgres.sh``); with ``CI`` set they fail instead, so a CI
machine cannot pass by quietly testing one database.

``make_user(name, role="person")`` registers an account in ``db``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from ketpath.services import accounts
from ketpath.services.accounts import User
from ketpath.store import Database, open_database
from templates import migrated_sqlite_file

POSTGRES_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
SUPERUSER = "postgres"
START_ATTEMPTS = 3
TEST_HASHER = accounts.password_hasher("CHEAPEST")
MIGRATED_TEMPLATE = "ketpath_migrated_template"


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has initdb and pg_ctl."""
    found = [
        initdb.parent
        for initdb in POSTGRES_ROOT.glob("*/bin/initdb")
        if (initdb.parent / "pg_ctl").exists()
    ]
    return max(found, key=lambda path: _version(path.parent.name), default=None)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_service_user(command: Sequence[str]) -> list[str]:
    if os.geteuid() != 0:
        return list(command)
    return ["runuser", "-u", SERVICE_USER, "--", *command]


def _ensure_service_user() -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", SERVICE_USER],
            check=True,
        )


def _work_directory() -> Path:
    """A temp dir the server's user owns; as root, under a base others can enter."""
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not base.stat().st_mode & 0o001:
        base = Path("/tmp")
    directory = Path(tempfile.mkdtemp(prefix="ketpath-pg-", dir=base))
    if os.geteuid() == 0:
        shutil.chown(directory, user=SERVICE_USER, group=None)
        directory.chmod(0o700)
    return directory


def _run(command: Sequence[str]) -> None:
    result = subprocess.run(_as_service_user(command), check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


@dataclass(frozen=True, kw_only=True)
class PostgresServer:
    bindir: Path
    directory: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement.encode())

    def create_database(self, name: str) -> None:
        self._admin(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_migrated_database(self, name: str) -> None:
        """Create ``name`` as a copy of a database migrated once per server.

        PostgreSQL copies a template database file by file, which is much
        cheaper than running every migration again.
        """
        if not self._migrated.exists():
            self.create_database(MIGRATED_TEMPLATE)
            with open_database(self.url(MIGRATED_TEMPLATE)):
                pass  # migrated on opening; closed so that it can serve as a template
            self._migrated.touch()
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{MIGRATED_TEMPLATE}"')

    @property
    def _migrated(self) -> Path:
        """A marker: the template database exists and is migrated."""
        return self.directory / "migrated-template"

    def start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                f"-c listen_addresses={self.host}",
                f"-c unix_socket_directories={self.directory}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        pg_ctl = str(self.bindir / "pg_ctl")
        log = str(self.directory / "server.log")
        _run([pg_ctl, "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start"])

    def stop(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        _run([pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])

    def log_tail(self) -> str:
        log = self.directory / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


def _initdb(bindir: Path, directory: Path) -> None:
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(directory / "data"),
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]
    )


def _start_on_a_free_port(bindir: Path, directory: Path) -> PostgresServer:
    """Start the server; retry when another process took the port in between."""
    problem: RuntimeError | None = None
    for _attempt in range(START_ATTEMPTS):
        server = PostgresServer(bindir=bindir, directory=directory, port=_free_port())
        try:
            server.start()
        except RuntimeError as error:
            problem = RuntimeError(f"{error}\nserver log:\n{server.log_tail()}")
            continue
        return server
    assert problem is not None
    raise problem


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = postgres_bindir()
    if bindir is None:
        reason = (
            f"no PostgreSQL server binaries (initdb, pg_ctl) under {POSTGRES_ROOT}/*/bin; "
            "run `bash scripts/ensure-postgres.sh` (Debian's postgresql package)"
        )
        if _ci():
            pytest.fail(f"{reason}. CI is set, so the PostgreSQL tests may not be skipped.")
        pytest.skip(reason)
    _ensure_service_user()
    directory = _work_directory()
    try:
        _initdb(bindir, directory)
        server = _start_on_a_free_port(bindir, directory)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new database on each backend: empty (no tables yet) unless the test asks for ``db``.

    For ``db`` it starts as a copy of one migrated once (``templates`` for
    SQLite, a template database on PostgreSQL), which ``open_database`` finds
    at the newest revision; the migrations themselves are tested from nothing
    (``test_store_migrations``, ``test_migration_*`` do not ask for ``db``).
    """
    migrated = "db" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "ketpath.db"
        if migrated:
            migrated_sqlite_file(path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"ketpath_test_{uuid.uuid4().hex[:12]}"
    if migrated:
        server.create_migrated_database(name)
    else:
        server.create_database(name)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty ketpath database on each backend."""
    database = open_database(database_url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def make_user(db: Database) -> Callable[..., User]:
    """``make_user(name, role="person")``: register ``name@example.org`` in ``db``.

    The passphrase is ``"{name} has a long passphrase"``; hashing uses argon2's
    cheapest profile so that the tests stay fast (production uses RFC 9106's).
    """

    def make(name: str, role: str = "person") -> User:
        return accounts.register(
            db,
            email=f"{name}@example.org",
            password=f"{name} has a long passphrase",
            role=role,
            hasher=TEST_HASHER,
        )

    return make

"""A throwaway PostgreSQL server for the web benchmarks, with the durability of a real one.

The test fixtures (``tests/integration/conftest.py``) start theirs with
``fsync``, ``synchronous_commit`` and ``full_page_writes`` off, which suits
tests and would flatter a benchmark: here they keep PostgreSQL's defaults
(on), so a commit waits for its WAL flush as it would in production. Debian's
binaries (``/usr/lib/postgresql/<version>/bin``; ``scripts/ensure-postgres.sh``
installs them), ``initdb`` into a temporary folder, listening on a free port
of 127.0.0.1 only, trust authentication (nothing else can reach it). As root
the server runs as the ``postgres`` system user, which PostgreSQL requires.

    with durable_postgres() as server:
        url = server.create_database("ketpath")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

POSTGRES_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
#: Above ketpath's pool (5 + 10 overflow) and refresher in each of ``bench_workers.py``'s
#: processes, and the bare app's threads.
MAX_CONNECTIONS = 200


def _bindir() -> Path:
    found = sorted(
        (initdb.parent for initdb in POSTGRES_ROOT.glob("*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found:
        raise SystemExit(
            f"no PostgreSQL server under {POSTGRES_ROOT}; run `bash scripts/ensure-postgres.sh`"
        )
    return found[-1]


def _as_server_user(command: Sequence[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else list(command)


def _run(command: Sequence[str]) -> None:
    subprocess.run(_as_server_user(command), check=True, capture_output=True, text=True)


@dataclass(frozen=True)
class PostgresServer:
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement.encode())

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """A new database (a copy of ``template``, which nobody may be connected to); its URL."""
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
        return self.url(name)


@contextmanager
def durable_postgres(port: int) -> Iterator[PostgresServer]:
    """A fresh server on ``port`` of 127.0.0.1, stopped and removed on leaving."""
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="ketpath-bench-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, user=SUPERUSER)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ]
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder}"
            f" -c max_connections={MAX_CONNECTIONS}"
        )
        log = str(folder / "server.log")
        pg_ctl = str(bindir / "pg_ctl")
        _run([pg_ctl, "-D", str(data), "-l", log, "-o", options, "-w", "-t", "60", "start"])
        try:
            yield PostgresServer(port=port)
        finally:
            _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

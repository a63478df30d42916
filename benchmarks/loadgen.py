"""The load generator the web benchmarks drive ketpath and the bare baseline app with.

Both servers are uvicorn processes on free ports of 127.0.0.1, started and
stopped here, and both are measured by the same functions (the same HTTP
client, the same bodies), so that a ratio of their figures compares the apps
and not the way they were driven. Reads alternate request by request between
the two, and timed write phases alternate ketpath, bare, bare, ketpath, so a
change in the machine's load (it is shared) touches both alike.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from durable_postgres import durable_postgres

START_SECONDS = 60.0
BASELINE_APP = Path(__file__).resolve().parent / "baseline_app.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process on 127.0.0.1 and the port it listens on."""

    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_ketpath(
    database: Path | str,
    *,
    workers: int = 1,
    name: str = "ketpath",
    start_seconds: float = START_SECONDS,
) -> Server:
    """``python -m ketpath serve`` on the database (an SQLite file or a database URL).

    With ``workers`` above one it is ``serve --workers N`` (plain ``serve`` for one);
    ``start_seconds`` is how long it may take to answer ``/healthz``.
    """
    port = free_port()
    command = [sys.executable, "-m", "ketpath", "serve", "--port", str(port), "--db", str(database)]
    if workers > 1:
        command += ["--workers", str(workers)]
    return _started(name, port, command, start_seconds=start_seconds)


def start_baseline(database: Path | str) -> Server:
    """``baseline_app.py`` on the database (a copy of ketpath's: :func:`copy_database`)."""
    port = free_port()
    command = [sys.executable, str(BASELINE_APP), "--port", str(port), "--db", str(database)]
    return _started("bare", port, command)


def _started(
    name: str, port: int, command: list[str], *, start_seconds: float = START_SECONDS
) -> Server:
    """The process started, once ``/healthz`` answers 200 (within ``start_seconds``)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=dict(os.environ))
    server = Server(name=name, port=port, process=process)
    deadline = time.monotonic() + start_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {name} server exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise SystemExit(f"the {name} server did not start in {start_seconds:.0f} s")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite file, even while a server writes to it (the backup API)."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        reading.close()
        writing.close()


def paired_gets(
    first: tuple[httpx.Client, str], second: tuple[httpx.Client, str], requests: int
) -> tuple[list[float], list[float]]:
    """Seconds per GET of each (client, path), alternating between them; each must answer 200."""
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(requests):
        for (client, path), found in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            response = client.get(path)
            found.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return timings


def craving(sequence: int) -> dict[str, object]:
    """The record the web benchmarks POST: a craving whose intensity follows the request's number."""
    return {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": sequence % 11}


@dataclass(frozen=True)
class WriteLoad:
    """Where and how to POST: the path, the headers and a body for each request's number."""

    path: str
    headers: dict[str, str]
    body: Callable[[int], dict[str, object]]


@dataclass
class Throughput:
    answered: int = 0
    """Requests answered with the status the load expects (for a POST, a 201: a stored record)."""
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float | None = 0.0
    """The server process's CPU time (user and system) over the phases; None if unknown."""

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        """The server's CPU milliseconds per answered request: less swayed by a shared machine's
        load than the rate is, since a busy machine makes each request wait, not work, longer."""
        if self.cpu_seconds is None or not self.answered:
            return None
        return self.cpu_seconds / self.answered * 1000

    def add(self, other: Throughput) -> None:
        self.answered += other.answered
        self.errors += other.errors
        self.seconds += other.seconds
        if self.cpu_seconds is None or other.cpu_seconds is None:
            self.cpu_seconds = None
        else:
            self.cpu_seconds += other.cpu_seconds


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds a process has used so far (from Linux's /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: One request: its method, path, body (None for none) and headers.
Request = tuple[str, str, str | None, Mapping[str, str]]


def sustained(
    port: int,
    request_for: Callable[[int, int], Request],
    ok_status: int,
    clients: int,
    seconds: float,
    *,
    timeout: float = 30.0,
) -> Throughput:
    """``clients`` threads sending ``request_for(client, n)`` for ``seconds``.

    ``client`` is the thread's number (0, 1, ...), ``n`` its request's (1, 2, ...).

    All start together (a barrier) and stop at one deadline; a response with
    ``ok_status`` is answered, anything else (another status, a broken
    connection, which is then opened again) an error.
    """
    counts = Throughput()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline = 0.0

    def client_loop(client: int) -> None:
        # http.client rather than httpx: the clients share this machine's cores with
        # the server, and the lighter client leaves more of them to what is measured.
        ok = errors = sequence = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        start_gate.wait()
        while time.monotonic() < deadline:
            sequence += 1
            method, path, body, headers = request_for(client, sequence)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok, errors = (ok + 1, errors) if response.status == ok_status else (ok, errors + 1)
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.close()
        with lock:
            counts.answered += ok
            counts.errors += errors

    threads = [threading.Thread(target=client_loop, args=(client,)) for client in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    counts.seconds = time.monotonic() - began
    return counts


def sustained_posts(
    port: int, loads: Sequence[WriteLoad], clients: int, seconds: float
) -> Throughput:
    """``clients`` threads POSTing for ``seconds``; a 201 is stored, anything else an error.

    One load per person writing: client ``i`` sends load ``i`` modulo their number.
    """
    headers = [{**each.headers, "Content-Type": "application/json"} for each in loads]

    def post(client: int, sequence: int) -> Request:
        which = client % len(loads)
        return "POST", loads[which].path, json.dumps(loads[which].body(sequence)), headers[which]

    return sustained(port, post, 201, clients, seconds)


def sustained_gets(
    port: int,
    path: str,
    headers: Mapping[str, str],
    clients: int,
    seconds: float,
    *,
    timeout: float = 30.0,
) -> Throughput:
    """``clients`` threads GETting ``path`` for ``seconds``; a 200 counts, anything else errs."""
    return sustained(
        port,
        lambda _client, _sequence: ("GET", path, None, headers),
        200,
        clients,
        seconds,
        timeout=timeout,
    )


def alternating_posts(
    first: tuple[Server, Sequence[WriteLoad]],
    second: tuple[Server, Sequence[WriteLoad]],
    clients: int,
    seconds: float,
) -> tuple[Throughput, Throughput]:
    """``seconds`` of writes to each, in halves: first, second, second, first."""
    totals = (Throughput(), Throughput())
    for index in (0, 1, 1, 0):
        server, loads = (first, second)[index]
        before = process_cpu_seconds(server.process.pid)
        found = sustained_posts(server.port, loads, clients, seconds / 2)
        after = process_cpu_seconds(server.process.pid)
        found.cpu_seconds = after - before if before is not None and after is not None else None
        totals[index].add(found)
    return totals


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so read figures with them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def benchmark_databases(*, postgres: bool) -> Iterator[tuple[Path | str, Path | str]]:
    """Where ketpath's database and the bare app's copy go: SQLite files, or PostgreSQL URLs."""
    if postgres:
        with durable_postgres(free_port()) as server:
            print(f"database: PostgreSQL on port {server.port} (default durability)")
            yield server.create_database("ketpath"), server.url("bare")
        return
    with tempfile.TemporaryDirectory(prefix="ketpath-bench-") as folder:
        print("database: SQLite (WAL, synchronous = FULL)")
        yield Path(folder) / "ketpath.db", Path(folder) / "baseline.db"


def copy_for_baseline(database: Path | str, baseline: Path | str) -> None:
    """The bare app's copy of ketpath's prepared database."""
    if isinstance(database, Path) and isinstance(baseline, Path):
        copy_database(database, baseline)
        return
    server_url, _slash, name = str(baseline).rpartition("/")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        template = str(database).rpartition("/")[2]
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'.encode())

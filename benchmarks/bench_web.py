"""Web speed on the embedded default: a real uvicorn server on 127.0.0.1 with SQLite.

Targets (issue #5): the dashboard of a person with five years of data
(``synthetic.five_year_history``, ~5,000 records) answers with p95 <= 150 ms;
``POST /api/v1/records`` sustains >= 300 requests/s from 32 concurrent
clients with zero errors. Everything is bounded (request counts, seconds) and
stays on loopback. Prints figures and the load average before and after (the machine may be shared with
other work, which inflates the tail); exits 1 when a target is missed.

    python benchmarks/bench_web.py [--dashboard-requests 100] [--seconds 10] [--clients 32]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import five_year_history

from ketpath.services import accounts, import_records, open_database

EMAIL = "bench@example.org"
PASSWORD = "a benchmark passphrase"
DASHBOARD_P95_TARGET_MS = 150.0
WRITES_PER_SECOND_TARGET = 300.0
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(database: Path) -> str:
    """An account with five years of records; returns an API token."""
    with open_database(str(database)) as db:
        user = accounts.register(db, email=EMAIL, password=PASSWORD)
        assert user.person_name is not None
        result = import_records(db, user.person_name, five_year_history(0), create=False)
        print(f"history: {result.count} records")
        return accounts.create_api_token(db, email=EMAIL)


def start_server(database: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ketpath", "serve", "--port", str(port), "--db", str(database)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def dashboard_timings(url: str, requests: int) -> list[float]:
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 303, login.status_code
        for _ in range(3):
            client.get("/")  # warm caches (knowledge files, templates)
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get("/")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        return timings


def dashboard_after_write_timings(url: str, token: str, requests: int) -> list[float]:
    """The dashboard right after the person logged something (its cached history is stale)."""
    headers = {"Authorization": f"Bearer {token}"}
    record = {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": 4}
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 303, login.status_code
        timings = []
        for _ in range(requests):
            assert client.post("/api/v1/records", json=record, headers=headers).status_code == 201
            start = time.perf_counter()
            response = client.get("/")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        return timings


def sustained_writes(url: str, token: str, clients: int, seconds: float) -> tuple[int, int, float]:
    """(successes, errors, elapsed) for ``clients`` threads posting for ``seconds``."""
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline = 0.0

    port = int(url.rsplit(":", 1)[1])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client_loop(number: int) -> None:
        # http.client rather than httpx: the clients share this machine's cores with
        # the server, and the lighter client leaves more of them to what is measured.
        ok = errors = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start_gate.wait()
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            body = json.dumps(
                {"type": "craving", "time": "2026-05-01T20:00:00+01:00", "intensity": sequence % 11}
            )
            try:
                connection.request("POST", "/api/v1/records", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok, errors = (ok + 1, errors) if response.status == 201 else (ok, errors + 1)
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["errors"] += errors

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["errors"], time.monotonic() - began


def _load() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so read figures with them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard-requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    options = parser.parse_args()
    print(f"load average at start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="ketpath-bench-") as folder:
        database = Path(folder) / "bench.db"
        token = prepare(database)
        port = free_port()
        server = start_server(database, port)
        url = f"http://127.0.0.1:{port}"
        try:
            timings = dashboard_timings(url, options.dashboard_requests)
            p50 = statistics.median(timings) * 1000
            p95 = percentile(timings, 0.95) * 1000
            print(
                f"dashboard, five-year history: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                f"over {len(timings)} requests (target p95 <= {DASHBOARD_P95_TARGET_MS:.0f} ms)"
            )
            after_write = dashboard_after_write_timings(url, token, options.dashboard_requests)
            print(
                f"dashboard right after a write: p50 {statistics.median(after_write) * 1000:.1f} ms, "
                f"p95 {percentile(after_write, 0.95) * 1000:.1f} ms (for information)"
            )
            ok, errors, elapsed = sustained_writes(url, token, options.clients, options.seconds)
            rate = ok / elapsed
            print(
                f"POST /api/v1/records, {options.clients} clients for {elapsed:.1f} s: "
                f"{rate:.0f} requests/s, {ok} stored, {errors} errors "
                f"(target >= {WRITES_PER_SECOND_TARGET:.0f}/s, 0 errors)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"load average at end: {_load()} ({os.cpu_count()} CPUs)")
    met = p95 <= DASHBOARD_P95_TARGET_MS and rate >= WRITES_PER_SECOND_TARGET and errors == 0
    print("targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

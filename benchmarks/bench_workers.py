"""Server processes on PostgreSQL: POST and dashboard throughput with 1, 2 and 4 workers.

Issue 16, point 2. A throwaway PostgreSQL server is started
(``durable_postgres.py``: Debian's binaries, ``initdb`` into a temp folder, a
free port of 127.0.0.1) with its durability left at the defaults (``fsync``
and ``synchronous_commit`` on), as a deployment would run it. For each worker
count, ``ketpath serve --workers N`` (plain ``serve`` for one) runs on it and
is measured by the same load generator as ``bench_web.py`` (``loadgen.py``):

- POST ``/api/v1/records``: ``--clients`` threads for ``--seconds``, into a
  fresh account per run (so no run writes into another's history), or with
  ``--people N`` into N fresh accounts, thread ``i`` writing as person ``i``
  modulo N, so that the writes do not all wait for one person's row;
- the dashboard (``GET /``) of a person with five years of data
  (``synthetic.five_year_history``, ~5,000 records): ``--readers`` threads
  for ``--seconds``, after every worker's cache was warmed.

Each figure is printed with its ratio to one worker. No target: on a
machine of two cores shared with PostgreSQL and the load generator, more
workers may not help, and the ratio says so. Nothing else is measured.
With 32 people the POST rate did not grow with workers either (2026-12-01:
334, 290 and 322 /s for 1, 2 and 4 workers, against 220, 241 and 261 /s
for one person just after; load average 8.5): the two cores are already
busy with one worker, PostgreSQL and the load generator.

    python benchmarks/bench_workers.py [--workers 1,2,4] [--seconds 10] [--clients 32]
                                       [--readers 8] [--people 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from durable_postgres import durable_postgres
from figures import figure
from loadgen import (
    START_SECONDS,
    Server,
    Throughput,
    WriteLoad,
    craving,
    free_port,
    load_average,
    start_ketpath,
    sustained_gets,
    sustained_posts,
)
from synthetic import five_year_history

from ketpath.services import accounts, import_records, open_database

READER_EMAIL = "reader@example.org"
PASSWORD = "a benchmark passphrase"
#: Spawned workers import the whole app afresh: slow on a loaded machine.
WORKER_START_SECONDS = max(START_SECONDS, 240.0)


# ---------------------------------------------------------------- the servers


def start_workers(url: str, workers: int) -> Server:
    """``ketpath serve`` with ``workers`` processes on the database."""
    return start_ketpath(
        url, workers=workers, name=f"{workers} workers", start_seconds=WORKER_START_SECONDS
    )


def prepare_reader(url: str) -> None:
    """The person whose dashboard is read: five years of records."""
    with open_database(url) as db:
        user = accounts.register(db, email=READER_EMAIL, password=PASSWORD)
        assert user.person_name is not None
        result = import_records(db, user.person_name, five_year_history(0), create=False)
        print(f"dashboard history: {result.count} records")


def fresh_writers(url: str, people: int) -> list[str]:
    """New accounts to POST into, one per person writing; their API tokens."""
    run = uuid.uuid4().hex[:8]
    with open_database(url) as db:
        tokens = []
        for number in range(people):
            email = f"writer-{run}-{number}@example.org"
            accounts.register(db, email=email, password=PASSWORD)
            tokens.append(accounts.create_api_token(db, email=email))
        return tokens


# ---------------------------------------------------------------- the dashboard


def session_cookie(server: Server) -> str:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        login = client.post("/login", data={"email": READER_EMAIL, "password": PASSWORD})
        assert login.status_code == 303, login.status_code
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def sustained_dashboards(port: int, cookie: str, readers: int, seconds: float) -> Throughput:
    """``readers`` threads GETting the dashboard for ``seconds``; a 200 counts, anything else errs."""
    return sustained_gets(port, "/", {"Cookie": cookie}, readers, seconds, timeout=60.0)


# ---------------------------------------------------------------- one run


@dataclass(frozen=True)
class Run:
    workers: int
    posts_per_second: float
    post_errors: int
    dashboards_per_second: float
    dashboard_errors: int


def measure(url: str, workers: int, options: argparse.Namespace) -> Run:
    tokens = fresh_writers(url, options.people)
    server = start_workers(url, workers)
    try:
        cookie = session_cookie(server)
        # Every worker parses and caches the history once (seconds each on a busy machine):
        # spread enough warm-up requests over all of them.
        sustained_dashboards(
            server.port, cookie, readers=max(options.readers, workers * 2), seconds=5.0 * workers
        )
        reads = sustained_dashboards(server.port, cookie, options.readers, options.seconds)
        loads = [
            WriteLoad(
                path="/api/v1/records", headers={"Authorization": f"Bearer {token}"}, body=craving
            )
            for token in tokens
        ]
        writes = sustained_posts(server.port, loads, options.clients, options.seconds)
    finally:
        server.stop()
    return Run(
        workers=workers,
        posts_per_second=writes.rate,
        post_errors=writes.errors,
        dashboards_per_second=reads.rate,
        dashboard_errors=reads.errors,
    )


def report(runs: list[Run]) -> None:
    one = next((run for run in runs if run.workers == 1), runs[0])
    print(
        f"{'workers':>7}  {'POST/s':>8}  {'x 1 worker':>10}  {'dashboard/s':>11}  {'x 1 worker':>10}"
    )
    for run in runs:
        post_ratio = run.posts_per_second / one.posts_per_second if one.posts_per_second else 0.0
        read_ratio = (
            run.dashboards_per_second / one.dashboards_per_second
            if one.dashboards_per_second
            else 0.0
        )
        print(
            f"{run.workers:>7}  {run.posts_per_second:>8.0f}  {post_ratio:>9.2f}x  "
            f"{run.dashboards_per_second:>11.1f}  {read_ratio:>9.2f}x"
            + (
                f"  ({run.post_errors} POST errors, {run.dashboard_errors} dashboard errors)"
                if run.post_errors or run.dashboard_errors
                else ""
            )
        )
        figure(
            f"workers.post_rate.{run.workers}",
            run.posts_per_second,
            "req/s",
            better="higher",
            label=f"POST /api/v1/records, {run.workers} worker(s), PostgreSQL",
            note=f"{post_ratio:.2f}x 1 worker, {run.post_errors} errors",
        )
        figure(
            f"workers.dashboard_rate.{run.workers}",
            run.dashboards_per_second,
            "req/s",
            better="higher",
            label=f"dashboard, {run.workers} worker(s), PostgreSQL",
            note=f"{read_ratio:.2f}x 1 worker, {run.dashboard_errors} errors",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="Worker counts, comma-separated.")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32, help="Threads POSTing.")
    parser.add_argument("--readers", type=int, default=8, help="Threads reading the dashboard.")
    parser.add_argument(
        "--people",
        type=int,
        default=1,
        help="People the POSTing threads write as, thread i as person i modulo this.",
    )
    options = parser.parse_args()
    if options.people < 1:
        parser.error("--people must be at least 1")
    counts = [int(part) for part in options.workers.split(",") if part.strip()]
    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)")
    with durable_postgres(free_port()) as server:
        url = server.create_database("bench")
        prepare_reader(url)
        runs = []
        for workers in counts:
            runs.append(measure(url, workers, options))
            print(
                f"{workers} worker(s): POST {runs[-1].posts_per_second:.0f}/s, "
                f"dashboard {runs[-1].dashboards_per_second:.1f}/s "
                f"(load average {load_average()})",
                flush=True,
            )
    report(runs)
    errors = sum(run.post_errors + run.dashboard_errors for run in runs)
    print(f"load average at end: {load_average()}; {errors} errors")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

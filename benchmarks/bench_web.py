"""Web speed on the embedded default: a real uvicorn server on 127.0.0.1 with SQLite.

Targets (issue #5): the dashboard of a person with five years of data
(``synthetic.five_year_history``, ~5,000 records) answers with p95 <= 150 ms;
``POST /api/v1/records`` sustains >= 300 requests/s from 32 concurrent
clients with zero errors. Everything is bounded (request counts, seconds) and
stays on loopback. Prints figures and the load average before and after (the machine may be shared with
other work, which inflates the tail); exits 1 when a target is missed.

Beside each figure, the same run measures a bare endpoint doing the same
storage work (issue 16, point 3): ``baseline_app.py``, a minimal Starlette app
under uvicorn with no ketpath code, on a copy of the same SQLite file with the
same durability settings (WAL, ``synchronous = FULL``, shared commits). Its
POST writes what ketpath's writes for the same body: the record row and the
bump of the person's ``records_version`` (neither side appends an audit row
for a person's own write); its read selects
the person's whole history, the rows a dashboard would read, and answers with
their count. It does no authentication, no validation, no check of ids or
quota, no assessment and no rendering, and it reads the rows on every request
where ketpath's dashboard keeps the parsed history in memory between writes:
the ratios say what ketpath's own work costs on top of storage's, not that the
bare app is a rival. Targets: ketpath's POST rate >= 0.7x the bare insert
rate; dashboard p95 <= 3x the bare read's p95. The same load generator
(``loadgen.py``) drives both, alternating between them. Beside the rates it
prints each server process's CPU time per stored POST (Linux's ``/proc``),
which the load of a shared machine sways less than a rate: it says how much
of the gap is ketpath's own work per request rather than waiting. Last, the
same clients GET ketpath's ``/healthz``, which signs no one in and touches no
storage: its rate over the bare insert rate is printed for information, as a
ceiling that no ketpath request, a write included, can pass on this stack
(FastAPI, its middleware, uvicorn) and this machine.

With ``--people N`` the writes come from N people, each with an account and
a token of their own, client ``i`` writing as person ``i`` modulo N (both
apps store the same rows for the same people). The default, one person
written to by every client, makes each write wait for the person's row: on
PostgreSQL that row lock, not the server's CPU, caps the bare app, so its
rate rises with more people while ketpath's, bound by its CPU, does not
(``docs/web-performance.md``).

With ``--postgres`` both run on a throwaway PostgreSQL server with its default
durability (``durable_postgres.py``), the bare app on a copy of ketpath's
database (``CREATE DATABASE … TEMPLATE``); the targets are the same.

    python benchmarks/bench_web.py [--dashboard-requests 100] [--seconds 10] [--clients 32] [--people 1]
                                   [--postgres]

(``--seconds`` is each server's share of the write phase: the run writes for twice that.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import figure
from loadgen import (
    Server,
    Throughput,
    WriteLoad,
    alternating_posts,
    benchmark_databases,
    copy_for_baseline,
    craving,
    load_average,
    paired_gets,
    percentile,
    start_baseline,
    start_ketpath,
    sustained_gets,
)
from synthetic import five_year_history

from ketpath.services import accounts, import_records, open_database
from ketpath.store import Database

EMAIL = "bench@example.org"
PASSWORD = "a benchmark passphrase"
DASHBOARD_P95_TARGET_MS = 150.0
WRITES_PER_SECOND_TARGET = 300.0
DASHBOARD_TO_BARE_READ_TARGET = 3.0
POST_TO_BARE_INSERT_TARGET = 0.7


@dataclass(frozen=True)
class Prepared:
    token: str
    user_id: int
    person_id: int


def prepare(database: Path | str) -> Prepared:
    """An account with five years of records, its API token and the ids the bare app needs."""
    with open_database(str(database)) as db:
        name, prepared = _account(db, EMAIL)
        result = import_records(db, name, five_year_history(0), create=False)
        print(f"history: {result.count} records")
        return prepared


def _account(db: Database, email: str) -> tuple[str, Prepared]:
    """A new account's person name, and its API token and ids."""
    user = accounts.register(db, email=email, password=PASSWORD)
    assert user.person_name is not None
    with db.unit_of_work() as uow:
        person = uow.people.get(user.person_name)
        assert person is not None
    token = accounts.create_api_token(db, email=email)
    return user.person_name, Prepared(token=token, user_id=user.id, person_id=person.id)


@contextmanager
def logged_in(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 303, login.status_code
        yield client


def dashboard_beside_bare_read(
    ketpath: Server, bare: Server, person_id: int, requests: int
) -> tuple[list[float], list[float]]:
    """Dashboard timings and the bare read's, request by request in turn."""
    bare_path = f"/people/{person_id}/records?answer=count"
    with logged_in(ketpath.url) as dashboard, httpx.Client(base_url=bare.url, timeout=30) as read:
        for _ in range(3):  # warm caches (knowledge files, templates, the parsed history)
            dashboard.get("/")
            read.get(bare_path)
        return paired_gets((dashboard, "/"), (read, bare_path), requests)


def dashboard_after_write_timings(url: str, token: str, requests: int) -> list[float]:
    """The dashboard right after the person logged something (its cached history is stale)."""
    headers = {"Authorization": f"Bearer {token}"}
    record = craving(4)
    with logged_in(url) as client:
        timings = []
        for _ in range(requests):
            assert client.post("/api/v1/records", json=record, headers=headers).status_code == 201
            start = time.perf_counter()
            response = client.get("/")
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        return timings


def write_loads(prepared: Prepared) -> tuple[WriteLoad, WriteLoad]:
    """Ketpath's API and the bare insert, storing the same rows for the same person."""
    return (
        WriteLoad(
            path="/api/v1/records",
            headers={"Authorization": f"Bearer {prepared.token}"},
            body=craving,
        ),
        WriteLoad(
            path=f"/people/{prepared.person_id}/records?author={prepared.user_id}",
            headers={},
            body=craving,
        ),
    )


def writers(database: Path | str, prepared: Prepared, people: int) -> list[Prepared]:
    """Who writes: the benchmark's person alone, or ``people`` new accounts with no records."""
    if people == 1:
        return [prepared]
    with open_database(str(database)) as db:
        return [_account(db, f"writer{number}@example.org")[1] for number in range(people)]


def reads(ketpath: Server, bare: Server, prepared: Prepared, requests: int) -> bool:
    """The dashboard beside the bare read, then right after writes; True if the targets are met."""
    timings, bare_timings = dashboard_beside_bare_read(ketpath, bare, prepared.person_id, requests)
    p95 = percentile(timings, 0.95) * 1000
    bare_p95 = percentile(bare_timings, 0.95) * 1000
    ratio = p95 / bare_p95
    print(
        f"dashboard, five-year history: p50 {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {p95:.1f} ms over {len(timings)} requests "
        f"(target p95 <= {DASHBOARD_P95_TARGET_MS:.0f} ms)"
    )
    print(
        f"bare read of the same {bare_history_rows(bare, prepared.person_id):,} rows: "
        f"p50 {statistics.median(bare_timings) * 1000:.1f} ms, p95 {bare_p95:.1f} ms; "
        f"dashboard/bare p95 {ratio:.2f}x (target <= {DASHBOARD_TO_BARE_READ_TARGET:.0f}x), "
        f"p50 {statistics.median(timings) / statistics.median(bare_timings):.2f}x"
    )
    figure(
        "web.dashboard_p95",
        p95,
        "ms",
        target=DASHBOARD_P95_TARGET_MS,
        label="dashboard p95, five years",
    )
    figure(
        "web.dashboard_vs_bare",
        ratio,
        "x",
        target=DASHBOARD_TO_BARE_READ_TARGET,
        label="dashboard p95 / bare read p95",
        note=f"bare {bare_p95:.1f} ms",
    )
    after_write = dashboard_after_write_timings(ketpath.url, prepared.token, requests)
    print(
        "dashboard right after a write: "
        f"p50 {statistics.median(after_write) * 1000:.1f} ms, "
        f"p95 {percentile(after_write, 0.95) * 1000:.1f} ms (for information)"
    )
    return p95 <= DASHBOARD_P95_TARGET_MS and ratio <= DASHBOARD_TO_BARE_READ_TARGET


def writes(
    ketpath: Server, bare: Server, people: Sequence[Prepared], clients: int, seconds: float
) -> bool:
    """Sustained POSTs to each, in turn; True if the targets are met."""
    loads = [write_loads(person) for person in people]
    found, bare_found = alternating_posts(
        (ketpath, [pair[0] for pair in loads]),
        (bare, [pair[1] for pair in loads]),
        clients,
        seconds,
    )
    ratio = found.rate / bare_found.rate if bare_found.rate else 0.0
    spread = f", {len(people)} people" if len(people) > 1 else ""
    who = f"{clients} clients{spread}"
    print(
        f"POST /api/v1/records, {who} for {found.seconds:.1f} s: "
        f"{found.rate:.0f} requests/s, {found.answered} stored, {found.errors} errors "
        f"(target >= {WRITES_PER_SECOND_TARGET:.0f}/s, 0 errors)"
    )
    print(
        f"bare insert, {who} for {bare_found.seconds:.1f} s: "
        f"{bare_found.rate:.0f} requests/s, {bare_found.answered} stored, "
        f"{bare_found.errors} errors; ketpath/bare {ratio:.2f}x "
        f"(target >= {POST_TO_BARE_INSERT_TARGET}x)"
    )
    print(f"server CPU per stored POST: {_cpu_words(found, bare_found)} (for information)")
    lightest = sustained_gets(ketpath.port, "/healthz", {}, clients, seconds)
    ceiling = lightest.rate / bare_found.rate if bare_found.rate else 0.0
    print(
        f"ketpath's lightest request (GET /healthz: no sign-in, no storage), {clients} clients: "
        f"{lightest.rate:.0f} requests/s, {ceiling:.2f}x the bare insert rate "
        "(for information: no ketpath request can reach a higher ratio)"
    )
    figure(
        "web.post_rate",
        found.rate,
        "req/s",
        target=WRITES_PER_SECOND_TARGET,
        better="higher",
        label=f"POST /api/v1/records, {who}",
        note=f"{found.errors} errors",
    )
    figure(
        "web.post_vs_bare",
        ratio,
        "x",
        target=POST_TO_BARE_INSERT_TARGET,
        better="higher",
        label=f"POST rate / bare insert rate{spread}",
        note=f"bare {bare_found.rate:.0f} req/s",
    )
    figure(
        "web.lightest_vs_bare",
        ceiling,
        "x",
        better="higher",
        label="ketpath GET /healthz rate / bare insert rate",
        note=f"{lightest.rate:.0f} req/s; a ceiling for the POST ratio",
    )
    return (
        found.rate >= WRITES_PER_SECOND_TARGET
        and found.errors == 0
        and bare_found.errors == 0
        and ratio >= POST_TO_BARE_INSERT_TARGET
    )


def _cpu_words(found: Throughput, bare_found: Throughput) -> str:
    """Each server process's CPU per stored request, and their ratio, when /proc tells."""
    ours, bare = found.cpu_ms_per_request, bare_found.cpu_ms_per_request
    if ours is None or bare is None:
        return "not measured here"
    return f"ketpath {ours:.2f} ms, bare {bare:.2f} ms ({ours / bare:.1f}x)"


def bare_history_rows(bare: Server, person_id: int) -> int:
    """How many rows the bare read selects (its answer), to print beside its timings."""
    found = httpx.get(f"{bare.url}/people/{person_id}/records?answer=count", timeout=30)
    count: int = found.json()["count"]
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard-requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--people",
        type=int,
        default=1,
        help="how many people the clients write as (default 1: every client, one person)",
    )
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    options = parser.parse_args()
    if options.people < 1:
        parser.error("--people must be at least 1")
    print(f"load average at start: {load_average()}")
    with benchmark_databases(postgres=options.postgres) as (database, baseline):
        prepared = prepare(database)
        people = writers(database, prepared, options.people)
        copy_for_baseline(database, baseline)
        ketpath = start_ketpath(database)
        try:
            bare = start_baseline(baseline)
            try:
                reads_met = reads(ketpath, bare, prepared, options.dashboard_requests)
                writes_met = writes(ketpath, bare, people, options.clients, options.seconds)
            finally:
                bare.stop()
        finally:
            ketpath.stop()
    print(f"load average at end: {load_average()} ({os.cpu_count()} CPUs)")
    met = reads_met and writes_met
    print("targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

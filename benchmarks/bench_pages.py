"""Server time of Today, History and the clinician's patient page, five years of data.

Target (issue 14, point 7): History and the patient page answer in <= 300 ms
of server time for a person with five years of near-daily logging
(``synthetic.daily_history``, ~5,000 records, ending yesterday so the weekly
charts are full). Pages are requested in process through Starlette's
TestClient on an SQLite file in a temp folder, so the time is the app's own
(routing, reads, assessment, drawing, templates) without a socket.

Each page is timed cold (the parsed-history and chart caches emptied first:
the first load after a restart or, for the charts, after a new record) and
warm (the median and the slowest of ``--requests`` loads after it). The
machine may be shared with other work: the figures are indicative, and the
load average is printed beside them. Exits 1 when a warm target is missed.

    python benchmarks/bench_pages.py [--requests 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import figure
from synthetic import daily_history

from ketpath.services import accounts, import_records
from ketpath.services.chart_cache import CHARTS
from ketpath.services.consent import create_share, redeem_code
from ketpath.store import Database
from ketpath.web.app import create_app
from ketpath.web.settings import Settings

BASE_URL = "http://127.0.0.1"
PERSON = ("person@example.org", "a benchmark passphrase")
CLINICIAN = ("clinician@example.org", "another benchmark passphrase")
TARGET_MS = 300.0
YEARS = 5


def _client(app: object, email: str, password: str) -> TestClient:
    client = TestClient(app, base_url=BASE_URL)  # type: ignore[arg-type]
    response = client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.status_code
    return client


def _prepare(db: Database) -> int:
    """The person with five years of records, shared with the clinician; the patient id."""
    hasher = accounts.password_hasher("CHEAPEST")
    person = accounts.register(db, email=PERSON[0], password=PERSON[1], hasher=hasher)
    clinician = accounts.register(
        db, email=CLINICIAN[0], password=CLINICIAN[1], role="clinician", hasher=hasher
    )
    assert person.person_name is not None
    end = datetime.now(UTC) - timedelta(days=1)
    days = 365 * YEARS
    history = daily_history(0, start=end - timedelta(days=days), days=days)
    result = import_records(db, person.person_name, history, create=False)
    print(f"history: {result.count} records over {YEARS} years")
    share = create_share(db, user=person)
    return redeem_code(db, clinician=clinician, code=share.code)


def _timed(load: Callable[[], object]) -> float:
    start = time.perf_counter()
    load()
    return (time.perf_counter() - start) * 1000.0


def _measure(
    name: str, client: TestClient, url: str, db: Database, requests: int, *, target: bool
) -> bool:
    def load() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    db.histories.clear()
    CHARTS.clear()
    cold = _timed(load)
    warm = [_timed(load) for _ in range(requests)]
    median, slowest = statistics.median(warm), max(warm)
    met = median <= TARGET_MS
    verdict = ("ok" if met else "MISSED") if target else "(no target)"
    print(
        f"{name:<14} cold {cold:7.0f} ms   warm median {median:6.0f} ms, "
        f"slowest {slowest:6.0f} ms  {verdict}"
    )
    slug = name.lower().replace(" ", "_").replace(".", "")
    figure(
        f"pages.{slug}.warm_median",
        median,
        "ms",
        target=TARGET_MS if target else None,
        label=f"{name} page, five years, warm median server time",
        note=f"cold {cold:.0f} ms, slowest warm {slowest:.0f} ms",
    )
    return met or not target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10, help="warm loads per page")
    options = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=str(Path(folder) / "ketpath.db"),
            password_profile="CHEAPEST",
        )
        app = create_app(settings)
        db: Database = app.state.db
        try:
            patient_id = _prepare(db)
            person = _client(app, *PERSON)
            clinician = _client(app, *CLINICIAN)
            ok = all(
                [
                    _measure("Today", person, "/", db, options.requests, target=False),
                    _measure("History", person, "/history", db, options.requests, target=True),
                    _measure(
                        "History p.3",
                        person,
                        "/history?type=use&page=3",
                        db,
                        options.requests,
                        target=True,
                    ),
                    _measure(
                        "Patient page",
                        clinician,
                        f"/patients/{patient_id}",
                        db,
                        options.requests,
                        target=True,
                    ),
                ]
            )
            person.close()
            clinician.close()
        finally:
            db.close()
    print(f"load average after: {os.getloadavg()}")
    print(f"target: warm History and patient page <= {TARGET_MS:.0f} ms (indicative here)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

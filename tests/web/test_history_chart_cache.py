"""History's charts are drawn once per stored history and kept (issue 14.7).

A second load of History (or the clinician's patient page of the same
history) draws nothing with matplotlib; a new record makes a new key, so the
charts are drawn again and show it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from matplotlib.figure import Figure

from ketpath.core.records import Record
from ketpath.present.history_charts import ChartView
from ketpath.services import OPERATOR, import_records
from ketpath.services.chart_cache import CHARTS, ChartCache
from ketpath.store import Database
from webtest import Account


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SVG matplotlib writes while the test runs (one per chart drawn)."""
    CHARTS.clear()
    calls: list[str] = []
    original = Figure.savefig

    def counting(self: Figure, *args: Any, **kwargs: Any) -> None:
        calls.append(kwargs.get("format", ""))
        original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", counting)
    return calls


def _charts(page: str) -> str:
    return page[page.index('id="charts"') : page.index('id="entries"')]


def test_a_second_load_draws_nothing_and_a_new_record_draws_again(
    alice: Account,
    client: TestClient,
    db: Database,
    alice_records: list[Record],
    drawn: list[str],
) -> None:
    import_records(db, alice.person_name or "", alice_records, author=OPERATOR)
    first = client.get("/history").text
    assert drawn, "the first load draws the charts"
    assert set(drawn) == {"svg"}
    drawn.clear()

    second = client.get("/history?page=2").text
    assert drawn == []
    assert _charts(second) == _charts(first)

    saved = client.post(
        "/log/craving", data={"intensity": "9", "trigger": "a party"}, follow_redirects=False
    )
    assert saved.status_code == 303
    third = client.get("/history").text
    assert drawn, "a new record is drawn"
    assert _charts(third) != _charts(first)
    assert 'id="chart-craving"' in third
    craving = third[third.index('id="chart-craving"') :]
    assert "<svg" in craving[: craving.index("</figure>")]


def test_the_patient_page_of_the_same_history_reuses_the_drawing(
    alice: Account, bob: Account, db: Database, alice_records: list[Record], drawn: list[str]
) -> None:
    import_records(db, alice.person_name or "", alice_records, author=OPERATOR)
    created = alice.client.post("/api/v1/shares", headers=alice.api)
    redeemed = bob.client.post(
        "/api/v1/shares/redeem", json={"code": created.json()["code"]}, headers=bob.api
    )
    patient_id = redeemed.json()["patient_id"]
    alice.client.get("/history")
    drawn.clear()
    patient_page = bob.client.get(f"/patients/{patient_id}").text
    assert drawn == []
    assert 'id="chart-use-days"' in patient_page
    assert "<svg" in patient_page


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = ChartCache(max_entries=2)
    draws: list[str] = []

    def draw(name: str) -> list[ChartView]:
        draws.append(name)
        return [ChartView(name, name, "", None, empty=f"{name} is empty")]

    cache.get_or_draw("a", lambda: draw("a"))
    cache.get_or_draw("b", lambda: draw("b"))
    cache.get_or_draw("a", lambda: draw("a"))  # kept; "a" is now the most recent
    cache.get_or_draw("c", lambda: draw("c"))  # "b" goes
    assert len(cache) == 2
    cache.get_or_draw("a", lambda: draw("a"))
    cache.get_or_draw("b", lambda: draw("b"))
    assert draws == ["a", "b", "c", "b"]

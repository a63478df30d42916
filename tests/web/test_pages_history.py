"""History: charts rendered on the server with text alternatives, and the entries listed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ketpath.core.records import Record
from ketpath.services import OPERATOR, import_records
from ketpath.store import Database

CHART_IDS = ("use-days", "mg-per-use-day", "craving", "urinary", "abdominal")


def test_it_draws_every_chart_with_a_text_alternative(
    alice: Any, client: TestClient, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    page = client.get("/history").text
    for chart_id in (*CHART_IDS[:4], "scores-phq9", "scores-dsm5-pcp"):
        start = page.index(f'id="chart-{chart_id}"')
        figure = page[start : page.index("</figure>", start)]
        assert '<svg role="img"' in figure
        assert "<desc>" in figure
        assert "<figcaption>" in figure
    # She logged no belly symptoms: that is said in words, not drawn as an empty chart.
    assert "No belly symptoms logged in these weeks." in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/", ""
    )


def test_it_lists_her_entries_newest_first_with_edit_and_delete(
    alice: Any, client: TestClient, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    page = client.get("/history").text
    assert "after the café shift ☕ — rough week" in page
    assert page.index("Bladder or lower-belly pain") < page.index("Party")  # newest first
    # All but the untimed profile and the clinic's drug screen, which is read-only to her.
    assert page.count('/delete"') == len(alice_records) - 2
    assert "PHQ-9 answered" in page


def test_it_is_empty_but_fine_for_a_new_person(alice: Any, client: TestClient) -> None:
    page = client.get("/history")
    assert page.status_code == 200
    assert "No entries yet" in page.text


def test_it_never_shows_another_persons_entries(
    alice: Any, charlie: Any, db: Database, alice_records: list[Record]
) -> None:
    import_records(db, alice.person_name, alice_records, author=OPERATOR)
    page = charlie.client.get("/history").text
    assert "café shift" not in page
    assert "No entries yet" in page


def test_long_histories_are_listed_a_page_at_a_time(
    alice: Any, client: TestClient, db: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from ketpath.core.records import parse_record

    start = datetime(2025, 1, 1, tzinfo=UTC)
    moods = [
        parse_record(
            {"type": "mood", "time": (start + timedelta(days=n)).isoformat(), "score": n % 11}
        )
        for n in range(250)
    ]
    import_records(db, alice.person_name, moods)
    first = client.get("/history").text
    assert first.count('class="entry card"') == 25
    assert "Page 1 of 10 (250 entries)" in first
    last = client.get("/history?page=10").text
    assert last.count('class="entry card"') == 25
    assert "Page 10 of 10 (250 entries)" in client.get("/history?page=99").text

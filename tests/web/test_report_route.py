"""GET /report.pdf: the signed-in person's own summary, dates only in the URL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.store import Database
from webtest import Account

MARKER = "alice-private-plan-7d2e"


def _text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def _alice_history(alice: Account, db: Database) -> None:
    assert alice.person_name is not None
    yesterday = datetime.now(UTC) - timedelta(days=1)
    records = [
        parse_record({"type": "use", "time": (yesterday - timedelta(days=d)).isoformat()})
        for d in range(0, 20, 2)
    ]
    records.append(
        parse_record(
            {
                "type": "symptom",
                "time": yesterday.isoformat(),
                "symptom": "blood-in-urine",
                "severity": 2,
            }
        )
    )
    import_records(db, alice.person_name, records)


def test_she_downloads_her_summary_as_a_pdf(
    alice: Account, client: TestClient, db: Database
) -> None:
    _alice_history(alice, db)
    client.post("/plan", data={"reasons": MARKER})
    today = datetime.now(UTC).date()
    response = client.get(f"/report.pdf?start={today - timedelta(days=30)}&end={today}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert text.index("Blood in urine") < text.index("Where things stood")
    assert MARKER in text


def test_without_dates_it_covers_the_last_90_days(alice: Account, client: TestClient) -> None:
    response = client.get("/report.pdf")
    assert response.status_code == 200
    today = datetime.now(UTC).date()
    assert f"{today - timedelta(days=89)}-to-{today}" in response.headers["content-disposition"]


def test_a_period_that_ends_before_it_starts_is_refused(alice: Account, client: TestClient) -> None:
    response = client.get("/report.pdf?start=2026-03-01&end=2026-02-01")
    assert response.status_code == 422
    page = response.text  # the export page's period form again, not a bare error page
    assert '<form method="get" action="/report.pdf" class="report-period">' in page
    assert "To: The period ends before it starts." in page
    assert 'name="start" required value="2026-03-01"' in page
    assert 'name="end" required value="2026-02-01"' in page


def test_a_date_that_is_not_a_date_is_refused(alice: Account, client: TestClient) -> None:
    assert client.get("/report.pdf?start=yesterday").status_code == 422


def test_nobody_else_gets_her_summary(
    alice: Account, client: TestClient, db: Database, charlie: Account, bob: Account
) -> None:
    _alice_history(alice, db)
    client.post("/plan", data={"reasons": MARKER})
    theirs = charlie.client.get("/report.pdf")
    assert theirs.status_code == 200
    assert MARKER not in _text(theirs.content)
    assert "Blood in urine" not in _text(theirs.content)
    assert bob.client.get("/report.pdf").status_code == 403  # a clinician has no history of his own


def test_anonymous_visitors_are_sent_to_log_in(app: FastAPI) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as anonymous:
        response = anonymous.get("/report.pdf", follow_redirects=False)
    assert response.status_code == 303


def test_when_every_report_slot_is_busy_the_answer_is_503_with_retry_after(
    alice: Account, client: TestClient, db: Database
) -> None:
    """Issue 11.15: a long summary costs seconds of CPU; they cannot pile up on one process."""
    from ketpath.web import reports

    _alice_history(alice, db)
    taken = [reports._slots.acquire(blocking=False) for _ in range(reports.REPORT_SLOTS)]
    assert all(taken)
    try:
        busy = client.get("/report.pdf")
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == str(reports.RETRY_AFTER_SECONDS)
    finally:
        for _ in taken:
            reports._slots.release()
    assert client.get("/report.pdf").status_code == 200  # and the slots come back

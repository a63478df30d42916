"""The summary PDF and the History charts in the page's language (issue 15, point 4).

A person who chose Traditional or Simplified Chinese downloads her summary in
it; her clinician, who reads in English, gets the same summary in English. A
period the route refuses is said in Chinese on the export page. The History
charts drawn for an English page are not served to a Chinese one (the chart
cache is keyed by language).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.store import Database
from webtest import Account, share_records


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _history(alice: Account, db: Database) -> None:
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


def test_her_summary_is_in_traditional_chinese_and_her_clinicians_in_english(
    alice: Account, bob: Account, client: TestClient, db: Database
) -> None:
    _history(alice, db)
    share = share_records(alice, bob)
    client.post("/account/language", data={"language": "zh-Hant"})
    response = client.get("/report.pdf")
    assert response.status_code == 200, response.text
    text = _pdf_text(response.content)
    assert text.index("紅旗警示") < text.index("小便有血") < text.index("目前情況")
    assert "應該怎樣做：" in text
    assert "Red flags" not in text and "What to do" not in text

    theirs = bob.client.get(f"/patients/{share.patient_id}/report.pdf")
    assert theirs.status_code == 200
    english = _pdf_text(theirs.content)
    assert english.index("Red flags") < english.index("Blood in urine")
    assert "紅旗警示" not in english


def test_her_summary_is_in_simplified_chinese(
    alice: Account, client: TestClient, db: Database
) -> None:
    _history(alice, db)
    client.post("/account/language", data={"language": "zh-Hans"})
    text = _pdf_text(client.get("/report.pdf").content)
    assert text.index("红旗警示") < text.index("尿中带血") < text.index("目前情况")


def test_a_refused_period_is_explained_in_chinese(alice: Account, client: TestClient) -> None:
    client.post("/account/language", data={"language": "zh-Hant"})
    response = client.get("/report.pdf?start=2026-03-01&end=2026-02-01")
    assert response.status_code == 422
    assert "至：這段時間的結束日期早於開始日期。" in _page_text(response.text)
    client.post("/account/language", data={"language": "en"})
    english = client.get("/report.pdf?start=2026-03-01&end=2026-02-01")
    assert "To: The period ends before it starts." in english.text


def test_history_charts_follow_the_page_language(
    alice: Account, client: TestClient, db: Database
) -> None:
    _history(alice, db)
    english = client.get("/history").text
    assert "<title>Use-days per week</title>" in english
    client.post("/account/language", data={"language": "zh-Hant"})
    chinese = client.get("/history").text
    assert "<title>每星期的使用日</title>" in chinese
    assert "Noto Sans CJK TC" in chinese
    assert "<title>Use-days per week</title>" not in chinese

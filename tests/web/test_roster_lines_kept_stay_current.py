"""Issue 16, point 1: the roster's lines are rendered once and kept (``web.fragments``), never stale.

Bob's roster keeps each line's HTML under what the line shows and the page's
language. Alice, sharing with him, has logged nothing; then a write from
another process (a second ``Database`` on the same file: no hook of this app
sees it, the database's trigger drops her summary) logs thoughts of
self-harm. Bob's next roster shows her row as it now stands, and the new
"Needs attention" line; in Traditional and Simplified Chinese the same rows
are rendered again in those words, and English comes back unchanged.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ketpath.core.records import parse_record
from ketpath.services import log_record, open_database
from ketpath.web.fragments import ATTENTION_LINES, PATIENT_ROWS
from ketpath.web.settings import Settings
from webtest import Account, share_records


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _row(page: str, patient_id: int) -> str:
    """The text of the patient's row in the roster's table."""
    found = re.search(rf'<tr><th scope="row"><a href="/patients/{patient_id}">.*?</tr>', page)
    assert found, f"no row for patient {patient_id}"
    return _text(found.group(0))


def _attention(page: str) -> list[str]:
    """The "Needs attention" lines' text (tags dropped: the name is a link within the line)."""
    found = re.findall(r'<li class="attention-[^"]*">(.*?)</li>', page)
    return [re.sub(r"<[^>]+>", "", item) for item in found]


def _choose(account: Account, language: str) -> None:
    chosen = account.client.post(
        "/account/language", data={"language": language}, follow_redirects=False
    )
    assert chosen.status_code == 303


@pytest.fixture(autouse=True)
def nothing_kept() -> None:
    """The kept lines outlive an app (module level): another test may have left the same ones."""
    PATIENT_ROWS.clear()
    ATTENTION_LINES.clear()


def test_a_write_from_another_process_shows_on_the_next_roster_and_each_language_its_own(
    alice: Account, bob: Account, settings: Settings
) -> None:
    patient_id = share_records(alice, bob).patient_id
    before = bob.client.get("/patients").text
    assert _row(before, patient_id) == f"Patient {patient_id} None No use logged never"
    kept = len(PATIENT_ROWS)
    again = bob.client.get("/patients").text
    assert _row(again, patient_id) == _row(before, patient_id)
    assert len(PATIENT_ROWS) == kept  # the same line: its kept HTML, nothing rendered anew

    logged = datetime.now(UTC) - timedelta(hours=1)
    symptom = {
        "type": "symptom",
        "time": logged.isoformat(),
        "symptom": "suicidal-thoughts",
        "severity": 2,
    }
    assert alice.person_name is not None
    with open_database(settings.database_url) as elsewhere:
        log_record(elsewhere, alice.person_name, parse_record(symptom))

    after = bob.client.get("/patients").text
    day = logged.date().isoformat()
    row = _row(after, patient_id)
    assert row.startswith(f"Patient {patient_id} Emergency ")
    assert row.endswith(f"{day} (0 d ago)")
    assert (
        f'<a href="/patients/{patient_id}">Patient {patient_id}</a></th><td class="level-emergency">'
        in after
    )
    [line] = _attention(after)
    assert line.startswith(f"Patient {patient_id}: Thoughts of suicide or self-harm logged ")
    assert len(PATIENT_ROWS) > kept and len(ATTENTION_LINES) > 0

    _choose(bob, "zh-Hant")
    traditional = bob.client.get("/patients").text
    assert _row(traditional, patient_id).startswith(f"病人 {patient_id} 緊急 ")
    assert _row(traditional, patient_id).endswith(f"{day}（0 天前）")
    [line] = _attention(traditional)
    assert line == f"病人 {patient_id}：現在就找人傾談"

    _choose(bob, "zh-Hans")
    simplified = bob.client.get("/patients").text
    assert _row(simplified, patient_id).startswith(f"病人 {patient_id} 紧急 ")
    assert _row(simplified, patient_id).endswith(f"{day}（0 天前）")

    _choose(bob, "en")
    english = bob.client.get("/patients").text
    assert _row(english, patient_id) == row
    assert _attention(english) == _attention(after)


def test_a_label_that_reads_like_the_line_marker_is_shown_escaped_on_its_own_line(
    alice: Account, bob: Account
) -> None:
    created = alice.client.post("/api/v1/shares", headers=alice.api)
    label = "<!--end of line--> Alice"
    redeemed = bob.client.post(
        "/api/v1/shares/redeem",
        json={"code": created.json()["code"], "label": label},
        headers=bob.api,
    )
    assert redeemed.status_code == 201, redeemed.text
    patient_id = int(redeemed.json()["patient_id"])
    page = bob.client.get("/patients").text
    assert f'<a href="/patients/{patient_id}">&lt;!--end of line--&gt; Alice</a></th>' in page
    assert page.count('<tr><th scope="row">') == 1

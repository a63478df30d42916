"""Who read Alice's data, grouped by clinician and by day in her time zone (issue 12, point 10)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.services.audit import Actor, append
from ketpath.store import Database
from webtest import Account, share_records


def _rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="scores reads">(.*?)</table>', page, re.S)
    assert table is not None, page
    body = table.group(1).split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_reads_are_counted_per_clinician_and_day_naming_what_was_done(
    alice: Account, bob: Account
) -> None:
    patient_id = share_records(alice, bob).patient_id
    for _ in range(3):
        assert bob.client.get(f"/patients/{patient_id}").status_code == 200
    assert bob.client.get("/patients").status_code == 200
    added = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    [row] = _rows(alice.client.get("/sharing").text)
    _day, who, what = row
    assert who == "bob@example.org"
    assert "added a positive drug screen" in what
    assert "saw you on their roster once" in what
    assert "redeemed your share code" in what
    assert re.search(r"viewed your records \d+ times", what), what
    assert "opened your timeline" not in what


def test_days_are_the_persons_own_not_utc(alice: Account, bob: Account, db: Database) -> None:
    assert alice.person_name is not None
    profile = parse_record({"type": "profile", "timezone": "Pacific/Auckland"})
    import_records(db, alice.person_name, [profile], create=False)
    patient_id = share_records(alice, bob).patient_id
    actor = Actor(id=bob.user_id, email=bob.email, role="clinician")
    # 23:30 and 00:30 in Auckland (UTC+12 in May): one UTC day, two of hers.
    for moment in (
        datetime(2026, 5, 1, 11, 30, tzinfo=UTC),
        datetime(2026, 5, 1, 12, 30, tzinfo=UTC),
    ):
        with db.unit_of_work(write=True) as uow:
            append(
                uow,
                action="read-patient-page",
                actor=actor,
                person_id=patient_id,
                detail={"count": 1},
                now=moment,
            )
            uow.commit()
    page = alice.client.get("/sharing").text
    assert "By day, in your time zone (Pacific/Auckland)" in page
    rows = _rows(page)
    days = {day: what for day, _who, what in rows}
    assert days["Sat 02 May 2026"] == "viewed your records once"
    assert days["Fri 01 May 2026"] == "viewed your records once"
    assert "(UTC)" not in page

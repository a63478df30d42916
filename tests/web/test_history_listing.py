"""History and the patient page list entries 25 a page, filtered by type and month (issue 14.7).

The filter is in the query string (a type and a month, never free text); a
value that is not one of the choices is said in words and the whole list is
shown, never an error page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from ketpath.core.records import Record, parse_record
from ketpath.services import OPERATOR, import_records, person_entries
from ketpath.store import Database
from webtest import Account

START = datetime(2025, 1, 1, 12, tzinfo=UTC)


def _history() -> list[Record]:
    """Sixty days: a mood every day (score = day number % 11), a craving every third day."""
    records = [
        parse_record({"type": "profile", "timezone": "UTC"}),
    ]
    for n in range(60):
        moment = START + timedelta(days=n)
        records.append(parse_record({"type": "mood", "time": moment.isoformat(), "score": n % 11}))
        if n % 3 == 0:
            craving = {"type": "craving", "time": (moment + timedelta(hours=1)).isoformat()}
            records.append(parse_record({**craving, "intensity": 4}))
    return records


def _listed(page: str) -> list[tuple[str, str]]:
    """(type label, shown time) of each entry card, in the order shown."""
    return re.findall(
        r'<span class="entry-type">([^<]+)</span> <time datetime="([^"]+)"',
        page.split('id="entries"', 1)[1],
    )


def _older_link(page: str) -> str:
    found = re.search(r'<a class="button-link" href="([^"]+)">Older</a>', page)
    assert found is not None, "no Older link"
    return found.group(1).replace("&amp;", "&")


def _import(db: Database, alice: Account) -> None:
    import_records(db, alice.person_name or "", _history(), author=OPERATOR)


def test_page_one_shows_25_newest_first_and_older_leads_on(
    alice: Account, client: TestClient, db: Database
) -> None:
    _import(db, alice)  # 60 moods + 20 cravings = 80 entries
    first = client.get("/history").text
    shown = _listed(first)
    assert len(shown) == 25
    times = [when for _label, when in shown]
    assert times == sorted(times, reverse=True)
    assert times[0].startswith("2025-03-01T12:00")  # the last mood, day 59
    assert "Page 1 of 4 (80 entries)" in first
    assert "Newer</a>" not in first

    second = client.get(_older_link(first)).text
    next_times = [when for _label, when in _listed(second)]
    assert len(next_times) == 25
    assert next_times[0] < times[-1]  # continues where page 1 stopped, nothing repeated
    assert not set(next_times) & set(times)
    assert "Page 2 of 4 (80 entries)" in second
    assert 'href="/history#entries">Newer</a>' in second


def test_filter_by_type_shows_only_that_type(
    alice: Account, client: TestClient, db: Database
) -> None:
    _import(db, alice)
    page = client.get("/history?type=craving").text
    shown = _listed(page)
    assert [label for label, _when in shown] == ["Craving"] * 20
    assert "Older</a>" not in page  # 20 fit on one page
    assert '<option value="craving" selected>Craving</option>' in page


def test_a_filtered_list_offers_the_way_back_to_every_entry(
    alice: Account, client: TestClient, db: Database
) -> None:
    _import(db, alice)
    filtered = client.get("/history?type=craving").text
    assert '<a class="button-link" href="/history#entries">Show all entries</a>' in filtered
    assert "Show all entries" not in client.get("/history").text


def test_filter_by_month_shows_only_that_month_and_pages_keep_the_filter(
    alice: Account, client: TestClient, db: Database
) -> None:
    _import(db, alice)
    page = client.get("/history?month=2025-01").text
    shown = _listed(page)
    assert len(shown) == 25
    assert "Page 1 of 2 (42 entries)" in page  # 31 moods + 11 cravings in January
    older = _older_link(page)
    assert "month=2025-01" in older and "page=2" in older
    rest = _listed(client.get(older).text)
    assert len(rest) == 17
    assert all(when.startswith("2025-01-") for _label, when in shown + rest)
    assert '<option value="2025-01" selected>January 2025</option>' in page

    moods = client.get("/history?type=mood&month=2025-02").text
    both = _listed(moods)
    assert "Page 1 of 2 (28 entries)" in moods
    assert len(both) == 25
    assert {label for label, _when in both} == {"Mood"}


def test_month_is_the_persons_local_month(alice: Account, client: TestClient, db: Database) -> None:
    records = [
        parse_record({"type": "profile", "timezone": "Pacific/Auckland"}),
        # 31 Jan 20:00 UTC is already 1 February in Auckland.
        parse_record({"type": "mood", "time": "2025-01-31T20:00:00+00:00", "score": 3}),
    ]
    import_records(db, alice.person_name or "", records, author=OPERATOR)
    assert len(_listed(client.get("/history?month=2025-02").text)) == 1
    january = client.get("/history?month=2025-01").text
    assert _listed(january) == []
    assert "No entries of that type in that month." in january


def test_a_bad_filter_is_said_in_words_and_everything_is_listed(
    alice: Account, client: TestClient, db: Database
) -> None:
    _import(db, alice)
    for query in ("type=vodka", "month=2025-13", "month=January", "page=abc", "page=-1"):
        response = client.get(f"/history?{query}")
        assert response.status_code == 200, query
        assert "That filter was not understood, so all entries are shown." in response.text
        assert "Page 1 of 4 (80 entries)" in response.text, query
        assert len(_listed(response.text)) == 25


def test_the_patient_page_pages_and_filters_the_same_way(
    alice: Account, bob: Account, db: Database
) -> None:
    _import(db, alice)
    created = alice.client.post("/api/v1/shares", headers=alice.api)
    redeemed = bob.client.post(
        "/api/v1/shares/redeem", json={"code": created.json()["code"]}, headers=bob.api
    )
    patient_id = redeemed.json()["patient_id"]

    first = bob.client.get(f"/patients/{patient_id}").text
    assert len(_listed(first)) == 25
    assert "Page 1 of 4 (80 entries)" in first
    older = _older_link(first)
    assert older == f"/patients/{patient_id}?page=2#entries"
    second = _listed(bob.client.get(older).text)
    assert len(second) == 25
    assert not set(second) & set(_listed(first))

    cravings = bob.client.get(f"/patients/{patient_id}?type=craving&month=2025-02").text
    assert {label for label, _when in _listed(cravings)} == {"Craving"}
    assert len(_listed(cravings)) == 9  # days 33, 36, ..., 57
    bad = bob.client.get(f"/patients/{patient_id}?month=nope")
    assert bad.status_code == 200
    assert "That filter was not understood, so all entries are shown." in bad.text
    assert "Page 1 of 4 (80 entries)" in bad.text


def test_a_dispute_stays_beside_its_entry_when_they_are_listed_on_different_pages(
    alice: Account, bob: Account, db: Database
) -> None:
    _import(db, alice)
    created = alice.client.post("/api/v1/shares", headers=alice.api)
    redeemed = bob.client.post(
        "/api/v1/shares/redeem", json={"code": created.json()["code"]}, headers=bob.api
    )
    patient_id = redeemed.json()["patient_id"]
    added = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine", "time": "2025-01-05T09:30"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    [screen] = [
        e for e in person_entries(db, alice.person_name or "") if e.record.type == "drug-screen"
    ]
    sent = alice.client.post(
        f"/records/{screen.id}/dispute",
        data={"text": "I took codeine for a toothache that week."},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    # The screen is in January 2025, pages from the top; her note is today's, on page 1.
    last = alice.client.get("/history?page=4").text
    card = last[last.index(f'id="record-{screen.id}"') :]
    card = card[: card.index("</li>")]
    assert "You disputed this:</strong> I took codeine for a toothache that week." in card
    notes = alice.client.get("/history?type=note").text
    assert "Note" in [label for label, _when in _listed(notes)]

"""A one-tap entry shows a toast with Undo that deletes exactly that entry (issue 14, point 1).

Undo is the delete of the person's own record, so a clinic entry can never
be undone by the person, and somebody else's id is not found.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ketpath.core.records import Craving, Mood, parse_record
from ketpath.services import Author, log_record, person_entries, person_records
from ketpath.store import Database
from webtest import Account


def _name(account: Account) -> str:
    assert account.person_name is not None
    return account.person_name


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _toast(page: str) -> str:
    match = re.search(r'<div class="toast" role="status">(.*?)</div>', page, re.S)
    assert match, "no toast on the page"
    return match.group(1)


def test_a_craving_tap_shows_what_was_saved_with_undo(
    alice: Account, client: TestClient, db: Database
) -> None:
    saved = client.post("/log/craving", data={"intensity": "7"})
    assert saved.status_code == 200
    (entry,) = person_entries(db, _name(alice))
    toast = _toast(saved.text)
    assert _text(toast) == "Saved. Craving: 7 of 10. Undo"
    assert f'action="/records/{entry.id}/undo"' in toast


def test_undo_deletes_exactly_the_entry_just_saved(
    alice: Account, client: TestClient, db: Database
) -> None:
    client.post("/log/mood", data={"score": "4"})
    client.post("/log/craving", data={"intensity": "3"})
    entries = person_entries(db, _name(alice))
    craving = next(e for e in entries if isinstance(e.record, Craving))
    response = client.post(
        f"/records/{craving.id}/undo", data={"back": "log"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/log?undone=1"
    stored = person_records(db, _name(alice))
    assert [type(r) for r in stored] == [Mood]
    assert _text(_toast(client.get("/log?undone=1").text)) == "Undone: that entry is deleted."


def test_log_a_use_now_from_today_comes_back_to_today_with_undo(
    alice: Account, client: TestClient, db: Database
) -> None:
    response = client.post("/log/use", data={"back": "today"}, follow_redirects=False)
    (entry,) = person_entries(db, _name(alice))
    assert response.headers["location"] == f"/?saved=1&entry={entry.id}"
    today = client.get(response.headers["location"]).text
    assert _text(_toast(today)).startswith("Saved. Use:")
    undone = client.post(
        f"/records/{entry.id}/undo", data={"back": "today"}, follow_redirects=False
    )
    assert undone.headers["location"] == "/?undone=1"
    assert person_records(db, _name(alice)) == []


def test_undo_goes_only_to_pages_of_ketpath(
    alice: Account, client: TestClient, db: Database
) -> None:
    client.post("/log/mood", data={"score": "4"})
    (entry,) = person_entries(db, _name(alice))
    response = client.post(
        f"/records/{entry.id}/undo", data={"back": "https://evil.example"}, follow_redirects=False
    )
    assert response.headers["location"] == "/log?undone=1"


def test_a_clinic_entry_can_never_be_undone_by_the_person(
    alice: Account, bob: Account, client: TestClient, db: Database
) -> None:
    assert alice.person_name is not None
    screen = parse_record(
        {
            "type": "drug-screen",
            "time": "2026-05-20T10:00:00+00:00",
            "result": "negative",
            "method": "urine",
        }
    )
    clinic_id = log_record(
        db,
        alice.person_name,
        screen,
        create=True,
        author=Author(user_id=bob.user_id, role="clinician"),
    )
    page = client.get(f"/log?saved=1&entry={clinic_id}").text
    assert 'class="toast"' not in page  # no Undo is offered for it
    response = client.post(f"/records/{clinic_id}/undo", data={"back": "log"})
    assert response.status_code == 403
    assert [r.type for r in person_records(db, _name(alice))] == ["drug-screen"]


def test_nobody_undoes_someone_elses_entry(
    alice: Account, charlie: Account, client: TestClient, db: Database
) -> None:
    client.post("/log/mood", data={"score": "4"})
    (entry,) = person_entries(db, _name(alice))
    assert (
        f"/records/{entry.id}/undo" not in charlie.client.get(f"/log?saved=1&entry={entry.id}").text
    )
    response = charlie.client.post(f"/records/{entry.id}/undo", data={"back": "log"})
    assert response.status_code == 404
    assert len(person_records(db, _name(alice))) == 1

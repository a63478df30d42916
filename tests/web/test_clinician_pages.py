"""The pages of consent: Alice's Sharing page, Bob's redeem page, roster and patient page."""

from __future__ import annotations

import re

from ketpath.core.records import parse_record
from ketpath.services import import_records, person_records
from ketpath.store import Database
from webtest import Account

CODE = re.compile(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>")


def _code_from_page(alice: Account) -> str:
    page = alice.client.post("/sharing")
    assert page.status_code == 200
    found = CODE.search(page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def _redeem(bob: Account, code: str, label: str = "A. from Tuesday") -> int:
    response = bob.client.post(
        "/redeem", data={"code": code, "label": label}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:300]
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_the_navigation_offers_sharing_to_people_and_patients_to_clinicians(
    alice: Account, bob: Account
) -> None:
    assert 'href="/sharing"' in alice.client.get("/more").text  # her More page lists it
    roster = bob.client.get("/patients").text
    assert 'href="/patients"' in roster
    assert 'href="/redeem"' in roster


def test_a_code_made_on_the_sharing_page_opens_the_patient_page_once(
    alice: Account, bob: Account, db: Database
) -> None:
    assert alice.person_name is not None
    symptom = parse_record(
        {
            "type": "symptom",
            "time": "2026-05-20T09:00:00+00:00",
            "symptom": "bladder-pain",
            "severity": 2,
        }
    )
    import_records(db, alice.person_name, [symptom], create=False)
    code = _code_from_page(alice)
    patient_id = _redeem(bob, code)
    page = bob.client.get(f"/patients/{patient_id}")
    assert page.status_code == 200
    assert "A. from Tuesday" in page.text
    assert "Bladder or lower-belly pain" in page.text
    again = bob.client.post("/redeem", data={"code": code})
    assert again.status_code == 400
    assert "already used" in again.text


def test_alice_sees_her_share_and_who_read_her_data_then_revokes_it(
    alice: Account, bob: Account
) -> None:
    patient_id = _redeem(bob, _code_from_page(alice))
    bob.client.get(f"/patients/{patient_id}")
    sharing = alice.client.get("/sharing").text
    assert "Shared with bob@example.org" in sharing
    assert "viewed your records once" in sharing
    share_id = re.search(r'action="/sharing/(\d+)/revoke"', sharing)
    assert share_id is not None
    revoked = alice.client.post(f"/sharing/{share_id.group(1)}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert bob.client.get(f"/patients/{patient_id}").status_code == 404
    assert "Nobody can see your records." in alice.client.get("/sharing").text


def test_the_roster_lists_patients_and_what_needs_attention(alice: Account, bob: Account) -> None:
    patient_id = _redeem(bob, _code_from_page(alice), label="Alice A.")
    roster = bob.client.get("/patients")
    assert roster.status_code == 200
    assert f'href="/patients/{patient_id}"' in roster.text
    assert "Needs attention" in roster.text
    assert "nothing logged yet" in roster.text


def test_bob_adds_a_drug_screen_and_a_note_from_the_patient_page(
    alice: Account, bob: Account, db: Database
) -> None:
    patient_id = _redeem(bob, _code_from_page(alice))
    screen = bob.client.post(
        f"/patients/{patient_id}/drug-screens",
        data={"result": "positive", "method": "urine"},
        follow_redirects=False,
    )
    assert screen.status_code == 303
    note = bob.client.post(
        f"/patients/{patient_id}/notes",
        data={"text": "Talked about triggers."},
        follow_redirects=False,
    )
    assert note.status_code == 303
    types = [record.type for record in person_records(db, alice.person_name or "")]
    assert sorted(types) == ["drug-screen", "note"]
    page = bob.client.get(f"/patients/{patient_id}").text
    assert "Talked about triggers." in page
    roster = bob.client.get("/patients").text
    assert "1 positive drug screen" in roster
    bad = bob.client.post(
        f"/patients/{patient_id}/drug-screens", data={"result": "maybe", "method": "urine"}
    )
    assert bad.status_code == 422


def test_redeeming_is_rate_limited(bob: Account) -> None:
    statuses = [
        bob.client.post("/redeem", data={"code": "AAAA-BBBB-CCCC"}).status_code for _ in range(7)
    ]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
    api = bob.client.post("/api/v1/shares/redeem", json={"code": "AAAA-BBBB-CCCC"}, headers=bob.api)
    assert api.status_code == 429
    assert "Retry-After" in api.headers


def test_the_pages_carry_no_inline_script_or_style(alice: Account, bob: Account) -> None:
    patient_id = _redeem(bob, _code_from_page(alice))
    for client, url in (
        (alice.client, "/sharing"),
        (bob.client, "/patients"),
        (bob.client, "/redeem"),
        (bob.client, f"/patients/{patient_id}"),
    ):
        text = client.get(url).text
        assert "<style" not in text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text)
        assert text.count("<h1") == 1


def test_a_clinician_landing_on_the_dashboard_is_sent_to_the_roster(bob: Account) -> None:
    response = bob.client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/patients"

"""A clinician sets a patient's reward schedule on /patients/{id}/rewards/settings.

Alice (a person) has four screens: negative, negative, positive, negative. With
the default schedule her running total is $8.75 (2.50 + 3.75, reset, 2.50).
Bob is her clinician once she shares; Dana is a clinician she never asked;
Charlie is another person.
"""

from __future__ import annotations

from decimal import Decimal

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.services.contingency import get_schedule, settings_from
from ketpath.store import Database
from webtest import BASE_URL, Account, share_records

NEW_SCHEDULE = {
    "start_value": "5.00",
    "increment": "1.00",
    "max_value": "6.00",
    "bonus_every": "0",
    "bonus_value": "0",
    "return_after": "0",
    "reset_on_missed": "no",
    "invalid": "hold",
    "max_days_between_screens": "7",
    "min_hours_between_rewards": "24",
    "currency": "GBP",
}


@pytest.fixture
def shared(alice: Account, bob: Account, alice_id: int) -> int:
    """Alice shares with Bob; returns the share's id."""
    return share_records(alice, bob).id


def _url(patient_id: int) -> str:
    return f"/patients/{patient_id}/rewards/settings"


def _post(who: Account, patient_id: int, form: dict[str, str]) -> httpx2.Response:
    response: httpx2.Response = who.client.post(_url(patient_id), data=form, follow_redirects=False)
    return response


def test_her_clinician_sees_the_form_filled_with_the_schedule_in_force(
    bob: Account, alice_id: int, shared: int
) -> None:
    page = bob.client.get(_url(alice_id))
    assert page.status_code == 200
    assert 'name="start_value" value="2.50"' in page.text
    assert 'name="max_days_between_screens" value="4"' in page.text
    assert "Running total: $8.75" in page.text
    assert "A positive screen always earns nothing" in page.text


def test_the_patient_page_links_to_the_settings(bob: Account, alice_id: int, shared: int) -> None:
    assert f'href="{_url(alice_id)}"' in bob.client.get(f"/patients/{alice_id}").text


def test_her_clinician_sets_the_schedule_and_she_sees_it(  # noqa: PLR0917 (pytest passes fixtures by position)
    alice: Account, bob: Account, alice_id: int, shared: int, client: TestClient, db: Database
) -> None:
    response = bob.client.post(_url(alice_id), data=NEW_SCHEDULE, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"{_url(alice_id)}?saved=1"
    stored = get_schedule(db, alice.person_name or "")
    assert stored is not None
    assert stored["clinician_id"] == bob.user_id
    chosen = settings_from(stored)
    assert (chosen.start_value, chosen.max_value) == (Decimal("5.00"), Decimal("6.00"))
    assert (chosen.invalid, chosen.reset_on_missed, chosen.currency) == ("hold", False, "GBP")
    assert stored["cap"] == 6.0  # the store's own column agrees
    assert "Saved." in bob.client.get(response.headers["location"]).text
    mine = client.get("/rewards").text
    assert "£5.00 <em>(set by the clinic)</em>" in mine
    assert "Your clinic has set this schedule." in mine


def test_the_running_total_follows_the_new_settings(
    alice: Account, bob: Account, alice_id: int, shared: int, client: TestClient
) -> None:
    assert "No clinic runs rewards for you." in client.get("/rewards").text
    assert "Running total: $8.75" in bob.client.get(f"/patients/{alice_id}/rewards").text
    assert _post(bob, alice_id, NEW_SCHEDULE).status_code == 303
    # 5.00 + 6.00 (the cap), reset by the positive, 5.00 again.
    assert "Running total: £16.00" in client.get("/rewards").text
    assert "Running total: £16.00" in bob.client.get(f"/patients/{alice_id}/rewards").text
    assert "Running total: £16.00" in bob.client.get(_url(alice_id)).text


def test_fields_left_out_keep_their_value(
    alice: Account, bob: Account, alice_id: int, shared: int, db: Database
) -> None:
    assert _post(bob, alice_id, {"start_value": "3.00"}).status_code == 303
    stored = get_schedule(db, alice.person_name or "")
    assert stored is not None
    chosen = settings_from(stored)
    assert (chosen.start_value, chosen.increment) == (Decimal("3.00"), Decimal("1.25"))
    assert chosen.max_days_between_screens == 4


def test_bad_values_answer_422_naming_each_field(
    alice: Account, bob: Account, alice_id: int, shared: int, db: Database
) -> None:
    form = {
        **NEW_SCHEDULE,
        "start_value": "two pounds",
        "bonus_every": "-1",
        "max_days_between_screens": "0",
        "increment": "0.005",
        "invalid": "ignore",
    }
    response = bob.client.post(_url(alice_id), data=form)
    assert response.status_code == 422
    page = response.text
    assert "Not saved." in page
    assert "Value of the first negative screen: must be an amount such as 2.50" in page
    assert "Added for each further negative screen in a row: must be in whole cents" in page
    assert "A bonus after this many negative screens in a row: must be a whole number" in page
    assert "Days allowed between screens before one counts as missed: must be a whole" in page
    assert "What an invalid screen does: must be &#39;reset&#39; or &#39;hold&#39;" in page
    assert 'id="cm-start-value" name="start_value" value="two pounds"' in page
    assert page.count('aria-invalid="true"') == 5
    assert get_schedule(db, alice.person_name or "") is None


def test_a_cap_below_the_start_value_is_blamed_on_the_cap(
    alice: Account, bob: Account, alice_id: int, shared: int, db: Database
) -> None:
    form = {**NEW_SCHEDULE, "start_value": "30.00", "max_value": "20.00"}
    response = bob.client.post(_url(alice_id), data=form)
    assert response.status_code == 422
    assert "Most a single screen can earn (cap): must be at least the start value" in response.text
    assert get_schedule(db, alice.person_name or "") is None


def test_a_start_value_above_the_old_cap_is_fine_with_a_new_cap(
    alice: Account, bob: Account, alice_id: int, shared: int
) -> None:
    form = {**NEW_SCHEDULE, "start_value": "30.00", "max_value": "40.00"}
    assert _post(bob, alice_id, form).status_code == 303


def test_a_clinician_without_consent_gets_404(  # noqa: PLR0917 (pytest passes fixtures by position)
    alice: Account, bob: Account, dana: Account, alice_id: int, shared: int, db: Database
) -> None:
    for patient_id in (alice_id, alice_id + 1000):
        assert dana.client.get(_url(patient_id)).status_code == 404
        assert dana.client.post(_url(patient_id), data=NEW_SCHEDULE).status_code == 404
    assert bob.client.get(_url(alice_id + 1000)).status_code == 404
    assert get_schedule(db, alice.person_name or "") is None


def test_her_clinician_gets_404_before_she_shares(
    alice: Account, bob: Account, alice_id: int, db: Database
) -> None:
    assert bob.client.get(_url(alice_id)).status_code == 404
    assert bob.client.post(_url(alice_id), data=NEW_SCHEDULE).status_code == 404
    assert get_schedule(db, alice.person_name or "") is None


def test_the_person_cannot_set_a_schedule(
    alice: Account, charlie: Account, alice_id: int, shared: int, db: Database
) -> None:
    for who in (alice, charlie):
        assert who.client.get(_url(alice_id)).status_code == 404
        assert who.client.post(_url(alice_id), data=NEW_SCHEDULE).status_code == 404
    assert get_schedule(db, alice.person_name or "") is None


def test_after_she_revokes_the_next_request_answers_404(
    alice: Account, bob: Account, alice_id: int, shared: int, db: Database
) -> None:
    assert bob.client.get(_url(alice_id)).status_code == 200
    assert alice.client.delete(f"/api/v1/shares/{shared}", headers=alice.api).status_code == 204
    assert bob.client.get(_url(alice_id)).status_code == 404
    assert bob.client.post(_url(alice_id), data=NEW_SCHEDULE).status_code == 404
    assert get_schedule(db, alice.person_name or "") is None


def test_reading_and_saving_are_audited_and_she_sees_both(
    alice: Account, bob: Account, alice_id: int, shared: int
) -> None:
    assert _post(bob, alice_id, NEW_SCHEDULE).status_code == 303
    sharing = alice.client.get("/sharing").text
    assert "changed your rewards schedule" in sharing
    assert "read your records" in sharing


def test_anonymous_visitors_are_sent_to_log_in(app: FastAPI, alice_id: int) -> None:
    with TestClient(app, base_url=BASE_URL) as anonymous:
        for method in ("GET", "POST"):
            response = anonymous.request(method, _url(alice_id), follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")


def test_a_cross_site_post_is_refused(
    alice: Account, bob: Account, alice_id: int, shared: int, db: Database
) -> None:
    headers = {"Sec-Fetch-Site": "cross-site"}
    response = bob.client.post(_url(alice_id), data=NEW_SCHEDULE, headers=headers)
    assert response.status_code == 403
    assert get_schedule(db, alice.person_name or "") is None


def test_the_page_has_no_inline_script_or_style(bob: Account, alice_id: int, shared: int) -> None:
    page = bob.client.get(_url(alice_id)).text
    assert "<script>" not in page
    assert "<style" not in page
    assert " style=" not in page


def test_a_person_finds_rewards_in_the_navigation_once_her_clinic_runs_them(
    alice: Account, bob: Account, alice_id: int, shared: int, client: TestClient
) -> None:
    assert '<a href="/rewards"' not in client.get("/more").text
    assert _post(bob, alice_id, NEW_SCHEDULE).status_code == 303
    assert '<a href="/rewards"' in client.get("/more").text
    assert '<a href="/rewards"' not in bob.client.get("/patients").text


def test_the_money_hints_say_the_amount_is_in_the_currency_not_cents(
    alice: Account, bob: Account, alice_id: int, shared: int
) -> None:
    page = bob.client.get(_url(alice_id)).text
    assert "whole cents" not in page
    assert "An amount in US dollars from 0 to 10,000, such as 2.50 (not in cents)." in page
    assert _post(bob, alice_id, NEW_SCHEDULE).status_code == 303
    assert "An amount in Pounds sterling from 0" in bob.client.get(_url(alice_id)).text


def test_the_export_page_offers_the_pdf_summary(alice: Account, client: TestClient) -> None:
    page = client.get("/export").text
    assert '<a class="button-link" href="/report.pdf" download>Download a summary (PDF)</a>' in page
    assert 'action="/report.pdf"' in page

"""Rewards: the person's /rewards page and the clinician's fragment of a patient's page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ketpath.store import Database
from webtest import Account, share_records


def _run_rewards(alice: Account, bob: Account, db: Database, **settings: object) -> None:
    """Bob shares with Alice and stores her schedule: the defaults, over ``settings``."""
    from ketpath.core.contingency import ContingencySettings
    from ketpath.services.contingency import save_schedule

    share_records(alice, bob)
    assert alice.person_name is not None
    save_schedule(
        db, alice.person_name, bob.user_id, {**ContingencySettings.defaults().to_dict(), **settings}
    )


def test_without_a_clinic_she_is_told_no_clinic_runs_rewards(
    alice: Account, alice_id: int, client: TestClient
) -> None:
    page = client.get("/rewards")
    assert page.status_code == 200
    assert "No clinic runs rewards for you." in page.text
    assert "$2.50" not in page.text
    assert "Running total" not in page.text
    assert '<a href="/rewards"' not in client.get("/more").text


def test_a_clinician_with_consent_but_no_schedule_runs_no_rewards(
    alice: Account, alice_id: int, bob: Account, client: TestClient
) -> None:
    share_records(alice, bob)
    assert "No clinic runs rewards for you." in client.get("/rewards").text
    assert '<a href="/rewards"' not in client.get("/more").text


def test_before_any_screen_she_sees_the_schedule_and_its_evidence(
    alice: Account, bob: Account, client: TestClient, db: Database
) -> None:
    _run_rewards(alice, bob, db)
    page = client.get("/rewards")
    assert page.status_code == 200
    assert "No drug screens yet" in page.text
    assert "$2.50" in page.text
    assert "Value of the first negative screen" in page.text
    assert '<span class="grade grade-C">C</span>' in page.text
    assert "Higgins ST" in page.text
    assert '<a href="/rewards"' in client.get("/more").text  # her More page lists it


def test_she_sees_each_screen_and_the_running_total(
    alice: Account, alice_id: int, bob: Account, client: TestClient, db: Database
) -> None:
    _run_rewards(alice, bob, db)
    page = client.get("/rewards").text
    assert "Running total: $8.75" in page  # 2.50 + 3.75 + (reset) + 2.50
    assert "Back to the start value" in page
    assert "The next negative screen earns <strong>$3.75</strong>" in page


def test_the_rewards_are_in_the_clinics_currency(
    alice: Account, alice_id: int, bob: Account, client: TestClient, db: Database
) -> None:
    _run_rewards(alice, bob, db, currency="GBP")
    page = client.get("/rewards").text
    assert "Running total: £8.75" in page
    assert "The next negative screen earns <strong>£3.75</strong>" in page
    assert "Value of a negative screen at each step: £2.50, £3.75" in page
    assert "Running total: $" not in page  # (the evidence still quotes the study's dollars)


def test_when_the_share_ends_the_rewards_go_from_her_menu(
    alice: Account, alice_id: int, bob: Account, client: TestClient, db: Database
) -> None:
    _run_rewards(alice, bob, db)
    assert '<a href="/rewards"' in client.get("/more").text
    [share] = client.get("/api/v1/shares", headers=alice.api).json()["shares"]
    assert client.delete(f"/api/v1/shares/{share['id']}", headers=alice.api).status_code == 204
    assert '<a href="/rewards"' not in client.get("/more").text
    assert "No clinic runs rewards for you." in client.get("/rewards").text


def test_her_clinician_sees_the_same_fragment_while_consent_stands(
    alice: Account, alice_id: int, bob: Account
) -> None:
    assert bob.client.get(f"/patients/{alice_id}/rewards").status_code == 404
    share_records(alice, bob)
    fragment = bob.client.get(f"/patients/{alice_id}/rewards", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Running total: $8.75" in fragment.text
    assert "<html" not in fragment.text  # a fragment for the patient page, not a page


def test_opened_directly_the_patients_rewards_are_a_whole_page(
    alice: Account, alice_id: int, bob: Account
) -> None:
    share_records(alice, bob)
    page = bob.client.get(f"/patients/{alice_id}/rewards")
    assert page.status_code == 200
    assert "<html" in page.text
    assert '<link rel="stylesheet" href="/static/ketpath-2.0.css">' in page.text
    assert f'<a href="/patients/{alice_id}">Back to Patient {alice_id}</a>' in page.text
    assert "Running total: $8.75" in page.text


def test_nobody_else_sees_her_rewards(
    alice: Account, alice_id: int, bob: Account, charlie: Account, dana: Account
) -> None:
    share_records(alice, bob)
    assert dana.client.get(f"/patients/{alice_id}/rewards").status_code == 404
    assert charlie.client.get(f"/patients/{alice_id}/rewards").status_code == 404
    assert "Running total: $8.75" not in charlie.client.get("/rewards").text


def test_an_unknown_patient_looks_like_one_without_consent(bob: Account) -> None:
    assert bob.client.get("/patients/999999/rewards").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    with TestClient(app, base_url="http://127.0.0.1") as anonymous:
        for url in ("/rewards", "/patients/1/rewards"):
            response = anonymous.get(url, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")


def test_a_schedule_the_clinic_saved_is_the_one_she_sees(
    alice: Account, alice_id: int, bob: Account, client: TestClient, db: Database
) -> None:
    _run_rewards(alice, bob, db, start_value="5.00", bonus_every=0)
    page = client.get("/rewards").text
    assert "$5.00 <em>(set by the clinic)</em>" in page
    assert "Running total: $16.25" in page  # 5.00 + 6.25 + (reset) + 5.00

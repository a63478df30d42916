"""Small things people notice (issue 12, point 11): a favicon of our own, errors that start a sentence."""

from __future__ import annotations

from fastapi.testclient import TestClient

from webtest import Account


def test_every_page_links_our_own_svg_favicon(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.text.startswith("<svg") and "http://www.w3.org/2000/svg" in icon.text
    assert "href=" not in icon.text  # nothing fetched from elsewhere


def test_form_errors_shown_to_people_start_with_a_capital(
    client: TestClient, alice: Account
) -> None:
    short = client.post("/register", data={"email": "d@example.org", "password": "short"})
    assert "Use at least 8 characters" in short.text
    logged = alice.client.post("/log/mood", data={"score": "12", "time": "not a time"})
    box = logged.text[logged.text.index('id="form-error"') :][:300]
    assert "Not saved.</strong> N" in box  # "Not a date and time ..."

"""The language is kept on the account (issue 15, point 1), not only on the device.

Choosing a language while signed in stores it on the account (read back from
the database) as well as in the device's cookie; signing in on a fresh
browser then shows the account's language; signed out, the cookie and the
browser's ``Accept-Language`` decide as before. Each test reads the page's
``lang`` and its heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.store import Database
from webtest import BASE_URL, login


def _html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match
    return match.group(1)


def _stored_language(db: Database, user_id: int) -> str | None:
    with db.unit_of_work() as uow:
        row = uow.users.get(user_id)
    assert row is not None
    return row.language


@pytest.fixture
def fresh(app: FastAPI) -> Iterator[TestClient]:
    """Another browser: no cookies at all."""
    with TestClient(app, base_url=BASE_URL) as other:
        yield other


def test_a_choice_made_signed_in_follows_the_person_to_a_fresh_browser(
    alice: Any, db: Database, fresh: TestClient
) -> None:
    assert _stored_language(db, alice.user_id) is None
    chosen = alice.client.post(
        "/account/language",
        data={"language": "zh-Hant", "back": "/account"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert "ketpath_lang=zh-Hant" in chosen.headers["set-cookie"]
    assert _stored_language(db, alice.user_id) == "zh-Hant"

    assert "<h1>Log in</h1>" in fresh.get("/login").text  # signed out: no choice yet here
    signed_in = login(fresh, alice.email, alice.password)
    assert signed_in.status_code == 303
    assert "ketpath_lang=zh-Hant" in signed_in.headers["set-cookie"]
    page = fresh.get("/account").text
    assert _html_lang(page) == "zh-Hant"
    assert "<h1>帳戶</h1>" in page


def test_the_account_language_wins_over_the_browser_at_sign_in(
    alice: Any, db: Database, fresh: TestClient
) -> None:
    alice.client.post("/account/language", data={"language": "zh-Hans"})
    fresh.headers["Accept-Language"] = "en-GB,en;q=0.9"
    login(fresh, alice.email, alice.password)
    page = fresh.get("/account").text
    assert _html_lang(page) == "zh-Hans"
    assert "<h1>账户</h1>" in page


def test_changing_back_to_english_is_stored_too(
    alice: Any, db: Database, fresh: TestClient
) -> None:
    alice.client.post("/account/language", data={"language": "zh-Hant-TW"})
    alice.client.post("/account/language", data={"language": "en"})
    assert _stored_language(db, alice.user_id) == "en"
    fresh.headers["Accept-Language"] = "zh-TW"
    login(fresh, alice.email, alice.password)
    page = fresh.get("/account").text
    assert _html_lang(page) == "en"
    assert "<h1>Account</h1>" in page


def test_signed_out_a_choice_stays_on_the_device_and_the_browser_rule_stays(
    alice: Any, db: Database, fresh: TestClient
) -> None:
    fresh.post("/account/language", data={"language": "zh-Hans", "back": "/login"})
    assert _html_lang(fresh.get("/login").text) == "zh-Hans"
    assert _stored_language(db, alice.user_id) is None  # nobody was signed in
    login(fresh, alice.email, alice.password)  # the account has no choice: the device's stays
    assert _html_lang(fresh.get("/account").text) == "zh-Hans"
    with TestClient(fresh.app, base_url=BASE_URL) as browser_only:
        page = browser_only.get("/login", headers={"Accept-Language": "zh-HK"}).text
        assert _html_lang(page) == "zh-Hant-HK"


def test_an_unknown_language_is_not_stored(alice: Any, db: Database) -> None:
    alice.client.post("/account/language", data={"language": "xx"})
    assert _stored_language(db, alice.user_id) is None

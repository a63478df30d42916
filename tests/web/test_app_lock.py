"""Keep me signed in, the device list and the PIN lock after idle (issue 14, point 5).

The sessions' clock is injected (``Settings.session_clock``), so "31 idle
minutes" and "six idle minutes" are moments, not waits. Every test reads what
the person sees (the rendered text) and what was stored (the ``sessions`` and
``users`` rows).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from ketpath.interop.jsonl import parse_jsonl
from ketpath.present.format import local_time
from ketpath.services import OPERATOR, accounts, import_records, person_records
from ketpath.store import Database
from ketpath.store.tables import sessions, users
from ketpath.web.deps import LOCK_OPEN_PATHS
from ketpath.web.settings import Settings
from webtest import BASE_URL, Account, settings_for

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
MARKER = "alice-locked-marker-5c1e"
HEALTH_WORDS = ("ketamine", "craving", "bladder", "use", "mood", "flag", "history", "plan")


class Clock:
    """The sessions' time, moved by the tests."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, clock: Clock) -> Settings:
    """Conftest's settings with the sessions' clock in the tests' hands."""
    return settings_for(tmp_path, session_clock=clock)


def _sign_in(app: FastAPI, account: Account, *, keep: bool, agent: str = PHONE) -> TestClient:
    client = TestClient(app, base_url=BASE_URL, headers={"User-Agent": agent})
    form = {"email": account.email, "password": account.password}
    if keep:
        form["keep"] = "on"
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def _session_rows(db: Database, user_id: int) -> list[Any]:
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                select(sessions).where(sessions.c.user_id == user_id).order_by(sessions.c.id)
            ).all()
        )


def _kept_rows(db: Database, user_id: int) -> list[Any]:
    return [row for row in _session_rows(db, user_id) if row.kept]


def _visible_text(html: str) -> str:
    without_scripts = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_scripts)).strip()


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, flags=re.S)
    assert found is not None
    return found.group(1).strip()


def _set_pin(client: TestClient, pin: str = "2468") -> None:
    response = client.post(
        "/account/pin", data={"pin": pin, "pin_again": pin}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def marked_alice(alice: Account, db: Database, alice_history: str) -> Account:
    """Alice with her history and one use whose note only she could know."""
    marked = parse_jsonl(
        [
            '{"type":"use","time":"2026-05-13T22:00:00+01:00","route":"intranasal",'
            f'"setting":"home-alone","motive":"boredom","note":"{MARKER}"}}'
        ]
    )
    assert alice.person_name is not None
    records = [*parse_jsonl(alice_history.splitlines()), *marked]
    import_records(db, alice.person_name, records, create=False, author=OPERATOR)
    return alice


@pytest.fixture
def locked(app: FastAPI, marked_alice: Account, db: Database, clock: Clock) -> TestClient:
    """Alice's phone, kept signed in, with a PIN, left idle for six minutes."""
    phone = _sign_in(app, marked_alice, keep=True)
    _set_pin(phone)
    clock.advance(minutes=6)
    return phone


# ---------------------------------------------------------------- keep me signed in


def test_a_kept_session_outlives_thirty_idle_minutes_and_an_ordinary_one_does_not(
    app: FastAPI, alice: Account, db: Database, clock: Clock
) -> None:
    kept = _sign_in(app, alice, keep=True)
    ordinary = _sign_in(app, alice, keep=False, agent=LAPTOP)
    stored = _session_rows(db, alice.user_id)[-2:]
    assert [(row.kept, row.label) for row in stored] == [
        (True, "Chrome on Android"),
        (False, None),
    ]
    cookie = kept.cookies.jar
    assert any(c.name == "ketpath-session" and c.expires for c in cookie)

    clock.advance(minutes=31)
    page = kept.get("/account")
    assert page.status_code == 200
    assert "Logged in as alice@example.org" in _visible_text(page.text)
    refused = ordinary.get("/account", follow_redirects=False)
    assert refused.headers["location"] == "/login"
    kept_ids = {row.id for row in _kept_rows(db, alice.user_id)}
    assert kept_ids == {stored[0].id}
    assert stored[1].id not in {row.id for row in _session_rows(db, alice.user_id)}

    clock.advance(days=91)
    assert kept.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert _kept_rows(db, alice.user_id) == []


def test_the_account_page_lists_kept_devices_in_the_persons_zone(
    app: FastAPI, alice: Account, db: Database
) -> None:
    phone = _sign_in(app, alice, keep=True)
    _sign_in(app, alice, keep=True, agent=LAPTOP)
    saved = phone.post(
        "/account/zone", data={"timezone": "Asia/Tokyo", "locale": ""}, follow_redirects=False
    )
    assert saved.status_code == 303
    text = _visible_text(phone.get("/account").text)
    rows = _kept_rows(db, alice.user_id)
    tokyo = ZoneInfo("Asia/Tokyo")
    for row in rows:
        assert local_time(row.created_at, tokyo) in text
    assert "Chrome on Android (this device)" in text
    assert "Firefox on Linux" in text
    assert "Firefox on Linux (this device)" not in text


def test_signing_out_one_device_ends_that_device_only(
    app: FastAPI, alice: Account, charlie: Account, db: Database
) -> None:
    phone = _sign_in(app, alice, keep=True)
    laptop = _sign_in(app, alice, keep=True, agent=LAPTOP)
    laptop_id = _kept_rows(db, alice.user_id)[-1].id
    assert _kept_rows(db, alice.user_id)[-1].label == "Firefox on Linux"

    stranger = charlie.client.post(
        "/account/devices/revoke", data={"device_id": laptop_id}, follow_redirects=False
    )
    assert stranger.status_code == 404
    assert laptop_id in {row.id for row in _kept_rows(db, alice.user_id)}

    done = phone.post(
        "/account/devices/revoke", data={"device_id": laptop_id}, follow_redirects=False
    )
    assert done.headers["location"] == "/account#devices-heading"
    assert [row.label for row in _kept_rows(db, alice.user_id)] == ["Chrome on Android"]
    assert laptop.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert "Firefox on Linux" not in _visible_text(phone.get("/account").text)


def test_signing_out_every_kept_device_ends_them_all_and_this_one(
    app: FastAPI, alice: Account, db: Database
) -> None:
    phone = _sign_in(app, alice, keep=True)
    laptop = _sign_in(app, alice, keep=True, agent=LAPTOP)
    done = phone.post("/account/devices/revoke-all", follow_redirects=False)
    assert done.headers["location"] == "/login"
    assert _kept_rows(db, alice.user_id) == []
    for device in (phone, laptop):
        assert device.get("/account", follow_redirects=False).headers["location"] == "/login"
    # The ordinary session of the alice fixture is not a kept device and stays.
    assert alice.client.get("/account").status_code == 200


# ---------------------------------------------------------------- the PIN lock


def test_the_pin_is_kept_as_an_argon2_hash_and_must_be_four_to_six_digits(
    alice: Account, db: Database
) -> None:
    for bad in ("123", "1234567", "12a4", "١٢٣٤"):
        refused = alice.client.post("/account/pin", data={"pin": bad, "pin_again": bad})
        assert refused.status_code == 400
        assert "A PIN is 4 to 6 digits" in _visible_text(refused.text)
    differ = alice.client.post("/account/pin", data={"pin": "2468", "pin_again": "2469"})
    assert "The two PINs differ" in _visible_text(differ.text)
    with db.engine.connect() as connection:
        assert connection.execute(select(users.c.pin_hash)).scalars().all() == [None]
    _set_pin(alice.client, "802413")
    with db.engine.connect() as connection:
        stored = connection.execute(
            select(users.c.pin_hash).where(users.c.id == alice.user_id)
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "802413" not in stored
    assert "A PIN is set." in _visible_text(alice.client.get("/account").text)


def test_a_kept_session_locks_after_idle_and_shows_nothing_health_related(
    app: FastAPI, locked: TestClient, marked_alice: Account, db: Database, clock: Clock
) -> None:
    response = locked.get("/history")
    assert response.status_code == 423
    assert _title(response.text) == "ketpath"
    text = _visible_text(response.text)
    assert "Enter your PIN" in text
    for word in HEALTH_WORDS:
        assert word not in text.lower(), word
    assert MARKER not in response.text
    assert marked_alice.email not in response.text
    assert 'action="/logout"' in response.text
    assert '<input type="hidden" name="next" value="/history">' in response.text
    (row,) = _kept_rows(db, marked_alice.user_id)
    assert row.locked

    # Locked means locked: a fresh request a second later is still the PIN screen.
    clock.advance(seconds=1)
    assert locked.get("/account").status_code == 423


def test_an_ordinary_session_and_a_kept_one_without_a_pin_never_lock(
    app: FastAPI, marked_alice: Account, db: Database, clock: Clock
) -> None:
    phone = _sign_in(app, marked_alice, keep=True)
    clock.advance(minutes=20)
    assert phone.get("/history").status_code == 200
    _set_pin(marked_alice.client)  # the ordinary session of the fixture sets the PIN
    clock.advance(minutes=20)
    assert marked_alice.client.get("/history").status_code == 200
    assert not any(row.locked for row in _session_rows(db, marked_alice.user_id))


def test_the_right_pin_unlocks_and_returns_to_the_page(
    locked: TestClient, marked_alice: Account, db: Database
) -> None:
    assert locked.get("/history").status_code == 423
    opened = locked.post("/lock", data={"pin": "2468", "next": "/history"}, follow_redirects=False)
    assert opened.headers["location"] == "/history"
    page = locked.get("/history")
    assert page.status_code == 200
    assert MARKER in page.text
    (row,) = _kept_rows(db, marked_alice.user_id)
    assert (row.locked, row.pin_failures) == (False, 0)


def test_unlocking_never_redirects_off_the_site(locked: TestClient) -> None:
    opened = locked.post(
        "/lock", data={"pin": "2468", "next": "//evil.example/"}, follow_redirects=False
    )
    assert opened.headers["location"] == "/"


def test_five_wrong_pins_end_the_device_session_and_say_so(
    locked: TestClient, marked_alice: Account, db: Database
) -> None:
    for left in (4, 3, 2, 1):
        wrong = locked.post("/lock", data={"pin": "1111", "next": "/"})
        assert wrong.status_code == 400
        tries = "1 try" if left == 1 else f"{left} tries"
        assert f"That PIN is not right. {tries} left." in _visible_text(wrong.text)
        assert _kept_rows(db, marked_alice.user_id)[0].pin_failures == 5 - left
    ended = locked.post("/lock", data={"pin": "1111", "next": "/"}, follow_redirects=False)
    assert ended.status_code == 401
    assert "Five wrong PINs: this device has been signed out." in _visible_text(ended.text)
    assert _kept_rows(db, marked_alice.user_id) == []
    assert locked.get("/", follow_redirects=False).headers["location"] == "/login"
    # The right PIN is no use now: the session is gone.
    again = locked.post("/lock", data={"pin": "2468"}, follow_redirects=False)
    assert again.headers["location"] == "/login"


def test_pin_attempts_spend_the_rate_limiter(
    app: FastAPI, marked_alice: Account, db: Database, clock: Clock
) -> None:
    """Across devices the account's PIN bucket (5, then one a minute) slows guessing."""
    phones = [_sign_in(app, marked_alice, keep=True) for _ in range(2)]
    _set_pin(phones[0])
    clock.advance(minutes=6)
    for _ in range(4):
        assert phones[0].post("/lock", data={"pin": "1111"}).status_code == 400
    assert phones[1].post("/lock", data={"pin": "1111"}).status_code == 400
    limited = phones[1].post("/lock", data={"pin": "2468"})
    assert limited.status_code == 429
    assert "Too many attempts. Try again in" in _visible_text(limited.text)
    assert _title(limited.text) == "ketpath"
    assert all(row.locked for row in _kept_rows(db, marked_alice.user_id))


def _routes(routes: list[Any]) -> list[tuple[str, str]]:
    """Every route, the included routers' too (FastAPI keeps those as wrappers of the router)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute) and route.path not in LOCK_OPEN_PATHS:
            assert route.methods is not None
            found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
        elif hasattr(route, "original_router"):
            found += _routes(route.original_router.routes)
    return found


def _fill(path: str) -> str:
    values = {"record_id": "1", "instrument_id": "phq9", "kind": "mood", "topic": "bladder"}
    return re.sub(r"\{([^}]+)\}", lambda match: values.get(match.group(1), "x"), path)


def test_a_locked_session_reaches_no_route_but_the_pin_form_and_logout(
    app: FastAPI, locked: TestClient, marked_alice: Account, db: Database
) -> None:
    """Every route of the app (all routers, found from the app itself), tried while locked."""
    assert marked_alice.person_name is not None
    before = person_records(db, marked_alice.person_name)
    routes = _routes(app.routes)
    assert ("GET", "/") in routes
    assert ("POST", "/account/pin") in routes
    assert ("GET", "/api/v1/records") in routes
    assert len(routes) >= 40
    for method, path in routes:
        body: dict[str, object] | None = (
            {} if method == "POST" and path.startswith("/api/") else None
        )
        response = locked.request(method, _fill(path), json=body, follow_redirects=False)
        assert response.status_code == 423, (method, path, response.status_code)
        assert MARKER not in response.text
        if not path.startswith("/api/"):
            assert _title(response.text) == "ketpath", path
            assert "Enter your PIN" in response.text
    assert person_records(db, marked_alice.person_name) == before
    assert locked.get("/static/lock.js").status_code == 200
    assert locked.get("/sw.js").status_code == 200
    out = locked.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert _kept_rows(db, marked_alice.user_id) == []


def test_the_login_form_offers_to_keep_me_signed_in(client: TestClient) -> None:
    text = _visible_text(client.get("/login").text)
    assert "Keep me signed in on this device" in text
    assert "You stay signed in for 90 days" in text


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (PHONE, "Chrome on Android"),
        (LAPTOP, "Firefox on Linux"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        ("<script>alert(1)</script>", "A browser"),
        (None, "A browser"),
    ],
)
def test_device_labels_are_a_few_fixed_words(agent: str | None, label: str) -> None:
    assert accounts.device_label(agent) == label

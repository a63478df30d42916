"""Setting a PIN does not lock the device it is set on, whatever the lock time.

Before a PIN exists a session's ``last_seen`` is written at most once a
minute; with a lock time under a minute (``serve --lock-after-minutes 0.25``,
as the companion journey runs), the page saying "Your PIN is set." was the
PIN screen whenever that write was older than the lock time. The session the
PIN is set from now counts as used then. The sessions' clock is injected, so
the idle seconds are moments, not waits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ketpath.web.settings import Settings
from webtest import Account, settings_for

PIN = "2468"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, clock: Clock) -> Settings:
    return settings_for(tmp_path, session_clock=clock, lock_after=timedelta(seconds=15))


def _kept_client(client: TestClient, account: Account) -> TestClient:
    client.cookies.clear()
    signed_in = client.post(
        "/login",
        data={"email": account.email, "password": account.password, "keep": "on"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    return client


def test_the_page_after_setting_a_pin_is_the_account_not_the_pin_screen(
    alice: Account, client: TestClient, clock: Clock
) -> None:
    kept = _kept_client(client, alice)
    for _ in range(4):  # 40 seconds of use, each page 10 s after the last (no write of last_seen)
        clock.now += timedelta(seconds=10)
        assert kept.get("/account").status_code == 200
    set_pin = kept.post("/account/pin", data={"pin": PIN, "pin_again": PIN})
    assert set_pin.status_code == 200
    assert "Your PIN is set." in set_pin.text
    assert "ketpath is locked" not in set_pin.text


def test_the_device_still_locks_after_the_lock_time_idle(
    alice: Account, client: TestClient, clock: Clock
) -> None:
    kept = _kept_client(client, alice)
    clock.now += timedelta(seconds=40)
    kept.post("/account/pin", data={"pin": PIN, "pin_again": PIN})
    clock.now += timedelta(seconds=16)
    page = kept.get("/history")
    assert page.status_code == 423
    assert "ketpath is locked" in page.text

"""Only a few argon2 hashes run at once; the rest are told to come back (issue 11, point 4).

Each argon2id hash of the default profile takes 64 MiB; 120 concurrent failed
logins drove the server from 144 MiB to 2.4 GiB. Hashing now takes one of
``Settings.hashing_slots`` slots (default 4); a request that cannot get one
within ``hashing_wait_seconds`` is answered 503 with ``Retry-After``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from ketpath.web.app import create_app
from ketpath.web.settings import Settings
from webtest import BASE_URL, settings_for


def test_hashing_slots_default_to_four() -> None:
    assert Settings().hashing_slots == 4


def test_a_login_is_answered_503_with_retry_after_when_every_slot_is_busy(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, hashing_slots=1, hashing_wait_seconds=0.05))
    slots = app.state.hasher.slots
    with TestClient(app, base_url=BASE_URL) as client:
        assert slots.acquire(timeout=1)
        try:
            busy = client.post("/login", data={"email": "a@example.org", "password": "a guess"})
            busy_register = client.post(
                "/register", data={"email": "b@example.org", "password": "a long passphrase"}
            )
        finally:
            slots.release()
        free = client.post("/login", data={"email": "a@example.org", "password": "a guess"})
    app.state.db.close()
    assert busy.status_code == 503
    assert int(busy.headers["retry-after"]) >= 1
    assert busy_register.status_code == 503
    assert free.status_code == 400


def test_no_more_hashes_run_at_once_than_there_are_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = 0
    most = 0
    guard = threading.Lock()
    original = PasswordHasher.verify

    def slow_verify(self: PasswordHasher, password_hash: str, password: str) -> bool:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return original(self, password_hash, password)
        finally:
            with guard:
                running -= 1

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    app = create_app(settings_for(tmp_path, hashing_slots=2, hashing_wait_seconds=10))
    with TestClient(app, base_url=BASE_URL) as client:

        def attempt(number: int) -> int:
            data = {"email": f"n{number}@example.org", "password": "a wrong guess"}
            response: httpx2.Response = client.post("/login", data=data)
            return response.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(attempt, range(12)))
    app.state.db.close()
    assert statuses == [400] * 12
    assert most == 2

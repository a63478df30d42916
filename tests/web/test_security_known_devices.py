"""A stranger's wrong guesses cannot lock a person out of a device they have used (issue 11, point 8).

Five wrong passwords a minute kept any account locked. A successful login now
leaves a long-lived device cookie (a random token the server keeps only as a
hash); a login that carries a valid one for the same account spends a bucket
of that device instead of the account's (OWASP, "Slow Down Online Guessing
Attacks with Device Cookies").
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from webtest import BASE_URL, Account, login

DEVICE_COOKIE = "ketpath-device"


def _lock_out(app: FastAPI, email: str) -> None:
    """Wrong guesses from a new client until the account's bucket is empty."""
    with TestClient(app, base_url=BASE_URL) as stranger:
        statuses = [login(stranger, email, "a wrong guess").status_code for _ in range(6)]
    assert statuses[-1] == 429


def test_a_successful_login_leaves_a_long_lived_device_cookie(
    client: TestClient, alice: Account
) -> None:
    response = login(client, alice.email, alice.password)
    cookies = response.headers.get_list("set-cookie")
    device = next(cookie for cookie in cookies if cookie.startswith(f"{DEVICE_COOKIE}="))
    assert "HttpOnly" in device and "Max-Age=" in device and "SameSite=lax" in device
    assert "alice" not in device


def test_a_known_device_still_gets_in_while_a_stranger_locks_the_account(
    app: FastAPI, alice: Account
) -> None:
    _lock_out(app, alice.email)
    with TestClient(app, base_url=BASE_URL) as new_device:
        assert login(new_device, alice.email, alice.password).status_code == 429
    assert login(alice.client, alice.email, alice.password).status_code == 303


def test_wrong_passwords_from_a_known_device_spend_that_devices_own_bucket(
    app: FastAPI, alice: Account
) -> None:
    statuses = [login(alice.client, alice.email, "a wrong guess").status_code for _ in range(5)]
    assert statuses == [400] * 5
    assert login(alice.client, alice.email, alice.password).status_code == 429
    with TestClient(app, base_url=BASE_URL) as other_device:
        assert login(other_device, alice.email, alice.password).status_code == 303


def test_another_accounts_device_cookie_does_not_help(
    app: FastAPI, alice: Account, charlie: Account
) -> None:
    _lock_out(app, alice.email)
    assert login(charlie.client, alice.email, alice.password).status_code == 429


def test_a_forged_device_cookie_does_not_help(app: FastAPI, alice: Account) -> None:
    _lock_out(app, alice.email)
    with TestClient(app, base_url=BASE_URL) as forger:
        forger.cookies.set(DEVICE_COOKIE, "made-up")
        assert login(forger, alice.email, alice.password).status_code == 429

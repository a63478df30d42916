"""Over https every cookie the app sets is ``Secure``, the locale cookie too (issue 11, point 16)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.present import views
from webtest import Account, login


def test_over_https_the_locale_cookie_is_secure(app: FastAPI, alice: Account) -> None:
    locale = next(iter(dict(views.locale_options())))
    with TestClient(app, base_url="https://127.0.0.1") as secure:
        assert login(secure, alice.email, alice.password).status_code == 303
        response = secure.post("/help/locale", data={"locale": locale}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ketpath_locale=")
    assert "Secure" in cookie


def test_over_plain_http_the_locale_cookie_still_works(alice: Account) -> None:
    locale = next(iter(dict(views.locale_options())))
    response = alice.client.post("/help/locale", data={"locale": locale}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ketpath_locale=")
    assert "Secure" not in cookie

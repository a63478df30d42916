"""The security baseline: headers on every response, cross-site writes refused, cookies,
session timeouts, the login rate limit, generic errors, bounded request bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import update

from ketpath.store import Database
from ketpath.store.tables import sessions
from ketpath.web import accounts, api, pages
from ketpath.web.app import create_app
from webtest import BASE_URL, Account, login, settings_for

PAGES = ["/login", "/register", "/account", "/", "/healthz", "/openapi.json", "/no-such-page"]


def _check_headers(headers: Mapping[str, str]) -> None:
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(alice: Account, path: str) -> None:
    response = alice.client.get(path, follow_redirects=False)
    _check_headers(response.headers)
    assert response.headers["cache-control"] == "no-store"


def test_anonymous_pages_and_errors_carry_them_too(client: TestClient) -> None:
    for path in PAGES:
        _check_headers(client.get(path, follow_redirects=False).headers)


def test_static_files_can_be_cached_and_still_carry_the_headers(client: TestClient) -> None:
    response = client.get("/static/ketpath-2.0.css")
    assert response.status_code == 200
    _check_headers(response.headers)
    assert "no-store" not in response.headers["cache-control"]


def test_the_vendored_htmx_is_version_2_and_loaded_deferred(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<script src="/static/htmx-2.0.11.min.js" defer></script>' in page
    assert client.get("/static/htmx-2.0.11.min.js").status_code == 200
    assert client.get("/static/htmx-LICENSE.txt").status_code == 200


def test_templates_have_no_inline_script_or_style(client: TestClient, alice: Account) -> None:
    for path in ["/login", "/register", "/account"]:
        page = alice.client.get(path).text if path == "/account" else client.get(path).text
        assert "<script>" not in page
        assert "<style" not in page
        assert " style=" not in page
        assert "http://" not in page.replace("http://127.0.0.1", "")
        assert "https://" not in page


# ---------------------------------------------------------------- cross-site requests


def _write_routes() -> list[tuple[str, str]]:
    """Every non-GET route of the app's routers, path parameters filled with 1."""
    found = []
    for router in (accounts.router, api.router, pages.router):
        for route in router.routes:
            if isinstance(route, APIRoute):
                assert route.methods is not None
                for method in route.methods - {"GET", "HEAD"}:
                    found.append((method, re.sub(r"\{[^}]+\}", "1", route.path)))
    return found


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_every_write_route_refuses_cross_site_requests(
    app: FastAPI, alice: Account, headers: dict[str, str]
) -> None:
    routes = _write_routes()
    assert ("POST", "/login") in routes
    assert ("POST", "/api/v1/records") in routes
    for method, path in routes:
        response = alice.client.request(
            method, path, headers={**headers, **alice.api}, follow_redirects=False
        )
        assert response.status_code == 403, (method, path, headers)
    assert alice.client.get("/account").status_code == 200


def test_same_origin_browser_requests_are_allowed(alice: Account) -> None:
    for headers in [{"Sec-Fetch-Site": "same-origin"}, {"Origin": BASE_URL}]:
        response = alice.client.post("/logout", headers=headers, follow_redirects=False)
        assert response.status_code == 303
        login(alice.client, alice.email, alice.password)


def test_a_cross_site_login_does_not_even_spend_a_rate_limit_token(
    client: TestClient, alice: Account
) -> None:
    for _ in range(10):
        response = client.post(
            "/login",
            data={"email": alice.email, "password": "wrong"},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 403
    assert login(client, alice.email, alice.password).status_code == 303


# ---------------------------------------------------------------- cookies and sessions


def test_on_plain_http_the_cookie_has_the_fallback_name(client: TestClient, alice: Account) -> None:
    response = login(client, alice.email, alice.password)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ketpath-session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie


def test_over_https_the_cookie_is_host_prefixed_and_secure(app: FastAPI, alice: Account) -> None:
    with TestClient(app, base_url="https://127.0.0.1") as secure:
        response = login(secure, alice.email, alice.password)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-ketpath-session=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie
        assert secure.get("/account").status_code == 200
        assert "max-age=" in secure.get("/login").headers["strict-transport-security"]


def test_the_session_token_is_stored_only_as_a_hash(alice: Account, db: Database) -> None:
    token = alice.client.cookies["ketpath-session"]
    with db.engine.connect() as connection:
        stored = connection.execute(sessions.select()).first()
    assert stored is not None
    assert token not in stored.token_hash


def test_an_idle_session_expires(alice: Account, db: Database) -> None:
    with db.engine.begin() as connection:
        row = connection.execute(sessions.select()).first()
        assert row is not None
        connection.execute(update(sessions).values(last_seen=row.last_seen - timedelta(minutes=31)))
    response = alice.client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with db.engine.connect() as connection:
        assert connection.execute(sessions.select()).first() is None


def test_a_session_in_use_is_kept_alive(alice: Account, db: Database) -> None:
    with db.engine.begin() as connection:
        row = connection.execute(sessions.select()).first()
        assert row is not None
        connection.execute(update(sessions).values(last_seen=row.last_seen - timedelta(minutes=29)))
    assert alice.client.get("/account", follow_redirects=False).status_code == 200
    with db.engine.connect() as connection:
        refreshed = connection.execute(sessions.select()).first()
    assert refreshed is not None and refreshed.last_seen > row.last_seen


def test_a_session_ends_after_its_absolute_lifetime(alice: Account, db: Database) -> None:
    with db.engine.begin() as connection:
        row = connection.execute(sessions.select()).first()
        assert row is not None
        connection.execute(update(sessions).values(created_at=row.created_at - timedelta(hours=13)))
    assert alice.client.get("/account", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------- login rate limit


def test_login_is_rate_limited_per_account_and_the_limit_survives_a_restart(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, login_attempts=3, login_refill_seconds=600)
    app = create_app(settings)
    with TestClient(app, base_url=BASE_URL) as client:
        client.post("/register", data={"email": "d@example.org", "password": "dora's passphrase"})
        client.post("/register", data={"email": "e@example.org", "password": "eve's passphrase!"})
        client.post("/logout")
        for _ in range(3):
            wrong = client.post("/login", data={"email": "d@example.org", "password": "guess 1234"})
            assert wrong.status_code == 400
        limited = client.post(
            "/login", data={"email": "d@example.org", "password": "dora's passphrase"}
        )
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert login(client, "e@example.org", "eve's passphrase!").status_code == 303
    app.state.db.close()
    restarted = create_app(settings)
    with TestClient(restarted, base_url=BASE_URL) as client:
        again = client.post(
            "/login", data={"email": "d@example.org", "password": "dora's passphrase"}
        )
        assert again.status_code == 429
    restarted.state.db.close()


def test_logins_from_one_address_are_rate_limited(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, address_attempts=4, address_refill_seconds=600))
    with TestClient(app, base_url=BASE_URL) as client:
        statuses = [
            client.post(
                "/login", data={"email": f"n{i}@example.org", "password": "guess 1234"}
            ).status_code
            for i in range(5)
        ]
    app.state.db.close()
    assert statuses == [400, 400, 400, 400, 429]


# ---------------------------------------------------------------- errors and sizes


def test_an_unexpected_error_shows_a_generic_page_with_the_headers(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail from the depths")

    @app.get("/api/v1/boom")
    def api_boom() -> None:
        raise RuntimeError("secret detail from the depths")

    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        page = client.get("/boom")
        api = client.get("/api/v1/boom")
    assert page.status_code == 500
    assert "secret detail" not in page.text
    assert "Traceback" not in page.text
    assert "Something went wrong" in page.text
    _check_headers(page.headers)
    assert api.status_code == 500
    assert api.json() == {"detail": "Internal error."}
    _check_headers(api.headers)


def test_a_request_body_over_the_limit_is_refused(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, max_body_bytes=1000))
    with TestClient(app, base_url=BASE_URL) as client:
        response = client.post("/login", data={"email": "x" * 2000, "password": "y"})
    app.state.db.close()
    assert response.status_code == 413


def test_not_found_pages_are_generic(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.text

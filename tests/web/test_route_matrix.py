"""Every route, tried anonymously, as the owner, as another person and as a clinician.

Alice owns a history that carries a marker no one else's does. The matrix
walks every route of the app's routers (so a new route is tried without
anyone remembering to add it) and checks: anonymous visitors are sent to log
in (pages) or refused (API); Alice gets her pages; Charlie (another person)
and Bob (a clinician without consent) never see the marker, and a route that
names one of Alice's records by id answers them 404, exactly as for a record
that does not exist. Alice's history is intact at the end.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ketpath.knowledge import claims
from ketpath.services import OPERATOR, import_records, person_records
from ketpath.store import Database
from ketpath.web import accounts, api, pages
from webtest import Account

MARKER = "alice-private-marker-7f3a"
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/login/recover"),
    ("POST", "/login/recover"),
    ("POST", "/logout"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
}
DESTRUCTIVE_FOR_OWNER = {
    ("POST", "/account/delete"),
    ("POST", "/logout"),
    ("POST", "/records/{record_id}/delete"),
    ("DELETE", "/api/v1/records/{record_id}"),
}


def all_routes() -> list[tuple[str, str]]:
    found = [("GET", "/healthz"), ("GET", "/openapi.json")]
    for router in (accounts.router, api.router, pages.router):
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.methods is not None
            found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


ROUTES = all_routes()


def _fill(path: str, record_id: int) -> str:
    values = {
        "record_id": str(record_id),
        "instrument_id": "phq9",
        "kind": "mood",
        "topic": next(iter(claims().values())).topic,
    }
    return re.sub(r"\{([^}]+)\}", lambda match: values[match.group(1)], path)


@pytest.fixture
def alice_record(alice: Account, db: Database, alice_history: str) -> int:
    from ketpath.interop.jsonl import parse_jsonl

    records = parse_jsonl(alice_history.splitlines())
    marked = parse_jsonl(
        [
            '{"type":"use","time":"2026-05-13T22:00:00+01:00","route":"intranasal",'
            f'"setting":"home-alone","motive":"boredom","note":"{MARKER}"}}'
        ]
    )
    assert alice.person_name is not None
    import_records(db, alice.person_name, [*records, *marked], create=False, author=OPERATOR)
    listed = alice.client.get("/api/v1/records", headers=alice.api).json()["records"]
    record_id = next(item["id"] for item in listed if item["record"].get("note") == MARKER)
    assert isinstance(record_id, int)
    return record_id


def _request(
    client: TestClient, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body: dict[str, object] | None = {} if method == "POST" and path.startswith("/api/") else None
    response: httpx.Response = client.request(
        method, path, json=body, headers=headers, follow_redirects=False
    )
    return response


def test_the_matrix_covers_the_routes_that_matter() -> None:
    assert ("GET", "/") in ROUTES
    assert ("GET", "/api/v1/records") in ROUTES
    assert ("POST", "/account/delete") in ROUTES
    assert len(ROUTES) >= 20


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in_or_refused(
    client: TestClient, alice_record: int, method: str, path: str
) -> None:
    client.cookies.clear()
    response = _request(client, method, _fill(path, alice_record))
    if (method, path) in PUBLIC:
        assert response.status_code < 500
    elif path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
    assert MARKER not in response.text


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_owner_gets_her_pages(
    alice: Account, alice_record: int, method: str, path: str
) -> None:
    if (method, path) in DESTRUCTIVE_FOR_OWNER:
        pytest.skip("destructive for the owner; covered by its own tests")
    response = _request(alice.client, method, _fill(path, alice_record), alice.api)
    assert response.status_code < 500
    if method == "GET" and path not in {"/login", "/register", "/login/recover"}:
        assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("who", ["charlie", "bob"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_nobody_else_reads_or_changes_alices_data(  # noqa: PLR0917 (pytest passes fixtures by position)
    request: pytest.FixtureRequest,
    alice: Account,
    alice_record: int,
    db: Database,
    who: str,
    method: str,
    path: str,
) -> None:
    other: Account = request.getfixturevalue(who)
    before = person_records(db, alice.person_name or "")
    response = _request(other.client, method, _fill(path, alice_record), other.api)
    assert response.status_code < 500
    assert MARKER not in response.text
    assert (alice.person_name or "-") not in response.text
    if "{record_id}" in path:
        expected = {404} if who == "charlie" else {403, 404}
        assert response.status_code in expected, response.text[:300]
    assert person_records(db, alice.person_name or "") == before

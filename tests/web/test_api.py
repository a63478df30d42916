"""The JSON API: bearer tokens, all-or-nothing writes, filters, deletes, the assessment."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.services import person_records
from ketpath.store import Database
from webtest import Account

USE = {
    "type": "use",
    "time": "2026-05-01T23:10:00+01:00",
    "dose_mg": 60,
    "route": "intranasal",
    "setting": "party",
    "motive": "social",
    "co_use": ["alcohol"],
}
MOOD = {"type": "mood", "time": "2026-05-02T10:00:00+01:00", "score": 4}


def test_it_needs_a_token(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/records"),
        ("POST", "/api/v1/records"),
        ("DELETE", "/api/v1/records/1"),
        ("GET", "/api/v1/assessment"),
    ]:
        response = client.request(method, path, json=USE if method == "POST" else None)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


def test_it_refuses_a_wrong_token(client: TestClient, alice: Account) -> None:
    response = client.get("/api/v1/records", headers={"Authorization": "Bearer kp_wrong"})
    assert response.status_code == 401


def test_a_write_with_a_wrong_token_or_a_clinicians_stores_nothing(
    alice: Account, bob: Account, db: Database
) -> None:
    wrong = alice.client.post(
        "/api/v1/records", json=USE, headers={"Authorization": "Bearer kp_wrong"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json()["detail"] == "A valid bearer token is required."
    clinician = bob.client.post("/api/v1/records", json=USE, headers=bob.api)
    assert clinician.status_code == 403
    assert clinician.json()["detail"] == "This API serves a person's own records."
    assert alice.person_name is not None
    assert person_records(db, alice.person_name) == []


def test_an_api_write_takes_one_hop_to_the_thread_pool(
    alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token is checked in the write's own hop: each hop is a thread hand-over and back.

    The token lookup used to run in a hop of its own before the route's (issue 16.3).
    """
    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        wrapped = getattr(func, "func", func)  # Starlette hands over a functools.partial
        hops.append(getattr(wrapped, "__name__", repr(wrapped)))
        return await real(func, *args, **kwargs)

    alice.client.cookies.clear()  # an API client sends its token, not a page's session cookie
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    response = alice.client.post("/api/v1/records", json=USE, headers=alice.api)
    assert response.status_code == 201
    assert hops == ["_create_records"]


def test_a_session_cookie_does_not_open_the_api(alice: Account) -> None:
    assert alice.client.get("/api/v1/records").status_code == 401


def test_it_stores_one_record(alice: Account, db: Database) -> None:
    response = alice.client.post("/api/v1/records", json=USE, headers=alice.api)
    assert response.status_code == 201
    body = response.json()
    assert body["count"] == 1
    assert len(body["ids"]) == 1
    assert alice.person_name is not None
    assert len(person_records(db, alice.person_name)) == 1


def test_it_stores_a_list_and_returns_ids_in_order(alice: Account) -> None:
    response = alice.client.post("/api/v1/records", json=[USE, MOOD], headers=alice.api)
    assert response.status_code == 201
    ids = response.json()["ids"]
    listed = alice.client.get("/api/v1/records", headers=alice.api).json()["records"]
    assert [item["id"] for item in listed] == ids
    record = dict(listed[0]["record"])
    assert uuid.UUID(record.pop("id"))  # a record sent without an id is given one
    assert record == {**USE, "substance": "ketamine"}


def test_a_bad_record_stores_nothing_and_names_the_field(alice: Account, db: Database) -> None:
    bad = {**MOOD, "score": 11}
    response = alice.client.post("/api/v1/records", json=[USE, bad], headers=alice.api)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", 1, "score"]
    assert alice.person_name is not None
    assert person_records(db, alice.person_name) == []


def test_a_naive_time_is_refused(alice: Account) -> None:
    response = alice.client.post(
        "/api/v1/records", json={**USE, "time": "2026-05-01T23:10:00"}, headers=alice.api
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "time"


def test_it_filters_by_time_and_type(alice: Account) -> None:
    alice.client.post("/api/v1/records", json=[USE, MOOD], headers=alice.api)
    moods = alice.client.get("/api/v1/records", params={"type": "mood"}, headers=alice.api)
    assert [item["record"]["type"] for item in moods.json()["records"]] == ["mood"]
    later = alice.client.get(
        "/api/v1/records", params={"since": "2026-05-02T00:00:00+01:00"}, headers=alice.api
    )
    assert [item["record"]["type"] for item in later.json()["records"]] == ["mood"]
    earlier = alice.client.get(
        "/api/v1/records", params={"until": "2026-05-02T00:00:00+01:00"}, headers=alice.api
    )
    assert [item["record"]["type"] for item in earlier.json()["records"]] == ["use"]


def test_filters_refuse_naive_times_and_unknown_types(alice: Account) -> None:
    naive = alice.client.get(
        "/api/v1/records", params={"since": "2026-05-02T00:00:00"}, headers=alice.api
    )
    assert naive.status_code == 422
    unknown = alice.client.get("/api/v1/records", params={"type": "dream"}, headers=alice.api)
    assert unknown.status_code == 422


def test_it_deletes_a_record(alice: Account) -> None:
    record_id = alice.client.post("/api/v1/records", json=USE, headers=alice.api).json()["ids"][0]
    assert alice.client.delete(f"/api/v1/records/{record_id}", headers=alice.api).status_code == 204
    assert alice.client.delete(f"/api/v1/records/{record_id}", headers=alice.api).status_code == 404


def test_nobody_deletes_or_reads_another_persons_record(alice: Account, charlie: Account) -> None:
    record_id = alice.client.post("/api/v1/records", json=USE, headers=alice.api).json()["ids"][0]
    response = charlie.client.delete(f"/api/v1/records/{record_id}", headers=charlie.api)
    assert response.status_code == 404
    assert charlie.client.get("/api/v1/records", headers=charlie.api).json() == {"records": []}
    assert len(alice.client.get("/api/v1/records", headers=alice.api).json()["records"]) == 1


def test_a_clinician_token_has_no_records_of_its_own(bob: Account) -> None:
    assert bob.client.get("/api/v1/records", headers=bob.api).status_code == 403


def test_the_assessment_is_the_same_json_as_the_cli(
    alice: Account, alice_history: str, tmp_path: Path
) -> None:
    # Her own records: the drug screen is the clinic's to enter.
    own_history = "".join(
        line + "\n" for line in alice_history.splitlines() if '"drug-screen"' not in line
    )
    records = [json.loads(line) for line in own_history.splitlines()]
    assert alice.client.post("/api/v1/records", json=records, headers=alice.api).status_code == 201
    as_of = "2026-05-14T12:00:00+01:00"
    response = alice.client.get("/api/v1/assessment", params={"as_of": as_of}, headers=alice.api)
    assert response.status_code == 200
    history = tmp_path / "alice.jsonl"
    history.write_text(own_history, encoding="utf-8")
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ketpath.cli import main; main()",
            "assess",
            str(history),
            "--as-of",
            as_of,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert response.json() == json.loads(printed)


def test_an_out_of_range_as_of_is_refused(alice: Account) -> None:
    response = alice.client.get(
        "/api/v1/assessment", params={"as_of": "0001-01-01T00:00:00+00:00"}, headers=alice.api
    )
    assert response.status_code == 422


def test_the_liveness_probe_is_matched_before_any_other_route(
    app: FastAPI, client: TestClient
) -> None:
    # Routes are matched in order; a probe matched after every router's routes
    # spent a quarter of its time matching (issue 16.3).
    # Only FastAPI's own /openapi.json comes before it.
    first = [getattr(route, "path", None) for route in app.router.routes[:2]]
    assert first == ["/openapi.json", "/healthz"]
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_the_openapi_document_describes_only_the_api(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) == {
        "/api/v1/records",
        "/api/v1/records/{record_id}",
        "/api/v1/assessment",
        "/api/v1/shares",
        "/api/v1/shares/redeem",
        "/api/v1/shares/{share_id}",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}/assessment",
        "/api/v1/patients/{patient_id}/records",
        "/healthz",
    }  # no page routes
    assert "HTTPBearer" in document["components"]["securitySchemes"]

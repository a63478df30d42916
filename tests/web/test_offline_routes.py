"""The manifest, the service worker and the offline entries' route (issue 14, point 4).

What a browser needs to install ketpath and run its worker, with the headers
that keep health data off the phone: the strict Content-Security-Policy on
every one of them, and ``no-store`` on the worker's script (so an update is
seen) and on the entries' answers. Entries sent from the offline queue are
stored once per idempotency key, in the right account, at the time they were
made, and refused without a session or from another site.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketpath.core.records import Craving, Use
from ketpath.services import person_records
from ketpath.store import Database
from ketpath.web.security import CONTENT_SECURITY_POLICY
from webtest import BASE_URL, Account

KEY = "0b4a3c2e-5d6f-4a7b-8c9d-0e1f2a3b4c5d"
MADE_AT = "2026-03-01T21:15:00+00:00"


def _entry(kind: str = "use", fields: list[list[str]] | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "fields": fields if fields is not None else [["route", "intranasal"], ["dose_mg", "40"]],
        "made_at": MADE_AT,
    }


def _send(client: TestClient, body: Any, key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/offline/entries", json=body, headers=headers)


def _records(db: Database, account: Account) -> list[Any]:
    assert account.person_name is not None
    return [r for r in person_records(db, account.person_name) if r.type != "profile"]


def test_the_manifest_names_the_app_and_its_icons_are_served(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    manifest = json.loads(response.text)
    assert manifest["name"] == "ketpath"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        assert served.headers["content-type"] == icon["type"]
        if icon["type"] == "image/png":
            width, height = icon["sizes"].split("x")
            # PNG: the IHDR chunk holds width and height, big-endian, at bytes 16-24.
            assert int.from_bytes(served.content[16:20], "big") == int(width)
            assert int.from_bytes(served.content[20:24], "big") == int(height)


def test_every_page_links_the_manifest_and_loads_the_queue_script(
    client: TestClient, alice: Account
) -> None:
    for path in ("/login", "/", "/log"):
        text = (
            (client if path != "/login" else TestClient(client.app, base_url=BASE_URL))
            .get(path)
            .text
        )
        assert '<link rel="manifest" href="/manifest.webmanifest">' in text, path
        assert '<script src="/static/offline-queue.js"' in text, path
    assert f'data-account="{alice.user_id}"' in client.get("/log").text


def test_the_service_worker_is_served_from_the_root_with_its_shell_and_no_store(
    client: TestClient,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    first_line, _, rest = response.text.partition("\n")
    assert first_line.startswith("self.KETPATH_SHELL = ")
    shell = json.loads(first_line.removeprefix("self.KETPATH_SHELL = ").rstrip(";"))
    assert "/static/ketpath-2.0.css" in shell["urls"]
    assert "/static/icons/lucide-1.62.0.svg" in shell["urls"]
    assert "/static/offline-queue.js" in shell["urls"]
    assert "/static/icon-192.png" in shell["urls"]
    assert "/offline" in shell["urls"]
    assert "/sw.js" not in shell["urls"] and "/static/sw.js" not in shell["urls"]
    assert not any(url.startswith("/api/") for url in shell["urls"])
    assert 'addEventListener("fetch"' in rest
    for url in shell["urls"]:
        assert client.get(url).status_code == 200, url


def test_the_offline_page_shows_no_one_signed_in(client: TestClient, alice: Account) -> None:
    response = client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.text
    assert "Log out" not in response.text
    assert 'data-account=""' in response.text


def test_an_entry_made_offline_is_stored_once_at_the_time_it_was_made(
    client: TestClient, alice: Account, db: Database
) -> None:
    first = _send(client, _entry())
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["count"] == 1
    retry = _send(client, _entry())
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    stored = _records(db, alice)
    assert len(stored) == 1
    [use] = stored
    assert isinstance(use, Use)
    assert use.dose_mg == 40
    assert use.route == "intranasal"
    assert use.time == datetime(2026, 3, 1, 21, 15, tzinfo=UTC)


def test_the_button_pressed_is_one_of_the_fields(
    client: TestClient, alice: Account, db: Database
) -> None:
    response = _send(client, _entry("craving", [["utc_offset", "60"], ["intensity", "6"]]))
    assert response.status_code == 201
    [craving] = _records(db, alice)
    assert isinstance(craving, Craving)
    assert craving.intensity == 6


def test_a_device_clock_running_ahead_is_held_to_now(
    client: TestClient, alice: Account, db: Database
) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {**_entry("mood", [["score", "5"]]), "made_at": ahead}
    assert _send(client, body).status_code == 201
    [mood] = _records(db, alice)
    assert mood.time is not None
    assert mood.time <= datetime.now(UTC)


def test_the_same_key_with_another_entry_is_refused(
    client: TestClient, alice: Account, db: Database
) -> None:
    assert _send(client, _entry()).status_code == 201
    other = _send(client, _entry("mood", [["score", "3"]]))
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert len(_records(db, alice)) == 1


def test_a_bad_entry_is_refused_in_words_and_nothing_is_stored(
    client: TestClient, alice: Account, db: Database
) -> None:
    missing_key = _send(client, _entry(), key=None)
    assert missing_key.status_code == 422
    assert "Idempotency-Key" in missing_key.json()["detail"]
    bad_score = _send(client, _entry("mood", [["score", "12"]]))
    assert bad_score.status_code == 422
    assert bad_score.json()["detail"].startswith("score: ")
    unknown_kind = _send(client, _entry("drug-screen"), key=KEY + "-2")
    assert unknown_kind.status_code == 422
    assert _records(db, alice) == []


def test_it_needs_a_session_and_answers_in_json(client: TestClient, db: Database) -> None:
    response = _send(client, _entry())
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in to send the entries waiting on this device."}


def test_a_clinician_has_no_entries_to_send(bob: Account) -> None:
    response = _send(bob.client, _entry())
    assert response.status_code == 403


def test_it_refuses_a_cross_site_post(client: TestClient, alice: Account, db: Database) -> None:
    response = client.post(
        "/offline/entries",
        json=_entry(),
        headers={"Idempotency-Key": KEY, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert _records(db, alice) == []


def test_keys_belong_to_one_account(
    client: TestClient, alice: Account, charlie: Account, db: Database
) -> None:
    assert _send(client, _entry()).status_code == 201
    assert _send(charlie.client, _entry()).status_code == 201
    assert len(_records(db, alice)) == 1
    assert len(_records(db, charlie)) == 1

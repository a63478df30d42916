"""Issue 16, point 1, through the app: a record posted to the API makes the roster current off the request.

The app's lifespan runs the roster refresher (``app.state.roster_refresher``);
once it has caught up after Alice's write, Bob's roster page and API read her
stored summary, and neither request assesses anyone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from ketpath.services import roster as roster_module
from ketpath.services.roster_refresh import RosterRefresher
from webtest import Account


def test_a_posted_record_reaches_the_roster_without_the_roster_assessing(
    alice: Account, bob: Account, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = alice.client.post("/api/v1/shares", headers=alice.api)
    redeemed = bob.client.post(
        "/api/v1/shares/redeem",
        json={"code": created.json()["code"], "label": "Alice"},
        headers=bob.api,
    )
    assert redeemed.status_code == 201, redeemed.text
    patient_id = int(redeemed.json()["patient_id"])
    assessed: list[str] = []
    real = roster_module.summarise_person

    def counted(records: Any, now: Any) -> Any:
        assessed.append("assessed")
        return real(records, now)

    monkeypatch.setattr(roster_module, "summarise_person", counted)
    refresher: RosterRefresher = app.state.roster_refresher
    symptom = {
        "type": "symptom",
        "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "symptom": "blood-in-urine",
        "severity": 2,
    }
    posted = alice.client.post("/api/v1/records", json=symptom, headers=alice.api)
    assert posted.status_code == 201, posted.text
    assert refresher.wait_until_idle(timeout=30)
    assert assessed  # the refresher did the work, after the write had answered

    assessed.clear()
    page = bob.client.get("/patients")
    listing = bob.client.get("/api/v1/patients", headers=bob.api)
    assert assessed == []  # both requests read the stored summary
    assert f'<a href="/patients/{patient_id}">Alice</a></th><td class="level-urgent">' in page.text
    [row] = listing.json()["patients"]
    assert (row["patient_id"], row["red_flag_level"], row["assessed"]) == (
        patient_id,
        "urgent",
        True,
    )

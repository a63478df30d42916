"""Issue 11, point 2: one record dated in year 0001 must not break a person's pages or a
clinician's roster. Times are bounded in core.records for every entry point, and the
roster and pages degrade one person at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ketpath.services.read as read_module
import ketpath.services.roster as roster_module
from ketpath.cli import run
from ketpath.core.assess import assess
from ketpath.core.records import parse_record
from ketpath.services import import_records, person_records
from ketpath.store import Database
from webtest import Account, share_records

FAR_TIMES = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "1899-12-31T23:59:59+00:00",
    "2201-01-01T00:00:00+00:00",
]


@pytest.mark.parametrize("time", FAR_TIMES)
def test_the_api_refuses_a_far_time_with_a_clear_422_and_stores_nothing(
    alice: Account, db: Database, time: str
) -> None:
    response = alice.client.post(
        "/api/v1/records", json={"type": "use", "time": time}, headers=alice.api
    )
    assert response.status_code == 422
    assert "the year must be between 1900 and 2200" in response.text
    assert alice.person_name is not None
    assert person_records(db, alice.person_name) == []


@pytest.mark.parametrize("time", FAR_TIMES)
def test_the_cli_import_refuses_a_far_time_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], time: str
) -> None:
    source = tmp_path / "far.jsonl"
    source.write_text(
        f'{{"type":"use","time":"2026-01-01T00:00:00Z"}}\n{{"type":"use","time":"{time}"}}\n'
    )
    code = run(["import", str(source), "--person", "kim", "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "line 2: time: the year must be between 1900 and 2200" in err
    assert "INSERT" not in err and "SELECT" not in err


def test_the_api_refuses_a_far_as_of(alice: Account) -> None:
    response = alice.client.get(
        "/api/v1/assessment", params={"as_of": "0001-01-01T00:00:00+05:00"}, headers=alice.api
    )
    assert response.status_code == 422
    assert "the year must be between 1900 and 2200" in response.text


def test_one_history_that_cannot_be_assessed_does_not_hide_the_rest_of_the_roster(
    alice: Account, charlie: Account, bob: Account, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert alice.person_name is not None and charlie.person_name is not None
    symptom = {"type": "symptom", "time": "2026-05-20T09:00:00+00:00", "severity": 2}
    import_records(db, alice.person_name, [parse_record({**symptom, "symptom": "jaundice"})])
    import_records(db, charlie.person_name, [parse_record({**symptom, "symptom": "anxiety"})])
    alice_id = share_records(alice, bob).patient_id
    charlie_id = share_records(charlie, bob).patient_id
    real = roster_module.summarise_person

    def failing_for_charlie(records: Any, now: Any) -> Any:
        if any(getattr(r, "symptom", None) == "anxiety" for r in records):
            raise OverflowError("date value out of range")
        return real(records, now)

    monkeypatch.setattr(roster_module, "summarise_person", failing_for_charlie)
    page = bob.client.get("/patients")
    assert page.status_code == 200
    text = page.text
    assert f'href="/patients/{alice_id}"' in text  # the others are all still there
    assert f'href="/patients/{charlie_id}"' in text
    assert "Could not be assessed" in text
    assert text.index(f'href="/patients/{charlie_id}"') < text.index(f'href="/patients/{alice_id}"')
    api = bob.client.get("/api/v1/patients", headers=bob.api)
    assert api.status_code == 200
    rows = {row["patient_id"]: row for row in api.json()["patients"]}
    assert rows[charlie_id]["assessed"] is False and rows[alice_id]["assessed"] is True


def test_a_person_whose_history_cannot_be_assessed_still_reaches_history_to_fix_it(
    alice: Account, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert alice.person_name is not None
    import_records(
        db, alice.person_name, [parse_record({"type": "use", "time": "2026-05-20T09:00:00Z"})]
    )
    real = assess  # what services.read calls, patched below

    def failing(records: Any, *args: Any, **kwargs: Any) -> Any:
        if records:
            raise OverflowError("date value out of range")
        return real(records, *args, **kwargs)

    monkeypatch.setattr(read_module, "assess", failing)
    for path in ("/", "/log", "/history", "/plan", "/learn"):
        page = alice.client.get(path)
        assert page.status_code == 200, path
        assert "Your history could not be assessed" in page.text
    assert 'href="/records/' in alice.client.get("/history").text  # the entry can be opened

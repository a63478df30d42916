"""FHIR import through the services and ``ketpath import --fhir`` (issue 11, point 14).

Deep nesting and malformed entries are bad input (exit 2, nothing stored);
valid resources of types we do not read are reported in the command's output.
The service tests run on SQLite and PostgreSQL (the ``db`` fixture).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from histories import questionnaire
from ketpath.cli import run
from ketpath.interop.fhir import FhirError, bundle_for, pseudonym_for
from ketpath.services import Database, list_people, open_database
from ketpath.services.fhir import import_fhir

PHQ9 = questionnaire(1, "phq9", [1, 1, 0, 2, 1, 0, 0, 1, 0])
CONDITION = {"resourceType": "Condition", "subject": {"reference": "Patient/1"}}
ENCOUNTER = {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}


def clinic_bundle() -> dict[str, Any]:
    """Our PHQ-9 response among resources a clinic's record system also sends."""
    ours = bundle_for([PHQ9], pseudonym=pseudonym_for("alice"))["entry"][2]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": CONDITION},
            ours,
            {"resource": ENCOUNTER},
            {"resource": {**CONDITION, "id": "second"}},
        ],
    }


def _stored(db: Database) -> int:
    return sum(person.records for person in list_people(db))


def test_import_fhir_reports_the_resources_it_skipped(db: Database) -> None:
    result = import_fhir(db, "alice", json.dumps(clinic_bundle()))
    assert result.count == 1
    assert result.skipped == {"Condition": 2, "Encounter": 1}
    assert result.skipped_summary == "skipped 3 resources we do not read: 2 Condition, 1 Encounter"


def test_a_malformed_entry_stores_nothing(db: Database) -> None:
    bundle = clinic_bundle()
    bundle["entry"].append({"fullUrl": "urn:uuid:no-resource"})
    with pytest.raises(FhirError, match=r"^entry\[4\]: resource: missing"):
        import_fhir(db, "alice", bundle)
    assert _stored(db) == 0


def test_deep_nesting_stores_nothing(db: Database) -> None:
    with pytest.raises(FhirError, match="nested more than 100 deep"):
        import_fhir(db, "alice", "[" * 100_000 + "]" * 100_000)
    assert _stored(db) == 0


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def test_the_command_exits_2_on_a_hundred_thousand_deep_file(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert run(["import", "--fhir", str(deep), "--person", "x", "--db", cli_db]) == 2
    err = capsys.readouterr().err
    assert "nested more than 100 deep (line 1)" in err
    assert "RecursionError" not in err


def test_the_command_exits_2_naming_a_malformed_entry(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = clinic_bundle()
    bundle["entry"][2] = {"resource": {**ENCOUNTER, "status": 5}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle))
    assert run(["import", "--fhir", str(bad), "--person", "x", "--db", cli_db]) == 2
    assert "entry[2] Encounter: status: " in capsys.readouterr().err


def test_the_command_says_what_it_skipped_and_what_was_already_present(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FHIR is recognised by its content, without --fhir; the second import stores nothing."""
    good = tmp_path / "clinic.json"
    good.write_text(json.dumps(clinic_bundle()))
    assert run(["import", str(good), "--person", "x", "--db", cli_db]) == 0
    first = capsys.readouterr().err
    assert "Imported 1 record for x (new person)." in first
    assert "Skipped 3 resources we do not read: 2 Condition, 1 Encounter." in first
    assert run(["import", "--fhir", str(good), "--person", "x", "--db", cli_db]) == 0
    again = capsys.readouterr().err
    assert "Imported 0 records for x; 1 already present." in again
    assert "Skipped 3 resources we do not read: 2 Condition, 1 Encounter." in again
    with open_database(cli_db) as database:
        assert [(person.name, person.records) for person in list_people(database)] == [("x", 1)]

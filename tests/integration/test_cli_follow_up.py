"""Following up a red flag from the command line: it stands until then, and then clears."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ketpath.cli import run

AS_OF = "2026-06-20T12:00:00+01:00"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def _status(db: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert run(["status", "--person", "ana", "--db", db, "--as-of", AS_OF, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert isinstance(status, dict)
    return status


def test_a_standing_flag_clears_after_log_follow_up(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    symptom = ["--symptom", "blood-in-urine", "--time", "2026-06-10T09:00:00+01:00"]
    assert run(["log", "symptom", "--person", "ana", "--db", db, *symptom]) == 0
    (flag,) = _status(db, capsys)["red_flags"]
    assert (flag["id"], flag["level"], flag["standing"]) == ("blood-in-urine", "soon", True)
    assert "10 days ago" in flag["note"]

    follow = ["--flag", "blood-in-urine", "--outcome", "seen-by-doctor"]
    when = ["--time", "2026-06-15T10:00:00+01:00"]
    assert run(["log", "follow-up", "--person", "ana", "--db", db, *follow, *when]) == 0
    assert _status(db, capsys)["red_flags"] == []


def test_the_report_says_flags_still_need_care_instead_of_no_warning_signs(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    symptom = ["--symptom", "jaundice", "--time", "2026-06-01T09:00:00+01:00"]
    assert run(["log", "symptom", "--person", "ana", "--db", db, *symptom]) == 0
    capsys.readouterr()
    assert run(["status", "--person", "ana", "--db", db, "--as-of", AS_OF]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "No warning signs in this history" not in out
    assert "the red flags above still need care" in out
    assert "no follow-up recorded yet" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flag", "bladder", "--outcome", "resolved"], "--flag: unknown red flag 'bladder'"),
        (["--flag", "jaundice", "--outcome", "ignored"], "--outcome: unknown value 'ignored'"),
    ],
)
def test_log_follow_up_refuses_bad_values_by_name(
    args: list[str], message: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["log", "follow-up", "--person", "ana", "--db", db, *args]) == 2
    assert message in capsys.readouterr().err

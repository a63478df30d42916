"""The stored-history commands end to end on SQLite: import, export, log, status, people."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketpath.cli import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def test_import_then_export_is_byte_identical_to_the_canonical_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = EXAMPLES / "escalating-user.jsonl"
    assert run(["assess", str(source), "--json", "--as-of", "2026-06-30T20:00:00+01:00"]) == 0
    capsys.readouterr()
    assert run(["import", str(source), "--person", "sam", "--db", db]) == 0
    first = tmp_path / "first.jsonl"
    assert run(["export", "--person", "sam", "--db", db, "-o", str(first)]) == 0
    assert run(["import", str(first), "--person", "sam-copy", "--db", db]) == 0
    capsys.readouterr()
    assert run(["export", "--person", "sam-copy", "--db", db]) == 0
    assert capsys.readouterr().out == first.read_text()


def test_a_failed_import_stores_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    good_line = (EXAMPLES / "festival-user.jsonl").read_text().splitlines()[1]
    bad.write_text(
        f'{good_line}\n{good_line}\n{{"type":"mood","time":"2026-01-01T00:00:00Z","score":11}}\n'
    )
    assert run(["import", str(bad), "--person", "kim", "--db", db]) == 2
    assert "line 3: score" in capsys.readouterr().err
    assert run(["people", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_log_then_status_raises_the_red_flag(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            [
                "log",
                "use",
                "--person",
                "ana",
                "--db",
                db,
                "--dose-mg",
                "80",
                "--route",
                "intranasal",
                "--co-use",
                "alcohol",
                "--time",
                "2026-06-01T22:00:00+01:00",
            ]
        )
        == 0
    )
    assert (
        run(
            [
                "log",
                "symptom",
                "--person",
                "ana",
                "--db",
                db,
                "--symptom",
                "chest-pain",
                "--severity",
                "3",
                "--time",
                "2026-06-02T09:00:00+01:00",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        run(
            [
                "status",
                "--person",
                "ana",
                "--db",
                db,
                "--json",
                "--as-of",
                "2026-06-03T09:00:00+01:00",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["red_flags"][0]["id"] == "chest-pain"
    assert result["red_flags"][0]["level"] == "emergency"
    assert result["stage"] == "experimental"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "use", "--route", "ear"], "--route: unknown value 'ear'"),
        (["log", "craving", "--intensity", "12"], "--intensity:"),
        (["log", "symptom", "--symptom", "sadness"], "--symptom: unknown value 'sadness'"),
        (["log", "goal", "--goal", "stop", "--until", "someday"], "--until: not a date"),
        (["log", "mood", "--score", "5", "--time", "noon"], "--time: not an ISO 8601 time"),
    ],
)
def test_log_rejects_bad_fields_by_name(
    args: list[str], message: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*args, "--person", "ana", "--db", db]) == 2
    assert message in capsys.readouterr().err


def test_status_of_an_unknown_person_is_bad_input(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["status", "--person", "nobody", "--db", db]) == 2
    assert "nobody" in capsys.readouterr().err


def test_people_lists_each_person_once(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("a", "b"):
        assert (
            run(["import", str(EXAMPLES / "festival-user.jsonl"), "--person", name, "--db", db])
            == 0
        )
    capsys.readouterr()
    assert run(["people", "--db", db, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["a", "b"]
    assert rows[0]["records"] == len((EXAMPLES / "festival-user.jsonl").read_text().splitlines())


def test_fhir_export_reimports_to_the_same_scores(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = EXAMPLES / "recovery-with-bladder-symptoms.jsonl"
    assert run(["import", str(source), "--person", "lee", "--db", db]) == 0
    bundle = tmp_path / "lee.fhir.json"
    assert run(["export", "--person", "lee", "--fhir", "--db", db, "-o", str(bundle)]) == 0
    data = json.loads(bundle.read_text())
    assert data["resourceType"] == "Bundle" and data["type"] == "collection"
    assert "lee" not in bundle.read_text()
    assert run(["import", "--fhir", str(bundle), "--person", "lee-clinic", "--db", db]) == 0
    capsys.readouterr()
    for person in ("lee", "lee-clinic"):
        assert (
            run(
                [
                    "status",
                    "--person",
                    person,
                    "--db",
                    db,
                    "--json",
                    "--as-of",
                    "2026-06-30T20:00:00+01:00",
                ]
            )
            == 0
        )
    first, second = (json.loads(chunk) for chunk in _split_json(capsys.readouterr().out))
    assert first["questionnaires"]["puf"]["total"] == second["questionnaires"]["puf"]["total"] == 20


def test_bad_fhir_is_refused_with_a_reason(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    assert run(["import", "--fhir", str(bad), "--person", "x", "--db", db]) == 2
    assert "QuestionnaireResponse" in capsys.readouterr().err


def _split_json(text: str) -> list[str]:
    decoder, chunks, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        _, end = decoder.raw_decode(text, index)
        chunks.append(text[index:end])
        index = end
    return chunks


def test_a_wrong_passphrase_is_bad_input_with_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sqlcipher3")
    db = str(tmp_path / "secret.db")
    monkeypatch.setenv("KETPATH_DB_PASSPHRASE", "correct horse battery staple")
    assert (
        run(["import", str(EXAMPLES / "festival-user.jsonl"), "--person", "kim", "--db", db]) == 0
    )
    monkeypatch.setenv("KETPATH_DB_PASSPHRASE", "wrong passphrase entirely")
    capsys.readouterr()
    assert run(["people", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "passphrase" in err.lower() and "Traceback" not in err

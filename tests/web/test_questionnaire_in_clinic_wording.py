"""A clinic's own question wording on the questionnaire page (issue 15, point 3).

ketpath ships no published Chinese PHQ-9; a clinic that holds one gives it
with ``serve --wording FOLDER``. These tests read the page a person sees in
Hong Kong Chinese with such a folder: the clinic's questions and answer
labels, where they came from, and the same score as with ketpath's labels.
Other languages keep what they showed. The texts are made up for the tests.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ketpath.cli import app as cli_app
from ketpath.cli import run, server
from ketpath.core.instruments import score
from ketpath.core.records import Questionnaire
from ketpath.services import person_records
from ketpath.store import Database
from ketpath.web.settings import Settings
from webtest import Account, settings_for

PHQ9_HK = "\n".join(
    [
        'instrument = "phq9"',
        'language = "zh-Hant-HK"',
        'source = "測試診所的 PHQ-9 中文版（測試用）"',
        "[items]",
        *(f'q{n} = "診所題目{n}"' for n in range(1, 10)),
        "[options]",
        '0 = "診所答案零"',
        '3 = "診所答案三"',
    ]
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "wording"
    folder.mkdir()
    (folder / "phq9-hk.toml").write_text(PHQ9_HK, encoding="utf-8")
    return dataclasses.replace(settings_for(tmp_path), wording_dir=folder)


def _legends(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", legend).split())
        for legend in re.findall(r"<legend>(.*?)</legend>", html, re.S)
    ]


def _choose(client: TestClient, language: str) -> None:
    chosen = client.post("/account/language", data={"language": language}, follow_redirects=False)
    assert chosen.status_code == 303


def test_the_clinic_wording_is_shown_in_its_language_with_its_source(
    alice: Account, client: TestClient
) -> None:
    _choose(client, "zh-Hant-HK")
    page = client.get("/questionnaires/phq9").text
    assert _legends(page) == [f"{n}. 診所題目{n}" for n in range(1, 10)]
    assert page.count(">診所答案零</label>") == 9
    assert page.count(">診所答案三</label>") == 9
    assert ">有幾天</label>" in page  # code 1 not given by the clinic: ketpath's label stays
    assert "測試診所的 PHQ-9 中文版（測試用）" in page
    assert "short label of our own" not in page
    assert "每條問題都是我們自己寫的簡短標籤" not in page


def test_answers_under_the_clinic_wording_score_as_always(
    alice: Account, client: TestClient, db: Database
) -> None:
    _choose(client, "zh-Hant-HK")
    answers = {f"item-q{n}": "1" for n in range(1, 10)} | {"item-q1": "3"}
    saved = client.post("/questionnaires/phq9", data=answers, follow_redirects=False)
    assert saved.status_code == 303
    stored = [r for r in person_records(db, alice.person_name or "") if r.type == "questionnaire"]
    assert len(stored) == 1
    assert isinstance(stored[0], Questionnaire)
    assert stored[0].answers == (3, 1, 1, 1, 1, 1, 1, 1, 1)
    assert score("phq9", stored[0].answers).total == 11
    refused = client.post("/questionnaires/phq9", data={"item-q1": "3"})
    assert refused.status_code == 422
    assert "1. 診所題目1" in _legends(refused.text)  # the form comes back in the clinic's words


@pytest.mark.parametrize("language", ["en", "zh-Hans", "zh-Hant-TW"])
def test_other_languages_keep_their_own_questions(
    alice: Account, client: TestClient, language: str
) -> None:
    _choose(client, language)
    page = client.get("/questionnaires/phq9").text
    assert not any("診所題目" in legend for legend in _legends(page))
    assert "測試診所" not in page
    if language == "en":
        assert _legends(page)[0] == "1. Little interest or pleasure in doing things"


def test_serve_refuses_a_bad_wording_folder_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "phq9.toml").write_text(PHQ9_HK.replace('q9 = "診所題目9"', ""), "utf-8")
    result = CliRunner().invoke(cli_app, ["serve", "--port", "1", "--wording", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: --wording: ")
    assert "phq9.toml: items: missing q9" in result.output


def test_the_wording_command_shows_the_file_beside_ketpaths_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "phq9.toml"
    path.write_text(PHQ9_HK, encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["wording", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "PHQ-9 in zh-Hant-HK, every question worded (9)" in result.output
    assert "Little interest or pleasure" in result.output
    assert "診所題目1" in result.output
    assert "診所答案三" in result.output
    path.write_text(PHQ9_HK.replace('"phq9"', '"phq10"'), encoding="utf-8")
    assert run(["wording", str(path)]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "phq9.toml: instrument: unknown instrument 'phq10'" in said


def test_serve_hands_the_wording_folder_to_the_app_and_its_workers(tmp_path: Path) -> None:
    """``serve`` builds each worker's settings from what it hands down (JSON): the folder too."""
    handed_down = json.loads(json.dumps({"wording_dir": str(tmp_path)}))
    assert server._settings(handed_down).wording_dir == tmp_path
    assert server._settings({}).wording_dir is None

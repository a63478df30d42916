"""Questionnaires: take any instrument, see the score and band, and scores over time."""

from __future__ import annotations

import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketpath.core.instruments import get_instrument, instrument_ids
from ketpath.core.records import Questionnaire
from ketpath.services import person_records
from ketpath.store import Database


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_every_instrument_can_be_taken(
    instrument_id: str, alice: Any, client: TestClient, db: Database
) -> None:
    instrument = get_instrument(instrument_id)
    form = client.get(f"/questionnaires/{instrument_id}")
    assert form.status_code == 200
    answers = {f"item-{item.id}": "0" for item in instrument.items}
    response = client.post(f"/questionnaires/{instrument_id}", data=answers)
    assert response.status_code == 200, response.text
    assert "Your score:" in response.text
    (record,) = person_records(db, alice.person_name)
    assert isinstance(record, Questionnaire)
    assert record.instrument == instrument_id


def test_phq9_shows_the_licensed_wording_and_the_score_band(alice: Any, client: TestClient) -> None:
    form = client.get("/questionnaires/phq9").text
    assert "Little interest or pleasure in doing things" in form
    answers = {f"item-q{n}": "2" for n in range(1, 10)} | {"item-q9": "0"}
    result = client.post("/questionnaires/phq9", data=answers).text
    assert "Saved. Your score: 16 of 27 — Moderately severe</h2>" in result


def test_copyrighted_instruments_show_only_our_labels(alice: Any, client: TestClient) -> None:
    form = client.get("/questionnaires/dast10").text
    assert "may not be reproduced here" in form


def test_phq9_item_9_raises_the_crisis_flag_on_the_result(alice: Any, client: TestClient) -> None:
    answers = {f"item-q{n}": "0" for n in range(1, 10)} | {"item-q9": "1"}
    result = client.post("/questionnaires/phq9", data=answers).text
    assert 'id="flag-phq9-item9"' in result
    assert result.index('id="flag-phq9-item9"') < result.index("<main")


def test_assist_skips_follow_up_questions_after_never(
    alice: Any, client: TestClient, db: Database
) -> None:
    instrument = get_instrument("assist")
    (rule,) = instrument.skip_rules[:1]
    answers = {f"item-{item.id}": "0" for item in instrument.items if item.id not in rule.skip}
    answers[f"item-{rule.when}"] = str(rule.codes[0])
    response = client.post("/questionnaires/assist", data=answers)
    assert response.status_code == 200, response.text
    (record,) = person_records(db, alice.person_name)
    assert isinstance(record, Questionnaire)
    assert record.answers.count("-") == len(rule.skip)


def test_a_missing_answer_is_named_and_nothing_stored(
    alice: Any, client: TestClient, db: Database
) -> None:
    answers = {f"item-q{n}": "1" for n in range(1, 9)}
    response = client.post("/questionnaires/phq9", data=answers)
    assert response.status_code == 422
    assert "question 9" in response.text
    assert 'value="1" checked' in response.text  # her answers are kept
    assert person_records(db, alice.person_name) == []


def test_scores_over_time_are_charted_and_tabled(alice: Any, client: TestClient) -> None:
    for value in ("0", "1", "2"):
        client.post("/questionnaires/gad7", data={f"item-q{n}": value for n in range(1, 8)})
    page = client.get("/questionnaires").text
    assert 'id="chart-scores-gad7"' in page
    assert "answered 3 times" in page
    assert page.count("<td>14</td>") == 1


def test_an_unknown_instrument_is_not_found(alice: Any, client: TestClient) -> None:
    assert client.get("/questionnaires/nope").status_code == 404
    assert client.post("/questionnaires/nope", data={}).status_code == 404


def test_the_questionnaire_list_says_how_many_questions_each_has(
    alice: Any, client: TestClient
) -> None:
    """Issue 12.5: every card read "<built-in method items of dict object …> questions"."""
    page = client.get("/questionnaires").text
    assert "built-in method" not in page
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        card = f"<p>{instrument.name} · {len(instrument.items)} questions · about the "
        assert card in html.unescape(page), instrument_id

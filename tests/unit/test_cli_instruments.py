"""`ketpath instruments` and `ketpath score`."""

from __future__ import annotations

import json

import pytest

from ketpath.cli import run


def test_instruments_lists_every_instrument_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["instruments", "--json"]) == 0
    ids = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert ids == {"dsm5-pcp", "assist", "sds", "dast10", "phq9", "gad7", "puf", "icsi", "icpi"}


def test_score_prints_the_documented_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "phq9", "--answers", "1,1,1,1,1,1,1,3,1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"instrument", "total", "band", "subscales", "flags", "items"}
    assert (result["total"], result["band"]) == (11, "moderate")
    assert [flag["id"] for flag in result["flags"]] == ["item9"]
    assert result["items"][7] == {"id": "q8", "code": 3, "score": 3}


def test_score_handles_assist_skips(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["score", "assist", "--answers", "0,-,-,-,0,1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 6
    assert result["items"][1]["code"] == "-"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["score", "phq9", "--answers", "1,1,5,1,1,1,1,1,1"],
            "item 'q3' (3rd answer): code 5 is not allowed; allowed codes: 0, 1, 2, 3",
        ),
        (["score", "phq9", "--answers", "1,1"], "expected 9 answers, got 2"),
        (["score", "mood-ring", "--answers", "1"], "unknown instrument 'mood-ring'"),
    ],
)
def test_bad_answers_exit_2_naming_the_item_and_allowed_codes(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == 2
    assert message in capsys.readouterr().err

"""`ketpath assess`: reports, JSON, and exit codes for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ketpath.cli import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = "2026-06-30T20:00:00+01:00"


def test_assess_json_matches_the_documented_shape(capsys):
    assert run(["assess", str(EXAMPLES / "escalating-user.jsonl"), "--as-of", AS_OF, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {
        "as_of",
        "stage",
        "peak_stage",
        "frequency",
        "signals",
        "red_flags",
        "course",
        "disclaimer",
    } <= set(result)
    assert set(result["frequency"]) == {"last_30_days", "prior_90_days"}
    assert result["stage"] == "dependent"
    for signal in result["signals"]:
        assert {"id", "since", "evidence", "sources"} <= set(signal)
    for flag in result["red_flags"]:
        assert {"id", "level", "message", "action"} <= set(flag)


def test_the_report_shows_red_flags_before_the_stage(capsys):
    assert (
        run(["assess", str(EXAMPLES / "recovery-with-bladder-symptoms.jsonl"), "--as-of", AS_OF])
        == 0
    )
    out = capsys.readouterr().out
    assert out.index("Blood in urine") < out.index("Where things stand")
    assert "1-800-662-4357" in out  # the person's profile is in New York
    assert "not a diagnosis" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assess", "missing.jsonl"], "cannot read missing.jsonl"),
        (
            ["assess", "{examples}/festival-user.jsonl", "--as-of", "soon"],
            "--as-of: not an ISO 8601 time",
        ),
        (
            ["assess", "{examples}/festival-user.jsonl", "--as-of", "2026-06-30T20:00:00"],
            "--as-of: needs a UTC offset",
        ),
        (
            ["assess", "{examples}/festival-user.jsonl", "--locale", "Narnia"],
            "--locale: unknown locale",
        ),
        (["assess", "{bad}"], "line 2: route: unknown value 'up-the-nose'"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(args, message, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type":"use","time":"2026-05-01T23:10:00+01:00"}\n{"type":"use","time":"2026-05-01T23:10:00+01:00","route":"up-the-nose"}\n'
    )
    filled = [arg.format(examples=EXAMPLES, bad=bad) for arg in args]
    assert run(filled) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_unknown_command_is_a_usage_error():
    assert run(["frobnicate"]) == 2


def test_help_lists_the_commands(capsys):
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("assess", "import", "export", "status", "log", "people"):
        assert command in out


def test_the_top_level_api_reads_and_assesses_a_file():
    from datetime import datetime

    import ketpath

    records = ketpath.read_jsonl(EXAMPLES / "festival-user.jsonl")
    result = ketpath.assess(records, datetime.fromisoformat(AS_OF))
    assert result.to_dict()["stage"] == "occasional"

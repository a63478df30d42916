"""`ketpath assess`: reports, JSON, and exit codes for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ketpath.cli import run
from ketpath.core.body import DoseHistory, opponent_process

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = "2026-06-30T20:00:00+01:00"


def test_assess_json_matches_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
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


def test_the_report_shows_red_flags_before_the_stage(capsys: pytest.CaptureFixture[str]) -> None:
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
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type":"use","time":"2026-05-01T23:10:00+01:00"}\n{"type":"use","time":"2026-05-01T23:10:00+01:00","route":"up-the-nose"}\n'
    )
    filled = [arg.format(examples=EXAMPLES, bad=bad) for arg in args]
    assert run(filled) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_unknown_command_is_a_usage_error() -> None:
    assert run(["frobnicate"]) == 2


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("assess", "import", "export", "status", "log", "people"):
        assert command in out


def test_the_top_level_api_reads_and_assesses_a_file() -> None:
    from datetime import datetime

    import ketpath

    records = ketpath.read_jsonl(EXAMPLES / "festival-user.jsonl")
    result = ketpath.assess(records, datetime.fromisoformat(AS_OF))
    assert result.to_dict()["stage"] == "occasional"


def test_pk_reports_ketamine_and_norketamine_and_draws_a_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "pk.svg"
    assert (
        run(
            [
                "pk",
                "--dose-mg",
                "35",
                "--route",
                "intravenous",
                "--infusion-min",
                "40",
                "--json",
                "--plot",
                str(plot),
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    for species in ("ketamine", "norketamine"):
        assert {
            "cmax_ng_ml",
            "cmax_ng_ml_range",
            "tmax_min",
            "auc_ng_h_ml",
            "terminal_half_life_h",
        } <= set(result[species])
    assert 2 <= result["ketamine"]["terminal_half_life_h"] <= 3.2
    assert len(result["curve"]["t_min"]) == len(result["curve"]["effect"])
    assert plot.read_text().startswith("<svg") and "Modelled blood levels" in plot.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pk", "--dose-mg", "50", "--route", "ear"], "--route: unknown value 'ear'"),
        (["pk", "--dose-mg", "0", "--route", "oral"], "must be greater than 0"),
        (["pk", "--dose-mg", "50", "--route", "oral", "--weight-kg", "5"], "--weight-kg"),
    ],
)
def test_pk_rejects_bad_input(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == 2
    assert message in capsys.readouterr().err


def test_body_runs_a_whole_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "body.svg"
    assert (
        run(
            [
                "body",
                str(EXAMPLES / "escalating-user.jsonl"),
                "--as-of",
                AS_OF,
                "--json",
                "--plot",
                str(plot),
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["doses_counted"] == len(result["doses"]) > 100
    assert result["weeks"][0]["start"] <= result["doses"][0]["time"][:10]
    assert set(result["summary"]["tolerance"]) == {"level", "direction"}
    assert {day["tolerance"] for day in result["days"]} <= {"low", "moderate", "high"}
    assert "not for personal use" in result["note"]
    first, last = result["doses"][0], result["doses"][-1]
    # This person's amounts rose about fourfold, so the high is compared with what
    # the last amount gives someone without earlier use: it shrank.
    last_use = [
        line
        for line in (EXAMPLES / "escalating-user.jsonl").read_text().splitlines()
        if '"use"' in line
    ][-1]
    last_mg = json.loads(last_use)["dose_mg"]
    naive = DoseHistory(np.array([0.0]), np.array([float(last_mg)]), np.array(["intranasal"]))
    grid = np.arange(0.0, 12.0, 1.0 / 60.0)
    naive_high = opponent_process(naive, grid, weight_kg=result["weight_kg"]).w.max()
    assert last["reward_high"] < 0.95 * naive_high  # the high shrinks
    assert last["reward_low"] < first["reward_low"]  # the low deepens
    assert "<svg" in plot.read_text()


@pytest.mark.parametrize("command", ["pk", "body"])
def test_pk_and_body_help_says_research_tool_not_for_dosing(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Research model, not for personal use, never a guide to dosing" in text


def test_pk_never_prints_an_effect_peak_as_a_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pk", "--dose-mg", "60", "--route", "intranasal"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "%" not in out
    assert "peaks at" not in out.lower()
    assert "effect is strongest" in out
    assert "not for personal use" in out


def test_pk_omits_the_effect_for_smoked(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pk", "--dose-mg", "60", "--route", "smoked", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "effect" not in result["curve"]
    assert "no human effect data" in result["effect"]["omitted"]
    assert run(["pk", "--dose-mg", "60", "--route", "smoked"]) == 0
    assert "No effect curve for smoked" in " ".join(capsys.readouterr().out.split())


def test_pk_json_has_no_peak_effect_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pk", "--dose-mg", "60", "--route", "oral", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["effect"]) == {"time_to_peak_min"}
    assert "not for personal use" in result["note"]


def test_body_output_says_research_tool_and_shows_no_tolerance_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["body", str(EXAMPLES / "escalating-user.jsonl"), "--as-of", AS_OF]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "not for personal use" in out
    assert "Tolerance in the model is" in out
    assert "%" not in out


def test_an_unexpected_error_exits_1_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ketpath.cli import records

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(records, "assess", broken)
    assert run(["assess", str(EXAMPLES / "festival-user.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err

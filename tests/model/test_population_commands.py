"""The population commands, registered on a throwaway Typer app."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from ketpath.cli import population as commands


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Subcommand mode, as in ketpath's own app."""

    app.command("simulate")(commands.simulate)
    app.command("synth")(commands.synth)
    app.command("validate-person-model")(commands.validate_person_model)
    return app


def test_simulate_prints_json_with_final_counts_and_a_yearly_timeseries(tmp_path: Path) -> None:
    plot = tmp_path / "stages.svg"
    result = CliRunner().invoke(
        _app(),
        [
            "simulate",
            "--agents",
            "3000",
            "--years",
            "3",
            "--seed",
            "5",
            "--json",
            "--plot",
            str(plot),
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    final = document["final"]
    for key in (
        "lifetime_users",
        "past_year_users",
        "dependent",
        "urinary_symptoms",
        "treatment_entries",
    ):
        assert isinstance(final[key], int)
    assert set(final["by_frequency"]) == {"monthly", "weekly", "near-daily"}
    assert [row["year"] for row in document["timeseries"]] == [2015, 2016, 2017]
    for row in (final, *document["timeseries"]):
        assert isinstance(row["warnings"], list)
        for share in row["proportions"].values():
            assert set(share) == {"numerator", "denominator", "value", "low", "high"}
            assert (share["value"] is None) == (share["denominator"] == 0)
    relapse = final["proportions"]["relapse_within_1y_after_treatment"]
    if relapse["denominator"] < document["definitions"]["min_denominator"]:
        assert any("relapse_within_1y_after_treatment" in w for w in final["warnings"])
    assert document["definitions"]["relapse_within_1y_after_treatment"]["dropouts_counted"] is False
    assert plot.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_simulate_prints_shares_with_counts_and_warns_on_stderr() -> None:
    result = CliRunner().invoke(_app(), ["simulate", "--agents", "3000", "--years", "2"])
    assert result.exit_code == 0, result.output
    assert "relapse within 1y after treatment: n/a (0 of 0)" in result.stdout
    assert "dropouts are not counted" in result.stdout
    assert "warning: final: relapse_within_1y_after_treatment" in result.stderr


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(commands.PopulationInputError, match="known: baseline, screening"):
        commands.simulate(agents=100, years=1, seed=1, scenario="magic")


def test_a_plot_must_be_an_svg() -> None:
    with pytest.raises(ValueError, match="svg"):
        commands.simulate(agents=100, years=1, seed=1, plot=Path("out.png"))


def test_agents_must_be_positive() -> None:
    with pytest.raises(ValueError, match="--agents"):
        commands.simulate(agents=0, years=1, seed=1)


def test_the_models_own_unknown_scenario_error_exits_2_through_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ketpath.cli import run
    from ketpath.population.scenarios import UnknownScenarioError

    monkeypatch.setattr(commands, "_check_scenario", lambda _name: None)  # reach the model
    assert run(["simulate", "--agents", "100", "--years", "1", "--scenario", "magic"]) == 2
    error = UnknownScenarioError("magic")
    err = capsys.readouterr().err  # after the (transient, here empty) progress bar's line
    assert err.strip() == f"ketpath: {error}"
    assert str(error).startswith("unknown scenario 'magic'; known: baseline, screening")

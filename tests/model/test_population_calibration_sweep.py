"""Smoke tests: a two-trial calibration and a tiny sweep on an in-process Dask cluster."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

from ketpath.cli import app as ketpath_app
from ketpath.cli import population as commands
from ketpath.population import calibration, sweep


def test_a_two_trial_calibration_returns_a_value_for_every_fitted_parameter(
    tmp_path: Path,
) -> None:
    best = calibration.calibrate(
        trials=2, agents=2000, years=2, storage=f"sqlite:///{tmp_path / 'study.db'}"
    )
    assert set(best) == {f.name for f in calibration.fitted_parameters()}
    for fitted in calibration.fitted_parameters():
        assert fitted.low <= best[fitted.name] <= fitted.high


def test_a_target_nothing_can_estimate_counts_as_a_large_misfit() -> None:
    from ketpath.knowledge.population import population

    on_target = {key: t.value for key, t in population().calibration.targets.items()}
    missing = dict(on_target, urinary_any_cause_among_dependent=None)
    assert calibration.loss(missing) >= 1.0


def test_only_fits_the_named_parameters_and_refuses_unknown_ones() -> None:
    assert [f.name for f in calibration.fitted_parameters(["harm_per_gram"])] == ["harm_per_gram"]
    with pytest.raises(ValueError, match="not a calibrated parameter: relapse_rate"):
        calibration.fitted_parameters(["relapse_rate"])
    with pytest.raises(ValueError, match="--only"):
        commands.calibrate(trials=1, agents=2000, years=1, only="relapse_rate")


def test_the_loss_is_zero_on_target_and_one_at_a_band_edge() -> None:
    from ketpath.knowledge.population import population

    targets = population().calibration.targets
    on_target: dict[str, float | None] = {key: t.value for key, t in targets.items()}
    assert calibration.loss(on_target) == 0.0
    key, target = next(iter(targets.items()))
    edge = dict(on_target, **{key: target.value + (target.high - target.low) / 2})
    assert calibration.loss(edge) == pytest.approx(1.0)


def test_a_storage_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(ValueError, match="RDB URL"):
        commands.calibrate(trials=1, agents=2000, years=1, storage="study.db")


def test_a_sweep_runs_every_scenario_and_seed_on_an_in_process_cluster() -> None:
    rows = sweep.sweep(
        scenarios=["baseline", "contingency-management"],
        seeds=[1, 2],
        agents=2000,
        years=2,
        workers=1,
        processes=False,
    )
    assert sorted((r["scenario"], r["seed"]) for r in rows) == [
        ("baseline", 1),
        ("baseline", 2),
        ("contingency-management", 1),
        ("contingency-management", 2),
    ]
    table = sweep.summarise(rows)
    for outcomes in table.values():
        for key in sweep.COUNT_OUTCOMES:
            value = outcomes[key]
            assert 0.0 <= value["low"] <= value["mean"] <= value["high"]
        for key in sweep.SHARE_OUTCOMES:
            share = outcomes[key]
            assert set(share) == {"numerator", "denominator", "value", "low", "high"}
            assert (share["value"] is None) == (share["denominator"] == 0)
    assert any("relapse_within_1y_after_treatment" in w for w in sweep.warnings(table))


def test_the_sweep_command_refuses_an_unknown_scenario() -> None:
    with pytest.raises(ValueError, match="known: baseline"):
        commands.sweep(scenarios="baseline,nope", seeds=1, agents=100, years=1)


def test_sweep_count_interval_never_below_zero() -> None:
    # Mostly-zero counts (treatment entries in small runs) give a t-interval reaching below 0.
    for values in ([0.0, 0.0, 0.0, 5.0], [0.0, 3.0], [1.0, 0.0, 0.0, 0.0, 0.0]):
        interval = sweep.estimate(values)
        assert interval.low >= 0.0
        assert interval.low <= interval.mean <= interval.high


def test_sweep_pools_shares_over_seeds_with_counts() -> None:
    rows = [
        {"scenario": "baseline", **dict.fromkeys(sweep.COUNT_OUTCOMES, 1)}
        | {key: {"numerator": n, "denominator": d} for key in sweep.SHARE_OUTCOMES}
        for n, d in ((11, 13), (0, 0), (5, 17))
    ]
    share = sweep.summarise(rows)["baseline"]["relapse_within_1y_after_treatment"]
    assert (share["numerator"], share["denominator"]) == (16, 30)
    assert 0.0 <= share["low"] < share["value"] < share["high"] <= 1.0
    assert sweep.warnings(sweep.summarise(rows)) == []


def test_sweep_shares_with_no_denominator_are_null() -> None:
    rows = [
        {"scenario": "baseline", **dict.fromkeys(sweep.COUNT_OUTCOMES, 0)}
        | {key: {"numerator": 0, "denominator": 0} for key in sweep.SHARE_OUTCOMES}
    ]
    share = sweep.summarise(rows)["baseline"]["relapse_within_1y_after_treatment"]
    assert share["value"] is None and share["low"] is None
    assert "n/a" in sweep.render(sweep.summarise(rows), seeds=1)


def test_an_interval_needs_two_seeds() -> None:
    assert sweep.estimate([3.0]).to_dict() == {"mean": 3.0, "low": 3.0, "high": 3.0}
    two = sweep.estimate([1.0, 3.0])
    assert two.low < 2.0 < two.high


def test_every_scenario_runs() -> None:
    app = ketpath_app
    for name in ("screening", "treatment-access"):
        result = CliRunner().invoke(
            app, ["simulate", "--agents", "3000", "--years", "2", "--scenario", name, "--json"]
        )
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert (out["scenario"], out["seed"], out["years"]) == (name, 1, 2)
        # Seed 1 (the default): 8 of the 3,000 agents have used by the end of year two.
        assert out["final"]["lifetime_users"] == 8

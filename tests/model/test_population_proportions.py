"""Shares carry their counts and a Wilson 95% interval; nothing is estimated from nobody."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from ketpath.population.proportions import (
    Proportion,
    small_denominator_warnings,
    wilson_interval,
)


def test_the_wilson_interval_matches_the_textbook_values() -> None:
    # 11 of 13 (the relapse share of a 100,000-person run): about 0.58 to 0.96.
    low, high = wilson_interval(11, 13) or (0.0, 0.0)
    assert low == pytest.approx(0.5777, abs=1e-4)
    assert high == pytest.approx(0.9567, abs=1e-4)
    # Wilson 1927 / Newcombe 1998, case 81 of 263: 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263) or (0.0, 0.0)
    assert (low, high) == pytest.approx((0.2553, 0.3662), abs=1e-4)


def test_the_wilson_interval_stays_inside_zero_and_one() -> None:
    for numerator, denominator in ((0, 1), (0, 40), (40, 40), (1, 1)):
        low, high = wilson_interval(numerator, denominator) or (-1.0, -1.0)
        assert 0.0 <= low <= numerator / denominator <= high <= 1.0


def test_a_proportion_with_denominator_zero_has_no_value_and_no_interval() -> None:
    assert Proportion(0, 0).to_dict() == {
        "numerator": 0,
        "denominator": 0,
        "value": None,
        "low": None,
        "high": None,
    }


def test_a_numerator_above_its_denominator_is_refused() -> None:
    with pytest.raises(ValueError, match="not a proportion"):
        Proportion(3, 2)


def test_pooling_sums_numerators_and_denominators() -> None:
    pooled = Proportion.pooled([Proportion(11, 13), Proportion(0, 0), Proportion(5, 17)])
    assert (pooled.numerator, pooled.denominator) == (16, 30)


def test_small_denominators_are_warned_about_and_large_ones_are_not() -> None:
    shares = {
        "relapse": Proportion(11, 13).to_dict(),
        "nobody": Proportion(0, 0).to_dict(),
        "plenty": Proportion(40, 100).to_dict(),
    }
    warnings = small_denominator_warnings(shares, 30, "final")
    assert len(warnings) == 2
    assert any("relapse: 11 of 13" in w and "minimum denominator of 30" in w for w in warnings)
    assert any("nobody: denominator is 0" in w for w in warnings)


def _sim_with_completions(exits: list[int], relapses: list[int], steps: int) -> SimpleNamespace:
    """A stand-in for a finished sim: weekly steps and the treatment results only."""
    exit_series = np.zeros(steps)
    relapse_series = np.zeros(steps)
    exit_series[: len(exits)] = exits
    relapse_series[: len(relapses)] = relapses
    treatment = SimpleNamespace(treatment_exits=exit_series, relapses_1y_by_exit=relapse_series)
    return SimpleNamespace(
        results=SimpleNamespace(treatment=treatment),
        t=SimpleNamespace(yearvec=np.arange(steps) * 7 / 365.25, dt_year=7 / 365.25),
    )


def test_relapse_proportion_is_null_when_no_one_completed_treatment() -> None:
    from ketpath.population.scenarios import relapse_after_treatment

    share = relapse_after_treatment(_sim_with_completions([], [], steps=200)).to_dict()
    assert share["denominator"] == 0
    assert share["value"] is None


def test_relapse_counts_only_completers_followed_for_a_full_year() -> None:
    from ketpath.population.scenarios import relapse_after_treatment

    # Completions at step 0 (3 people, 2 relapsed) and at the last step (5, not yet followed).
    sim = _sim_with_completions([3], [2], steps=120)
    sim.results.treatment.treatment_exits[-1] = 5
    share = relapse_after_treatment(sim)
    assert (share.numerator, share.denominator) == (2, 3)
    # Within the first year nobody has been followed for a year yet.
    assert relapse_after_treatment(sim, ti=51).denominator == 0
    assert relapse_after_treatment(sim, ti=52).denominator == 3


def test_a_tiny_run_reports_null_relapse_and_warns() -> None:
    from ketpath.population.scenarios import run

    _sim, summary = run(agents=2000, years=1, seed=3)
    final = summary["final"]
    relapse = final["proportions"]["relapse_within_1y_after_treatment"]
    assert relapse["denominator"] == 0 and relapse["value"] is None
    assert any("relapse_within_1y_after_treatment" in w for w in final["warnings"])
    assert summary["definitions"]["relapse_within_1y_after_treatment"]["dropouts_counted"] is False
    for row in summary["timeseries"]:
        for share in row["proportions"].values():
            assert set(share) == {"numerator", "denominator", "value", "low", "high"}
            assert (share["value"] is None) == (share["denominator"] == 0)

"""Tolerance rises with exposure, decays with its time constants after stopping, and reads
as words; exposure windows and trend.

Exposure memory against quadrature: ``tests/model/test_body_tolerance_integral.py`` (slow).
"""

from __future__ import annotations

import numpy as np
import pytest

from ketpath.core.body import body_summary, exposure, tolerance
from ketpath.core.body.pk import DoseHistory, auc_between
from ketpath.core.body.tolerance import (
    ToleranceReading,
    level_of,
    saturation,
    tolerance_reading,
)
from ketpath.knowledge.body import body

DAY = 24.0


def daily(
    days: int, mg: float = 100.0, *, start_day: int = 0, route: str = "intranasal"
) -> DoseHistory:
    times = (np.arange(days, dtype=np.float64) + start_day) * DAY + 21.0
    return DoseHistory(times, np.full(days, mg), np.array([route] * days))


def test_no_doses_means_no_tolerance_and_no_trend() -> None:
    empty = DoseHistory(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
    result = tolerance(empty, [0.0, 100.0])
    assert result.pk.tolist() == [0.0, 0.0]
    assert result.pd.tolist() == [0.0, 0.0]
    assert body_summary(empty, 1000.0)["trend"] == "none"


def test_tolerance_rises_with_repeated_use_and_decays_after_stopping() -> None:
    # Livingston 1978 (rats): repeated ketamine induces its own metabolism and
    # blunts its effect; the time constants are assumptions (body.toml).
    history = daily(60)
    grid = np.array([7, 30, 59, 90, 200]) * DAY + 22.0
    result = tolerance(history, grid)
    for component in (result.pk, result.pd):
        assert 0.0 < component[0] < component[1] < component[2]
        assert component[3] < component[2]
        assert component[4] < 0.01 * component[2]


def test_more_exposure_gives_more_tolerance_but_within_the_configured_maximum() -> None:
    grid = [40 * DAY]
    light = tolerance(daily(40, 20.0), grid)
    heavy = tolerance(daily(40, 400.0), grid)
    assert heavy.pk[0] > light.pk[0] and heavy.pd[0] > light.pd[0]
    huge = tolerance(daily(40, 1e6), grid)
    assert huge.pk[0] < 0.5 and huge.pd[0] < 3.0


def test_stepping_on_a_grid_agrees_with_direct_evaluation_at_each_time() -> None:
    history = daily(30, 80.0)
    grid = np.linspace(0.0, 60 * DAY, 241)
    stepped = tolerance(history, grid)
    for k in (10, 100, 200, 240):
        direct = tolerance(history, [grid[k]])
        assert stepped.pk[k] == pytest.approx(direct.pk[0], rel=1e-9, abs=1e-15)
        assert stepped.pd[k] == pytest.approx(direct.pd[0], rel=1e-9, abs=1e-15)


def test_body_summary_windows_match_the_analytic_areas() -> None:
    history = daily(40, 120.0)
    as_of = 40 * DAY
    summary = body_summary(history, as_of)
    assert summary["exposure_7d_ng_h_ml"] == pytest.approx(
        auc_between(history, as_of - 7 * DAY, as_of), rel=1e-9
    )
    assert summary["exposure_30d_ng_h_ml"] == pytest.approx(
        auc_between(history, as_of - 30 * DAY, as_of), rel=1e-9
    )
    assert set(summary) == {"exposure_7d_ng_h_ml", "exposure_30d_ng_h_ml", "tolerance", "trend"}
    assert set(summary["tolerance"]) == {"pk", "pd"}


def test_body_summary_ignores_doses_after_as_of() -> None:
    history = daily(40, 120.0)
    as_of = 20 * DAY
    assert body_summary(history, as_of) == body_summary(history.before(as_of), as_of)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (daily(28, 100.0), "stable"),
        (daily(7, 100.0, start_day=21), "rising"),
        (daily(21, 100.0), "falling"),
        (daily(10, 100.0, start_day=-200), "none"),
    ],
)
def test_trend_compares_the_last_week_with_the_weeks_before(
    history: DoseHistory, expected: str
) -> None:
    # Definition in body.toml [trend]: last 7 days vs the mean of the 3 weeks before.
    assert exposure(history, 28 * DAY).trend == expected


def test_escalating_doses_read_as_rising() -> None:
    times = np.arange(28, dtype=np.float64) * DAY + 21.0
    mg = np.where(np.arange(28) >= 21, 300.0, 100.0)
    history = DoseHistory(times, mg, np.array(["intranasal"] * 28))
    assert exposure(history, 28 * DAY).trend == "rising"


def test_tolerance_decays_with_its_time_constants_once_use_stops() -> None:
    # Whatever the level reached, a break lowers each component by exp(-t / tau)
    # (body.toml [tolerance]); heavy use no longer holds it near the ceiling.
    components = body().tolerance
    history = daily(120, 1000.0)
    stop = 120 * DAY
    later = stop + np.array([0.0, 7.0, 39.0]) * DAY
    result = tolerance(history, later)
    for values, component in ((result.pk, components.pk), (result.pd, components.pd)):
        tau = component.time_constant.value
        assert values[1] == pytest.approx(values[0] * np.exp(-7.0 / tau), rel=1e-9)
        assert values[2] == pytest.approx(values[0] * np.exp(-39.0 / tau), rel=1e-9)
    assert saturation(result)[2] < body().tolerance.reading.moderate.value


def test_tolerance_never_exceeds_its_ceiling() -> None:
    components = body().tolerance
    result = tolerance(daily(30, 1e7), np.arange(0.0, 31 * DAY, 1.0))
    assert result.pk.max() <= components.pk.max_fraction.value
    assert result.pd.max() <= components.pd.max_fraction.value
    assert result.pk.min() >= 0.0 and result.pd.min() >= 0.0


def test_steady_use_matches_the_saturating_map_of_the_mean_concentration() -> None:
    # What `half` means: in steady use tolerance ~ max x m / (m + half), m the mean
    # plasma concentration (exact in the limit of small, frequent doses).
    history = daily(200, 30.0)
    as_of = 200 * DAY - 3.0  # just before the next dose would come
    mean = auc_between(history, as_of - 7 * DAY, as_of) / (7 * DAY)
    pd = tolerance(history, [as_of]).pd[0]
    half = body().tolerance.pd.half_saturation.value
    ceiling = body().tolerance.pd.max_fraction.value
    assert pd == pytest.approx(ceiling * mean / (mean + half), rel=0.1)


@pytest.mark.parametrize(
    ("fraction", "word"),
    [(0.0, "low"), (0.19, "low"), (0.2, "moderate"), (0.5, "high"), (1.0, "high")],
)
def test_the_level_word_follows_the_thresholds(fraction: float, word: str) -> None:
    assert level_of(fraction) == word


def test_the_reading_is_rising_steady_then_falling() -> None:
    history = daily(60, 350.0)  # 100 mg at the former intranasal bioavailability (0.45)
    assert tolerance_reading(history, 4 * DAY).direction == "rising"
    assert tolerance_reading(history, 50 * DAY) == ToleranceReading("high", "steady")
    assert tolerance_reading(history, 70 * DAY).direction == "falling"
    assert tolerance_reading(history, 400 * DAY) == ToleranceReading("low", "steady")

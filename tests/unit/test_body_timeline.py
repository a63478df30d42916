"""A dose history as weekly exposure, daily tolerance and per-dose highs and lows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ketpath.core.body import body_summary, dose_extremes, opponent_process, single_dose_summary
from ketpath.core.body.pk import DoseHistory, auc_between, dose_auc
from ketpath.core.body.timeline import dose_curve, history_timeline

DAY = 24.0
WEEK = 7 * DAY


def daily(days: int, mg: float = 80.0, route: str = "intranasal") -> DoseHistory:
    times = np.arange(days, dtype=np.float64) * DAY + 20.0
    return DoseHistory(times, np.full(days, mg), np.array([route] * days))


def mixed() -> DoseHistory:
    """Three weeks of irregular use: routes, amounts and a redose within a session."""
    times = np.array([20.0, 21.5, 70.0, 140.0, 200.0, 260.0, 262.0, 400.0, 470.0])
    mg = np.array([50.0, 30.0, 80.0, 100.0, 60.0, 40.0, 40.0, 120.0, 90.0])
    routes = np.array(
        ["intranasal", "intranasal", "oral", "intranasal", "smoked"] + ["intranasal"] * 4
    )
    return DoseHistory(times, mg, routes)


def test_weekly_exposures_sum_to_the_whole_area_long_after_use() -> None:
    history = mixed()
    timeline = history_timeline(history, 60 * DAY)
    total = timeline.weeks.ketamine_auc_ng_h_ml.sum()
    assert total == pytest.approx(dose_auc(history).sum(), rel=1e-9)


def test_weekly_exposures_sum_to_the_area_up_to_as_of_in_the_middle_of_use() -> None:
    history = mixed()
    as_of = 265.0  # three hours after a redose; the doses at 400 h and 470 h come later
    timeline = history_timeline(history, as_of)
    expected = auc_between(history.before(as_of), float(timeline.weeks.start_h[0]), as_of)
    assert timeline.weeks.ketamine_auc_ng_h_ml.sum() == pytest.approx(expected, rel=1e-9)
    assert list(timeline.doses.t_h) == [20.0, 21.5, 70.0, 140.0, 200.0, 260.0, 262.0]


def test_weeks_run_from_the_first_doses_week_to_as_of_on_the_origin() -> None:
    origin = 3.0 * DAY  # say, a Monday midnight
    history = daily(10)
    as_of = 25 * DAY
    timeline = history_timeline(history, as_of, origin_h=origin)
    starts = timeline.weeks.start_h
    assert starts[0] <= history.times_h[0] < starts[0] + WEEK
    assert starts[-1] <= as_of < starts[-1] + WEEK
    assert np.allclose((starts - origin) % WEEK, 0.0)
    assert np.allclose(np.diff(starts), WEEK)
    days = timeline.days.start_h
    assert np.allclose(np.diff(days), DAY)
    assert days[-1] <= as_of < days[-1] + DAY


def test_tolerance_rises_during_use_and_falls_after() -> None:
    history = daily(30)
    timeline = history_timeline(history, 90 * DAY)
    days = timeline.days
    last_use_day = 29
    for component in (days.pk, days.pd):
        assert component[0] < component[10] < component[last_use_day]
        assert component[last_use_day + 2] > component[last_use_day + 30] > component[-1]
        assert component[-1] < 0.25 * component[last_use_day]


def test_highs_shrink_and_lows_deepen_over_a_month_of_daily_use() -> None:
    history = daily(30)
    doses = history_timeline(history, 31 * DAY).doses
    assert len(doses.high) == 30
    assert doses.high[-7:].mean() < doses.high[:7].mean()
    assert doses.high[-1] < doses.high[0]
    assert doses.low[-7:].mean() < doses.low[:7].mean()
    assert doses.low[-1] < doses.low[0] <= 0.0


def test_the_sampled_highs_and_lows_match_a_one_minute_grid() -> None:
    history = mixed()
    as_of = 30 * DAY
    doses = history_timeline(history, as_of).doses
    fine = opponent_process(history, np.arange(0.0, as_of, 1.0 / 60.0))
    highs, lows = dose_extremes(fine, history)
    assert doses.high == pytest.approx(highs, rel=0.01, abs=1e-3)
    assert doses.low == pytest.approx(lows, rel=0.01, abs=1e-3)


def test_doses_after_as_of_are_ignored() -> None:
    history = daily(20)
    as_of = 10 * DAY
    early = history_timeline(history, as_of)
    only_past = history_timeline(history.before(as_of), as_of)
    assert early.to_dict() == only_past.to_dict()


def test_the_summary_is_the_body_summary_at_as_of() -> None:
    history = mixed()
    timeline = history_timeline(history, 300.0, weight_kg=61.5)
    assert timeline.summary == body_summary(history, 300.0, 61.5)


def test_an_empty_history_gives_empty_series() -> None:
    empty = DoseHistory(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
    timeline = history_timeline(empty, 100.0)
    data = timeline.to_dict()
    assert data["weeks"] == {"start_h": [], "ketamine_auc_ng_h_ml": []}
    assert data["doses"] == {"t_h": [], "reward_high": [], "reward_low": []}
    assert timeline.summary["exposure_30d_ng_h_ml"] == 0.0


def test_to_dict_is_plain_json() -> None:
    data = history_timeline(mixed(), 40 * DAY).to_dict()
    again = json.loads(json.dumps(data))
    assert again == data
    assert set(data) == {"as_of_h", "weight_kg", "weeks", "days", "doses", "summary"}
    days = data["days"]
    assert isinstance(days, dict)
    assert len(days["start_h"]) == len(days["tolerance_pd"])


@pytest.mark.parametrize(
    ("dose_mg", "route", "infusion_min"),
    [
        (60.0, "intranasal", None),
        (150.0, "oral", None),
        (40.0, "smoked", None),
        (50.0, "intramuscular", None),
        (35.0, "intravenous", None),
        (35.0, "intravenous", 40.0),
    ],
)
def test_dose_curve_peaks_match_the_single_dose_summary(
    dose_mg: float, route: str, infusion_min: float | None
) -> None:
    curve = dose_curve(dose_mg, route, infusion_min=infusion_min)
    summary = single_dose_summary(dose_mg, route, infusion_min=infusion_min)
    assert max(curve["ketamine_ng_ml"]) == pytest.approx(
        summary["ketamine"]["cmax_ng_ml"], rel=0.02
    )
    assert max(curve["norketamine_ng_ml"]) == pytest.approx(
        summary["norketamine"]["cmax_ng_ml"], rel=0.02
    )
    if route != "smoked":
        assert max(curve["effect"]) == pytest.approx(summary["effect"]["peak_effect"], rel=0.02)


@pytest.mark.parametrize("route", ["smoked", "sublingual", "rectal"])
def test_dose_curve_omits_the_effect_for_routes_without_human_effect_data(route: str) -> None:
    curve = dose_curve(60.0, route)
    assert set(curve) == {"t_min", "ketamine_ng_ml", "norketamine_ng_ml"}


@pytest.mark.parametrize("route", ["intravenous", "intramuscular", "intranasal", "oral"])
def test_dose_curve_keeps_the_effect_for_clinical_routes(route: str) -> None:
    assert "effect" in dose_curve(60.0, route)


def test_dose_curve_is_a_regular_grid_plus_the_peaks() -> None:
    curve = dose_curve(60.0, "intranasal", hours=6.0, step_min=10.0)
    assert set(curve) == {"t_min", "ketamine_ng_ml", "norketamine_ng_ml", "effect"}
    assert curve["t_min"][0] == 0.0
    assert curve["t_min"][-1] == 360.0
    assert set(np.arange(0.0, 361.0, 10.0)) <= set(curve["t_min"])
    assert curve["t_min"] == sorted(curve["t_min"])
    assert all(len(values) == len(curve["t_min"]) for values in curve.values())
    assert all(0.0 <= value < 1.0 for value in curve["effect"])


def test_dose_curve_refuses_an_empty_span() -> None:
    with pytest.raises(ValueError, match="positive"):
        dose_curve(60.0, "intranasal", hours=0.0)

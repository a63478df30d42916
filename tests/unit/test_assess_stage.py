"""Frequency bands and stages at their boundaries (DESIGN.md, "The person model")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import pytest

from histories import DAY_ZERO, at, end_of, goal, questionnaire, use, uses_on
from ketpath.core.assess import assess
from ketpath.core.assess.history import build_history
from ketpath.core.assess.stage import relapse_day
from ketpath.core.records import Record, Use


def day_number(moment: datetime) -> int:
    return (moment.date() - moment.date().replace(year=1970, month=1, day=1)).days


def band_now(records: Sequence[Record], day: int) -> tuple[str, int]:
    result = assess(records, end_of(day))
    return result.frequency.recent_band, result.frequency.recent_use_days


@pytest.mark.parametrize(
    ("use_days", "band"),
    [
        (0, "rare"),
        (1, "monthly"),
        (3, "monthly"),
        (4, "weekly"),
        (19, "weekly"),
        (20, "near-daily"),
        (30, "near-daily"),
    ],
)
def test_the_recent_band_follows_use_days_in_the_last_30_days(use_days: int, band: str) -> None:
    records = uses_on(range(200 - use_days + 1, 201)) if use_days else [use(0)]
    assert band_now(records, 200)[0] == band


@pytest.mark.parametrize(
    ("use_days", "band"),
    [
        (2, "rare"),
        (3, "monthly"),
        (11, "monthly"),
        (12, "weekly"),
        (59, "weekly"),
        (60, "near-daily"),
    ],
)
def test_the_prior_band_scales_the_90_days_before_to_30(use_days: int, band: str) -> None:
    # Use-days 30..119 days before day 200 are the prior window.
    records = uses_on(range(200 - 30 - use_days + 1, 200 - 30 + 1))
    assert assess(records, end_of(200)).frequency.prior_band == band


def test_a_use_day_29_days_back_is_recent_and_30_days_back_is_prior() -> None:
    recent = assess([use(171, 12)], end_of(200)).frequency
    prior = assess([use(170, 12)], end_of(200)).frequency
    assert (recent.recent_use_days, prior.recent_use_days) == (1, 0)
    assert prior.prior_use_days_per_30 == pytest.approx(1 / 3)


def test_records_after_as_of_are_ignored() -> None:
    result = assess([use(10, 12), use(10, 14)], at(10, 13))
    assert result.use_days_total == 1
    assert result.last_use == at(10, 12)


def test_no_use_records_is_no_use() -> None:
    result = assess([goal(3)], end_of(10))
    assert (result.stage, result.peak_stage) == ("no-use", None)


@pytest.mark.parametrize(
    ("use_days", "stage"), [(1, "experimental"), (5, "experimental"), (6, "occasional")]
)
def test_lifetime_use_days_separate_experimental_from_occasional(use_days: int, stage: str) -> None:
    # One use every 25 days stays below weekly in both windows.
    records = uses_on(range(0, 25 * use_days, 25))
    assert assess(records, end_of(25 * (use_days - 1))).stage == stage


@pytest.mark.parametrize(("use_days", "stage"), [(3, "experimental"), (4, "regular")])
def test_four_use_days_in_30_days_is_regular(use_days: int, stage: str) -> None:
    assert assess(uses_on(range(use_days)), end_of(10)).stage == stage


def weekly_then_stop(last_day: int = 100) -> list[Record]:
    return uses_on(range(last_day - 60, last_day + 1, 3))


@pytest.mark.parametrize(
    ("days_since", "stage"),
    [
        (29, "regular"),
        (30, "early-abstinence"),
        (89, "early-abstinence"),
        (90, "early-abstinence"),
        (365, "early-abstinence"),
    ],
)
def test_stopping_after_regular_use_is_stopped_never_remission(days_since: int, stage: str) -> None:
    """Remission is a DSM-5 term that needs a prior disorder; regular use alone is not one."""
    result = assess(weekly_then_stop(100), end_of(100 + days_since))
    assert result.stage == stage
    assert result.days_since_last_use == days_since
    assert result.peak_stage == "regular"


def dependent_then_stop(last_day: int) -> list[Record]:
    """Weekly+ use with a DSM-5 checklist in the moderate band: the dependent stage."""
    from histories import questionnaire

    return [
        *weekly_then_stop(last_day),
        questionnaire(last_day - 5, "dsm5-pcp", [1] * 4 + [0] * 6),
    ]


@pytest.mark.parametrize(
    ("days_since", "stage"),
    [
        (30, "early-abstinence"),
        (89, "early-abstinence"),
        (90, "early-remission"),
        (364, "early-remission"),
        (365, "sustained-remission"),
    ],
)
def test_stopping_after_dependence_moves_through_remission(days_since: int, stage: str) -> None:
    result = assess(dependent_then_stop(100), end_of(100 + days_since))
    assert result.peak_stage == "dependent"
    assert result.stage == stage


def test_a_stop_reads_in_the_person_local_days_not_utc() -> None:
    from zoneinfo import ZoneInfo

    from histories import profile

    zone = ZoneInfo("America/Los_Angeles")
    # 23:30 local on day 100 is already day 101 in UTC.
    records = [
        profile(timezone="America/Los_Angeles"),
        *[use(d, 23.5, zone) for d in range(40, 101, 3)],
    ]
    assert assess(records, at(130, 23.9, zone)).stage == "early-abstinence"
    assert assess(records, at(129, 23.9, zone)).stage == "regular"


@pytest.mark.parametrize(("days_since", "stage"), [(364, "occasional"), (365, "past-use")])
def test_occasional_use_that_ended_a_year_ago_is_past_use(days_since: int, stage: str) -> None:
    records = uses_on(range(0, 150, 25))
    result = assess(records, end_of(125 + days_since))
    assert result.stage == stage
    assert result.peak_stage == "occasional"


def coping_uses(days: Iterable[int]) -> list[Record]:
    return uses_on(days, setting="home-alone", motive="cope-stress")


def test_weekly_use_with_one_dependence_signal_is_regular() -> None:
    # Coping-use only: every use is to cope, but at parties (no contextual expansion).
    records = uses_on(range(0, 30, 3), setting="party", motive="cope-mood")
    assert assess(records, end_of(29)).stage == "regular"


def test_weekly_use_with_two_dependence_signals_is_dependent() -> None:
    records = coping_uses(range(0, 30, 3))  # coping-use and contextual-expansion
    result = assess(records, end_of(29))
    assert {"coping-use", "contextual-expansion"} <= {s.id for s in result.signals}
    assert result.stage == "dependent"


def test_dsm5_moderate_in_the_last_90_days_is_dependent() -> None:
    moderate = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    records = [*uses_on(range(0, 30, 3)), questionnaire(1, "dsm5-pcp", moderate)]
    assert assess(records, end_of(29)).stage == "dependent"
    # 90 days later the checklist no longer counts (and use has stopped).
    assert (
        assess(
            [*uses_on(range(0, 200, 3)), questionnaire(1, "dsm5-pcp", moderate)], end_of(199)
        ).stage
        == "regular"
    )


def near_daily_with_failed_quits(failures: int) -> list[Record]:
    records = uses_on(range(0, 60))
    for k in range(failures):
        records.append(goal(10 * k + 2, hour=1))  # each broken by the use at noon
    return records


@pytest.mark.parametrize(("failures", "cycle"), [(1, False), (2, True)])
def test_near_daily_use_with_two_failed_quits_is_the_addiction_cycle(
    failures: int, cycle: bool
) -> None:
    result = assess(near_daily_with_failed_quits(failures), end_of(59))
    assert (result.stage == "addiction-cycle") == cycle


def test_two_failed_quits_without_near_daily_use_is_not_the_addiction_cycle() -> None:
    records = [*uses_on(range(0, 60, 2)), goal(2, hour=1), goal(12, hour=1)]  # 15 use-days a month
    assert assess(records, end_of(59)).stage != "addiction-cycle"


def test_dsm5_severe_is_the_addiction_cycle_even_without_near_daily_use() -> None:
    severe = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    records = [*uses_on(range(0, 30, 5)), questionnaire(29, "dsm5-pcp", severe)]
    assert assess(records, end_of(29)).stage == "addiction-cycle"


def relapse_history(gap: int, before: int = 4, after: int = 30) -> list[Record]:
    """Weekly+ use, a gap of `gap` days without use, then daily use again."""
    first = list(range(0, 2 * before, 2))[-before:]
    start_after = first[-1] + gap + 1
    return uses_on([*first, *range(start_after, start_after + after)])


@pytest.mark.parametrize(("gap", "stage"), [(13, "regular"), (14, "addiction-cycle")])
def test_a_relapse_needs_a_gap_of_14_days(gap: int, stage: str) -> None:
    records = relapse_history(gap)
    last = max(r.time for r in records if isinstance(r, Use))
    assert assess(records, last + timedelta(hours=1)).stage == stage


@pytest.mark.parametrize(("before", "relapse"), [(3, False), (4, True)])
def test_a_relapse_needs_four_use_days_before_the_gap(before: int, relapse: bool) -> None:
    records = relapse_history(20, before=before)
    last = max(r.time for r in records if isinstance(r, Use))
    assert (assess(records, last + timedelta(hours=1)).stage == "addiction-cycle") == relapse


@pytest.mark.parametrize(("after", "relapse_on"), [(3, None), (4, 63)])
def test_a_relapse_needs_four_use_days_in_the_30_days_after_the_gap(
    after: int, relapse_on: int | None
) -> None:
    records = uses_on([*range(0, 40), *range(60, 60 + after), 60 + 30])  # day 90 is outside the 30
    history = build_history(records, end_of(95))
    expected = None if relapse_on is None else relapse_on + day_number(DAY_ZERO)
    assert relapse_day(history) == expected


def test_the_peak_stage_remembers_a_more_advanced_past() -> None:
    dependent_spell = coping_uses(range(0, 30, 3))
    regular_now = uses_on(range(40, 70, 3), setting="party", motive="social")
    result = assess(dependent_spell + regular_now, end_of(69))
    assert result.stage == "regular"
    assert result.peak_stage == "dependent"


def test_utc_microseconds_are_exact_for_any_time_this_century() -> None:
    import random
    from datetime import UTC, datetime

    from ketpath.core.assess.history import utc_microseconds

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rng = random.Random(7)
    times = [
        epoch + timedelta(microseconds=rng.randint(0, 130 * 365 * 86_400 * 10**6))
        for _ in range(20_000)
    ]
    exact = [(t - epoch) // timedelta(microseconds=1) for t in times]
    assert utc_microseconds(times).tolist() == exact


def test_the_wall_clock_follows_daylight_saving_changes() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    import numpy as np

    from ketpath.core.assess.history import utc_microseconds, wall_clock

    zone = ZoneInfo("Europe/London")
    moments = [
        datetime(2026, m, d, h, 30, tzinfo=UTC)
        for m, d, h in [(3, 29, 0), (3, 29, 1), (10, 25, 0), (10, 25, 1), (7, 1, 12)]
    ]
    local = wall_clock(utc_microseconds(moments), zone)
    expected = [
        int(t.astimezone(zone).replace(tzinfo=UTC).timestamp() * 1_000_000) for t in moments
    ]
    assert np.array_equal(local, expected)

"""Stages on the path, and the most advanced stage the history has reached.

The active stages (experimental to addiction-cycle) are decided at any number
of evaluation points at once, so the peak stage is the same rule asked at the
end of every use-day rather than a second implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketpath.core.assess.frequency import band_rank, rates
from ketpath.core.assess.history import MICROSECONDS_PER_DAY, History, Ints
from ketpath.core.assess.questionnaires import scored
from ketpath.core.assess.signals import ACTIVE, failures_in
from ketpath.knowledge import rules

DSM5 = "dsm5-pcp"
ACTIVE_STAGES = rules().stages.active_ids()  # rank 1 (experimental) .. 5 (addiction-cycle)
RANK = {stage: rank for rank, stage in enumerate(ACTIVE_STAGES, start=1)}


def relapse_day(history: History) -> int | None:
    """The first day a relapse was established, or None.

    A relapse is a gap of 14+ days without use that ended a weekly+ period
    (4+ use-days in the 30 days before the gap), followed by 4+ use-days in the
    30 days after it; it is established on the 4th of those use-days.
    """
    rule = rules().relapse
    days = history.use_days
    if len(days) < 2:
        return None
    last_before, first_after = days[:-1], days[1:]
    gap_ok = first_after - last_before - 1 >= rule.min_gap_days
    before = np.arange(1, len(days)) - np.searchsorted(
        days, last_before - rule.window_days, side="right"
    )
    nth = np.arange(1, len(days)) + rule.min_use_days_after - 1
    has_nth = nth < len(days)
    nth_day = days[np.minimum(nth, len(days) - 1)]
    after_ok = has_nth & (nth_day - first_after < rule.window_days)
    established = nth_day[gap_ok & (before >= rule.min_use_days_before) & after_ok]
    return int(established.min()) if len(established) else None


def active_ranks(history: History, ends: Ints, *, highest_only: bool = False) -> Ints:
    """The rank (1 experimental .. 5 addiction-cycle, 0 no use yet) at each end.

    With ``highest_only`` only the maximum of the result is meaningful: the
    dependence signals, the costly part, are skipped once the maximum is
    settled (an addiction-cycle point exists, or some point has enough signals).
    """
    stage_rules = rules().stages
    end_days = ends // MICROSECONDS_PER_DAY
    lifetime = np.searchsorted(history.use_days, end_days, side="right")
    r = rates(history, end_days)
    weekly = band_rank("weekly")
    weekly_plus = (r.recent_band >= weekly) | (r.prior_band >= weekly)
    near_daily = r.recent_band >= band_rank("near-daily")

    questionnaires = scored(history)
    window = stage_rules.dsm5_window_days
    dsm_severe = questionnaires.any_in_window(DSM5, ends, window, bands=("severe",))
    dsm_moderate = questionnaires.any_in_window(DSM5, ends, window, bands=("moderate",))

    first_relapse = relapse_day(history)
    relapsed = end_days >= (first_relapse if first_relapse is not None else np.iinfo(np.int64).max)
    failed = failures_in(history, ends, None) >= stage_rules.addiction_cycle_min_failed_quits
    addiction = (near_daily & (failed | relapsed)) | dsm_severe

    signal_count = np.zeros(len(ends), dtype=np.int64)
    candidates = weekly_plus & ~dsm_moderate & ~addiction
    if candidates.any() and not (highest_only and addiction.any()):
        at = ends[candidates]
        counts = np.zeros(len(at), dtype=np.int64)
        for signal in _in_asking_order(stage_rules.dependence_signals, highest_only=highest_only):
            counts += ACTIVE[signal](history, at)
            if highest_only and (counts >= stage_rules.dependent_min_signals).any():
                break
        signal_count[candidates] = counts
    dependent = (weekly_plus & (signal_count >= stage_rules.dependent_min_signals)) | dsm_moderate

    ranks = np.select(
        [
            lifetime == 0,
            addiction,
            dependent,
            weekly_plus,
            lifetime > stage_rules.experimental_max_use_days,
        ],
        [0, RANK["addiction-cycle"], RANK["dependent"], RANK["regular"], RANK["occasional"]],
        default=RANK["experimental"],
    )
    return ranks.astype(np.int64)


#: Signals that cost far more than the others at many points: the dose medians
#: sort a window of days at every point (several milliseconds over five years).
COSTLY_SIGNALS = frozenset({"dose-escalation"})


def _in_asking_order(signals: Sequence[str], *, highest_only: bool) -> list[str]:
    """The dependence signals in ``rules.toml`` order, the costly ones last when only
    the peak is wanted: then any two signals at one point settle it, whichever they
    are, so asking the cheap ones first often spares the costly one."""
    if not highest_only:
        return list(signals)
    return sorted(signals, key=lambda signal: signal in COSTLY_SIGNALS)


@dataclass(frozen=True)
class StageResult:
    stage: str
    peak_stage: str | None
    days_since_last_use: int | None


def decide_stage(history: History) -> StageResult:
    """The stage at ``as_of`` (first match wins) and the peak stage reached."""
    stage_rules = rules().stages
    if not len(history.uses):
        return StageResult("no-use", None, None)
    peak_rank = int(active_ranks(history, history.use_day_ends, highest_only=True).max())
    days_since = history.end_day - int(history.use_days[-1])
    if peak_rank >= RANK["regular"] and days_since >= stage_rules.stopped_after_days:
        # Remission is DSM-5's word for someone who had a use disorder; after
        # regular use without signs of dependence the person has simply stopped.
        disorder = peak_rank >= RANK[stage_rules.remission_min_peak_stage]
        if disorder and days_since >= stage_rules.sustained_remission_after_days:
            stage = "sustained-remission"
        elif disorder and days_since >= stage_rules.early_remission_after_days:
            stage = "early-remission"
        else:
            stage = "early-abstinence"
        return StageResult(stage, ACTIVE_STAGES[peak_rank - 1], days_since)
    if peak_rank < RANK["regular"] and days_since >= stage_rules.past_use_after_days:
        return StageResult("past-use", ACTIVE_STAGES[peak_rank - 1], days_since)
    now_rank = int(active_ranks(history, np.array([history.end], dtype=np.int64))[0])
    return StageResult(
        ACTIVE_STAGES[now_rank - 1], ACTIVE_STAGES[max(peak_rank, now_rank) - 1], days_since
    )

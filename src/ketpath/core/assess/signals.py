"""Signals: patterns in a history that the article links to a worsening course.

Each signal is a pair of functions. ``active(history, ends)`` answers, for many
evaluation points at once, whether the signal holds in the window ending there
(the stage rules need this at the end of every use-day). ``describe(history)``
gives, at ``as_of`` only, the numbers its evidence sentence quotes and the
records it rests on. The thresholds come from ``knowledge/rules.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

import numpy as np

from ketpath.core.assess.frequency import band_ids, rates
from ketpath.core.assess.history import (
    MICROSECONDS_PER_DAY,
    Bools,
    Floats,
    History,
    Ints,
    days_to_microseconds,
    window_sum,
    window_total,
)
from ketpath.core.assess.questionnaires import scored
from ketpath.core.records import Goal, Record, Symptom, Use, record_time
from ketpath.knowledge import rules, vocabulary
from ketpath.knowledge.load import SignalRule
from ketpath.knowledge.wording import fill


@dataclass(frozen=True)
class Finding:
    """A signal or red flag found at ``as_of``, with what it rests on."""

    id: str
    label: str
    since: datetime | None
    evidence: str
    grade: str
    sources: tuple[str, ...]
    records: tuple[Record, ...]
    values: tuple[tuple[str, object], ...] = ()
    """What the evidence sentence was filled with, so a page can word it again in another language."""
    template: str = "evidence"
    """Which of the rule's templates worded it: ``evidence`` or ``baseline_evidence``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "since": self.since.isoformat() if self.since else None,
            "evidence": self.evidence,
            "grade": self.grade,
            "sources": list(self.sources),
            "records": [
                {"type": r.type, "time": t.isoformat()}
                for r in self.records
                if (t := record_time(r))
            ],
        }


def earliest(records: Sequence[Record]) -> datetime | None:
    times = [t for record in records if (t := record_time(record)) is not None]
    return min(times) if times else None


def rule(signal_id: str) -> SignalRule:
    return rules().signals[signal_id]


def _at_end(history: History) -> Ints:
    return np.array([history.end], dtype=np.int64)


# ---------------------------------------------------------------- shared columns


def use_flags(history: History, kind: str) -> Bools:
    """A per-use mask: ``nonsocial``, ``coping``, ``depressant``, ``high_risk`` or ``injection``."""
    masks = history.memo("use_flags", lambda: _use_masks(history))
    assert isinstance(masks, dict)
    result = masks[kind]
    assert isinstance(result, np.ndarray)
    return result


def _use_masks(history: History) -> dict[str, Bools]:
    """All per-use masks, each kind of use (setting, motive, route, co-use) judged once.

    A long history repeats a handful of kinds thousands of times, so the
    vocabulary is asked once per distinct kind and each use only looks its kind up.
    """
    vocab = vocabulary()
    social = vocab.flagged("settings", "social")
    coping = vocab.flagged("motives", "coping")
    injection = vocab.flagged("routes", "injection")
    depressants = vocab.flagged("co_use", "depressant")
    high_risk = vocab.flagged("co_use", "high_risk")
    withdrawal_risk = vocab.flagged("co_use", "withdrawal_risk")
    kinds = list(map(attrgetter("setting", "motive", "route", "co_use"), history.uses.records))
    position = {kind: index for index, kind in enumerate(dict.fromkeys(kinds))}
    rows = [
        (
            setting is not None and setting not in social,
            motive in coping,
            route in injection,
            not depressants.isdisjoint(co_use),
            not high_risk.isdisjoint(co_use),
            not withdrawal_risk.isdisjoint(co_use),
        )
        for setting, motive, route, co_use in position
    ]
    names = ("nonsocial", "coping", "injection", "depressant", "high_risk", "withdrawal_risk")
    by_kind = np.array(rows, dtype=bool).reshape(-1, len(names))
    index = np.fromiter(map(position.__getitem__, kinds), dtype=np.int64, count=len(kinds))
    table = by_kind[index]
    return dict(zip(names, table.T, strict=True))


def symptom_mask(history: History, symptoms: frozenset[str]) -> Bools:
    """Which symptom records name one of ``symptoms`` (looked up by vocabulary position)."""
    position = _symptom_positions(history)
    codes = history.memo(
        "symptom_codes",
        lambda: np.fromiter(
            map(position.__getitem__, map(attrgetter("symptom"), history.symptoms.records)),
            dtype=np.int64,
            count=len(history.symptoms),
        ),
    )
    assert isinstance(codes, np.ndarray)
    wanted = np.zeros(len(position), dtype=bool)
    wanted[[position[name] for name in symptoms]] = True
    return np.asarray(wanted[codes], dtype=bool)


def _symptom_positions(history: History) -> dict[str, int]:
    """Each symptom id's position in the vocabulary, looked up once per history."""
    position = history.memo(
        "symptom_positions",
        lambda: {name: index for index, name in enumerate(vocabulary().symptoms)},
    )
    assert isinstance(position, dict)
    return position


def failure_times(history: History) -> Ints:
    """Local times of failed quit attempts: the first use within 30 days of a stop goal.

    One attempt per breaking use: when several stop goals precede the same use,
    only the latest counts.
    """

    def compute() -> Ints:
        within = days_to_microseconds(rules().failed_quit.within_days)
        stops = history.goals.at[history.goals.mask(lambda g: g.goal == "stop")]
        uses = history.uses.at
        if not len(stops) or not len(uses):
            return np.empty(0, dtype=np.int64)
        nxt = np.searchsorted(uses, stops, side="right")
        has_use = nxt < len(uses)
        breaking = np.where(has_use, uses[np.minimum(nxt, len(uses) - 1)], -1)
        next_stop = np.append(stops[1:], np.iinfo(np.int64).max)
        failed = has_use & (breaking - stops <= within) & (next_stop > breaking)
        return np.asarray(breaking[failed], dtype=np.int64)

    result = history.memo("failures", compute)
    assert isinstance(result, np.ndarray)
    return result


def failures_in(history: History, ends: Ints, days: int | None) -> Ints:
    """Failed quit attempts in the window (or ever, when ``days`` is None) at each end."""
    times = failure_times(history)
    hi = np.searchsorted(times, ends, side="right")
    if days is None:
        return hi.astype(np.int64)
    lo = np.searchsorted(times, ends - days_to_microseconds(days), side="right")
    return (hi - lo).astype(np.int64)


def discontinuation_qualifies(history: History) -> Bools:
    """Discontinuation symptoms logged 1-7 days after the latest use before them."""

    def compute() -> Bools:
        signal = rule("discontinuation-symptoms")
        table = history.symptoms
        group = symptom_mask(history, vocabulary().symptom_group("discontinuation"))
        previous = np.searchsorted(history.uses.at, table.at, side="right") - 1
        has_previous = previous >= 0
        gap = (
            table.day - history.uses.day[np.maximum(previous, 0)]
            if len(history.uses)
            else table.day
        )
        return np.asarray(
            group
            & has_previous
            & (gap >= signal.min_days_after_use)
            & (gap <= signal.max_days_after_use),
            dtype=bool,
        )

    result = history.memo("discontinuation", compute)
    assert isinstance(result, np.ndarray)
    return result


def dosed_day_medians(
    history: History, end_days: Ints, days: int, before: int
) -> tuple[Floats, Ints]:
    """Median mg per dosed use-day, and the number of dosed use-days, in a day window.

    The window holds the days ``d`` with ``before <= end_day - d < before + days``.
    A use-day's amount is the sum of its known doses; a day whose uses carry no
    dose is not a dosed use-day.
    """
    grid_start, daily = _daily_mg(history)
    if not len(daily):
        return np.full(len(end_days), np.nan), np.zeros(len(end_days), dtype=np.int64)
    pad = np.full(days + before, np.nan)
    padded = np.concatenate((pad, daily, pad))
    # Index of each window's last day in `padded`; windows wholly outside the
    # data are clipped into the NaN padding, where they stay empty.
    last = np.clip(end_days - before - grid_start + len(pad), days - 1, len(padded) - 1)
    windows = np.sort(padded[last[:, None] - days + 1 + np.arange(days)[None, :]], axis=1)
    counts = np.sum(~np.isnan(windows), axis=1)
    rows = np.arange(len(end_days))
    low, high = np.maximum((counts - 1) // 2, 0), counts // 2
    medians = np.where(counts > 0, (windows[rows, low] + windows[rows, high]) / 2, np.nan)
    return medians, counts.astype(np.int64)


def _daily_mg(history: History) -> tuple[int, Floats]:
    def compute() -> tuple[int, Floats]:
        uses = history.uses
        dose = history.dose_mg
        known = ~np.isnan(dose)
        if not known.any():
            return 0, np.empty(0)
        days = uses.day[known]
        start = int(days.min())
        daily = np.full(int(days.max()) - start + 1, np.nan)
        sums = np.bincount(days - start, weights=dose[known])
        has = np.bincount(days - start) > 0
        daily[: len(sums)][has] = sums[has]
        return start, daily

    result = history.memo("daily_mg", compute)
    assert isinstance(result, tuple)
    return result


# ---------------------------------------------------------------- the signals


def frequency_escalation(history: History, ends: Ints) -> Bools:
    signal = rule("frequency-escalation")
    r = rates(history, ends // MICROSECONDS_PER_DAY)
    return np.asarray(
        (r.recent_band > r.prior_band) & (r.recent_use_days >= signal.min_recent_use_days)
    )


def _describe_frequency(history: History) -> dict[str, object]:
    r = rates(history, _at_end(history) // MICROSECONDS_PER_DAY)
    names = band_ids()
    return {
        "recent_use_days": int(r.recent_use_days[0]),
        "recent_band": names[int(r.recent_band[0])],
        "prior_rate": float(r.prior_rate[0]),
        "prior_band": names[int(r.prior_band[0])],
    }


def _escalated_over_prior(history: History, days: Ints) -> tuple[Bools, Floats, Floats]:
    signal = rule("dose-escalation")
    recent, recent_n = dosed_day_medians(history, days, signal.recent_days, 0)
    prior, prior_n = dosed_day_medians(history, days, signal.prior_days, signal.recent_days)
    enough = (recent_n >= signal.min_dosed_use_days) & (prior_n >= signal.min_dosed_use_days)
    with np.errstate(invalid="ignore"):
        return np.asarray(enough & (recent >= signal.ratio * prior)), recent, prior


def early_baseline(history: History) -> tuple[int, float] | None:
    """The last day and the median mg per dosed use-day of the first dosed days.

    The person's own early baseline: the first ``baseline_days`` days from the
    first dosed use-day. None when it holds too few dosed use-days.
    """
    signal = rule("dose-escalation")
    start, daily = _daily_mg(history)
    if not signal.baseline_days or not len(daily):
        return None
    last = start + signal.baseline_days - 1
    median, count = dosed_day_medians(
        history, np.array([last], dtype=np.int64), signal.baseline_days, 0
    )
    return (last, float(median[0])) if count[0] >= signal.min_dosed_use_days else None


def _escalated_over_baseline(history: History, days: Ints, recent: Floats) -> Bools:
    """A rise against the early baseline, once the recent window lies wholly after it."""
    signal = rule("dose-escalation")
    baseline = early_baseline(history)
    if baseline is None:
        return np.zeros(len(days), dtype=bool)
    last, median = baseline
    after = days - signal.recent_days + 1 > last
    with np.errstate(invalid="ignore"):
        return np.asarray(after & (recent >= signal.ratio * median))


def dose_escalation(history: History, ends: Ints) -> Bools:
    """Median amounts rose against the 90 days before, or against the early baseline.

    The second comparison keeps a slow rise in view: a fourfold rise over a
    year never reaches 1.5x of the 90 days just before, as the baseline moves.
    """
    days = ends // MICROSECONDS_PER_DAY
    over_prior, recent, _ = _escalated_over_prior(history, days)
    return np.asarray(over_prior | _escalated_over_baseline(history, days, recent))


def _describe_dose(history: History) -> dict[str, object]:
    day = _at_end(history) // MICROSECONDS_PER_DAY
    over_prior, recent, prior = _escalated_over_prior(history, day)
    baseline = early_baseline(history)
    if not over_prior[0] and baseline is not None:
        return {
            "from_baseline": True,
            "recent_mg": float(recent[0]),
            "baseline_mg": baseline[1],
            "ratio": float(recent[0] / baseline[1]),
        }
    return {
        "recent_mg": float(recent[0]),
        "prior_mg": float(prior[0]),
        "ratio": float(recent[0] / prior[0]),
    }


def route_escalation(history: History, ends: Ints) -> Bools:
    signal = rule("route-escalation")
    injected = use_flags(history, "injection")
    recent = history.uses.count(ends, signal.window_days, injected)
    lo, _ = history.uses.bounds(ends, signal.window_days)
    before = window_sum(injected, np.zeros_like(lo), lo)
    return np.asarray((recent >= 1) & (before == 0))


def _share_signal(signal_id: str, flag: str) -> Callable[[History, Ints], Bools]:
    def active(history: History, ends: Ints) -> Bools:
        signal = rule(signal_id)
        total = history.uses.count(ends, signal.window_days)
        matching = history.uses.count(ends, signal.window_days, use_flags(history, flag))
        return np.asarray(
            (matching >= signal.min_count) & (matching >= signal.min_fraction * total - 1e-9)
        )

    return active


def high_craving(history: History, ends: Ints) -> Bools:
    signal = rule("high-craving")
    lo, hi = history.cravings.bounds(ends, signal.window_days)
    intensity = history.memo("craving_intensity", lambda: history.cravings.floats("intensity"))
    assert isinstance(intensity, np.ndarray)
    total = window_total(intensity, lo, hi)
    count = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((count >= signal.min_count) & (total >= signal.min_mean * count))


def failed_quit(history: History, ends: Ints) -> Bools:
    return (
        failures_in(history, ends, rule("failed-quit").window_days) >= rule("failed-quit").min_count
    )


def discontinuation_symptoms(history: History, ends: Ints) -> Bools:
    signal = rule("discontinuation-symptoms")
    qualifies = discontinuation_qualifies(history)
    kinds = sorted(
        {s.symptom for s, ok in zip(history.symptoms.records, qualifies, strict=True) if ok}
    )
    distinct = np.zeros(len(ends), dtype=np.int64)
    for kind in kinds:
        of_kind = qualifies & symptom_mask(history, frozenset({kind}))
        distinct += history.symptoms.count(ends, signal.window_days, of_kind) > 0
    return distinct >= signal.min_distinct


def _symptom_signal(
    signal_id: str, members: Callable[[], frozenset[str]]
) -> Callable[[History, Ints], Bools]:
    def active(history: History, ends: Ints) -> Bools:
        mask = symptom_mask(history, members())
        return (
            history.symptoms.count(ends, rule(signal_id).window_days, mask)
            >= rule(signal_id).min_count
        )

    return active


def _urinary() -> frozenset[str]:
    return vocabulary().symptom_group("urinary")


def _cognitive() -> frozenset[str]:
    return frozenset({"memory-problems", "poor-concentration"})


def _abdominal_pain() -> frozenset[str]:
    return frozenset({"abdominal-pain"})


def functional_impairment(history: History, ends: Ints) -> Bools:
    signal = rule("functional-impairment")
    return history.impacts.count(ends, signal.window_days) >= signal.min_count


def depressant_co_use(history: History, ends: Ints) -> Bools:
    signal = rule("depressant-co-use")
    return (
        history.uses.count(ends, signal.window_days, use_flags(history, "depressant"))
        >= signal.min_count
    )


def mood_screen_positive(history: History, ends: Ints) -> Bools:
    signal = rule("mood-screen-positive")
    active = np.zeros(len(ends), dtype=bool)
    for instrument in signal.instruments:
        latest = scored(history).latest_in_window(instrument, ends, signal.window_days)
        active |= latest >= signal.min_score
    return active


ACTIVE: dict[str, Callable[[History, Ints], Bools]] = {
    "frequency-escalation": frequency_escalation,
    "dose-escalation": dose_escalation,
    "route-escalation": route_escalation,
    "contextual-expansion": _share_signal("contextual-expansion", "nonsocial"),
    "coping-use": _share_signal("coping-use", "coping"),
    "high-craving": high_craving,
    "failed-quit": failed_quit,
    "discontinuation-symptoms": discontinuation_symptoms,
    "urinary-symptoms": _symptom_signal("urinary-symptoms", _urinary),
    "abdominal-pain": _symptom_signal("abdominal-pain", _abdominal_pain),
    "cognitive-complaints": _symptom_signal("cognitive-complaints", _cognitive),
    "functional-impairment": functional_impairment,
    "depressant-co-use": depressant_co_use,
    "mood-screen-positive": mood_screen_positive,
}


# ---------------------------------------------------------------- evidence at as_of


def _labels(records: Sequence[Symptom]) -> str:
    vocab = vocabulary()
    seen = dict.fromkeys(vocab.label("symptoms", s.symptom).lower() for s in records)
    return ", ".join(seen)


def distinct_days(records: Sequence[Record], history: History) -> int:
    return len({t.astimezone(history.zone).date() for r in records if (t := record_time(r))})


Evidence = tuple[dict[str, object], list[Record]]


def drug_names(uses: Sequence[Use], flag: str = "depressant") -> str:
    """The co-used drugs with ``flag`` set named in these uses, in plain words, first mention first."""
    vocab = vocabulary()
    flagged = vocab.flagged("co_use", flag)
    names = dict.fromkeys(
        vocab.label("co_use", d).lower() for u in uses for d in u.co_use if d in flagged
    )
    return ", ".join(names)


def stop_goals_before(history: History, end: int, window_days: int) -> list[Goal]:
    """The stop goals that may have been broken within a window (their 30 days reach into it)."""
    span = window_days + rules().failed_quit.within_days
    return [g for g in history.goals.select(end, span) if g.goal == "stop"]


def _uses_share(flag: str) -> Callable[[History, SignalRule], Evidence]:
    def describe(history: History, signal: SignalRule) -> Evidence:
        matching = history.uses.select(history.end, signal.window_days, use_flags(history, flag))
        total = len(history.uses.select(history.end, signal.window_days))
        return {"count": len(matching), "total": total}, list(matching)

    return describe


def _symptoms_found(
    members: Callable[[], frozenset[str]],
) -> Callable[[History, SignalRule], Evidence]:
    def describe(history: History, signal: SignalRule) -> Evidence:
        found = history.symptoms.select(
            history.end, signal.window_days, symptom_mask(history, members())
        )
        return {"symptoms": _labels(found), "days": distinct_days(found, history)}, list(found)

    return describe


def _describe_dose_records(history: History, signal: SignalRule) -> Evidence:
    span = signal.recent_days + signal.prior_days
    return _describe_dose(history), [
        u for u in history.uses.select(history.end, span) if u.dose_mg is not None
    ]


def _describe_route(history: History, signal: SignalRule) -> Evidence:
    matching = history.uses.select(history.end, signal.window_days, use_flags(history, "injection"))
    return {"count": len(matching)}, list(matching)


def _describe_depressants(history: History, signal: SignalRule) -> Evidence:
    matching = history.uses.select(
        history.end, signal.window_days, use_flags(history, "depressant")
    )
    return {"count": len(matching), "drugs": drug_names(matching)}, list(matching)


def _describe_craving(history: History, signal: SignalRule) -> Evidence:
    cravings = history.cravings.select(history.end, signal.window_days)
    mean = sum(c.intensity for c in cravings) / len(cravings)
    return {"mean": mean, "count": len(cravings)}, list(cravings)


def _describe_failed_quit(history: History, signal: SignalRule) -> Evidence:
    count = int(failures_in(history, _at_end(history), signal.window_days)[0])
    return {"count": count}, [*stop_goals_before(history, history.end, signal.window_days)]


def _describe_discontinuation(history: History, signal: SignalRule) -> Evidence:
    found = history.symptoms.select(
        history.end, signal.window_days, discontinuation_qualifies(history)
    )
    return {"distinct": len({s.symptom for s in found}), "symptoms": _labels(found)}, list(found)


def _describe_impacts(history: History, signal: SignalRule) -> Evidence:
    impacts = history.impacts.select(history.end, signal.window_days)
    kinds = dict.fromkeys(vocabulary().label("impacts", i.kind).lower() for i in impacts)
    return {"count": len(impacts), "kinds": ", ".join(kinds)}, list(impacts)


def _describe_mood(history: History, signal: SignalRule) -> Evidence:
    return scored(history).describe_latest(
        signal.instruments, history.end, signal.window_days, signal.min_score
    )


DESCRIBE: dict[str, Callable[[History, SignalRule], Evidence]] = {
    "frequency-escalation": lambda h, _: (
        _describe_frequency(h),
        list(h.uses.select(h.end, rules().frequency.recent_days)),
    ),
    "dose-escalation": _describe_dose_records,
    "route-escalation": _describe_route,
    "contextual-expansion": _uses_share("nonsocial"),
    "coping-use": _uses_share("coping"),
    "high-craving": _describe_craving,
    "failed-quit": _describe_failed_quit,
    "discontinuation-symptoms": _describe_discontinuation,
    "urinary-symptoms": _symptoms_found(_urinary),
    "abdominal-pain": _symptoms_found(_abdominal_pain),
    "cognitive-complaints": _symptoms_found(_cognitive),
    "functional-impairment": _describe_impacts,
    "depressant-co-use": _describe_depressants,
    "mood-screen-positive": _describe_mood,
}


def detect(history: History) -> list[Finding]:
    """Every signal that holds at ``as_of``, in the order of ``rules.toml``."""
    findings = []
    at_end = _at_end(history)
    for signal_id, signal in rules().signals.items():
        if not bool(ACTIVE[signal_id](history, at_end)[0]):
            continue
        values, records = DESCRIBE[signal_id](history, signal)
        template = "evidence"
        if values.pop("from_baseline", False) and signal.baseline_evidence:
            template = "baseline_evidence"
        findings.append(
            Finding(
                id=signal_id,
                label=signal.label,
                since=earliest(records),
                evidence=fill(getattr(signal, template), values),
                grade=signal.grade,
                sources=signal.sources,
                records=tuple(records),
                values=tuple(values.items()),
                template=template,
            )
        )
    return findings

"""The peak stage is the highest stage reached at the end of any use-day, whichever
dependence signals are asked first (the costly dose medians are asked last)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histories import craving, end_of, goal, symptom, use
from ketpath.core.assess import assess
from ketpath.core.assess.history import build_history
from ketpath.core.assess.stage import active_ranks
from ketpath.core.records import Record
from ketpath.knowledge import vocabulary

vocab = vocabulary()
SETTINGS = sorted(vocab.settings)
MOTIVES = sorted(vocab.motives)
SYMPTOMS = sorted(vocab.symptoms)


def mixed_history(seed: int, *, days: int, use_rate: float, goal_rate: float) -> list[Record]:
    """Uses with rising amounts, varied settings and motives, cravings, symptoms, goals."""
    rng = random.Random(seed)
    records = []
    for day in range(days):
        if rng.random() < use_rate:
            records.append(
                use(
                    day,
                    20.0,
                    dose_mg=round(40 + day * rng.uniform(0.0, 0.6), 1),
                    setting=rng.choice(SETTINGS),
                    motive=rng.choice(MOTIVES),
                )
            )
        if rng.random() < 0.3:
            records.append(craving(day, rng.randint(0, 10), hour=21.0))
        if rng.random() < 0.1:
            records.append(symptom(day, rng.choice(SYMPTOMS), rng.randint(1, 3), hour=22.0))
        if rng.random() < goal_rate:
            records.append(goal(day, "stop", hour=23.0))
    return records


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    use_rate=st.floats(min_value=0.1, max_value=1.0),
    goal_rate=st.sampled_from([0.0, 0.0, 0.01, 0.05]),
)
def test_the_peak_asked_with_the_costly_signal_last_is_the_highest_rank_asked_in_full(
    *, seed: int, use_rate: float, goal_rate: float
) -> None:
    records = mixed_history(seed, days=400, use_rate=use_rate, goal_rate=goal_rate)
    history = build_history(records, end_of(420))
    if not len(history.uses):
        return
    ends = history.use_day_ends
    peak = active_ranks(history, ends, highest_only=True).max()
    assert peak == active_ranks(history, ends).max()


def test_a_rising_amount_used_to_cope_makes_the_peak_dependent_without_failed_quits() -> None:
    # Two dependence signals at once (rules.toml: dependent_min_signals = 2): the
    # amounts rose against the person's early baseline, and most uses are to cope.
    records = [
        use(day, 20.0, dose_mg=40.0 + day, setting="party", motive="cope-stress")
        for day in range(0, 300, 2)
    ]
    result = assess(records, end_of(310))
    assert result.peak_stage == "dependent"
    assert [signal.id for signal in result.signals] == ["dose-escalation", "coping-use"]

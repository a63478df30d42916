"""Synthetic long histories for benchmarks: five years of near-daily use.

Deterministic for a given seed. The population model will generate richer
histories; this one only needs the size and mix of a heavy user's log.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ketpath.core.records import (
    Craving,
    DrugScreen,
    Goal,
    Impact,
    Mood,
    Questionnaire,
    Record,
    Symptom,
    Use,
)

START = datetime(2021, 7, 1, 20, 0, tzinfo=UTC)
YEARS = 5
SETTINGS = ["party", "club", "with-friends", "home-alone", "home-alone", "work-or-school"]
MOTIVES = ["social", "euphoria", "cope-stress", "cope-mood", "sleep", "boredom", "relief"]
SYMPTOMS = [
    "urinary-frequency",
    "bladder-pain",
    "abdominal-pain",
    "anxiety",
    "insomnia",
    "low-mood",
    "memory-problems",
]


def five_year_history(seed: int = 0) -> list[Record]:
    """About 5,000 records: ~1,650 use-days, cravings, moods, symptoms, a few goals."""
    return daily_history(seed, start=START, days=365 * YEARS)


def daily_history(
    seed: int,
    *,
    start: datetime,
    days: int,
    use_rate: float = 0.9,
    dose_slope: float = 0.4,
    co_use_rate: float = 0.2,
    symptom_rate: float = 0.25,
    goal_rate: float = 0.02,
    impact_rate: float = 0.02,
    weekly_screens: bool = False,
) -> list[Record]:
    """A day-by-day history: uses at `use_rate` with a rising dose, cravings, moods,
    symptoms, some goals and problems, a PHQ-9 a month and (optionally) a weekly drug screen."""
    rng = random.Random(seed)
    records: list[Record] = []
    for day in range(days):
        moment = start + timedelta(days=day, minutes=rng.randint(0, 240))
        if rng.random() < use_rate:
            records.append(
                Use(
                    time=moment,
                    dose_mg=round(50 + day * dose_slope + rng.uniform(-20, 20), 1),
                    route="intranasal",
                    setting=rng.choice(SETTINGS),
                    motive=rng.choice(MOTIVES),
                    co_use=("alcohol",) if co_use_rate and rng.random() < co_use_rate else (),
                )
            )
        if rng.random() < 0.7:
            records.append(Craving(time=moment + timedelta(hours=14), intensity=rng.randint(2, 10)))
        if rng.random() < 0.9:
            records.append(Mood(time=moment + timedelta(hours=15), score=rng.randint(2, 8)))
        if rng.random() < symptom_rate:
            records.append(
                Symptom(
                    time=moment + timedelta(hours=16),
                    symptom=rng.choice(SYMPTOMS),
                    severity=rng.randint(1, 3),
                )
            )
        if goal_rate and rng.random() < goal_rate:
            records.append(Goal(time=moment + timedelta(hours=17), goal="stop"))
        if impact_rate and rng.random() < impact_rate:
            records.append(Impact(time=moment + timedelta(hours=18), kind="conflict"))
        if weekly_screens and day % 7 == 0:
            result = "positive" if rng.random() < use_rate else "negative"
            records.append(DrugScreen(time=moment, result=result, method="urine"))
        if day % 30 == 0:
            records.append(
                Questionnaire(
                    time=moment + timedelta(hours=19),
                    instrument="phq9",
                    answers=tuple(rng.randint(0, 3) for _ in range(9)),
                )
            )
    return records


def end_of_history() -> datetime:
    return START + timedelta(days=365 * YEARS)

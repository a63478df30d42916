"""Synthetic long histories for benchmarks: five years of near-daily use.

Deterministic for a given seed. The population model will generate richer
histories; this one only needs the size and mix of a heavy user's log.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ketpath.core.records import Craving, Goal, Impact, Mood, Questionnaire, Record, Symptom, Use

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
    rng = random.Random(seed)
    records: list[Record] = []
    for day in range(365 * YEARS):
        moment = START + timedelta(days=day, minutes=rng.randint(0, 240))
        if rng.random() < 0.9:
            records.append(
                Use(
                    time=moment,
                    dose_mg=round(50 + day * 0.4 + rng.uniform(-20, 20), 1),
                    route="intranasal",
                    setting=rng.choice(SETTINGS),
                    motive=rng.choice(MOTIVES),
                    co_use=("alcohol",) if rng.random() < 0.2 else (),
                )
            )
        if rng.random() < 0.7:
            records.append(Craving(time=moment + timedelta(hours=14), intensity=rng.randint(2, 10)))
        if rng.random() < 0.9:
            records.append(Mood(time=moment + timedelta(hours=15), score=rng.randint(2, 8)))
        if rng.random() < 0.25:
            records.append(
                Symptom(
                    time=moment + timedelta(hours=16),
                    symptom=rng.choice(SYMPTOMS),
                    severity=rng.randint(1, 3),
                )
            )
        if rng.random() < 0.02:
            records.append(Goal(time=moment + timedelta(hours=17), goal="stop"))
        if rng.random() < 0.02:
            records.append(Impact(time=moment + timedelta(hours=18), kind="conflict"))
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

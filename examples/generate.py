"""Write the example histories in this folder (deterministic: a fixed seed each).

Run ``python examples/generate.py`` to rebuild them; the files are committed so
the README's commands work without running this. The people are invented.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent


def moment(day: date, hour: float, zone: ZoneInfo) -> str:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return (start + timedelta(hours=hour)).replace(second=0, microsecond=0).isoformat()


def days(start: date, end: date) -> Iterator[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def festival_user() -> list[dict]:
    """Two summers of festivals and a few club nights: occasional, social use."""
    rng, zone = random.Random(1), ZoneInfo("Europe/London")
    out: list[dict] = [
        {
            "type": "profile",
            "birth_year": 2001,
            "sex": "female",
            "weight_kg": 62,
            "timezone": "Europe/London",
        }
    ]
    weekends = [
        date(2025, 6, 27),
        date(2025, 8, 22),
        date(2025, 11, 8),
        date(2026, 2, 14),
        date(2026, 5, 23),
        date(2026, 6, 20),
    ]
    for start in weekends:
        festival = start.month in (6, 7, 8)
        for offset in range(3 if festival else 1):
            day = start + timedelta(days=offset)
            out.append(
                {
                    "type": "use",
                    "time": moment(day, 22 + rng.random() * 3, zone),
                    "dose_mg": rng.choice([40, 50, 60, 75]),
                    "route": "intranasal",
                    "setting": "festival" if festival else "club",
                    "motive": rng.choice(["social", "euphoria"]),
                    "co_use": rng.sample(["alcohol", "mdma", "cannabis"], k=rng.randint(0, 2)),
                }
            )
    out.append(
        {
            "type": "symptom",
            "time": moment(date(2026, 6, 22), 9, zone),
            "symptom": "urinary-urgency",
            "severity": 1,
        }
    )
    out.append({"type": "mood", "time": moment(date(2026, 6, 23), 10, zone), "score": 6})
    return out


def escalating_user() -> list[dict]:
    """Parties in 2025, weekly by spring 2026, then near-daily use alone to cope."""
    rng, zone = random.Random(2), ZoneInfo("Europe/London")
    out: list[dict] = [
        {
            "type": "profile",
            "birth_year": 1998,
            "sex": "male",
            "weight_kg": 78,
            "timezone": "Europe/London",
        }
    ]
    for day in days(date(2025, 9, 1), date(2026, 6, 30)):
        if day < date(2026, 1, 1):
            using, dose, alone = day.weekday() == 5 and rng.random() < 0.4, 60, False
        elif day < date(2026, 4, 15):
            using, dose, alone = (
                day.weekday() in (4, 5) or rng.random() < 0.1,
                80,
                rng.random() < 0.3,
            )
        else:
            using, dose, alone = (
                rng.random() < 0.85,
                150 + (day - date(2026, 4, 15)).days,
                rng.random() < 0.7,
            )
        if not using:
            continue
        out.append(
            {
                "type": "use",
                "time": moment(day, 20 + rng.random() * 4, zone),
                "dose_mg": round(dose * rng.uniform(0.8, 1.2)),
                "route": "intranasal",
                "setting": "home-alone" if alone else rng.choice(["party", "with-friends", "club"]),
                "motive": rng.choice(["cope-stress", "boredom", "sleep"]) if alone else "social",
                "co_use": ["alcohol"] if rng.random() < 0.3 else [],
            }
        )
    out += [
        {"type": "goal", "time": moment(date(2026, 5, 4), 9, zone), "goal": "stop"},
        {"type": "goal", "time": moment(date(2026, 6, 1), 9, zone), "goal": "cut-down"},
        {
            "type": "impact",
            "time": moment(date(2026, 5, 19), 9, zone),
            "kind": "missed-work-or-school",
        },
        {"type": "impact", "time": moment(date(2026, 6, 12), 23, zone), "kind": "conflict"},
        {
            "type": "questionnaire",
            "time": moment(date(2026, 6, 20), 12, zone),
            "instrument": "phq9",
            "answers": [2, 1, 2, 2, 1, 1, 2, 0, 0],
        },
    ]
    for day in days(date(2026, 6, 16), date(2026, 6, 29)):
        if rng.random() < 0.4:
            out.append(
                {
                    "type": "craving",
                    "time": moment(day, 17, zone),
                    "intensity": rng.randint(6, 9),
                    "trigger": "cope-stress",
                }
            )
    for day in (date(2026, 6, 10), date(2026, 6, 22), date(2026, 6, 28)):
        out.append(
            {
                "type": "symptom",
                "time": moment(day, 8, zone),
                "symptom": "urinary-frequency",
                "severity": 2,
            }
        )
    return out


def recovery_with_bladder_symptoms() -> list[dict]:
    """A year of heavy near-daily use, stopped in May 2026; bladder symptoms linger."""
    rng, zone = random.Random(3), ZoneInfo("America/New_York")
    out: list[dict] = [
        {
            "type": "profile",
            "birth_year": 1994,
            "sex": "other",
            "weight_kg": 70,
            "timezone": "America/New_York",
        }
    ]
    stop_day = date(2026, 5, 20)
    for day in days(date(2025, 4, 1), stop_day):
        if rng.random() < 0.9 or day == stop_day:
            out.append(
                {
                    "type": "use",
                    "time": moment(day, 21 + rng.random() * 2, zone),
                    "dose_mg": round(rng.uniform(500, 1500)),
                    "route": "intranasal",
                    "setting": "home-alone",
                    "motive": rng.choice(["cope-mood", "relief", "euphoria"]),
                }
            )
    out += [
        {"type": "goal", "time": moment(date(2026, 2, 1), 9, zone), "goal": "stop"},
        {"type": "goal", "time": moment(date(2026, 3, 15), 9, zone), "goal": "stop"},
        {"type": "goal", "time": moment(stop_day, 23.5, zone), "goal": "stop"},
    ]
    for offset, name in [
        (1, "sweating"),
        (2, "anxiety"),
        (3, "insomnia"),
        (5, "low-mood"),
        (9, "fatigue"),
        (16, "poor-concentration"),
    ]:
        out.append(
            {
                "type": "symptom",
                "time": moment(stop_day + timedelta(days=offset), 10, zone),
                "symptom": name,
                "severity": 2,
            }
        )
    for offset in range(2, 41, 3):
        out.append(
            {
                "type": "symptom",
                "time": moment(stop_day + timedelta(days=offset), 7, zone),
                "symptom": "bladder-pain",
                "severity": 2,
            }
        )
        out.append(
            {
                "type": "craving",
                "time": moment(stop_day + timedelta(days=offset), 19, zone),
                "intensity": max(1, 9 - offset // 5),
            }
        )
    out.append(
        {
            "type": "symptom",
            "time": moment(date(2026, 6, 27), 8, zone),
            "symptom": "blood-in-urine",
            "severity": 2,
        }
    )
    out.append(
        {
            "type": "questionnaire",
            "time": moment(date(2026, 6, 15), 11, zone),
            "instrument": "puf",
            "answers": [3, 2, 0, 0, 0, 2, 2, 2, 2, 2, 3, 2],
        }
    )
    out.append({"type": "mood", "time": moment(date(2026, 6, 28), 20, zone), "score": 5})
    return out


def main() -> None:
    for name, build in [
        ("festival-user", festival_user),
        ("escalating-user", escalating_user),
        ("recovery-with-bladder-symptoms", recovery_with_bladder_symptoms),
    ]:
        lines = [json.dumps(record, ensure_ascii=False) for record in build()]
        (HERE / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

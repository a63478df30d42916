"""Synthetic individual histories from the population model, in the interchange format.

A recorder follows every user week by week; afterwards each chosen person's
trajectory is written as records whose patterns carry the stage, so that the
person model can recognise it: use-days follow the frequency band; light use
happens in social settings for social motives, dependent use mostly alone and
to cope (the article's account, and two of the person model's dependence
signals); failed quit attempts appear as a stop goal followed by use; urinary
harm appears as urinary symptoms; treatment entry as a stop goal. Only people
who started during the run are written, since earlier use has no records.

Histories are for demos, tests and benchmarks. Initiation is raised (see
``SYNTH_INITIATION_BOOST``) so that a small run yields enough users; that changes
how many people start, not how use progresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import starsim as ss

from ketpath.core.records import Craving, Goal, Impact, Profile, Record, Symptom, Use
from ketpath.interop.jsonl import dumps_jsonl
from ketpath.knowledge.population import population
from ketpath.population.model import (
    DEPENDENT,
    EXPERIMENTAL,
    STAGES,
    BladderHarm,
    KetamineUse,
    Treatment,
)

SYNTH_INITIATION_BOOST = 20.0
AGENTS_PER_PERSON = 40
SOCIAL_SETTINGS = ("party", "club", "festival", "with-friends")
SOCIAL_MOTIVES = ("social", "euphoria", "curiosity")
COPING_MOTIVES = ("cope-stress", "cope-mood", "boredom", "sleep", "relief")
URINARY = ("urinary-frequency", "urinary-urgency", "bladder-pain", "painful-urination")


class Recorder(ss.Analyzer):
    """Each step's state of every lifetime user (users are few, so this stays small)."""

    def __init__(self) -> None:
        super().__init__(name="recorder")
        self.frames: list[dict[str, npt.NDArray[Any]]] = []

    def step(self) -> None:
        use: KetamineUse = self.sim.custom["ketamine"]
        bladder: BladderHarm = self.sim.custom["bladder"]
        treatment: Treatment = self.sim.custom["treatment"]
        users = use.users.copy()
        self.frames.append(
            {
                "uids": users,
                "stage": use.stage.raw[users].copy(),
                "band": use.band.raw[users].copy(),
                "using": use.using.raw[users].copy(),
                "failed_quits": use.failed_quits.raw[users].copy(),
                "tolerance": use.tolerance.raw[users].copy(),
                "urinary": bladder.urinary.raw[users].copy(),
                "in_treatment": treatment.in_treatment.raw[users].copy(),
            }
        )


@dataclass
class Week:
    stage: int
    band: int
    using: bool
    failed_quits: int
    tolerance: float
    urinary: bool
    in_treatment: bool


@dataclass
class Person:
    uid: int
    birth_year: int
    sex: str
    true_stage: str
    weeks: list[Week | None] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    name: str
    true_stage: str
    as_of: datetime
    records: list[Record]


def _people(sim: ss.Sim, recorder: Recorder) -> list[Person]:
    """Everyone who started during the run, with their weekly trajectory."""
    use: KetamineUse = sim.custom["ketamine"]
    started = use.users[use.ti_initiated.raw[use.users] >= 0]
    codes = dict(zip(use.users.tolist(), use.stage_codes(use.users).tolist(), strict=True))
    start_year = int(population().population.start_year.value)
    people = {
        int(uid): Person(
            uid=int(uid),
            birth_year=int(start_year - sim.people.age.raw[uid] + sim.t.npts * sim.t.dt_year),
            sex="female" if bool(sim.people.female.raw[uid]) else "male",
            true_stage=STAGES[codes[int(uid)]],
        )
        for uid in started
    }
    for frame in recorder.frames:
        present = {int(uid): index for index, uid in enumerate(frame["uids"])}
        for uid, person in people.items():
            index = present.get(uid)
            person.weeks.append(None if index is None else _week(frame, index))
    return list(people.values())


def _week(frame: dict[str, npt.NDArray[Any]], index: int) -> Week:
    return Week(
        stage=int(frame["stage"][index]),
        band=int(frame["band"][index]),
        using=bool(frame["using"][index]),
        failed_quits=int(frame["failed_quits"][index]),
        tolerance=float(frame["tolerance"][index]),
        urinary=bool(frame["urinary"][index]),
        in_treatment=bool(frame["in_treatment"][index]),
    )


def _choose(people: list[Person], count: int) -> list[Person]:
    """Up to ``count`` people, taken in turn from each true stage so all stages appear."""
    by_stage: dict[str, list[Person]] = {}
    for person in sorted(people, key=lambda p: p.uid):
        by_stage.setdefault(person.true_stage, []).append(person)
    chosen: list[Person] = []
    while len(chosen) < count and any(by_stage.values()):
        for stage in STAGES:
            if by_stage.get(stage) and len(chosen) < count:
                chosen.append(by_stage[stage].pop(0))
    return chosen


def _use_records(person: Person, start: datetime, rng: np.random.Generator) -> list[Record]:
    use = population().use
    tol = population().tolerance
    records: list[Record] = []
    previous: Week | None = None
    owed = float(rng.random())
    for index, week in enumerate(person.weeks):
        monday = start + timedelta(days=7 * index)
        if week is None:
            continue
        first = previous is None
        records += _events(week, previous, monday, rng)
        if week.using:
            # Use-days accrue evenly at the band's rate (a random phase, no clumping), so a
            # light user's 30-day counts stay inside their band as the person model reads it.
            owed += use.use_days_per_week.values[week.band]
            days = min(7, int(owed))
            if first:
                days = max(days, 1)
            owed = max(owed - days, 0.0)
            for day in sorted(rng.choice(7, size=days, replace=False).tolist()):
                dose = (
                    tol.base_dose_mg.value
                    * tol.sessions_per_use_day.values[week.band]
                    * (1.0 + week.tolerance)
                )
                when = monday + timedelta(days=day, hours=21, minutes=int(rng.integers(0, 120)))
                records.append(_session(week.stage, when, round(dose / 5.0) * 5.0, rng))
        previous = week
    return records


def _session(stage: int, when: datetime, dose: float, rng: np.random.Generator) -> Use:
    """One use: social for light use; mostly alone and to cope once dependent."""
    dependent = stage >= DEPENDENT
    alone = dependent and rng.random() < 0.75
    coping = dependent and rng.random() < 0.75
    setting = "home-alone" if alone else str(rng.choice(SOCIAL_SETTINGS))
    motive = str(rng.choice(COPING_MOTIVES if coping else SOCIAL_MOTIVES))
    if stage == EXPERIMENTAL and motive == "euphoria":
        motive = "curiosity"
    return Use(
        time=when, dose_mg=max(dose, 5.0), route="intranasal", setting=setting, motive=motive
    )


def _events(
    week: Week, previous: Week | None, monday: datetime, rng: np.random.Generator
) -> list[Record]:
    """Goals, cravings, symptoms and impacts that go with this week's state."""
    events: list[Record] = []
    morning = monday + timedelta(hours=9)
    if previous is not None and week.failed_quits > previous.failed_quits:
        events.append(Goal(time=morning, goal="stop"))
    if week.in_treatment and (previous is None or not previous.in_treatment):
        events.append(Goal(time=morning, goal="stop"))
    if previous is not None and previous.using and not week.using and not week.in_treatment:
        events.append(Goal(time=morning, goal="stop"))
    if week.urinary and rng.random() < 0.6:
        events.append(
            Symptom(
                time=morning + timedelta(days=int(rng.integers(0, 7))),
                symptom=str(rng.choice(URINARY)),
                severity=int(rng.integers(1, 3)),
            )
        )
    if week.using and week.stage >= DEPENDENT:
        events.append(Craving(time=morning + timedelta(hours=8), intensity=int(rng.integers(5, 9))))
        if rng.random() < 0.1:
            events.append(Impact(time=morning, kind="missed-work-or-school"))
    return events


def histories(*, people: int, years: int, seed: int) -> list[History]:
    """Simulate and write ``people`` synthetic histories (fewer if too few started)."""
    from ketpath.population.scenarios import build_sim  # noqa: PLC0415

    base = population().initiation.background_rate.value
    recorder = Recorder()
    sim = build_sim(
        agents=max(5000, people * AGENTS_PER_PERSON),
        years=years,
        seed=seed,
        use_pars={"background_rate": base * SYNTH_INITIATION_BOOST},
        analyzers=[recorder],
    )
    sim.run()
    recorder = sim.analyzers["recorder"]
    start = datetime(int(population().population.start_year.value), 1, 1, tzinfo=UTC)
    as_of = start + timedelta(days=7 * len(recorder.frames)) - timedelta(seconds=1)
    out: list[History] = []
    for number, person in enumerate(_choose(_people(sim, recorder), people), start=1):
        rng = np.random.default_rng([seed, person.uid])
        profile = Profile(birth_year=person.birth_year, sex=person.sex, timezone="UTC")
        records: list[Record] = [profile, *_use_records(person, start, rng)]
        records = [r for r in records if getattr(r, "time", as_of) <= as_of]
        out.append(History(f"person-{number:04d}", person.true_stage, as_of, records))
    return out


def write(histories_: list[History], directory: Path) -> None:
    """One ``<name>.jsonl`` per person, and ``truth.jsonl`` with each true stage."""
    import json  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    truth = []
    for history in histories_:
        (directory / f"{history.name}.jsonl").write_text(
            dumps_jsonl(history.records), encoding="utf-8"
        )
        truth.append(
            json.dumps(
                {
                    "person": history.name,
                    "true_stage": history.true_stage,
                    "as_of": history.as_of.isoformat(),
                }
            )
        )
    (directory / "truth.jsonl").write_text("\n".join(truth) + "\n", encoding="utf-8")


def as_of_date(history: History) -> date:
    return history.as_of.date()

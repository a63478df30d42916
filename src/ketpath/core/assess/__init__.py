"""Assess one person's history: stage, signals, red flags, the course after stopping.

``assess(records, as_of)`` is a pure function of the records and the moment
asked about; records after ``as_of`` are ignored. Every threshold comes from
``knowledge/rules.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ketpath.core.assess.body_reading import body_section
from ketpath.core.assess.course import Course, course_after_stopping
from ketpath.core.assess.frequency import band_ids, rates
from ketpath.core.assess.history import History, build_history
from ketpath.core.assess.questionnaires import scored
from ketpath.core.assess.redflags import RedFlag, raise_flags
from ketpath.core.assess.signals import Finding, detect
from ketpath.core.assess.stage import decide_stage
from ketpath.core.records import Record
from ketpath.knowledge import helplines, rules


@dataclass(frozen=True)
class Frequency:
    recent_use_days: int
    recent_band: str
    prior_use_days_per_30: float
    prior_band: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_30_days": {"use_days": self.recent_use_days, "band": self.recent_band},
            "prior_90_days": {
                "use_days_per_30": round(self.prior_use_days_per_30, 2),
                "band": self.prior_band,
            },
        }


@dataclass(frozen=True)
class Assessment:
    as_of: datetime
    locale: str
    stage: str
    peak_stage: str | None
    frequency: Frequency
    signals: tuple[Finding, ...]
    red_flags: tuple[RedFlag, ...]
    course: Course | None
    questionnaires: dict[str, dict[str, Any]]
    body: dict[str, Any] | None
    use_days_total: int
    last_use: datetime | None
    days_since_last_use: int | None
    disclaimer: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "stage": self.stage,
            "peak_stage": self.peak_stage,
            "frequency": self.frequency.to_dict(),
            "signals": [signal.to_dict() for signal in self.signals],
            "red_flags": [flag.to_dict() for flag in self.red_flags],
            "course": self.course.to_dict() if self.course else None,
            "questionnaires": self.questionnaires,
            "body": self.body,
            "use_days_total": self.use_days_total,
            "last_use": self.last_use.isoformat() if self.last_use else None,
            "days_since_last_use": self.days_since_last_use,
            "locale": self.locale,
            "disclaimer": self.disclaimer,
        }


def _frequency(history: History) -> Frequency:
    r = rates(history, np.array([history.end_day], dtype=np.int64))
    names = band_ids()
    return Frequency(
        recent_use_days=int(r.recent_use_days[0]),
        recent_band=names[int(r.recent_band[0])],
        prior_use_days_per_30=float(r.prior_rate[0]),
        prior_band=names[int(r.prior_band[0])],
    )


def assess(
    records: Sequence[Record], as_of: datetime | None = None, *, locale: str | None = None
) -> Assessment:
    """Assess a history at ``as_of`` (now when omitted).

    ``locale`` picks the help lines shown with red flags (``US``, ``UK``, ``EU``
    …); by default it is guessed from the profile's time zone.
    """
    moment = as_of or datetime.now(UTC)
    history = build_history(records, moment)
    chosen = locale or helplines().for_zone(history.timezone)
    if chosen not in helplines().locales:
        raise ValueError(f"unknown locale {chosen!r}; known: {', '.join(helplines().locales)}")
    stage = decide_stage(history)
    return Assessment(
        as_of=moment,
        locale=chosen,
        stage=stage.stage,
        peak_stage=stage.peak_stage,
        frequency=_frequency(history),
        signals=tuple(detect(history)),
        red_flags=tuple(raise_flags(history, chosen)),
        course=course_after_stopping(history, stage),
        questionnaires=scored(history).summary(),
        body=body_section(history),
        use_days_total=len(history.use_days),
        last_use=history.uses.records[-1].time if len(history.uses) else None,
        days_since_last_use=stage.days_since_last_use,
        disclaimer=rules().disclaimer,
    )


__all__ = ["Assessment", "Frequency", "assess"]

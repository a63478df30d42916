"""The course after stopping: days since the last use, the article's phase, and
what was actually logged, always with the weak evidence behind the phases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ketpath.core.assess.history import History
from ketpath.core.assess.stage import ACTIVE_STAGES, RANK, StageResult
from ketpath.knowledge import rules


@dataclass(frozen=True)
class Course:
    days_since_last_use: int
    phase: str
    phase_label: str
    expected_symptoms: tuple[str, ...]
    logged_symptoms: tuple[str, ...]
    evidence_grade: str
    caveat: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "days_since_last_use": self.days_since_last_use,
            "phase": self.phase,
            "phase_label": self.phase_label,
            "expected_symptoms": list(self.expected_symptoms),
            "logged_symptoms": list(self.logged_symptoms),
            "evidence_grade": self.evidence_grade,
            "caveat": self.caveat,
            "sources": list(self.sources),
        }


def course_after_stopping(history: History, stage: StageResult) -> Course | None:
    """The course, once the last use is far enough back after regular use or more."""
    rule = rules().course
    days = stage.days_since_last_use
    if days is None or stage.peak_stage is None or days < rule.min_days:
        return None
    if RANK[stage.peak_stage] < RANK[rule.min_peak_stage] if rule.min_peak_stage in RANK else False:
        return None
    phase = next(p for p in reversed(rule.phases) if days >= p.from_day)
    last_use = history.uses.at[-1]
    logged = dict.fromkeys(
        s.symptom
        for s, at in zip(history.symptoms.records, history.symptoms.at, strict=True)
        if at > last_use
    )
    return Course(
        days_since_last_use=days,
        phase=phase.id,
        phase_label=phase.label,
        expected_symptoms=phase.expected,
        logged_symptoms=tuple(logged),
        evidence_grade=rule.grade,
        caveat=rule.caveat,
        sources=rule.sources,
    )


__all__ = ["ACTIVE_STAGES", "Course", "course_after_stopping"]

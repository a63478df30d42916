"""The course after stopping: days since the last use, the article's phase, and
what was actually logged, always with the weak evidence behind the phases.

It appears only once stopping is real (a stop goal set after the last use, or
``min_days`` without use), never calls a danger sign "expected", and always
says which symptoms are never to be waited out, with the exception for people
who also used alcohol, benzodiazepines or GHB/GBL (their withdrawal can kill).
"""

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
    never_wait_out: tuple[str, ...]
    never_wait_out_text: str
    depressant_exception: str
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
            "never_wait_out": list(self.never_wait_out),
            "never_wait_out_text": self.never_wait_out_text,
            "depressant_exception": self.depressant_exception,
            "evidence_grade": self.evidence_grade,
            "caveat": self.caveat,
            "sources": list(self.sources),
        }


def course_after_stopping(history: History, stage: StageResult) -> Course | None:
    """The course, once someone who used regularly or more has stopped.

    Stopped means a stop goal set after the last use, or at least ``min_days``
    days without use (one skipped night is not withdrawal).
    """
    rule = rules().course
    days = stage.days_since_last_use
    if days is None or stage.peak_stage is None:
        return None
    if RANK[stage.peak_stage] < RANK[rule.min_peak_stage] if rule.min_peak_stage in RANK else False:
        return None
    last_use = history.uses.at[-1]
    goals = history.goals
    stop_goal_since = any(
        goal.goal == "stop" and at > last_use
        for goal, at in zip(goals.records, goals.at, strict=True)
    )
    if days < rule.min_days and not stop_goal_since:
        return None
    phase = next((p for p in reversed(rule.phases) if days >= p.from_day), rule.phases[0])
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
        never_wait_out=rule.never_wait_out,
        never_wait_out_text=rule.never_wait_out_text,
        depressant_exception=rule.depressant_exception,
        evidence_grade=rule.grade,
        caveat=rule.caveat,
        sources=rule.sources,
    )


__all__ = ["ACTIVE_STAGES", "Course", "course_after_stopping"]

"""The PDF summary of a person's history for a chosen period, typeset with typst.

``render_report`` is pure given its inputs: it builds one JSON document (texts,
numbers and SVG charts) and compiles ``report.typ`` with it in memory, with
only the DejaVu fonts that matplotlib ships, so the same inputs give the same
PDF on any machine. Strings from the data are shown by typst as text, never
evaluated as markup.

The order is fixed by the rules of the project: the red flags come first, with
what to do and whom to call; every statement about evidence carries its grade
and numbered sources (listed at the end); nothing advises a dose (the body
model's exposure figures are left out, and logged amounts are labelled as what
was logged).

The data comes from the person's view read for the period
(``services.read.PersonView``): the assessment at the period's end, the weekly
series and the stage over time (the stage at the end of each week) are worked
out there, once, as the pages get theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import matplotlib
import typst

from ketpath.core.assess import Assessment
from ketpath.core.contingency import ContingencyEvent, ContingencyState
from ketpath.core.instruments import get_instrument, score
from ketpath.core.records import Questionnaire, Record
from ketpath.knowledge import claims, rules, sources, vocabulary
from ketpath.knowledge.contingency import contingency
from ketpath.knowledge.load import GRADE_MEANINGS
from ketpath.present.charts import Chart
from ketpath.present.format import (
    WORDING_LOCALE,
    local_date,
    money,
    schedule_setting,
    weekday_and_day,
)
from ketpath.present.history_charts import (
    ChartView,
    WeeklySeries,
    inline_svg,
    questionnaire_charts,
    weekly_charts,
)
from ketpath.present.report_charts import rewards_chart, stage_chart


class SummaryPeriod(Protocol):
    """Local days from ``start`` to ``end``, both inclusive."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...


class PersonView(Protocol):
    """What a summary reads of a person: ``services.read.PersonView`` read for a period.

    A protocol rather than an import, so that interop stays below services in
    the layers (the import-linter contract in pyproject.toml).
    """

    @property
    def period(self) -> SummaryPeriod | None: ...
    @property
    def zone(self) -> tzinfo: ...
    @property
    def now(self) -> datetime: ...
    @property
    def since(self) -> datetime | None: ...
    @property
    def in_period(self) -> tuple[Record, ...]: ...
    @property
    def weekly(self) -> WeeklySeries: ...
    @property
    def stage_points(self) -> tuple[tuple[date, str], ...]: ...
    def assessed(self) -> Assessment: ...


__all__ = ["PLAN_LABELS", "render_report", "report_data"]

TEMPLATE = "report.typ"
TITLE = "ketpath summary"
#: The plan's parts in the order and words of the Plan page (web/plan_form.py).
PLAN_LABELS = (
    ("triggers", "Triggers"),
    ("warning_signs", "Warning signs"),
    ("coping_steps", "Coping steps"),
    ("people_to_call", "People to call"),
    ("reasons", "Reasons to change"),
)
PLAN_CLAIM = "relapse-risk"
OUTCOME_WORDS = {
    "earned": "earned",
    "reset": "reset to the start value",
    "held": "no change",
    "repeat": "repeat within a day: nothing earned",
}


@dataclass
class _Citations:
    """Numbers the sources in the order they are first cited."""

    numbers: dict[str, int] = field(default_factory=dict)

    def refs(self, source_ids: Iterable[str]) -> list[int]:
        return [self.numbers.setdefault(s, len(self.numbers) + 1) for s in source_ids]

    def graded(self, grade: str, source_ids: Iterable[str]) -> dict[str, Any]:
        return {
            "grade": grade,
            "grade_meaning": GRADE_MEANINGS[grade],
            "refs": self.refs(source_ids),
        }

    def listing(self) -> list[dict[str, Any]]:
        known = sources()
        listed = []
        for source_id, number in self.numbers.items():
            source = known.get(source_id)
            listed.append(
                {
                    "number": number,
                    "citation": source.citation if source else source_id,
                    "verified": source.verified if source else False,
                }
            )
        return listed


# ---------------------------------------------------------------- sections


def _red_flags(assessment: Assessment, cite: _Citations, zone: tzinfo) -> list[dict[str, Any]]:
    return [
        {
            "level": flag.level,
            "level_label": flag.label,
            "message": flag.message,
            "note": flag.note,
            "action": flag.action,
            "since": local_date(flag.finding.since, zone),
            "contacts": [{"name": c.name, "number": c.number} for c in flag.contacts],
            **cite.graded(flag.finding.grade, flag.finding.sources),
        }
        for flag in assessment.red_flags
    ]


def _stage(assessment: Assessment, cite: _Citations) -> dict[str, Any]:
    stage_rules = rules().stages
    label = stage_rules.labels[assessment.stage]
    return {
        "label": label.label,
        "description": label.description,
        **cite.graded(stage_rules.grade, stage_rules.sources),
    }


def _facts(assessment: Assessment, zone: tzinfo) -> list[list[str]]:
    frequency = assessment.frequency
    band_labels = {band.id: band.label for band in rules().frequency.bands}
    facts = [
        [
            "Last 30 days",
            f"{frequency.recent_use_days} use-days ({band_labels[frequency.recent_band]})",
        ],
        [
            "The 90 days before",
            f"{frequency.prior_use_days_per_30:.1f} use-days per 30 "
            f"({band_labels[frequency.prior_band]})",
        ],
        ["Use-days logged in all", str(assessment.use_days_total)],
        ["Last use", local_date(assessment.last_use, zone)],
    ]
    if assessment.peak_stage:
        facts.append(
            ["Most advanced stage reached", rules().stages.labels[assessment.peak_stage].label]
        )
    return facts


def _signals(assessment: Assessment, cite: _Citations, zone: tzinfo) -> list[dict[str, Any]]:
    return [
        {
            "label": signal.label,
            "evidence": signal.evidence,
            "since": local_date(signal.since, zone),
            **cite.graded(signal.grade, signal.sources),
        }
        for signal in assessment.signals
    ]


def _course(assessment: Assessment, cite: _Citations) -> dict[str, Any] | None:
    course = assessment.course
    if course is None:
        return None
    return {
        "days_since_last_use": course.days_since_last_use,
        "phase_label": course.phase_label,
        "never_wait_out_text": course.never_wait_out_text,
        "never_wait_out": ", ".join(
            vocabulary().label("symptoms", s).lower() for s in course.never_wait_out
        ),
        "depressant_exception": course.depressant_exception,
        "caveat": course.caveat,
        **cite.graded(course.evidence_grade, course.sources),
    }


def _chart(chart: Chart) -> dict[str, str]:
    return {"svg": inline_svg(chart.svg), "alt": chart.alt, "empty": ""}


def _view(view: ChartView) -> dict[str, str]:
    """A history chart, or the sentence the History page shows instead of an empty one."""
    if view.chart is None:
        return {"svg": "", "alt": "", "empty": f"{view.heading}: {view.empty}"}
    return _chart(view.chart)


def _questionnaires(
    records: Sequence[Record], cite: _Citations, zone: tzinfo
) -> list[dict[str, Any]]:
    answered: dict[str, list[Questionnaire]] = {}
    for record in sorted(
        (r for r in records if isinstance(r, Questionnaire)), key=lambda r: r.time
    ):
        answered.setdefault(record.instrument, []).append(record)
    rows = []
    for instrument_id, taken in sorted(answered.items()):
        instrument = get_instrument(instrument_id)
        latest = score(instrument_id, taken[-1].answers)
        rows.append(
            {
                "name": instrument.short_name,
                "count": len(taken),
                "latest": f"{latest.total:g} on {local_date(taken[-1].time, zone)}",
                "band": latest.band_label or "no bands",
                **cite.graded(instrument.grade, instrument.sources),
            }
        )
    return rows


def _event_row(event: ContingencyEvent, zone: tzinfo, currency: str) -> dict[str, str]:
    outcome = OUTCOME_WORDS[event.outcome]
    if event.bonus:
        outcome += f" (with a {money(event.bonus, currency, WORDING_LOCALE)} bonus)"
    if event.restored:
        outcome += "; earlier step restored"
    return {
        "date": weekday_and_day(event.time, zone),
        "result": event.result or "missed",
        "outcome": outcome,
        "earned": money(event.earned, currency, WORDING_LOCALE),
        "total": money(event.total, currency, WORDING_LOCALE),
    }


def _contingency(
    state: ContingencyState | None, *, since: datetime, cite: _Citations, zone: tzinfo
) -> dict[str, Any] | None:
    if state is None:
        return None
    known = contingency()
    settings = state.settings
    currency = settings.currency
    events = [e for e in state.events if e.time >= since]
    earned_here = sum((e.earned for e in events), start=0 * state.total)
    summary = (
        f"Earned in this period: {money(earned_here, currency, WORDING_LOCALE)}. Running "
        f"total since the schedule began on {local_date(state.start, zone)}: "
        f"{money(state.total, currency, WORDING_LOCALE)}. The next negative screen earns "
        f"{money(state.next_value, currency, WORDING_LOCALE)} if taken by "
        f"{local_date(state.next_due, zone)}."
    )
    rows = []
    for name, default in known.defaults.items():
        value = getattr(settings, name)
        changed = value != getattr(type(settings).defaults(), name)
        rows.append(
            {
                "label": default.label,
                "value": schedule_setting(name, value, currency, WORDING_LOCALE)
                + (" (set by the clinic)" if changed else ""),
                **cite.graded(default.grade, default.sources),
            }
        )
    return {
        "summary": summary,
        "effect": cite.graded(known.effect.grade, known.effect.sources),
        "chart": _chart(rewards_chart(state, since=since, zone=zone)),
        "settings": rows,
        "ladder": ", ".join(money(v, currency, WORDING_LOCALE) for v in settings.ladder()),
        "events": [_event_row(e, zone, currency) for e in events],
        "note": (
            "Rewards are worked out from the drug screens each time; they are not stored. "
            "Correcting a screen corrects every value after it."
        ),
    }


def _plan(plan: Mapping[str, Sequence[str]] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    return [
        {"label": label, "entries": list(plan[key])} for key, label in PLAN_LABELS if plan.get(key)
    ]


# ---------------------------------------------------------------- assembling


def _period(view: PersonView) -> SummaryPeriod:
    if view.period is None:
        raise ValueError("a summary covers a period: read the person's view with one")
    return view.period


def report_data(
    view: PersonView,
    *,
    plan: Mapping[str, Sequence[str]] | None,
    contingency_state: ContingencyState | None,
) -> dict[str, Any]:
    """Everything the template shows, as JSON-ready data (also handy for tests).

    ``view`` is the person's history read for the period (``services.read``):
    it holds the assessment at the period's end, the weekly series and the
    stage at the end of each week; the summary is dated ``view.now``.
    """
    period = _period(view)
    zone = view.zone
    since = view.since
    assert since is not None
    assessment = view.assessed()
    in_period = view.in_period
    cite = _Citations()
    stage_labels = {key: value.label for key, value in rules().stages.labels.items()}
    plan_claim = claims()[PLAN_CLAIM]
    data: dict[str, Any] = {
        "title": TITLE,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "period_words": f"{period.start:%d %b %Y} to {period.end:%d %b %Y}",
        "generated_at": view.now.astimezone(zone).strftime("%d %b %Y %H:%M"),
        "zone": str(zone),
        "red_flags": _red_flags(assessment, cite, zone),
        "disclaimer": assessment.disclaimer,
        "stage": _stage(assessment, cite),
        "facts": _facts(assessment, zone),
        "stage_chart": _chart(stage_chart(list(view.stage_points), stage_labels)),
        "course": _course(assessment, cite),
        "signals": _signals(assessment, cite, zone),
        # Drawn charts first, then the sentences standing in for empty ones.
        "weekly_charts": sorted(
            (_view(chart) for chart in weekly_charts(view.weekly)), key=lambda c: c["svg"] == ""
        ),
        "questionnaires": _questionnaires(in_period, cite, zone),
        "questionnaire_charts": [
            _view(chart) for chart in questionnaire_charts(in_period, zone=zone)
        ],
        "contingency": _contingency(contingency_state, since=since, cite=cite, zone=zone),
        "plan": _plan(plan),
        "plan_evidence": cite.graded(plan_claim.grade, plan_claim.sources),
    }
    data["grade_key"] = [{"grade": g, "meaning": m} for g, m in GRADE_MEANINGS.items()]
    data["sources"] = cite.listing()
    return data


def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def compile_report(data: Mapping[str, Any]) -> bytes:
    """Typeset ``data`` with the packaged template; fonts from matplotlib's DejaVu set only."""
    template = files("ketpath.interop").joinpath(TEMPLATE).read_bytes()
    # The stub ties the input's type to the font paths' type; bytes in, str paths is fine.
    pdf: bytes = typst.compile(  # type: ignore[misc]
        template,
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        font_paths=[str(_font_dir())],
        ignore_system_fonts=True,
        timestamp=0,
    )
    return pdf


def render_report(
    view: PersonView,
    *,
    plan: Mapping[str, Sequence[str]] | None,
    contingency_state: ContingencyState | None,
) -> bytes:
    """The PDF summary of the person's view for its period (local days, both inclusive)."""
    return compile_report(report_data(view, plan=plan, contingency_state=contingency_state))

"""The PDF summary of a person's history for a chosen period, typeset with typst.

``render_report`` is pure given its inputs: it builds one JSON document (texts,
numbers and SVG charts) and compiles ``report.typ`` with it in memory, with
only the DejaVu fonts that matplotlib ships (and, for Chinese, Debian's Noto
Sans CJK, ``present.fonts``; never the system's other fonts), so the same
inputs give the same PDF on any machine. Strings from the data are shown by
typst as text, never evaluated as markup.

The summary is in the person's language (issue 15, point 4): every word of
the template comes in the JSON (``words``), translated with ``present.i18n``;
red flags, stages, signals, the course and the instruments' labels come from
the translated knowledge (``knowledge.languages``); source references stay as
published. The web route passes the page's language, the command line
``--lang``.

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
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import matplotlib
import typst
from babel.dates import format_date, format_datetime, format_skeleton

from ketpath.core.assess import Assessment
from ketpath.core.contingency import ContingencyEvent, ContingencyState
from ketpath.core.instruments import score
from ketpath.core.records import Questionnaire, Record
from ketpath.knowledge import languages, sources
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import GRADE_MEANINGS
from ketpath.present.charts import Chart
from ketpath.present.fonts import Typeface, cjk_font_files, typeface
from ketpath.present.format import (
    WORDING_LOCALE,
    babel_locale,
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
from ketpath.present.i18n import N_, _, catalog_name, current_language, ngettext, use_language
from ketpath.present.report_charts import rewards_chart, stage_chart
from ketpath.present.views import LIST_SEPARATOR, contact_view, flag_words_in, signal_words


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
TITLE = N_("ketpath summary")
#: The plan's parts in the order and words of the Plan page (web/plan_form.py).
PLAN_LABELS = (
    ("triggers", N_("Triggers")),
    ("warning_signs", N_("Warning signs")),
    ("coping_steps", N_("Coping steps")),
    ("people_to_call", N_("People to call")),
    ("reasons", N_("Reasons to change")),
)
PLAN_CLAIM = "relapse-risk"
OUTCOME_WORDS = {
    "earned": N_("earned"),
    "reset": N_("reset to the start value"),
    "held": N_("no change"),
    "repeat": N_("repeat within a day: nothing earned"),
}
SCREEN_RESULTS = {
    "negative": N_("negative"),
    "positive": N_("positive"),
    "invalid": N_("invalid"),
    "missed": N_("missed"),
}
YES_NO = {"yes": N_("yes"), "no": N_("no")}
#: What an invalid screen does (``knowledge/contingency.toml``, ``defaults.invalid``).
INVALID_RULES = {"reset": N_("reset"), "hold": N_("hold")}


def _words() -> dict[str, str]:
    """Every fixed word of ``report.typ``, in the current language."""
    return {
        "red_flags": _("Red flags"),
        "what_to_do": _("What to do:"),
        "where_things_stood": _("Where things stood"),
        "after_stopping": _("After stopping"),
        "signals": _("Signals at the end of the period"),
        "no_signals": _("No signals at the end of this period."),
        "logged": _("What was logged, week by week"),
        "logged_note": _(
            "Weeks start on Monday. These are the person’s own entries; amounts are what was "
            "logged, not a guide."
        ),
        "questionnaires": _("Questionnaires"),
        "no_questionnaires": _("No questionnaires were answered in this period."),
        "instrument": _("Instrument"),
        "answered": _("Answered"),
        "latest": _("Latest"),
        "band": _("Band"),
        "evidence": _("Evidence"),
        "rewards": _("Drug screens and rewards"),
        "no_rewards": _("No drug screens and no reward schedule in this period."),
        "schedule": _("The schedule"),
        "setting": _("Setting"),
        "value": _("Value"),
        "screens": _("Screens in this period"),
        "no_screens": _("No screens were due or taken in this period."),
        "date": _("Date"),
        "screen": _("Screen"),
        "what_it_did": _("What it did"),
        "earned": _("Earned"),
        "total": _("Total"),
        "plan": _("Relapse-prevention plan"),
        "no_plan": _("No plan has been written yet."),
        "sources": _("Sources and grades"),
        # typst puts the grade's tag at {grade}, its meaning at {meaning}, the numbers at {refs}.
        "evidence_line": _(
            "Evidence grade %(grade)s %(meaning)s. Sources: %(refs)s.",
            grade="{grade}",
            meaning="{meaning}",
            refs="{refs}",
        ),
        "not_verified": _("(not fully verified)"),
        # typst fills {page} and {pages}: the page numbers are known only there.
        "page_of": _("page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
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
            "grade_meaning": _(GRADE_MEANINGS[grade]),
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


# ---------------------------------------------------------------- dates and money


def _language() -> str:
    return current_language()


def _day(moment: datetime | None, zone: tzinfo) -> str:
    """A moment's local day: "29 Nov 2026" in English, CLDR's medium date in another language."""
    language = _language()
    if language == ENGLISH or moment is None:
        return local_date(moment, zone)
    return format_date(moment.astimezone(zone).date(), "medium", locale=babel_locale(language))


def _date(day: date) -> str:
    language = _language()
    if language == ENGLISH:
        return f"{day:%d %b %Y}"
    return format_date(day, "medium", locale=babel_locale(language))


def _weekday_and_day(moment: datetime, zone: tzinfo) -> str:
    language = _language()
    if language == ENGLISH:
        return weekday_and_day(moment, zone)
    local = moment.astimezone(zone).date()
    return format_skeleton("MMMEd", local, locale=babel_locale(language))


def _money_locale() -> str:
    language = _language()
    return WORDING_LOCALE if language == ENGLISH else catalog_name(language)


def _money(amount: Decimal | float | int, currency: str) -> str:
    return money(amount, currency, _money_locale())


# ---------------------------------------------------------------- sections


def _red_flags(assessment: Assessment, cite: _Citations, zone: tzinfo) -> list[dict[str, Any]]:
    """The flags in the person's language (never left out: a flag without a translation is English)."""
    language = _language()
    shown = []
    for flag in assessment.red_flags:
        words = flag_words_in(flag, language)
        shown.append(
            {
                "level": flag.level,
                "level_label": words.label,
                "message": words.message,
                "note": words.note,
                "action": words.action,
                "since": _("since %(day)s", day=_day(flag.finding.since, zone)),
                "contacts": [
                    _("%(name)s: %(number)s", name=c["name"], number=c["number"])
                    for c in (contact_view(contact, language) for contact in flag.contacts)
                ],
                **cite.graded(flag.finding.grade, flag.finding.sources),
            }
        )
    return shown


def _stage(assessment: Assessment, cite: _Citations) -> dict[str, Any]:
    stage_rules = languages.rules(_language()).stages
    label = stage_rules.labels[assessment.stage]
    return {
        "label": label.label,
        "description": label.description,
        # typst puts the label, in bold, at {stage}.
        "line": _("%(stage)s at the end of the period:", stage="{stage}"),
        **cite.graded(stage_rules.grade, stage_rules.sources),
    }


def _use_days(count: int, band: str) -> str:
    return ngettext("%(num)s use-day (%(band)s)", "%(num)s use-days (%(band)s)", count, band=band)


def _facts(assessment: Assessment, zone: tzinfo) -> list[list[str]]:
    frequency = assessment.frequency
    known = languages.rules(_language())
    band_labels = {band.id: band.label for band in known.frequency.bands}
    facts = [
        [
            _("Last 30 days"),
            _use_days(frequency.recent_use_days, band_labels[frequency.recent_band]),
        ],
        [
            _("The 90 days before"),
            _(
                "%(rate)s use-days per 30 (%(band)s)",
                rate=f"{frequency.prior_use_days_per_30:.1f}",
                band=band_labels[frequency.prior_band],
            ),
        ],
        [_("Use-days logged in all"), str(assessment.use_days_total)],
        [_("Last use"), _day(assessment.last_use, zone)],
    ]
    if assessment.peak_stage:
        facts.append(
            [_("Most advanced stage reached"), known.stages.labels[assessment.peak_stage].label]
        )
    return facts


def _signals(assessment: Assessment, cite: _Citations, zone: tzinfo) -> list[dict[str, Any]]:
    shown = []
    for signal in assessment.signals:
        label, evidence = signal_words(signal, _language())
        shown.append(
            {
                "label": label,
                "evidence": evidence,
                "since": _("since %(day)s", day=_day(signal.since, zone)),
                **cite.graded(signal.grade, signal.sources),
            }
        )
    return shown


def _course(assessment: Assessment, cite: _Citations) -> dict[str, Any] | None:
    course = assessment.course
    if course is None:
        return None
    language = _language()
    rule = languages.rules(language).course
    words = languages.vocabulary(language)
    phase = next((p.label for p in rule.phases if p.id == course.phase), course.phase_label)
    if language == ENGLISH:
        never = ", ".join(words.label("symptoms", s).lower() for s in course.never_wait_out)
    else:
        never = LIST_SEPARATOR.join(words.label("symptoms", s) for s in course.never_wait_out)
    return {
        "days_since_last_use": course.days_since_last_use,
        "phase_label": phase,
        "days_line": ngettext(
            "Day %(num)s without use: %(phase)s.",
            "Day %(num)s without use: %(phase)s.",
            course.days_since_last_use,
            phase=phase,
        ),
        "never_wait_out_text": rule.never_wait_out_text,
        "never_wait_out": never + ("." if language == ENGLISH else "。"),
        "depressant_exception": rule.depressant_exception,
        "caveat": rule.caveat,
        **cite.graded(course.evidence_grade, course.sources),
    }


def _chart(chart: Chart) -> dict[str, str]:
    return {"svg": inline_svg(chart.svg), "alt": chart.alt, "empty": ""}


def _view(view: ChartView) -> dict[str, str]:
    """A history chart, or the sentence the History page shows instead of an empty one."""
    if view.chart is None:
        return {
            "svg": "",
            "alt": "",
            "empty": _("%(heading)s: %(empty)s", heading=view.heading, empty=view.empty),
        }
    return _chart(view.chart)


def _band_label(instrument_id: str, total: float, english: str | None) -> str:
    """The band of ``total`` in the current language's labels, or "no bands"."""
    if english is None:
        return _("no bands")
    bands = languages.instruments(_language())[instrument_id].bands
    found = [band.label for band in bands if band.min <= total <= band.max]
    return found[0] if found else english


def _questionnaires(
    records: Sequence[Record], cite: _Citations, zone: tzinfo
) -> list[dict[str, Any]]:
    answered: dict[str, list[Questionnaire]] = {}
    for record in sorted(
        (r for r in records if isinstance(r, Questionnaire)), key=lambda r: r.time
    ):
        answered.setdefault(record.instrument, []).append(record)
    shown = languages.instruments(_language())
    rows = []
    for instrument_id, taken in sorted(answered.items()):
        instrument = shown[instrument_id]
        latest = score(instrument_id, taken[-1].answers)
        rows.append(
            {
                "name": instrument.short_name,
                "count": len(taken),
                "latest": _(
                    "%(total)s on %(day)s",
                    total=f"{latest.total:g}",
                    day=_day(taken[-1].time, zone),
                ),
                "band": _band_label(instrument_id, latest.total, latest.band_label),
                **cite.graded(instrument.grade, instrument.sources),
            }
        )
    return rows


def _event_row(event: ContingencyEvent, zone: tzinfo, currency: str) -> dict[str, str]:
    outcome = _(OUTCOME_WORDS[event.outcome])
    if event.bonus:
        outcome = _(
            "%(outcome)s (with a %(bonus)s bonus)",
            outcome=outcome,
            bonus=_money(event.bonus, currency),
        )
    if event.restored:
        outcome = _("%(outcome)s; earlier step restored", outcome=outcome)
    return {
        "date": _weekday_and_day(event.time, zone),
        "result": _(SCREEN_RESULTS[event.result or "missed"]),
        "outcome": outcome,
        "earned": _money(event.earned, currency),
        "total": _money(event.total, currency),
    }


def _setting(name: str, value: object, currency: str) -> str:
    shown = schedule_setting(name, value, currency, _money_locale())
    if name == "invalid" and shown in INVALID_RULES:
        return _(INVALID_RULES[shown])
    return _(YES_NO[shown]) if shown in YES_NO else shown


def _contingency(
    state: ContingencyState | None, *, since: datetime, cite: _Citations, zone: tzinfo
) -> dict[str, Any] | None:
    if state is None:
        return None
    known = languages.contingency(_language())
    settings = state.settings
    currency = settings.currency
    events = [e for e in state.events if e.time >= since]
    earned_here = sum((e.earned for e in events), start=0 * state.total)
    summary = _(
        "Earned in this period: %(earned)s. Running total since the schedule began on "
        "%(start)s: %(total)s. The next negative screen earns %(next)s if taken by %(due)s.",
        earned=_money(earned_here, currency),
        start=_day(state.start, zone),
        total=_money(state.total, currency),
        next=_money(state.next_value, currency),
        due=_day(state.next_due, zone),
    )
    rows = []
    for name, default in known.defaults.items():
        value = getattr(settings, name)
        changed = value != getattr(type(settings).defaults(), name)
        shown = _setting(name, value, currency)
        rows.append(
            {
                "label": default.label,
                "value": _("%(value)s (set by the clinic)", value=shown) if changed else shown,
                **cite.graded(default.grade, default.sources),
            }
        )
    ladder = (", " if _language() == ENGLISH else LIST_SEPARATOR).join(
        _money(v, currency) for v in settings.ladder()
    )
    return {
        "summary": summary,
        "effect": cite.graded(known.effect.grade, known.effect.sources),
        "chart": _chart(rewards_chart(state, since=since, zone=zone)),
        "settings": rows,
        "ladder": _("Value of a negative screen at each step: %(ladder)s.", ladder=ladder),
        "events": [_event_row(e, zone, currency) for e in events],
        "note": _(
            "Rewards are worked out from the drug screens each time; they are not stored. "
            "Correcting a screen corrects every value after it."
        ),
    }


def _plan(plan: Mapping[str, Sequence[str]] | None) -> list[dict[str, Any]]:
    if not plan:
        return []
    return [
        {"label": _(label), "entries": list(plan[key])}
        for key, label in PLAN_LABELS
        if plan.get(key)
    ]


# ---------------------------------------------------------------- assembling


def _period(view: PersonView) -> SummaryPeriod:
    if view.period is None:
        raise ValueError("a summary covers a period: read the person's view with one")
    return view.period


def _typesetting(face: Typeface) -> dict[str, Any]:
    """The fonts in order and the language tags typst sets the text with."""
    return {"fonts": list(face.families), "lang": face.lang, "region": face.region}


def report_data(
    view: PersonView,
    *,
    plan: Mapping[str, Sequence[str]] | None,
    contingency_state: ContingencyState | None,
    language: str | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as JSON-ready data (also handy for tests).

    ``view`` is the person's history read for the period (``services.read``):
    it holds the assessment at the period's end, the weekly series and the
    stage at the end of each week; the summary is dated ``view.now``. The words
    are in ``language`` (by default the current one: the page's or ``--lang``).
    """
    with use_language(language or current_language()) as chosen:
        return _report_data(view, plan=plan, contingency_state=contingency_state, language=chosen)


def _report_data(
    view: PersonView,
    *,
    plan: Mapping[str, Sequence[str]] | None,
    contingency_state: ContingencyState | None,
    language: str,
) -> dict[str, Any]:
    period = _period(view)
    zone = view.zone
    since = view.since
    assert since is not None
    assessment = view.assessed()
    in_period = view.in_period
    cite = _Citations()
    known = languages.rules(language)
    stage_labels = {key: value.label for key, value in known.stages.labels.items()}
    plan_claim = languages.claims(language)[PLAN_CLAIM]
    title = _(TITLE)
    period_words = _("%(start)s to %(end)s", start=_date(period.start), end=_date(period.end))
    local_now = view.now.astimezone(zone)
    if language == ENGLISH:
        generated_at = local_now.strftime("%d %b %Y %H:%M")
    else:
        locale = babel_locale(language)
        pattern = f"{locale.date_formats['medium'].pattern} {locale.time_formats['short'].pattern}"
        generated_at = format_datetime(local_now, pattern, tzinfo=zone, locale=locale)
    data: dict[str, Any] = {
        "title": title,
        "language": language,
        "typesetting": _typesetting(typeface(language)),
        "words": _words(),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "period_words": period_words,
        "generated_at": generated_at,
        "zone": str(zone),
        "subtitle": _(
            "%(period)s · generated %(generated)s · times in %(zone)s",
            period=period_words,
            generated=generated_at,
            zone=str(zone),
        ),
        "footer": _(
            "%(title)s · %(start)s to %(end)s · no dose advice",
            title=title,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        ),
        "red_flags": _red_flags(assessment, cite, zone),
        "no_red_flags": _(
            "No red flags at the end of this period (%(end)s). Red flags are recomputed every "
            "time something is logged.",
            end=period.end.isoformat(),
        ),
        "disclaimer": known.disclaimer,
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
    data["grade_key"] = [{"grade": g, "meaning": _(m)} for g, m in GRADE_MEANINGS.items()]
    data["sources"] = cite.listing()
    return data


def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@cache
def _cjk_fonts() -> typst.Fonts:
    """DejaVu and Noto Sans CJK, read once per process (no system font is ever used)."""
    files_ = cjk_font_files()  # names the fix when fonts-noto-cjk is missing
    return typst.Fonts(
        include_system_fonts=False,
        font_paths=[str(_font_dir()), str(files_[0].parent)],
    )


def compile_report(data: Mapping[str, Any]) -> bytes:
    """Typeset ``data`` with the packaged template: matplotlib's DejaVu fonts, and Noto Sans CJK
    when the summary is in Chinese; never the system's other fonts."""
    template = files("ketpath.interop").joinpath(TEMPLATE).read_bytes()
    face = typeface(str(data.get("language", ENGLISH)))
    fonts: typst.Fonts | list[str] = _cjk_fonts() if face.cjk else [str(_font_dir())]
    # The stub ties the input's type to the font paths' type; bytes in, str paths is fine.
    pdf: bytes = typst.compile(  # type: ignore[misc]
        template,
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        font_paths=fonts,
        ignore_system_fonts=True,
        timestamp=0,
    )
    return pdf


def render_report(
    view: PersonView,
    *,
    plan: Mapping[str, Sequence[str]] | None,
    contingency_state: ContingencyState | None,
    language: str | None = None,
) -> bytes:
    """The PDF summary of the person's view for its period (local days, both inclusive).

    In ``language``, by default the current one (the page's, or ``--lang``).
    """
    data = report_data(view, plan=plan, contingency_state=contingency_state, language=language)
    return compile_report(data)

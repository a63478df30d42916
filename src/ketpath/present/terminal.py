"""An assessment as a readable terminal report: red flags first, then the rest.

Wording shown here comes from the knowledge base (stage labels, signal labels,
evidence sentences, the course caveat); this module only lays it out. In a
language other than English the red flags, the stage and the disclaimer come
from the translated knowledge (``knowledge/i18n``); the signals, the course
and the body model's words come through ``present.views`` in the run's
language; the report's own headings and labels through the UI catalogs
(``present.i18n``), so ``ketpath --lang zh-Hant`` reads in Chinese throughout.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketpath.core.assess import Assessment
from ketpath.core.assess.body_reading import BodyReport
from ketpath.knowledge import languages, sources
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import GRADE_MEANINGS
from ketpath.present.i18n import _, current_language, ngettext
from ketpath.present.views import (
    body_view,
    contact_view,
    course_view,
    flag_words_in,
    signal_view,
)

LEVEL_STYLE = {"emergency": "bold white on red", "urgent": "bold red", "soon": "bold yellow"}


def render_assessment(assessment: Assessment, console: Console, language: str = ENGLISH) -> None:
    """Print the report, red flags before anything else."""
    for flag in assessment.red_flags:
        words = flag_words_in(flag, language)
        contacts = [contact_view(contact, language) for contact in flag.contacts]
        shown = {
            **flag.to_dict(),
            "label": words.label,
            "message": words.message,
            "note": words.note,
            "action": words.action,
            "contacts": contacts,
        }
        console.print(_red_flag_panel(shown))
    console.print(_overview(assessment, language))
    if assessment.signals:
        console.print(_signals_table(assessment))
    elif assessment.red_flags:
        console.print(
            Text(_("No other warning signs at this time; the red flags above still need care."))
        )
    else:
        console.print(Text(_("No warning signs in this history at this time."), style="green"))
    if assessment.course is not None:
        console.print(_course_panel(assessment))
    if assessment.questionnaires:
        console.print(_questionnaire_table(assessment.questionnaires))
    if assessment.body is not None:
        console.print(_body_panel(assessment.body))
    disclaimer = assessment.disclaimer
    if language != ENGLISH:
        disclaimer = languages.rules(language).disclaimer
    console.print(Text(disclaimer, style="dim italic"))


def _red_flag_panel(flag: dict[str, Any]) -> Panel:
    contacts = "\n".join(f"  {c['name']}: [bold]{c['number']}[/bold]" for c in flag["contacts"])
    body = escape(flag["message"])
    if flag["note"]:
        body += f"\n[italic]{escape(flag['note'])}[/italic]"
    body += "\n\n" + _heading(_("What to do:"), flag["action"])
    if contacts:
        body += f"\n{contacts}"
    title = f"⚠ {escape(flag['label'])}"
    return Panel(body, title=title, title_align="left", style=LEVEL_STYLE[flag["level"]])


def _overview(assessment: Assessment, language: str = ENGLISH) -> Panel:
    labels = languages.rules(language).stages.labels
    stage = labels[assessment.stage]
    lines = [
        _heading(_("Where things stand:"), stage.label + _(". ") + stage.description),
    ]
    if assessment.peak_stage and assessment.peak_stage != assessment.stage:
        lines.append(
            _heading(_("Most advanced point reached:"), labels[assessment.peak_stage].label)
        )
    frequency = assessment.frequency
    bands = {band.id: band.label for band in languages.rules(language).frequency.bands}
    rate = f"{frequency.prior_use_days_per_30:.1f}"
    recent = _(
        "%(days)s use-days (%(band)s); the 90 days before: %(rate)s a month (%(prior_band)s)",
        days=frequency.recent_use_days,
        band=bands[frequency.recent_band],
        rate=rate,
        prior_band=bands[frequency.prior_band],
    )
    lines.append(_heading(_("Last 30 days:"), recent))
    if assessment.days_since_last_use is not None:
        lines.append(_heading(_("Days since last use:"), str(assessment.days_since_last_use)))
    moment = assessment.as_of.isoformat(timespec="minutes")
    as_of = _("As of %(time)s", time=moment)
    lines.append(f"[dim]{escape(as_of)}[/dim]")
    return Panel("\n".join(lines), title="ketpath", title_align="left")


def _heading(label: str, text: str) -> str:
    """A bold label and its text, as Rich markup (both escaped: they may be translations)."""
    return f"[bold]{escape(label)}[/bold] {escape(text)}"


def _signals_table(assessment: Assessment) -> Table:
    table = Table(title=_("Warning signs"), show_lines=True, title_justify="left")
    table.add_column(_("Sign"), style="bold")
    table.add_column(_("What the history shows"))
    table.add_column(_("Evidence"), justify="center")
    for signal in assessment.signals:
        shown = signal_view(signal)
        table.add_row(
            escape(shown["label"]), escape(shown["evidence"]), _grade(signal.grade, signal.sources)
        )
    return table


def _grade(grade: str, cited: tuple[str, ...]) -> str:
    known = sources()
    years = [str(known[s].year) for s in cited if s in known and known[s].year]
    return f"{grade}\n[dim]{', '.join(cited)}{' (' + ', '.join(years) + ')' if years else ''}[/dim]"


def _course_panel(assessment: Assessment) -> Panel:
    course = assessment.course
    assert course is not None
    shown = course_view(course)
    days = course.days_since_last_use
    expected = _words(shown["expected"])
    logged = _words(shown["logged"]) or _("none")
    never = _words(shown["never_wait_out"])
    since = ngettext("%(num)s day since the last use", "%(num)s days since the last use", days)
    body = Group(
        Text.from_markup(
            f"[bold]{escape(since)}[/bold] — {escape(shown['phase_label'] + _('.'))}\n"
            + escape(_("The article lists for this phase: %(symptoms)s.", symptoms=expected))
            + "\n"
            + escape(_("Logged since the last use: %(symptoms)s.", symptoms=logged))
        ),
        Text(f"{shown['never_wait_out_text']} {never}" + _("."), style="bold"),
        Text(shown["depressant_exception"], style="bold"),
        Text(
            _(
                "Evidence grade %(grade)s (%(meaning)s).",
                grade=course.evidence_grade,
                meaning=_(GRADE_MEANINGS[course.evidence_grade]),
            )
            + f" {shown['caveat']}",
            style="italic",
        ),
    )
    return Panel(body, title=_("After stopping"), title_align="left")


def _words(names: list[str]) -> str:
    """Symptom names joined as a list: lower case mid-sentence in English."""
    if current_language() == ENGLISH:
        names = [name.lower() for name in names]
    return _(", ").join(names)


def _body_panel(body: dict[str, Any]) -> Panel:
    """The body model's estimate in words (no tolerance figures), with its grade and caveat.

    The after-a-break warning comes first, in bold, with its own grade and sources.
    """
    words = body_view(body)
    text = Text()
    if words["after_a_break"]:
        after = body["after_a_break"]
        text.append(words["after_a_break"], style="bold")
        text.append(f"\n{_evidence_line(after['grade'], after['sources'])}\n", style="dim")
    lines = [words["exposure"], words["tolerance"], words["assumed"]]
    text.append("\n".join(line for line in lines if line))
    grade = _("Evidence grade %(grade)s.", grade=body["grade"])
    text.append(f"\n{grade} {words['caveat']}", style="italic")
    return Panel(text, title=_("What the doses did (model estimate)"), title_align="left")


def _evidence_line(grade: str, cited: list[str]) -> str:
    known = sources()
    names = [f"{s} ({known[s].year})" if s in known and known[s].year else s for s in cited]
    return _(
        "Evidence grade %(grade)s (%(meaning)s); sources: %(sources)s.",
        grade=grade,
        meaning=_(GRADE_MEANINGS[grade]),
        sources=", ".join(names),
    )


def _questionnaire_table(questionnaires: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=_("Questionnaires (latest)"), title_justify="left")
    for column in (_("Instrument"), _("Score"), _("Band"), _("When")):
        table.add_column(column)
    for instrument, latest in questionnaires.items():
        table.add_row(
            instrument,
            str(latest["total"]),
            _band(instrument, latest["band"]) or "—",
            latest["time"][:10],
        )
    return table


def _band(instrument_id: str, band: str | None) -> str | None:
    """A questionnaire's latest band: its id in English (as always), its label in another language."""
    if band is None or current_language() == ENGLISH:
        return band
    instrument = languages.instruments(current_language()).get(instrument_id)
    labels = {b.id: b.label for b in instrument.bands} if instrument else {}
    return labels.get(band, band)


def render_body_report(report: BodyReport, console: Console) -> None:
    """The whole-history body model (a research tool): now in words, then highs and lows.

    The highs and lows are the opponent-process model's own units, bounded and
    never a percentage; tolerance stays in words as in the assessment.
    """
    note = languages.body_words(current_language())["assessment.research.note"]
    data = report.to_dict()
    if report.section is None or not data["doses"]:
        console.print(
            _("No use in this history carries an amount, so the body model has nothing to show.")
        )
        console.print(Text(note, style="dim italic"))
        return
    console.print(_body_panel(report.section))
    highs = [dose["reward_high"] for dose in data["doses"]]
    lows = [dose["reward_low"] for dose in data["doses"]]
    span = min(10, len(highs))
    averages = {
        "high_first": f"{sum(highs[:span]) / span:.2f}",
        "high_last": f"{sum(highs[-span:]) / span:.2f}",
        "low_first": f"{sum(lows[:span]) / span:.2f}",
        "low_last": f"{sum(lows[-span:]) / span:.2f}",
    }
    console.print(
        ngettext(
            "Across %(num)s dose, the modelled high went from %(high_first)s (first %(span)s)"
            " to %(high_last)s (last %(span)s), and the low between doses from %(low_first)s"
            " to %(low_last)s (opponent-process model units; below 0 means feeling worse"
            " than before any use).",
            "Across %(num)s doses, the modelled high went from %(high_first)s (first %(span)s)"
            " to %(high_last)s (last %(span)s), and the low between doses from %(low_first)s"
            " to %(low_last)s (opponent-process model units; below 0 means feeling worse"
            " than before any use).",
            len(highs),
            span=span,
            **averages,
        ),
        highlight=False,
    )
    console.print(Text(note, style="dim italic"))

"""An assessment as a readable terminal report: red flags first, then the rest.

Wording shown here comes from the knowledge base (stage labels, signal labels,
evidence sentences, the course caveat); this module only lays it out. In a
language other than English the red flags, the stage and the disclaimer come
from the translated knowledge (``knowledge/i18n``); the report's own headings
are English until the command line has a catalog.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ketpath.core.assess import Assessment
from ketpath.core.assess.body_reading import BodyReport, body_sentences
from ketpath.knowledge import languages, rules, sources, vocabulary
from ketpath.knowledge.body import body
from ketpath.knowledge.languages import ENGLISH
from ketpath.knowledge.load import GRADE_MEANINGS
from ketpath.present.views import contact_view, flag_words_in

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
            Text("No other warning signs at this time; the red flags above still need care.")
        )
    else:
        console.print(Text("No warning signs in this history at this time.", style="green"))
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
    body += f"\n\n[bold]What to do:[/bold] {escape(flag['action'])}"
    if contacts:
        body += f"\n{contacts}"
    title = f"⚠ {escape(flag['label'])}"
    return Panel(body, title=title, title_align="left", style=LEVEL_STYLE[flag["level"]])


def _overview(assessment: Assessment, language: str = ENGLISH) -> Panel:
    labels = languages.rules(language).stages.labels
    stage = labels[assessment.stage]
    lines = [
        f"[bold]Where things stand:[/bold] {stage.label}. {stage.description}",
    ]
    if assessment.peak_stage and assessment.peak_stage != assessment.stage:
        lines.append(
            f"[bold]Most advanced point reached:[/bold] {labels[assessment.peak_stage].label}"
        )
    frequency = assessment.frequency
    bands = {band.id: band.label for band in rules().frequency.bands}
    lines.append(
        f"[bold]Last 30 days:[/bold] {frequency.recent_use_days} use-days ({bands[frequency.recent_band]}); "
        f"the 90 days before: {frequency.prior_use_days_per_30:.1f} a month ({bands[frequency.prior_band]})"
    )
    if assessment.days_since_last_use is not None:
        lines.append(f"[bold]Days since last use:[/bold] {assessment.days_since_last_use}")
    lines.append(f"[dim]As of {assessment.as_of.isoformat(timespec='minutes')}[/dim]")
    return Panel("\n".join(lines), title="ketpath", title_align="left")


def _signals_table(assessment: Assessment) -> Table:
    table = Table(title="Warning signs", show_lines=True, title_justify="left")
    table.add_column("Sign", style="bold")
    table.add_column("What the history shows")
    table.add_column("Evidence", justify="center")
    for signal in assessment.signals:
        table.add_row(signal.label, signal.evidence, _grade(signal.grade, signal.sources))
    return table


def _grade(grade: str, cited: tuple[str, ...]) -> str:
    known = sources()
    years = [str(known[s].year) for s in cited if s in known and known[s].year]
    return f"{grade}\n[dim]{', '.join(cited)}{' (' + ', '.join(years) + ')' if years else ''}[/dim]"


def _course_panel(assessment: Assessment) -> Panel:
    course = assessment.course
    assert course is not None
    symptom_label = vocabulary().label
    expected = ", ".join(symptom_label("symptoms", s).lower() for s in course.expected_symptoms)
    logged = (
        ", ".join(symptom_label("symptoms", s).lower() for s in course.logged_symptoms) or "none"
    )
    never = ", ".join(symptom_label("symptoms", s).lower() for s in course.never_wait_out)
    body = Group(
        Text.from_markup(
            f"[bold]{course.days_since_last_use} day{'s' if course.days_since_last_use != 1 else ''} since the last use[/bold] — {course.phase_label}.\n"
            f"The article lists for this phase: {expected}.\nLogged since the last use: {logged}."
        ),
        Text(f"{course.never_wait_out_text} {never}.", style="bold"),
        Text(course.depressant_exception, style="bold"),
        Text(
            f"Evidence grade {course.evidence_grade} ({GRADE_MEANINGS[course.evidence_grade]}). {course.caveat}",
            style="italic",
        ),
    )
    return Panel(body, title="After stopping", title_align="left")


def _body_panel(body: dict[str, Any]) -> Panel:
    """The body model's estimate in words (no tolerance figures), with its grade and caveat.

    The after-a-break warning comes first, in bold, with its own grade and sources.
    """
    words = body_sentences(body)
    text = Text()
    if words["after_a_break"]:
        after = body["after_a_break"]
        text.append(words["after_a_break"], style="bold")
        text.append(f"\n{_evidence_line(after['grade'], after['sources'])}\n", style="dim")
    lines = [words["exposure"], words["tolerance"], words["assumed"]]
    text.append("\n".join(line for line in lines if line))
    text.append(f"\nEvidence grade {body['grade']}. {words['caveat']}", style="italic")
    return Panel(text, title="What the doses did (model estimate)", title_align="left")


def _evidence_line(grade: str, cited: list[str]) -> str:
    known = sources()
    names = [f"{s} ({known[s].year})" if s in known and known[s].year else s for s in cited]
    return f"Evidence grade {grade} ({GRADE_MEANINGS[grade]}); sources: {', '.join(names)}."


def _questionnaire_table(questionnaires: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Questionnaires (latest)", title_justify="left")
    for column in ("Instrument", "Score", "Band", "When"):
        table.add_column(column)
    for instrument, latest in questionnaires.items():
        table.add_row(instrument, str(latest["total"]), latest["band"] or "—", latest["time"][:10])
    return table


def render_body_report(report: BodyReport, console: Console) -> None:
    """The whole-history body model (a research tool): now in words, then highs and lows.

    The highs and lows are the opponent-process model's own units, bounded and
    never a percentage; tolerance stays in words as in the assessment.
    """
    note = body().assessment.research.note
    data = report.to_dict()
    if report.section is None or not data["doses"]:
        console.print(
            "No use in this history carries an amount, so the body model has nothing to show."
        )
        console.print(Text(note, style="dim italic"))
        return
    console.print(_body_panel(report.section))
    highs = [dose["reward_high"] for dose in data["doses"]]
    lows = [dose["reward_low"] for dose in data["doses"]]
    span = min(10, len(highs))
    console.print(
        f"Across {len(highs)} doses, the modelled high went from {sum(highs[:span]) / span:.2f} "
        f"(first {span}) to {sum(highs[-span:]) / span:.2f} (last {span}), and the low between doses "
        f"from {sum(lows[:span]) / span:.2f} to {sum(lows[-span:]) / span:.2f} "
        "(opponent-process model units; below 0 means feeling worse than before any use)."
    )
    console.print(Text(note, style="dim italic"))

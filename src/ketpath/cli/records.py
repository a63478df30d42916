"""A person's records: ``assess``, ``import``, ``export``, ``status``, ``people`` and ``log …``."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ketpath.cli.common import (
    AsOfOption,
    DbOption,
    JsonOption,
    LocaleOption,
    PersonOption,
    TimeOption,
    as_of_time,
    console,
    error_words,
    errors,
    fail,
    language,
    locale_code,
    opened_database,
    parse_time,
    problem_words,
    read_history_file,
    read_text,
)
from ketpath.core.assess import Assessment, assess
from ketpath.core.records import RecordError, parse_record
from ketpath.interop.jsonl import dumps_jsonl, jsonl_line_of_record
from ketpath.knowledge.languages import ENGLISH
from ketpath.present.i18n import N_, _, current_language, ngettext
from ketpath.present.terminal import render_assessment
from ketpath.present.terminal_text import inert
from ketpath.present.views import TYPE_LABELS

if TYPE_CHECKING:
    from ketpath.services import ImportResult


def _show(assessment: Assessment, as_json: bool) -> None:
    if as_json:
        print(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))
    else:
        render_assessment(assessment, console, language())


def assess_file(
    file: Annotated[Path, typer.Argument(help="A .jsonl history (or .csv of uses).")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    locale: LocaleOption = None,
) -> None:
    """Assess a history file without storing it."""
    _show(assess(read_history_file(file), as_of_time(as_of), locale=locale_code(locale)), as_json)


def import_file(
    file: Annotated[
        Path,
        typer.Argument(help="A .jsonl history, a .csv of uses, or with --fhir a FHIR JSON file."),
    ],
    person: PersonOption,
    fhir: Annotated[
        bool,
        typer.Option(
            "--fhir",
            help=(
                "FILE is FHIR R4 JSON (ketpath's export, QuestionnaireResponses for our"
                " instruments); a FHIR file is also recognised without it."
            ),
        ),
    ] = False,
    clinic_records: Annotated[
        bool,
        typer.Option(
            "--clinic-records",
            help=(
                "Accept drug screens and clinician notes, stored as entered by the operator:"
                " for restoring a backup. Without it a file holding one is refused, since"
                " a clinician enters them. JSONL only."
            ),
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Store a history file for a person (created if new). All or nothing.

    Records the person already has (the same ids: a re-imported export, the
    same file twice) are not stored again, and are counted as already
    present. Drug screens and a clinician's notes are the clinic's records: a
    file that holds one the person does not have is refused (exit 2, naming
    the line) unless --clinic-records says an operator is restoring a backup.
    """
    from ketpath.interop.fhir import is_fhir_document  # noqa: PLC0415
    from ketpath.services.fhir import import_fhir  # noqa: PLC0415

    skipped: str | None = None
    result: ImportResult
    if fhir or (file.suffix.lower() != ".csv" and is_fhir_document(read_text(file))):
        if clinic_records:
            fail(
                _(
                    "--clinic-records: applies to JSONL files"
                    " (a FHIR import holds no clinic records)"
                )
            )
        text = read_text(file)
        with opened_database(db) as database:
            result = fhir_result = import_fhir(database, person, text)
        skipped = fhir_result.skipped_summary
    else:
        result = _import_records_file(file, person, db, clinic_records=clinic_records)
    errors.print(_import_words(result), highlight=False)
    if skipped:
        if current_language() == ENGLISH:
            errors.print(f"{inert(skipped[:1].upper() + skipped[1:])}.", highlight=False)
        else:
            errors.print(
                _("Some resources of the FHIR file were skipped: %(what)s.", what=inert(skipped)),
                highlight=False,
            )


def _import_words(result: ImportResult) -> str:
    """The import's one-line summary: how many records, for whom, new person, already present."""
    person = inert(result.person)
    if result.created_person:
        words = ngettext(
            "Imported %(num)s record for %(person)s (new person)",
            "Imported %(num)s records for %(person)s (new person)",
            result.count,
            person=person,
        )
    else:
        words = ngettext(
            "Imported %(num)s record for %(person)s",
            "Imported %(num)s records for %(person)s",
            result.count,
            person=person,
        )
    if result.already_present:
        words += _("; %(count)s already present", count=result.already_present)
    return words + _(".")


def _import_records_file(
    file: Path, person: str, db: str | None, *, clinic_records: bool
) -> ImportResult:
    from ketpath.services import (  # noqa: PLC0415
        OPERATOR,
        PERSON,
        ClinicRecordRefused,
        RecordRefused,
        import_records,
    )

    records = read_history_file(file)
    try:
        with opened_database(db) as database:
            author = OPERATOR if clinic_records else PERSON
            return import_records(database, person, records, author=author)
    except RecordRefused as error:
        if file.suffix.lower() == ".csv":
            line = error.index + 2  # the header is line 1
        else:
            line = jsonl_line_of_record(read_text(file).splitlines(), error.index)
        if isinstance(error, ClinicRecordRefused):
            fail(
                _(
                    "%(error)s (an operator restoring a backup may pass --clinic-records)",
                    error=error_words(error.at_line(line)),
                )
            )
        fail(error_words(error.at_line(line)))


def export_person(
    person: PersonOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    fhir: Annotated[
        bool, typer.Option("--fhir", help="Write a FHIR R4 collection Bundle instead of JSONL.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Write a person's records as JSONL (sorted, canonical; re-imports exactly) or FHIR R4."""
    from ketpath.services import export_records  # noqa: PLC0415
    from ketpath.services.fhir import export_fhir  # noqa: PLC0415

    with opened_database(db) as database:
        if fhir:
            text = json.dumps(export_fhir(database, person), indent=2, ensure_ascii=False) + "\n"
        else:
            text = dumps_jsonl(export_records(database, person))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(_("Wrote %(path)s.", path=output), highlight=False)


def status(
    person: PersonOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    locale: LocaleOption = None,
    db: DbOption = None,
) -> None:
    """Assess a stored person's history."""
    from ketpath.services.read import read_person  # noqa: PLC0415

    with opened_database(db) as database:
        view = read_person(
            database, person, as_of=as_of_time(as_of), locale_hint=locale_code(locale)
        )
    _show(view.assessed(), as_json)


def people(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the people in the database."""
    from ketpath.services import list_people  # noqa: PLC0415

    with opened_database(db) as database:
        summaries = list_people(database)
    if as_json:
        rows = [
            {
                "name": p.name,
                "records": p.records,
                "last_entry": p.last_entry.isoformat() if p.last_entry else None,
            }
            for p in summaries
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table(_("Person"), _("Records"), _("Last entry"))
    for p in summaries:
        table.add_row(
            inert(p.name),
            str(p.records),
            p.last_entry.isoformat(timespec="minutes") if p.last_entry else "—",
        )
    console.print(table)


# ---------------------------------------------------------------- log


log_app = typer.Typer(
    help="Log one record for a person (time defaults to now).", no_args_is_help=True
)


def _log(person: str, db: str | None, fields: dict[str, Any]) -> None:
    when = (
        parse_time(fields.pop("time"), "--time")
        if fields.get("time")
        else datetime.now().astimezone()
    )
    data = {key: value for key, value in fields.items() if value not in (None, [], ())}
    data["time"] = when.isoformat()
    try:
        record = parse_record(data)
    except RecordError as error:
        option = f"--{(error.field or 'record').replace('_', '-')}"
        if current_language() == ENGLISH:
            fail(f"{option}: {error.problem}")
        fail(_("%(option)s: %(problem)s", option=option, problem=problem_words(error)))
    from ketpath.services import log_record  # noqa: PLC0415

    with opened_database(db) as database:
        record_id = log_record(database, person, record, create=True)
    errors.print(
        _(
            "Logged %(type)s #%(id)s for %(person)s at %(time)s.",
            type=_type_words(record.type),
            id=record_id,
            person=inert(person),
            time=when.isoformat(timespec="minutes"),
        ),
        highlight=False,
    )


LOGGED_TYPE_WORDS = (
    N_("Use"),
    N_("Craving"),
    N_("Symptom"),
    N_("Mood"),
    N_("Impact"),
    N_("Goal"),
    N_("Follow-up"),
)
"""The names ``present.views.TYPE_LABELS`` gives the types ``ketpath log`` writes,
marked here for the catalog so the confirmation can name them in the run's language."""


def _type_words(record_type: str) -> str:
    """A record type as the log's confirmation names it: its id in English, its name otherwise."""
    if current_language() == ENGLISH:
        return record_type
    return _(TYPE_LABELS.get(record_type, record_type))


@log_app.command("use")
def log_use(
    person: PersonOption,
    dose_mg: Annotated[float | None, typer.Option(help="Amount in mg, if known.")] = None,
    route: Annotated[
        str | None, typer.Option(help="intranasal, oral, sublingual, intramuscular, …")
    ] = None,
    setting: Annotated[
        str | None, typer.Option(help="party, club, festival, with-friends, home-alone, …")
    ] = None,
    motive: Annotated[
        str | None, typer.Option(help="social, curiosity, euphoria, cope-stress, sleep, …")
    ] = None,
    co_use: Annotated[
        list[str] | None, typer.Option("--co-use", help="Also taken (repeat the option).")
    ] = None,
    substance: Annotated[str | None, typer.Option(help="Default: ketamine.")] = None,
    note: Annotated[str | None, typer.Option(help="A short note.")] = None,
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log a use."""
    _log(
        person,
        db,
        {
            "type": "use",
            "time": time,
            "dose_mg": dose_mg,
            "route": route,
            "setting": setting,
            "motive": motive,
            "co_use": co_use or [],
            "substance": substance,
            "note": note,
        },
    )


@log_app.command("craving")
def log_craving(
    person: PersonOption,
    intensity: Annotated[int, typer.Option(help="0 (none) to 10 (overwhelming).")],
    trigger: Annotated[str | None, typer.Option(help="What set it off.")] = None,
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log a craving."""
    _log(person, db, {"type": "craving", "time": time, "intensity": intensity, "trigger": trigger})


@log_app.command("symptom")
def log_symptom(
    person: PersonOption,
    symptom: Annotated[
        str, typer.Option(help="e.g. bladder-pain, blood-in-urine, anxiety, abdominal-pain.")
    ],
    severity: Annotated[int, typer.Option(help="1 mild, 2 moderate, 3 severe.")] = 2,
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log a symptom (red flags are checked when you run status)."""
    _log(person, db, {"type": "symptom", "time": time, "symptom": symptom, "severity": severity})


@log_app.command("mood")
def log_mood(
    person: PersonOption,
    score: Annotated[int, typer.Option(help="0 (worst) to 10 (best).")],
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log mood."""
    _log(person, db, {"type": "mood", "time": time, "score": score})


@log_app.command("impact")
def log_impact(
    person: PersonOption,
    kind: Annotated[
        str, typer.Option(help="missed-work-or-school, conflict, money, legal, accident, other.")
    ],
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log a problem linked to use."""
    _log(person, db, {"type": "impact", "time": time, "kind": kind})


@log_app.command("follow-up")
def log_follow_up(
    person: PersonOption,
    flag: Annotated[
        str,
        typer.Option(
            help="The red flag's id, as `ketpath status --json` lists it (e.g. blood-in-urine)."
        ),
    ],
    outcome: Annotated[
        str, typer.Option(help="seen-by-doctor (a doctor or the clinic saw it) or resolved.")
    ],
    note: Annotated[str | None, typer.Option(help="A short note.")] = None,
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Record that a red flag was seen to; it stands until you do (an emergency clears only after its 7 days)."""
    _log(
        person,
        db,
        {"type": "follow-up", "time": time, "flag": flag, "outcome": outcome, "note": note},
    )


@log_app.command("goal")
def log_goal(
    person: PersonOption,
    goal: Annotated[str, typer.Option(help="stop or cut-down.")],
    until: Annotated[
        str | None, typer.Option(help="Until this date (YYYY-MM-DD), optional.")
    ] = None,
    time: TimeOption = None,
    db: DbOption = None,
) -> None:
    """Log a goal."""
    if until is not None:
        try:
            date.fromisoformat(until)
        except ValueError:
            fail(_("--until: not a date: %(value)s (YYYY-MM-DD)", value=repr(until)))
    _log(person, db, {"type": "goal", "time": time, "goal": goal, "until": until})

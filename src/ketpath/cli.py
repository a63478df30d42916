"""The ``ketpath`` command line: thin wrappers over the services.

Exit codes: 0 ok, 2 bad input (a one-line message naming what is wrong, never
a traceback), 1 anything unexpected (set ``KETPATH_DEBUG=1`` to see the
traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ketpath import audit_commands
from ketpath.core.assess import Assessment, assess
from ketpath.core.instruments import (
    Instrument,
    InstrumentError,
    get_instrument,
    instrument_ids,
    score,
)
from ketpath.core.records import (
    Record,
    RecordError,
    parse_answer_codes,
    parse_record,
    time_problem,
)
from ketpath.interop.jsonl import dumps_jsonl, jsonl_line_of_record, read_csv_uses, read_jsonl
from ketpath.knowledge import KnowledgeError, helplines, vocabulary
from ketpath.population import commands as population_commands
from ketpath.present.terminal import render_assessment
from ketpath.present.terminal_text import inert
from ketpath.web import commands as web_commands

if TYPE_CHECKING:
    from ketpath.present.charts import Chart
    from ketpath.services import Database, ImportResult

# The store, the web stack, FHIR, plotting and the population model are
# imported inside the commands that use them, so `ketpath --help` stays quick.

app = typer.Typer(
    help="ketpath: how ketamine use develops over time, and what to do about it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log_app = typer.Typer(
    help="Log one record for a person (time defaults to now).", no_args_is_help=True
)
app.add_typer(log_app, name="log")

console = Console()
errors = Console(stderr=True, soft_wrap=True)

BAD_INPUT = 2
UNEXPECTED = 1


class InputError(Exception):
    """Raised by the commands for anything the user can fix."""


def fail(message: str) -> NoReturn:
    raise InputError(message)


# ---------------------------------------------------------------- shared options

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite path (default: KETPATH_DB, else SQLite in your data folder).",
    ),
]
PersonOption = Annotated[str, typer.Option("--person", "-p", help="Whose records.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Assess as of this time (ISO 8601 with offset); default now."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a report.")]
LocaleOption = Annotated[
    str | None,
    typer.Option(
        "--locale", help="Help lines to show (US, UK, EU, INTL); default from the time zone."
    ),
]
TimeOption = Annotated[
    str | None, typer.Option("--time", help="When (ISO 8601 with offset); default now.")
]


def parse_time(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not an ISO 8601 time: {value!r} (e.g. 2026-05-01T23:10:00+01:00)")
    if moment.tzinfo is None:
        fail(f"{option}: needs a UTC offset, e.g. {value}+01:00")
    problem = time_problem(moment)
    if problem is not None:
        fail(f"{option}: {problem}")
    return moment


def _as_of(value: str | None) -> datetime | None:
    return parse_time(value, "--as-of") if value else None


@contextmanager
def _database(url: str | None) -> Iterator[Database]:
    from ketpath.services import open_database  # noqa: PLC0415

    db = open_database(url)
    try:
        yield db
    finally:
        db.close()


def _locale(value: str | None) -> str | None:
    known = helplines().locales
    if value is not None and value.upper() not in known:
        fail(f"--locale: unknown locale {value!r}; known: {', '.join(known)}")
    return value.upper() if value else None


def _show(assessment: Assessment, as_json: bool) -> None:
    if as_json:
        print(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))
    else:
        render_assessment(assessment, console)


def _read_file(path: Path) -> list[Record]:
    return read_csv_uses(path) if path.suffix.lower() == ".csv" else read_jsonl(path)


# ---------------------------------------------------------------- commands


@app.command("assess")
def assess_file(
    file: Annotated[Path, typer.Argument(help="A .jsonl history (or .csv of uses).")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    locale: LocaleOption = None,
) -> None:
    """Assess a history file without storing it."""
    _show(assess(_read_file(file), _as_of(as_of), locale=_locale(locale)), as_json)


@app.command("import")
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
    if fhir or (file.suffix.lower() != ".csv" and is_fhir_document(_read_text(file))):
        if clinic_records:
            fail("--clinic-records: applies to JSONL files (a FHIR import holds no clinic records)")
        text = _read_text(file)
        with _database(db) as database:
            result = fhir_result = import_fhir(database, person, text)
        skipped = fhir_result.skipped_summary
    else:
        result = _import_records_file(file, person, db, clinic_records=clinic_records)
    created = " (new person)" if result.created_person else ""
    present = f"; {result.already_present} already present" if result.already_present else ""
    noun = "record" if result.count == 1 else "records"
    errors.print(f"Imported {result.count} {noun} for {result.person}{created}{present}.")
    if skipped:
        errors.print(f"{inert(skipped[:1].upper() + skipped[1:])}.", highlight=False)


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

    records = _read_file(file)
    try:
        with _database(db) as database:
            author = OPERATOR if clinic_records else PERSON
            return import_records(database, person, records, author=author)
    except RecordRefused as error:
        if file.suffix.lower() == ".csv":
            line = error.index + 2  # the header is line 1
        else:
            line = jsonl_line_of_record(_read_text(file).splitlines(), error.index)
        if isinstance(error, ClinicRecordRefused):
            fail(
                f"{error.at_line(line)} (an operator restoring a backup may pass --clinic-records)"
            )
        fail(str(error.at_line(line)))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")


@app.command("export")
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

    with _database(db) as database:
        if fhir:
            text = json.dumps(export_fhir(database, person), indent=2, ensure_ascii=False) + "\n"
        else:
            text = dumps_jsonl(export_records(database, person))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"Wrote {output}.")


@app.command("status")
def status(
    person: PersonOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    locale: LocaleOption = None,
    db: DbOption = None,
) -> None:
    """Assess a stored person's history."""
    from ketpath.services.read import read_person  # noqa: PLC0415

    with _database(db) as database:
        view = read_person(database, person, as_of=_as_of(as_of), locale_hint=_locale(locale))
    _show(view.assessed(), as_json)


@app.command("people")
def people(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the people in the database."""
    from ketpath.services import list_people  # noqa: PLC0415

    with _database(db) as database:
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
    table = Table("Person", "Records", "Last entry")
    for p in summaries:
        table.add_row(
            inert(p.name),
            str(p.records),
            p.last_entry.isoformat(timespec="minutes") if p.last_entry else "—",
        )
    console.print(table)


# ---------------------------------------------------------------- the body model

MODEL_NOTE = (
    "Research model, not for personal use, and never a guide to dosing: an estimate from "
    "studies of medical ketamine that describes, and never advises how much to take."
)
PlotOption = Annotated[
    Path | None, typer.Option("--plot", help="Also draw the curves to this SVG file.")
]


@app.command("pk")
def pk(
    dose_mg: Annotated[
        float, typer.Option(help="Amount in mg (as logged: ketamine hydrochloride).")
    ],
    route: Annotated[
        str,
        typer.Option(
            help="intranasal, oral, sublingual, intramuscular, intravenous, rectal, smoked."
        ),
    ],
    weight_kg: Annotated[float, typer.Option(help="Body weight in kg.")] = 70.0,
    infusion_min: Annotated[
        float | None, typer.Option(help="Infusion length in minutes (intravenous).")
    ] = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Research model, not for personal use, never a guide to dosing: one dose's modelled
    concentrations (peak, timing, exposure, half-life).

    The effect curve is given only for routes with human effect data (intravenous,
    intramuscular, intranasal, oral) and never as a peak percentage; for smoked,
    sublingual and rectal use it is left out.
    """
    if route not in vocabulary().routes:
        fail(f"--route: unknown value {route!r}; allowed: {', '.join(vocabulary().routes)}")
    if not 20 < weight_kg <= 400:
        fail("--weight-kg: must be between 20 and 400")
    if dose_mg <= 0 or (infusion_min is not None and infusion_min <= 0):
        fail("--dose-mg and --infusion-min must be greater than 0")
    from ketpath.core.body import single_dose_summary  # noqa: PLC0415
    from ketpath.core.body.timeline import dose_curve  # noqa: PLC0415
    from ketpath.present.charts import dose_curve_chart  # noqa: PLC0415

    summary = single_dose_summary(dose_mg, route, weight_kg=weight_kg, infusion_min=infusion_min)
    curve = dose_curve(dose_mg, route, weight_kg=weight_kg, infusion_min=infusion_min)
    # Never a peak effect value: with a dose and a route it works as a dose -> effect calculator.
    effect_summary = summary.pop("effect")
    effect_peak_min = effect_summary["time_to_peak_min"] if "effect" in curve else None
    no_effect = f"No effect curve for {route}: the model has no human effect data for this route."
    if plot is not None:
        _write_chart(plot, dose_curve_chart(curve, dose_label=f"{dose_mg:g} mg {route}"))
    if as_json:
        effect_json = (
            {"time_to_peak_min": effect_peak_min}
            if effect_peak_min is not None
            else {"omitted": no_effect}
        )
        print(
            json.dumps(
                {**summary, "effect": effect_json, "curve": curve, "note": MODEL_NOTE}, indent=2
            )
        )
        return
    table = Table("", "Peak (ng/mL)", "Range", "Peak at", "Exposure (ng·h/mL)", "Half-life")
    for name in ("ketamine", "norketamine"):
        row = summary[name]
        low, high = row["cmax_ng_ml_range"]  # type: ignore[misc]
        table.add_row(
            name,
            f"{row['cmax_ng_ml']:.0f}",
            f"{low:.0f}–{high:.0f}",
            f"{row['tmax_min']:.0f} min",
            f"{row['auc_ng_h_ml']:.0f}",
            f"{row['terminal_half_life_h']:.1f} h",
        )
    console.print(table)
    if effect_peak_min is not None:
        console.print(
            f"In the model the effect is strongest {effect_peak_min:.0f} min after the dose."
        )
    else:
        console.print(no_effect)
    console.print(Text(MODEL_NOTE, style="dim italic"))


@app.command("body")
def body_history(
    file: Annotated[Path, typer.Argument(help="A .jsonl history (or .csv of uses).")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Research model, not for personal use, never a guide to dosing: a whole history through
    the body model (weekly exposure, tolerance in words, the modelled highs and lows)."""
    from ketpath.core.assess.body import EPOCH, body_report  # noqa: PLC0415
    from ketpath.present.charts import body_timeline_chart  # noqa: PLC0415
    from ketpath.present.terminal import render_body_report  # noqa: PLC0415

    moment = _as_of(as_of) or datetime.now().astimezone()
    report = body_report(_read_file(file), moment)
    if plot is not None:
        _write_chart(plot, body_timeline_chart(report.timeline, start=EPOCH, zone=report.zone))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    render_body_report(report, console)


def _write_chart(path: Path, chart: Chart) -> None:
    try:
        path.write_text(chart.svg, encoding="utf-8")
    except OSError as error:
        fail(f"--plot: cannot write {path}: {error.strerror or error}")
    errors.print(f"Drew {path}: {chart.alt}")


# ---------------------------------------------------------------- instruments


@app.command("instruments")
def list_instruments(as_json: JsonOption = False) -> None:
    """List the questionnaires ketpath can score."""
    rows = [_instrument_summary(get_instrument(i)) for i in instrument_ids()]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("Id", "Name", "Items", "Score range", "Bands")
    for row in rows:
        table.add_row(
            row["id"],
            row["name"],
            str(row["items"]),
            f"{row['min_total']}–{row['max_total']}",
            ", ".join(row["bands"]) or "none (see note)",
        )
    console.print(table)


def _instrument_summary(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "name": instrument.name,
        "items": len(instrument.items),
        "min_total": instrument.min_total,
        "max_total": instrument.max_total,
        "bands": [band.id for band in instrument.bands],
        "note": instrument.note,
    }


@app.command("score")
def score_answers(
    instrument: Annotated[str, typer.Argument(help="Instrument id (see `ketpath instruments`).")],
    answers: Annotated[
        str,
        typer.Option(help='Option codes in form order, comma-separated; "-" for a skipped item.'),
    ],
    as_json: JsonOption = False,
) -> None:
    """Score one set of answers."""
    try:
        codes = parse_answer_codes(answers)
    except RecordError as error:
        fail(f"--answers: {error.problem}")
    result = score(instrument, codes)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    band = f" ({result.band_label})" if result.band_label else ""
    console.print(f"[bold]{get_instrument(instrument).name}[/bold]: {result.total}{band}")
    for flag in result.flags:
        console.print(f"[bold red]⚠ {flag.message}[/bold red]")


# ---------------------------------------------------------------- log


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
        fail(f"--{(error.field or 'record').replace('_', '-')}: {error.problem}")
    from ketpath.services import log_record  # noqa: PLC0415

    with _database(db) as database:
        record_id = log_record(database, person, record, create=True)
    errors.print(
        f"Logged {record.type} #{record_id} for {person} at {when.isoformat(timespec='minutes')}."
    )


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
            fail(f"--until: not a date: {until!r} (YYYY-MM-DD)")
    _log(person, db, {"type": "goal", "time": time, "goal": goal, "until": until})


# ---------------------------------------------------------------- reports


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date: {value!r} (e.g. 2026-05-01)")


@app.command("report")
def report(
    person: PersonOption,
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The PDF file to write.")],
    db: DbOption = None,
) -> None:
    """Write a PDF summary of a person's records for a period: red flags first, then the rest."""
    from ketpath.services.reports import ReportError, person_report  # noqa: PLC0415

    first, last = _date(start, "--from"), _date(end, "--to")
    with _database(db) as database:
        try:
            pdf = person_report(database, person, start=first, end=last)
        except ReportError as error:
            fail(f"--{error.field}: {error.problem}")
    output.write_bytes(pdf)
    errors.print(f"Wrote {output}.")


# ---------------------------------------------------------------- the web app and the population


user_app = typer.Typer(help="Manage web accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Personal access tokens for the JSON API.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The hash-chained audit log of clinician reads and consent.", no_args_is_help=True
)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
audit_app.command("list")(audit_commands.audit_list)
audit_app.command("verify")(audit_commands.audit_verify)
app.command("serve")(web_commands.serve)
user_app.command("create")(web_commands.user_create)
user_app.command("reset")(web_commands.user_reset)
token_app.command("create")(web_commands.token_create)
token_app.command("list")(web_commands.token_list)
token_app.command("revoke")(web_commands.token_revoke)
app.command("simulate")(population_commands.simulate)
app.command("calibrate")(population_commands.calibrate)
app.command("sweep")(population_commands.sweep)
app.command("synth")(population_commands.synth)
app.command("validate-person-model")(population_commands.validate_person_model)


# ---------------------------------------------------------------- entry point

USER_ERRORS: tuple[type[Exception], ...] = (
    InputError,
    RecordError,
    KnowledgeError,
    InstrumentError,
)
# Errors of lazily imported modules: a module that was never imported raised nothing.
LAZY_USER_ERRORS = {
    "ketpath.services": (
        "PersonNotFound",
        "RecordNotFound",
        "TooManyRecords",
        "ClinicRecordReadOnly",
    ),
    "ketpath.interop.fhir": ("FhirError",),
    "ketpath.population.commands": ("PopulationInputError",),
    "ketpath.store.database": ("PassphraseError",),
}


def user_errors() -> tuple[type[Exception], ...]:
    """The exception types that mean "bad input": exit 2 with their message."""
    found = list(USER_ERRORS)
    for module_name, names in LAZY_USER_ERRORS.items():
        module = sys.modules.get(module_name)
        if module is not None:
            found.extend(getattr(module, name) for name in names)
    return tuple(found)


def run(args: list[str] | None = None) -> int:
    """Run the CLI on ``args`` (default: the process arguments) and return the exit code."""
    try:
        app(args=args, prog_name="ketpath")
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else BAD_INPUT)
    except Exception as error:
        if isinstance(error, user_errors()):
            errors.print(f"[red]ketpath:[/red] {inert(str(error))}", highlight=False)
            return BAD_INPUT
        if os.environ.get("KETPATH_DEBUG"):
            raise
        errors.print(
            f"[red]ketpath: unexpected error:[/red] {type(error).__name__}: {inert(str(error))}",
            highlight=False,
        )
        return UNEXPECTED
    return 0


def main() -> None:
    sys.exit(run())

"""What the command groups share: the consoles, the options, bad input, the database.

Bad input raises :class:`InputError` (a :class:`ketpath.errors.BadInput`), which
``run`` prints as one line and turns into exit 2; so do the services' and the
core's own bad-input errors, without a command catching them.

The commands word what they print, and their own bad-input messages, through
the UI catalogs (``present.i18n``) in the language ``choose_language`` sets for
the run. The core's validators word a refused record in English (``core`` is
free of the catalogs, and files and ``--json`` share those words), so
:func:`error_words` says a refused record again in the run's language, naming
its line and field, from :data:`FIELD_PROBLEMS`. ``--json`` output is never
translated: it is for programs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from ketpath.core.records import Record, RecordError, time_problem
from ketpath.errors import BadInput
from ketpath.interop.jsonl import read_csv_uses, read_jsonl
from ketpath.knowledge import helplines
from ketpath.knowledge.languages import ENGLISH, LANGUAGES, shipped
from ketpath.present.i18n import N_, _, current_language, set_language, use_language

if TYPE_CHECKING:
    from ketpath.services import Database

console = Console()
errors = Console(stderr=True, soft_wrap=True)

BAD_INPUT = 2
UNEXPECTED = 1


class InputError(BadInput):
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


LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help=f"Language of the texts from the knowledge base ({', '.join(LANGUAGES)});"
        " default from LC_ALL, LC_MESSAGES or LANG, else en.",
    ),
]

_chosen_language: list[str] = []


def choose_language(option: str | None) -> Token[str]:
    """Set the language for this run: ``--lang``, else the POSIX locale variables, else English.

    POSIX gives ``LC_ALL`` precedence over ``LC_MESSAGES`` over ``LANG``; the
    first one set decides, and a locale ketpath does not ship (``C``,
    ``fr_FR.UTF-8``) means English. An unknown ``--lang`` is bad input, said
    in the locale variables' language.
    """
    variable = next(
        (os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(name)),
        "",
    )
    language = shipped(variable) or ENGLISH
    if option is not None:
        chosen = shipped(option)
        if chosen is None:
            _chosen_language[:] = [language]
            with use_language(language):  # the error itself is said in the locale's language
                message = _(
                    "--lang: unknown language %(value)s; known: %(known)s",
                    value=repr(option),
                    known=", ".join(LANGUAGES),
                )
            fail(message)
        language = chosen
    _chosen_language[:] = [language]
    return set_language(language)


def language() -> str:
    """The language chosen for this run (English before ``choose_language``)."""
    return _chosen_language[0] if _chosen_language else ENGLISH


# ---------------------------------------------------------------- reading the options


def parse_time(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(
            _(
                "%(option)s: not an ISO 8601 time: %(value)s (e.g. 2026-05-01T23:10:00+01:00)",
                option=option,
                value=repr(value),
            )
        )
    if moment.tzinfo is None:
        fail(_("%(option)s: needs a UTC offset, e.g. %(value)s+01:00", option=option, value=value))
    problem = time_problem(moment)
    if problem is not None:
        if current_language() == ENGLISH:
            fail(f"{option}: {problem}")
        fail(_("%(option)s: the year is outside what ketpath keeps.", option=option))
    return moment


def as_of_time(value: str | None) -> datetime | None:
    return parse_time(value, "--as-of") if value else None


def locale_code(value: str | None) -> str | None:
    known = helplines().locales
    if value is not None and value.upper() not in known:
        fail(
            _(
                "--locale: unknown locale %(value)s; known: %(known)s",
                value=repr(value),
                known=", ".join(known),
            )
        )
    return value.upper() if value else None


@contextmanager
def opened_database(url: str | None) -> Iterator[Database]:
    from ketpath.services import open_database  # noqa: PLC0415

    db = open_database(url)
    try:
        yield db
    finally:
        db.close()


def read_history_file(path: Path) -> list[Record]:
    return read_csv_uses(path) if path.suffix.lower() == ".csv" else read_jsonl(path)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        fail(_("cannot read %(path)s: %(reason)s", path=path, reason=error.strerror or error))
    except UnicodeDecodeError:
        fail(_("%(path)s is not UTF-8 text", path=path))


# ---------------------------------------------------------------- bad input in words

FIELD_PROBLEMS = {
    "time": N_("the time must be a date and time with a UTC offset, not in the future"),
    "type": N_("the record type is missing or is not one ketpath knows"),
    "dose_mg": N_("the amount must be a number of mg above 0, or left out if not known"),
    "intensity": N_("the craving's intensity must be a whole number from 0 to 10"),
    "score": N_("the mood score must be a whole number from 0 to 10"),
    "severity": N_("the severity must be 1 (mild), 2 (moderate) or 3 (severe)"),
    "symptom": N_("the symptom is not one ketpath knows"),
    "route": N_("the route is not one ketpath knows"),
    "setting": N_("the setting is not one ketpath knows"),
    "motive": N_("the motive is not one ketpath knows"),
    "co_use": N_("a substance taken with it is not one ketpath knows"),
    "substance": N_("the substance is not one ketpath knows"),
    "kind": N_("the kind of problem is not one ketpath knows"),
    "goal": N_("the goal must be stop or cut-down"),
    "until": N_("the date must be written YYYY-MM-DD"),
    "note": N_("the note is empty or too long"),
    "trigger": N_("what set it off is empty or too long"),
    "flag": N_("this does not name a red flag ketpath knows"),
    "outcome": N_("the outcome must be seen-by-doctor or resolved"),
    "instrument": N_("the questionnaire is not one ketpath knows"),
    "answers": N_("the answers do not fit this questionnaire"),
    "id": N_("the id must be letters, digits and . _ : - (at most 100, no spaces)"),
    "author_role": N_("a clinician's notes are entered by the clinician"),
    "header": N_("the first line must name the columns, e.g. time,dose_mg,route"),
}
"""What was wrong with a refused record's field, in words the catalogs translate.

The core's validators say it precisely in English (:func:`error_words` keeps
their words in English); outside English a refused record is said by its
line and field, with the field's problem from here.
"""


def problem_words(error: RecordError) -> str:
    """What was wrong with a refused record, without its line and field, in the run's language."""
    from ketpath.services import ClinicRecordRefused  # noqa: PLC0415

    if isinstance(error, ClinicRecordRefused) or (
        error.field == "type" and "clinician" in error.problem
    ):
        return _("drug screens and a clinician's notes are entered by the clinic")
    if error.field == "time" and "in the future" in error.problem:
        return _("the time is in the future; ketpath keeps what has already happened")
    if error.field is None and error.line is None:
        return _("cannot read the file; it must be UTF-8 text, JSON lines or CSV")
    if error.field is None:
        return _("the line is not a record ketpath can read")
    known = FIELD_PROBLEMS.get(error.field.partition(".")[0])
    return _(known) if known else _("this value is not one ketpath can read")


def error_words(error: BadInput) -> str:
    """A bad-input error as one line in the run's language (English: its own words)."""
    if current_language() == ENGLISH:
        return str(error)
    from ketpath.services.people import PersonNotFound  # noqa: PLC0415

    if isinstance(error, PersonNotFound):
        return _(
            "no person named %(name)s in this database (names are case-sensitive)",
            name=repr(error.name),
        )
    if not isinstance(error, RecordError):
        return str(error)
    problem = problem_words(error)
    if error.line is None and error.field is None:
        return problem
    if error.line is None:
        return _("field %(field)s: %(problem)s", field=error.field, problem=problem)
    if error.field is None:
        return _("line %(line)s: %(problem)s", line=error.line, problem=problem)
    return _(
        "line %(line)s, field %(field)s: %(problem)s",
        line=error.line,
        field=error.field,
        problem=problem,
    )

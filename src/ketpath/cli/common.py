"""What the command groups share: the consoles, the options, bad input, the database.

Bad input raises :class:`InputError` (a :class:`ketpath.errors.BadInput`), which
``run`` prints as one line and turns into exit 2; so do the services' and the
core's own bad-input errors, without a command catching them.
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

from ketpath.core.records import Record, time_problem
from ketpath.errors import BadInput
from ketpath.interop.jsonl import read_csv_uses, read_jsonl
from ketpath.knowledge import helplines
from ketpath.knowledge.languages import ENGLISH, LANGUAGES, shipped
from ketpath.present.i18n import set_language

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
    ``fr_FR.UTF-8``) means English. An unknown ``--lang`` is bad input.
    """
    if option is not None:
        language = shipped(option)
        if language is None:
            fail(f"--lang: unknown language {option!r}; known: {', '.join(LANGUAGES)}")
    else:
        variable = next(
            (
                os.environ[name]
                for name in ("LC_ALL", "LC_MESSAGES", "LANG")
                if os.environ.get(name)
            ),
            "",
        )
        language = shipped(variable) or ENGLISH
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
        fail(f"{option}: not an ISO 8601 time: {value!r} (e.g. 2026-05-01T23:10:00+01:00)")
    if moment.tzinfo is None:
        fail(f"{option}: needs a UTC offset, e.g. {value}+01:00")
    problem = time_problem(moment)
    if problem is not None:
        fail(f"{option}: {problem}")
    return moment


def as_of_time(value: str | None) -> datetime | None:
    return parse_time(value, "--as-of") if value else None


def locale_code(value: str | None) -> str | None:
    known = helplines().locales
    if value is not None and value.upper() not in known:
        fail(f"--locale: unknown locale {value!r}; known: {', '.join(known)}")
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
        fail(f"cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")

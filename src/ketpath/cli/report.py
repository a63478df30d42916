"""``ketpath report``: a person's records for a period as a PDF, in the language of ``--lang``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ketpath.cli.common import DbOption, PersonOption, errors, fail, language, opened_database


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date: {value!r} (e.g. 2026-05-01)")


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
    with opened_database(db) as database:
        try:
            pdf = person_report(database, person, start=first, end=last, language=language())
        except ReportError as error:
            fail(f"--{error.field}: {error.problem}")
    output.write_bytes(pdf)
    errors.print(f"Wrote {output}.")

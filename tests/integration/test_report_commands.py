"""``report(person, start, end, output)``, the function behind ``ketpath report``."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from histories import uses_on
from ketpath.cli.report import report
from ketpath.services import import_records, open_database


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report)
    app.command("noop")(lambda: None)  # two commands, so "report" is named on the line
    return app


def test_it_writes_the_pdf_of_a_period(tmp_path: Path) -> None:
    database = tmp_path / "k.db"
    db = open_database(str(database))
    import_records(db, "sam", uses_on(range(0, 20, 3)))
    db.close()
    output = tmp_path / "sam.pdf"
    arguments = ["report", "--person", "sam", "--from", "2026-01-01", "--to", "2026-01-31"]
    result = CliRunner().invoke(_app(), [*arguments, "-o", str(output), "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"%PDF")


def test_a_bad_date_names_the_option(tmp_path: Path) -> None:
    arguments = ["report", "--person", "sam", "--from", "January", "--to", "2026-01-31"]
    result = CliRunner().invoke(
        _app(), [*arguments, "-o", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "k.db")]
    )
    assert result.exit_code != 0
    assert "--from: not a date" in str(result.exception)


def test_a_reversed_period_names_the_option(tmp_path: Path) -> None:
    database = tmp_path / "k.db"
    db = open_database(str(database))
    import_records(db, "sam", uses_on([1]))
    db.close()
    arguments = ["report", "--person", "sam", "--from", "2026-02-01", "--to", "2026-01-01"]
    result = CliRunner().invoke(
        _app(), [*arguments, "-o", str(tmp_path / "x.pdf"), "--db", str(database)]
    )
    assert result.exit_code != 0
    assert "--to: the period ends before it starts" in str(result.exception)

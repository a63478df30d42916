"""The questionnaires: ``instruments`` lists them, ``score`` scores one set of answers."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from ketpath.cli.common import JsonOption, console, fail
from ketpath.core.instruments import Instrument, get_instrument, instrument_ids, score
from ketpath.core.records import RecordError, parse_answer_codes


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

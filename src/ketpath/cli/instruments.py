"""The questionnaires: ``instruments`` lists them, ``score`` scores one set of answers.

In a language other than English the names, bands and flag messages come
from the translated instruments (``knowledge/i18n/<language>/instruments``);
``--json`` keeps the English data.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ketpath.cli.common import JsonOption, console, fail
from ketpath.core.instruments import Instrument, get_instrument, instrument_ids, score
from ketpath.core.records import RecordError, parse_answer_codes
from ketpath.knowledge import languages
from ketpath.present.i18n import _, current_language


def list_instruments(as_json: JsonOption = False) -> None:
    """List the questionnaires ketpath can score."""
    rows = [_instrument_summary(get_instrument(i)) for i in instrument_ids()]
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(_("Id"), _("Name"), _("Items"), _("Score range"), _("Bands"))
    for row in rows:
        table.add_row(
            row["id"],
            _shown(row["id"]).name,
            str(row["items"]),
            f"{row['min_total']}–{row['max_total']}",
            _band_words(row["id"], row["bands"]) or _("none (see note)"),
        )
    console.print(table)


def _shown(instrument_id: str) -> Instrument:
    """The instrument with its short labels in the run's language (English data underneath)."""
    return languages.instruments(current_language()).get(instrument_id) or get_instrument(
        instrument_id
    )


def _band_words(instrument_id: str, band_ids: list[str]) -> str:
    """The bands' ids in English (as always); their labels in another language."""
    if current_language() == languages.ENGLISH:
        return ", ".join(band_ids)
    labels = {band.id: band.label for band in _shown(instrument_id).bands}
    return _(", ").join(labels.get(band, band) for band in band_ids)


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
        if current_language() == languages.ENGLISH:
            fail(f"--answers: {error.problem}")
        fail(_("--answers: the answers do not fit this questionnaire"))
    result = score(instrument, codes)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    shown = _shown(instrument)
    band_label = result.band_label
    flags = {flag.id: flag.message for flag in shown.flags}
    if current_language() != languages.ENGLISH and result.band is not None:
        band_label = {band.id: band.label for band in shown.bands}.get(result.band, band_label)
    band = _(" (%(band)s)", band=band_label) if band_label else ""
    console.print(f"[bold]{escape(shown.name)}[/bold]: {result.total}{escape(band)}")
    for flag in result.flags:
        message = flags.get(flag.id, flag.message)
        console.print(f"[bold red]⚠ {escape(message)}[/bold red]")

"""The questionnaires: ``instruments`` lists them, ``score`` scores one set of answers,
``wording`` checks a clinic's own question wording file.

In a language other than English the names, bands and flag messages come
from the translated instruments (``knowledge/i18n/<language>/instruments``);
``--json`` keeps the English data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ketpath.cli.common import JsonOption, console, fail
from ketpath.core.instruments import Instrument, get_instrument, instrument_ids, score
from ketpath.core.records import RecordError, parse_answer_codes
from ketpath.knowledge import languages
from ketpath.knowledge.clinic_wording import load_wording
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


def check_wording(
    path: Annotated[
        Path,
        typer.Argument(help="A clinic's wording file (TOML), as given to `serve --wording`."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Check a clinic's question wording file and show it beside ketpath's labels.

    The file names its questionnaire and language and gives every question,
    and optionally the answer labels by code:

        instrument = "phq9"
        language = "zh-Hant-HK"
        source = "PHQ-9, Chinese (Hong Kong), from the publisher, 2026-11"
        [items]
        q1 = "..."
        [options]
        0 = "..."

    Put the files in one folder and start `ketpath serve --wording FOLDER`
    (or set KETPATH_WORDING); the questionnaire pages in that language then
    show the clinic's wording. A bad file is refused naming the field.
    """
    wording = load_wording(path)
    instrument = get_instrument(wording.instrument)
    if as_json:
        print(json.dumps(wording.model_dump(), indent=2, ensure_ascii=False))
        return
    console.print(
        _(
            "%(file)s: %(name)s in %(language)s, every question worded (%(count)s).",
            file=escape(str(path)),
            name=escape(instrument.short_name),
            language=escape(wording.language),
            count=len(wording.items),
        )
    )
    console.print(_("Source: %(source)s", source=escape(wording.source)))
    table = Table(_("Item"), _("ketpath's label"), _("The clinic's wording"))
    for item in _shown(instrument.id).items:
        table.add_row(item.id, escape(item.label), escape(wording.items[item.id]))
    console.print(table)
    if wording.options:
        answers = Table(_("Code"), _("The clinic's answer label"))
        for code, label in sorted(wording.options.items(), key=lambda pair: int(pair[0])):
            answers.add_row(code, escape(label))
        console.print(answers)

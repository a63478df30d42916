"""The body model as a research tool: ``pk`` (one dose) and ``body`` (a whole history).

Both say they are not for personal use (the note is ``knowledge/body.toml``'s
``assessment.research.note``), and neither gives a peak effect as a number:
with a dose and a route that would work as a dose-to-effect calculator.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from ketpath.cli.common import (
    AsOfOption,
    JsonOption,
    as_of_time,
    console,
    errors,
    fail,
    read_history_file,
)
from ketpath.knowledge import languages, vocabulary
from ketpath.present.i18n import N_, _, current_language

if TYPE_CHECKING:
    from ketpath.present.charts import Chart

PlotOption = Annotated[
    Path | None, typer.Option("--plot", help="Also draw the curves to this SVG file.")
]


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
        fail(
            _(
                "--route: unknown value %(value)s; allowed: %(allowed)s",
                value=repr(route),
                allowed=", ".join(vocabulary().routes),
            )
        )
    if not 20 < weight_kg <= 400:
        fail(_("--weight-kg: must be between 20 and 400"))
    if dose_mg <= 0 or (infusion_min is not None and infusion_min <= 0):
        fail(_("--dose-mg and --infusion-min must be greater than 0"))
    from ketpath.core.body import single_dose_summary  # noqa: PLC0415
    from ketpath.core.body.timeline import dose_curve  # noqa: PLC0415
    from ketpath.present.charts import dose_curve_chart  # noqa: PLC0415

    note = languages.body_words(current_language())["assessment.research.note"]
    summary = single_dose_summary(dose_mg, route, weight_kg=weight_kg, infusion_min=infusion_min)
    curve = dose_curve(dose_mg, route, weight_kg=weight_kg, infusion_min=infusion_min)
    # Never a peak effect value: with a dose and a route it works as a dose -> effect calculator.
    effect_summary = summary.pop("effect")
    effect_peak_min = effect_summary["time_to_peak_min"] if "effect" in curve else None
    no_effect = f"No effect curve for {route}: the model has no human effect data for this route."
    english_note = languages.body_words(languages.ENGLISH)["assessment.research.note"]
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
                {**summary, "effect": effect_json, "curve": curve, "note": english_note}, indent=2
            )
        )
        return
    table = Table(
        "", _("Peak (ng/mL)"), _("Range"), _("Peak at"), _("Exposure (ng·h/mL)"), _("Half-life")
    )
    for name in ("ketamine", "norketamine"):
        row = summary[name]
        low, high = row["cmax_ng_ml_range"]  # type: ignore[misc]
        table.add_row(
            _(MOLECULES[name]),
            f"{row['cmax_ng_ml']:.0f}",
            f"{low:.0f}–{high:.0f}",
            f"{row['tmax_min']:.0f} min",
            f"{row['auc_ng_h_ml']:.0f}",
            f"{row['terminal_half_life_h']:.1f} h",
        )
    console.print(table)
    if effect_peak_min is not None:
        console.print(
            _(
                "In the model the effect is strongest %(minutes)s min after the dose.",
                minutes=f"{effect_peak_min:.0f}",
            )
        )
    else:
        console.print(
            _(
                "No effect curve for %(route)s: the model has no human effect data for this route.",
                route=_route_words(route),
            )
        )
    console.print(Text(note, style="dim italic"))


MOLECULES = {"ketamine": N_("ketamine"), "norketamine": N_("norketamine")}
"""The molecules ``pk`` tabulates, named in the run's language (Taiwan: 愷他命)."""


def _route_words(route: str) -> str:
    """A route as the sentence names it: the id typed in English, its name in another language."""
    if current_language() == languages.ENGLISH:
        return route
    return languages.vocabulary(current_language()).label("routes", route)


def body_history(
    file: Annotated[Path, typer.Argument(help="A .jsonl history (or .csv of uses).")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Research model, not for personal use, never a guide to dosing: a whole history through
    the body model (weekly exposure, tolerance in words, the modelled highs and lows)."""
    from ketpath.core.assess.body_reading import EPOCH, body_report  # noqa: PLC0415
    from ketpath.present.charts import body_timeline_chart  # noqa: PLC0415
    from ketpath.present.terminal import render_body_report  # noqa: PLC0415

    moment = as_of_time(as_of) or datetime.now().astimezone()
    report = body_report(read_history_file(file), moment)
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
        fail(
            _(
                "--plot: cannot write %(path)s: %(reason)s",
                path=path,
                reason=error.strerror or error,
            )
        )
    errors.print(_("Drew %(path)s: %(what)s", path=path, what=chart.alt), highlight=False)

"""Questionnaire scores over time as an SVG line chart with a text alternative.

``ketpath.present.charts`` draws weekly bars; a score is a point in time on its own
scale, so it gets a line chart here, drawn the same stable way: matplotlib's
object API, a fixed ``svg.hashsalt``, no metadata block, no XML prolog, text
kept as text. Band boundaries are dotted lines labelled on the right so the
bands do not depend on colour.

The chart's words are in the current language (``present.i18n``); the
instrument's short name and band labels are those of the instrument given,
which the caller takes from the translated knowledge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from matplotlib.dates import AutoDateLocator, date2num
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from ketpath.core.instruments import Instrument
from ketpath.present.charts import SMALLEST_FONT_PT, Chart, chart_style, concise_dates, render
from ketpath.present.i18n import _

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ketpath-person-charts",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 14.0,
    "axes.titlesize": 15.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "lines.linewidth": 2.2,
}
BLUE = "#0072B2"
GREY = "#6E6E6E"


@dataclass(frozen=True)
class ScorePoint:
    time: datetime
    total: float
    band: str | None


def _number(value: float) -> str:
    return f"{value:g}"


def _band(instrument: Instrument, point: ScorePoint) -> str | None:
    """The band of ``point`` in the words of ``instrument`` (which may be a translation)."""
    if point.band is None:
        return None
    found = [b.label for b in instrument.bands if b.min <= point.total <= b.max]
    return found[0] if found else point.band


def score_alt(instrument: Instrument, points: Sequence[ScorePoint], zone: tzinfo) -> str:
    if not points:
        return _("%(instrument)s: not answered yet.", instrument=instrument.short_name)
    first, last = points[0], points[-1]
    band = _band(instrument, last)
    values = {
        "instrument": instrument.short_name,
        "low": instrument.min_total,
        "high": instrument.max_total,
        "first_day": first.time.astimezone(zone).date().isoformat(),
        "last_day": last.time.astimezone(zone).date().isoformat(),
        "count": len(points),
        "first": _number(first.total),
        "highest": _number(max(p.total for p in points)),
        "latest": _number(last.total),
        "band": band,
    }
    if len(points) == 1 and band:
        return _(
            "Line chart of %(instrument)s totals (scale %(low)s to %(high)s), answered once, on "
            "%(last_day)s: first %(first)s, highest %(highest)s, latest %(latest)s (%(band)s).",
            **values,
        )
    if len(points) == 1:
        return _(
            "Line chart of %(instrument)s totals (scale %(low)s to %(high)s), answered once, on "
            "%(last_day)s: first %(first)s, highest %(highest)s, latest %(latest)s.",
            **values,
        )
    if band:
        return _(
            "Line chart of %(instrument)s totals (scale %(low)s to %(high)s), answered %(count)s "
            "times from %(first_day)s to %(last_day)s: first %(first)s, highest %(highest)s, "
            "latest %(latest)s (%(band)s).",
            **values,
        )
    return _(
        "Line chart of %(instrument)s totals (scale %(low)s to %(high)s), answered %(count)s "
        "times from %(first_day)s to %(last_day)s: first %(first)s, highest %(highest)s, "
        "latest %(latest)s.",
        **values,
    )


def score_chart(instrument: Instrument, points: Sequence[ScorePoint], *, zone: tzinfo) -> Chart:
    """Totals of one instrument over time, on the instrument's full scale, bands marked."""
    title = _("%(instrument)s over time", instrument=instrument.short_name)
    alt = score_alt(instrument, points, zone)
    with chart_style(_STYLE):
        figure = Figure(figsize=(5.6, 3.5), layout="constrained")
        axes = figure.subplots()
        axes.set_title(title)
        days = date2num([p.time.astimezone(zone) for p in points])  # type: ignore[no-untyped-call]
        axes.plot(days, [p.total for p in points], color=BLUE, marker="o", markersize=8)
        axes.set_ylim(instrument.min_total, instrument.max_total)
        axes.set_ylabel(_("total"))
        for band in instrument.bands[1:]:
            axes.axhline(band.min - 0.5, color=GREY, linestyle=":", linewidth=1.2)
            axes.text(
                1.0,
                band.min,
                f" {band.label}",
                transform=axes.get_yaxis_transform(),
                fontsize=SMALLEST_FONT_PT,  # readable on a phone (charts.py)
                color=GREY,
                va="bottom",
                ha="right",
            )
        locator = AutoDateLocator(tz=zone, minticks=2, maxticks=5)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(concise_dates(locator, zone))
        if len(points) == 1:
            axes.set_xlim(days[0] - 7, days[0] + 7)
        return render(figure, title=title, alt=alt)

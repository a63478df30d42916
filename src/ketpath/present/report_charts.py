"""The two charts only the PDF summary draws: stage over time, and screens with rewards.

Drawn the way ``ketpath.present.charts`` draws (matplotlib's object API, a fixed
``svg.hashsalt``, no metadata block, text kept as text, the Okabe-Ito palette,
shapes as well as colours), so the output is stable byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from ketpath.core.contingency import ContingencyState
from ketpath.knowledge import rules
from ketpath.present.charts import BLUE, GREEN, GREY, ORANGE, VERMILLION, Chart, chart_style, render

__all__ = ["STAGE_ORDER", "rewards_chart", "stage_chart"]

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ketpath-report-charts",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 12.0,
    "axes.titlesize": 13.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "lines.linewidth": 2.2,
}
_WIDTH_IN = 7.0

#: Stages from least to most use, the stopped stages below the active ones.
STAGE_ORDER = rules().stages.by_use()


def _date_axis(axes: Any, zone: tzinfo | None) -> None:
    locator = AutoDateLocator(tz=zone, minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=zone))  # type: ignore[no-untyped-call]


def stage_chart(points: Sequence[tuple[date, str]], labels: dict[str, str]) -> Chart:
    """The stage at the end of each week: a step line over the stages, stopped ones lowest."""
    title = "Stage at the end of each week"
    if not points:
        alt = f"{title}: no weeks in this period."
    else:
        changes = sum(1 for a, b in pairwise(points) if a[1] != b[1])
        alt = (
            f"Step chart of the stage at the end of each of {len(points)} weeks from "
            f"{points[0][0].isoformat()} to {points[-1][0].isoformat()}: it starts at "
            f"'{labels.get(points[0][1], points[0][1])}', ends at "
            f"'{labels.get(points[-1][1], points[-1][1])}' and changes {changes} times."
        )
    shown = [stage for stage in STAGE_ORDER if stage in {p[1] for p in points}] or ["no-use"]
    with chart_style(_STYLE):
        figure = Figure(figsize=(_WIDTH_IN, 1.2 + 0.42 * len(shown)), layout="constrained")
        axes = figure.subplots()
        axes.set_title(title, loc="left")
        if points:
            days = date2num([p[0] for p in points])  # type: ignore[no-untyped-call]
            levels = [shown.index(p[1]) for p in points]
            axes.step(days, levels, where="post", color=BLUE)
            axes.plot(days, levels, linestyle="none", marker="o", markersize=5, color=BLUE)
            if len(points) == 1:
                axes.set_xlim(days[0] - 7, days[0] + 7)
            _date_axis(axes, None)
        axes.set_yticks(range(len(shown)), [labels.get(s, s) for s in shown])
        axes.set_ylim(-0.5, len(shown) - 0.5)
        axes.grid(axis="x", visible=False)
        return render(figure, title=title, alt=alt)


def rewards_chart(state: ContingencyState, *, since: datetime, zone: tzinfo) -> Chart:
    """Running total earned (top) and each screen's result and value (bottom)."""
    title = "Drug screens and rewards"
    events = [e for e in state.events if e.time >= since]
    currency = state.settings.currency
    if not events:
        alt = f"{title}: no screens were due or taken in this period."
    else:
        alt = (
            f"Step chart of the running total of rewards, {currency} "
            f"{events[0].total - events[0].earned:.2f} at the start of the period and "
            f"{events[-1].total:.2f} at its end, above a chart of {len(events)} screens: "
            f"{sum(e.result == 'negative' for e in events)} negative, "
            f"{sum(e.result == 'positive' for e in events)} positive, "
            f"{sum(e.result == 'invalid' for e in events)} invalid and "
            f"{sum(e.kind == 'missed' for e in events)} missed."
        )
    with chart_style(_STYLE):
        figure = Figure(figsize=(_WIDTH_IN, 4.6), layout="constrained")
        total_axes, value_axes = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        total_axes.set_title("Running total", loc="left")
        value_axes.set_title("Each screen: result and what it earned", loc="left")
        if not events:
            for axes in (total_axes, value_axes):
                axes.text(0.5, 0.5, "No screens in this period", ha="center", va="center",
                          transform=axes.transAxes, color=GREY)  # fmt: skip
            return render(figure, title=title, alt=alt)
        moments = [e.time.astimezone(zone) for e in events]
        days = date2num(moments)  # type: ignore[no-untyped-call]
        end = date2num(state.as_of.astimezone(zone))  # type: ignore[no-untyped-call]
        totals = [float(e.total) for e in events]
        total_axes.step([*days, end], [*totals, totals[-1]], where="post", color=GREEN)
        total_axes.set_ylabel(currency)
        total_axes.set_ylim(bottom=0)
        _screen_markers(value_axes, events, days)
        value_axes.set_ylabel(currency)
        value_axes.set_ylim(bottom=-1)
        handles, labels = value_axes.get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
        start = date2num((since - timedelta(days=1)).astimezone(zone))  # type: ignore[no-untyped-call]
        value_axes.set_xlim(start, end + 1)
        _date_axis(value_axes, zone)
        return render(figure, title=title, alt=alt)


def _screen_markers(axes: Any, events: Sequence[Any], days: Sequence[float]) -> None:
    kinds = (
        ("negative", "Negative", BLUE, "o"),
        ("positive", "Positive", VERMILLION, "X"),
        ("invalid", "Invalid", ORANGE, "s"),
        (None, "Missed", GREY, "v"),
    )
    for result, label, colour, marker in kinds:
        chosen = [
            (d, float(e.earned)) for d, e in zip(days, events, strict=True) if e.result == result
        ]
        if chosen:
            xs, ys = zip(*chosen, strict=True)
            axes.plot(
                xs, ys, linestyle="none", marker=marker, markersize=7, color=colour, label=label
            )

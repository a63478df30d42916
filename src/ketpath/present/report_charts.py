"""The two charts only the PDF summary draws: stage over time, and screens with rewards.

Drawn the way ``ketpath.present.charts`` draws (matplotlib's object API, a fixed
``svg.hashsalt``, no metadata block, text kept as text, the Okabe-Ito palette,
shapes as well as colours), so the output is stable byte for byte. The words
are in the current language (``present.i18n``), as on the other charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from matplotlib.dates import AutoDateLocator, date2num
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from ketpath.core.contingency import ContingencyState
from ketpath.knowledge import rules
from ketpath.present.charts import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    VERMILLION,
    Chart,
    chart_style,
    concise_dates,
    render,
)
from ketpath.present.i18n import N_, _

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
    axes.xaxis.set_major_formatter(concise_dates(locator, zone))


def stage_chart(points: Sequence[tuple[date, str]], labels: dict[str, str]) -> Chart:
    """The stage at the end of each week: a step line over the stages, stopped ones lowest."""
    title = _("Stage at the end of each week")
    if not points:
        alt = _("%(title)s: no weeks in this period.", title=title)
    else:
        changes = sum(1 for a, b in pairwise(points) if a[1] != b[1])
        alt = _(
            "Step chart of the stage at the end of each of %(weeks)s weeks from %(first)s to "
            "%(last)s: it starts at '%(start)s', ends at '%(end)s' and changes %(changes)s times.",
            weeks=len(points),
            first=points[0][0].isoformat(),
            last=points[-1][0].isoformat(),
            start=labels.get(points[0][1], points[0][1]),
            end=labels.get(points[-1][1], points[-1][1]),
            changes=changes,
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
    title = _("Drug screens and rewards")
    events = [e for e in state.events if e.time >= since]
    currency = state.settings.currency
    if not events:
        alt = _("%(title)s: no screens were due or taken in this period.", title=title)
    else:
        alt = _(
            "Step chart of the running total of rewards, %(currency)s %(start)s at the start of "
            "the period and %(end)s at its end, above a chart of %(screens)s screens: "
            "%(negative)s negative, %(positive)s positive, %(invalid)s invalid and %(missed)s "
            "missed.",
            currency=currency,
            start=f"{events[0].total - events[0].earned:.2f}",
            end=f"{events[-1].total:.2f}",
            screens=len(events),
            negative=sum(e.result == "negative" for e in events),
            positive=sum(e.result == "positive" for e in events),
            invalid=sum(e.result == "invalid" for e in events),
            missed=sum(e.kind == "missed" for e in events),
        )
    with chart_style(_STYLE):
        figure = Figure(figsize=(_WIDTH_IN, 4.6), layout="constrained")
        total_axes, value_axes = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        total_axes.set_title(_("Running total"), loc="left")
        value_axes.set_title(_("Each screen: result and what it earned"), loc="left")
        if not events:
            for axes in (total_axes, value_axes):
                axes.text(0.5, 0.5, _("No screens in this period"), ha="center", va="center",
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


_SCREEN_KINDS = (
    ("negative", N_("Negative"), BLUE, "o"),
    ("positive", N_("Positive"), VERMILLION, "X"),
    ("invalid", N_("Invalid"), ORANGE, "s"),
    (None, N_("Missed"), GREY, "v"),
)


def _screen_markers(axes: Any, events: Sequence[Any], days: Sequence[float]) -> None:
    for result, label, colour, marker in _SCREEN_KINDS:
        chosen = [
            (d, float(e.earned)) for d, e in zip(days, events, strict=True) if e.result == result
        ]
        if chosen:
            xs, ys = zip(*chosen, strict=True)
            axes.plot(
                xs, ys, linestyle="none", marker=marker, markersize=7, color=colour, label=_(label)
            )

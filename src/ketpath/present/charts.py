"""Charts of the body model as SVG strings, each with a one-sentence text alternative.

Built with matplotlib's object API (``Figure`` without pyplot), so rendering
leaves no global state behind and is safe in a web worker. The output is
stable byte for byte: a fixed ``svg.hashsalt`` names the clip paths, the
metadata block (date, creator, format, type) is left out, and the XML prolog is
dropped so the string can be inlined in a page; what remains refers to no URL
but the SVG and XLink namespaces. Text stays text (``svg.fonttype = none``):
smaller files, readable by screen readers, and large enough on a phone.

Chart text is in the language of the page or command (``present.i18n``):
titles, axis labels, legends, tick words, dates and the text alternative. In
Chinese the font list gains the language's Noto Sans CJK family
(``present.fonts``) after DejaVu Sans, so matplotlib lays the Han characters
out with their real widths, and the SVG's ``font-family`` names the CJK family
and the generic ``sans-serif`` after it, which leads the browser to a CJK font.
English charts keep DejaVu Sans alone and stay the same byte for byte.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
Design"), and series also differ by line style or marker, so no chart depends
on colour alone.

The charts describe what logged doses did in the model. No chart marks a
target, a range to aim for, or anything that could be read as how much to take;
that is also why the published concentration bands (REFERENCE.md, Zanos 2018)
are not shaded: they are not in ``knowledge/`` as sourced data. Tolerance is
drawn against level words (none, moderate, high), not percentages, and the
effect of one dose is drawn only when the curve carries it (routes with human
effect data) and never summed up as a peak value.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from ketpath.core.body.pk import FloatArray
from ketpath.core.body.timeline import Timeline
from ketpath.core.body.tolerance import Tolerance, level_of, saturation
from ketpath.knowledge.body import body
from ketpath.present.fonts import MissingFontError, cjk_font_files, typeface
from ketpath.present.i18n import N_, _, current_language, ngettext

__all__ = [
    "PHONE_MIN_TEXT_PX",
    "PHONE_WIDTH_PX",
    "SMALLEST_FONT_PT",
    "Chart",
    "body_timeline_chart",
    "chart_style",
    "concise_dates",
    "dose_curve_chart",
    "render",
    "weekly_bars_chart",
]

# Okabe-Ito colours.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
GREY = "#6E6E6E"

_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ketpath-charts",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 14.0,
    "axes.titlesize": 15.0,
    "axes.labelsize": 14.0,
    "xtick.labelsize": 13.0,
    "ytick.labelsize": 13.0,
    "legend.fontsize": 13.0,
    "figure.titlesize": 16.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "lines.linewidth": 2.2,
}
# Only what the stable output needs: no date, and no metadata block with its
# Dublin Core and Creative Commons URLs.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_WIDTH_IN = 5.6
#: The weekly charts' height: 1.6 wide to 1 tall, so a chart is a screen's width on a
#: phone and History's charts do not stack into several screens of drawing.
_WEEKLY_HEIGHT_IN = 3.5
#: The smallest text on a chart, in points of the SVG (``font-size`` in its units).
#: Scaled to a 360 px wide phone screen a point becomes 360 / (72 × 5.6) ≈ 0.89 px,
#: so 13 is about 11.6 px: nothing on a chart is smaller than 11 px there.
SMALLEST_FONT_PT = 13.0
#: The narrowest screen the charts are sized for, and the smallest text there (px).
PHONE_WIDTH_PX = 360
PHONE_MIN_TEXT_PX = 11.0
#: Up to this many doses the reward panel marks each one; beyond, it draws lines.
_MARKED_DOSES = 60
_BAR_GAP_DAYS = 0.8


@dataclass(frozen=True)
class Chart:
    """An SVG document (inline-ready, no prolog) and its one-sentence text alternative."""

    svg: str
    alt: str


_NUMPY_PRINT_DEFAULTS: dict[str, Any] = {
    "precision": 8,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 75,
    "suppress": False,
    "nanstr": "nan",
    "infstr": "inf",
    "sign": "-",
    "floatmode": "maxprec",
    "legacy": False,
}


_log = logging.getLogger(__name__)


@cache
def _cjk_fonts_known() -> bool:
    """Make the Noto Sans CJK collection known to matplotlib (once per process).

    Added by path rather than found through matplotlib's font cache, which
    lists the fonts installed when it was first built and would miss the CJK
    fonts installed after it. Without the files the charts are still drawn:
    the SVG names the family and the browser draws the text with the CJK font
    it has; only matplotlib's layout falls back to DejaVu's widths.
    """
    try:
        files = cjk_font_files()
    except MissingFontError as error:
        _log.warning("charts: %s", error)
        return False
    for path in files:
        font_manager.fontManager.addfont(path)
    return True


def _with_language_fonts(style: dict[RcKeyType, Any]) -> dict[RcKeyType, Any]:
    """``style`` with the current language's CJK family after its sans-serif fonts."""
    face = typeface(current_language())
    if not face.cjk:
        return style
    _cjk_fonts_known()
    fonts = [*style.get("font.sans-serif", face.families[:1])]
    fonts += [family for family in face.families if family not in fonts]
    # Named, not only through "sans-serif": matplotlib falls back glyph by glyph
    # across the families of ``font.family`` but takes one font for a generic name.
    return {**style, "font.sans-serif": fonts, "font.family": [*fonts, "sans-serif"]}


@contextmanager
def chart_style(style: dict[RcKeyType, Any] | None = None) -> Iterator[None]:
    """Draw with ``style`` (this module's by default); hold it while drawing and saving.

    rcParams are read when artists are made and when the SVG is written. The
    current language's CJK font is added to the font list (English adds none).

    Start from matplotlib's and NumPy's defaults, not from whatever another
    library set globally, so the same chart gives the same bytes in any
    process: matplotlib derives SVG clip-path ids from the text of NumPy
    arrays, and Starsim (through sciris) changes NumPy's print options.
    """
    with matplotlib.rc_context(), np.printoptions(**_NUMPY_PRINT_DEFAULTS):
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_with_language_fonts(_STYLE if style is None else style))
        yield


def render(figure: Figure, *, title: str, alt: str) -> Chart:
    """The figure as accessible, byte-stable SVG (call inside :func:`chart_style`)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=_METADATA)
    return Chart(svg=_accessible(buffer.getvalue(), title=title, alt=alt), alt=alt)


def _accessible(svg: str, *, title: str, alt: str) -> str:
    """Drop the prolog; mark the root as an image with a <title> and <desc>."""
    root = svg.index("<svg")
    opening_end = svg.index(">", root) + 1
    opening = svg[root:opening_end].replace("<svg", '<svg role="img"', 1)
    label = f"\n <title>{escape(title)}</title>\n <desc>{escape(alt)}</desc>"
    return opening + label + svg[opening_end:]


def _amount(value: float) -> str:
    """A figure as a reader would say it: whole numbers from 10 up, two digits below."""
    if abs(value) >= 10 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _thousands(axis_value: float, _position: float) -> str:
    return f"{axis_value:,.0f}" if abs(axis_value) >= 1000 else f"{axis_value:g}"


def _no_data(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color=GREY)
    axes.set_yticks([])


def _week_bars(axes: Axes, starts: FloatArray, heights: FloatArray) -> None:
    """Bars a week wide as one collection: years of weeks stay fast to draw and small."""
    left = starts + _BAR_GAP_DAYS / 2.0
    right = left + 7.0 - _BAR_GAP_DAYS
    bottom = np.zeros_like(left)
    top = heights
    corners = np.stack(
        [
            np.column_stack(pair)
            for pair in ((left, bottom), (left, top), (right, top), (right, bottom))
        ],
        axis=1,
    )
    bars = PolyCollection(list(corners), facecolors=SKY_BLUE, edgecolors=BLUE, linewidths=0.5)
    axes.add_collection(bars, autolim=True)
    axes.autoscale_view()
    axes.set_ylim(bottom=0)


#: ConciseDateFormatter's formats (years, months, days, hours, minutes, seconds) in
#: Chinese: 2026年, 3月, 15日, with the offset above the axis as 2026年3月.
_CHINESE_DATES: dict[str, list[str]] = {
    "formats": ["%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f"],
    "zero_formats": ["", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M"],
    "offset_formats": [
        "",
        "%Y年",
        "%Y年%-m月",
        "%Y年%-m月%-d日",
        "%Y年%-m月%-d日",
        "%Y年%-m月%-d日 %H:%M",
    ],
}


def concise_dates(locator: AutoDateLocator, zone: tzinfo | None) -> ConciseDateFormatter:
    """matplotlib's concise date labels, in Chinese when the language is (English month names else)."""
    words = _CHINESE_DATES if typeface(current_language()).cjk else {}
    return ConciseDateFormatter(locator, tz=zone, **words)  # type: ignore[no-untyped-call]


def _date_axis(axes: Axes, zone: tzinfo | None = None) -> None:
    # matplotlib.dates is not annotated.
    locator = AutoDateLocator(tz=zone, minticks=3, maxticks=6)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(concise_dates(locator, zone))


def _days(moments: Sequence[date]) -> FloatArray:
    """Dates or aware datetimes as matplotlib's day numbers."""
    days: FloatArray = np.asarray(date2num(moments), dtype=np.float64)  # type: ignore[no-untyped-call]
    return np.atleast_1d(days)


# ---------------------------------------------------------------- one dose


def dose_curve_chart(curve: dict[str, list[float]], *, dose_label: str) -> Chart:
    """Plasma ketamine and norketamine (top) and the modelled effect (bottom) after one dose.

    ``curve`` is what :func:`ketpath.core.body.timeline.dose_curve` returns;
    ``dose_label`` names the dose as the person logged it (e.g. "60 mg, snorted").
    """
    hours = np.asarray(curve.get("t_min", []), dtype=np.float64) / 60.0
    ketamine = np.asarray(curve.get("ketamine_ng_ml", []), dtype=np.float64)
    norketamine = np.asarray(curve.get("norketamine_ng_ml", []), dtype=np.float64)
    drug_effect = np.asarray(curve.get("effect", []), dtype=np.float64)
    title = _("Modelled blood levels after %(dose)s (research model)", dose=dose_label)
    with chart_style():
        if "effect" in curve:
            figure = Figure(figsize=(_WIDTH_IN, 6.4), layout="constrained")
            levels, felt = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        else:
            figure = Figure(figsize=(_WIDTH_IN, 4.2), layout="constrained")
            levels, felt = figure.subplots(), None
        figure.suptitle(title)
        if len(hours) == 0:
            for axes in (levels, felt):
                if axes is not None:
                    _no_data(axes, _("No curve to show"))
            alt = _("No curve to show for %(dose)s.", dose=dose_label)
            return render(figure, title=title, alt=alt)
        levels.plot(hours, ketamine, color=BLUE, label=_("Ketamine"))
        levels.plot(hours, norketamine, color=ORANGE, linestyle="--", label=_("Norketamine"))
        levels.set_ylabel(_("Plasma level (ng/mL)"))
        levels.set_ylim(bottom=0)
        levels.yaxis.set_major_formatter(FuncFormatter(_thousands))
        levels.legend(loc="upper right", frameon=False)
        bottom = levels
        if felt is not None:
            felt.plot(hours, drug_effect, color=GREEN, linestyle="-.")
            felt.set_ylim(0, 1)
            felt.set_yticks([0.0, 1.0], labels=[_("none"), _("maximal")])
            felt.set_ylabel(_("Modelled effect"))
            bottom = felt
        bottom.set_xlabel(_("Hours after the dose"))
        bottom.set_xlim(0, float(hours[-1]))
        return render(figure, title=title, alt=_dose_curve_alt(curve, dose_label))


def _dose_curve_alt(curve: dict[str, list[float]], dose_label: str) -> str:
    minutes = curve["t_min"]

    def peak(name: str) -> tuple[float, float]:
        values = curve[name]
        index = int(np.argmax(values))
        return values[index], minutes[index]

    ketamine, ketamine_at = peak("ketamine_ng_ml")
    norketamine, norketamine_at = peak("norketamine_ng_ml")
    values = {
        "dose": dose_label,
        "ketamine": _amount(ketamine),
        "ketamine_at": _amount(ketamine_at),
        "norketamine": _amount(norketamine),
        "norketamine_at": _amount(norketamine_at),
    }
    if "effect" in curve:
        return _(
            "Line charts of the modelled plasma levels after %(dose)s (a research model, never "
            "a guide to dosing): ketamine peaks at %(ketamine)s ng/mL %(ketamine_at)s minutes "
            "after the dose and norketamine at %(norketamine)s ng/mL after %(norketamine_at)s "
            "minutes, and the modelled effect is strongest after %(effect_at)s minutes.",
            effect_at=_amount(peak("effect")[1]),
            **values,
        )
    return _(
        "Line charts of the modelled plasma levels after %(dose)s (a research model, never "
        "a guide to dosing): ketamine peaks at %(ketamine)s ng/mL %(ketamine_at)s minutes "
        "after the dose and norketamine at %(norketamine)s ng/mL after %(norketamine_at)s "
        "minutes, with no effect curve (no human effect data for this route).",
        **values,
    )


# ---------------------------------------------------------------- a whole history


def body_timeline_chart(timeline: Timeline, *, start: datetime, zone: tzinfo) -> Chart:
    """Weekly exposure, daily tolerance and each dose's high and low, over calendar dates.

    ``start`` is the aware datetime of hour 0 on the timeline's clock (for the
    assessment, the Unix epoch in UTC); dates are shown in ``zone``.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    title = _("What the logged doses did in the model")
    clock = _Clock(start, zone)
    with chart_style():
        figure = Figure(figsize=(_WIDTH_IN, 9.6), layout="constrained")
        exposure_axes, tolerance_axes, reward_axes = figure.subplots(3, 1, sharex=True)
        figure.suptitle(title)
        if len(timeline.doses.t_h) == 0:
            for axes in (exposure_axes, tolerance_axes, reward_axes):
                _no_data(axes, _("No doses logged"))
            _date_axis(reward_axes, zone)
            alt = _(
                "No doses were logged up to %(day)s, so there is no exposure, tolerance or "
                "reward to show.",
                day=clock.day(timeline.as_of_h),
            )
            return render(figure, title=title, alt=alt)
        _exposure_panel(exposure_axes, clock.days(timeline.weeks.start_h), timeline)
        _tolerance_panel(tolerance_axes, clock.days(timeline.days.start_h), timeline)
        _reward_panel(reward_axes, clock.days(timeline.doses.t_h), timeline)
        first_week = float(timeline.weeks.start_h[0])
        reward_axes.set_xlim(*clock.days(np.array([first_week, timeline.as_of_h])))
        _date_axis(reward_axes, zone)
        return render(figure, title=title, alt=_timeline_alt(timeline, clock))


@dataclass(frozen=True)
class _Clock:
    """Turns the timeline's hours into matplotlib day numbers and local dates."""

    start: datetime
    zone: tzinfo

    def moment(self, hour: float) -> datetime:
        return (self.start + timedelta(hours=hour)).astimezone(self.zone)

    def days(self, hours: FloatArray) -> FloatArray:
        return _days([self.moment(float(hour)) for hour in hours])

    def day(self, hour: float) -> str:
        return self.moment(hour).date().isoformat()


def _exposure_panel(axes: Axes, week_starts: FloatArray, timeline: Timeline) -> None:
    _week_bars(axes, week_starts, timeline.weeks.ketamine_auc_ng_h_ml)
    axes.set_title(_("Ketamine exposure per week"), loc="left")
    axes.set_ylabel("ng·h/mL")
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.yaxis.set_major_locator(MaxNLocator(4))


def _tolerance_level(timeline: Timeline) -> FloatArray:
    return saturation(Tolerance(pk=timeline.days.pk, pd=timeline.days.pd))


def _tolerance_panel(axes: Axes, days: FloatArray, timeline: Timeline) -> None:
    """The tolerance level against its words: no percentage, no multiplier."""
    rule = body().tolerance.reading
    axes.plot(days, _tolerance_level(timeline), color=VERMILLION)
    axes.set_title(_("Tolerance in the model (level, not a measurement)"), loc="left")
    axes.set_ylim(0, 1)
    axes.set_yticks(
        [0.0, rule.moderate.value, rule.high.value, 1.0],
        labels=[_("none"), _("moderate"), _("high"), _("ceiling")],
    )
    axes.grid(axis="y", color=GREY, alpha=0.3)


def _reward_panel(axes: Axes, doses: FloatArray, timeline: Timeline) -> None:
    """Markers for a few doses; for many, thin lines, which keep the SVG small."""
    few = len(doses) <= _MARKED_DOSES
    axes.axhline(0.0, color=GREY, linewidth=1.0)
    for values, colour, marker, line, label in (
        (timeline.doses.high, BLUE, "^", "-", _("High after a dose")),
        (timeline.doses.low, VERMILLION, "v", "--", _("Low before the next")),
    ):
        axes.plot(
            doses,
            values,
            color=colour,
            label=label,
            marker=marker if few else None,
            markersize=7.0,
            linestyle="none" if few else line,
            linewidth=1.2,
        )
    axes.set_title(_("The high and the low after each dose"), loc="left")
    axes.set_ylabel(_("Felt effect (model units)"))
    axes.yaxis.set_major_locator(MaxNLocator(4))
    # Below the date labels of this, the bottom panel.
    handles, labels = axes.get_legend_handles_labels()
    axes.figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=SMALLEST_FONT_PT,
    )


def _timeline_alt(timeline: Timeline, clock: _Clock) -> str:
    weeks = timeline.weeks
    busiest = int(np.argmax(weeks.ketamine_auc_ng_h_ml))
    levels = _tolerance_level(timeline)
    highest = int(np.argmax(levels))
    highs, lows = timeline.doses.high, timeline.doses.low
    values = {
        "first": clock.day(float(weeks.start_h[0])),
        "last": clock.day(timeline.as_of_h),
        "exposure": _amount(float(weeks.ketamine_auc_ng_h_ml[busiest])),
        "busiest": clock.day(float(weeks.start_h[busiest])),
        "level": _(LEVEL_WORDS[level_of(float(levels[-1]))]),
        "highest_level": _(LEVEL_WORDS[level_of(float(levels[highest]))]),
        "highest_on": clock.day(float(timeline.days.start_h[highest])),
        "high": f"{highs[0]:.2f}",
        "low": f"{lows[0]:.2f}",
    }
    if len(highs) == 1:
        return _(
            "From %(first)s to %(last)s, weekly ketamine exposure was highest at %(exposure)s "
            "ng·h/mL in the week of %(busiest)s; tolerance in the model is now %(level)s, and "
            "was highest (%(highest_level)s) on %(highest_on)s; the one dose brought a high of "
            "%(high)s and a low of %(low)s.",
            **values,
        )
    return ngettext(
        "From %(first)s to %(last)s, weekly ketamine exposure was highest at %(exposure)s "
        "ng·h/mL in the week of %(busiest)s; tolerance in the model is now %(level)s, and was "
        "highest (%(highest_level)s) on %(highest_on)s; the high after a dose went from "
        "%(high)s to %(last_high)s and the low from %(low)s to %(last_low)s (model units) over "
        "%(doses)s dose.",
        "From %(first)s to %(last)s, weekly ketamine exposure was highest at %(exposure)s "
        "ng·h/mL in the week of %(busiest)s; tolerance in the model is now %(level)s, and was "
        "highest (%(highest_level)s) on %(highest_on)s; the high after a dose went from "
        "%(high)s to %(last_high)s and the low from %(low)s to %(last_low)s (model units) over "
        "%(doses)s doses.",
        len(highs),
        doses=f"{len(highs):,}",
        last_high=f"{highs[-1]:.2f}",
        last_low=f"{lows[-1]:.2f}",
        **values,
    )


#: The model's tolerance levels in words (``core.body.tolerance.level_of``).
LEVEL_WORDS = {"low": N_("low"), "moderate": N_("moderate"), "high": N_("high")}


# ---------------------------------------------------------------- generic weekly bars


def weekly_bars_chart(weeks: list[date], values: list[float], *, title: str, ylabel: str) -> Chart:
    """One bar per week starting on each date in ``weeks`` (e.g. use-days per week)."""
    if len(weeks) != len(values):
        raise ValueError("weeks and values must have the same length")
    with chart_style():
        figure = Figure(figsize=(_WIDTH_IN, _WEEKLY_HEIGHT_IN), layout="constrained")
        axes = figure.subplots()
        axes.set_title(title)
        if not weeks:
            _no_data(axes, _("Nothing logged yet"))
            return render(figure, title=title, alt=_("%(title)s: nothing logged yet.", title=title))
        _week_bars(axes, _days(weeks), np.asarray(values, dtype=np.float64))
        axes.set_ylabel(ylabel)
        axes.set_ylim(bottom=0)
        counts = all(float(value).is_integer() for value in values)
        axes.yaxis.set_major_locator(MaxNLocator(5, integer=counts))
        axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
        _date_axis(axes)
        return render(figure, title=title, alt=_weekly_alt(weeks, values, title, ylabel))


def _weekly_alt(weeks: list[date], values: list[float], title: str, ylabel: str) -> str:
    highest = int(np.argmax(values))
    return ngettext(
        "Bar chart, %(title)s: %(ylabel)s over %(num)s week from %(first)s to %(last)s, "
        "highest %(highest)s in the week of %(highest_week)s, latest %(latest)s.",
        "Bar chart, %(title)s: %(ylabel)s over %(num)s weeks from %(first)s to %(last)s, "
        "highest %(highest)s in the week of %(highest_week)s, latest %(latest)s.",
        len(weeks),
        title=title,
        ylabel=ylabel,
        first=weeks[0].isoformat(),
        last=weeks[-1].isoformat(),
        highest=_amount(values[highest]),
        highest_week=weeks[highest].isoformat(),
        latest=_amount(values[-1]),
    )

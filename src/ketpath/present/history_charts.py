"""The weekly series behind the History page's charts, and the charts themselves.

Weeks start on Monday in the person's time zone (UTC when the profile names
none), the same calendar the assessment counts use-days in. A week with
nothing logged is a zero bar for counts; for "mg per use-day" and craving a
week with no dosed use-day or no craving also draws no bar, and the text
alternative says which weeks had data.

Headings, captions and chart text are in the current language (``present.i18n``);
the texts below are marked with ``N_`` and translated when the charts are made.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from statistics import mean

from ketpath.core.records import Craving, Questionnaire, Record, Symptom, Use, record_time
from ketpath.knowledge import languages, vocabulary
from ketpath.present.charts import Chart, weekly_bars_chart
from ketpath.present.i18n import N_, _, current_language
from ketpath.present.score_charts import ScorePoint, score_chart

#: How far back the weekly charts reach.
WEEKS_SHOWN = 26


@dataclass(frozen=True)
class WeeklySeries:
    weeks: list[date]
    use_days: list[float]
    mg_per_use_day: list[float]
    craving_mean: list[float]
    urinary_days: list[float]
    abdominal_days: list[float]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(first: date, last: date) -> list[date]:
    start, end = week_start(first), week_start(last)
    count = (end - start).days // 7 + 1
    return [start + timedelta(weeks=index) for index in range(count)]


def _local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _days_by_week(days: set[date]) -> dict[date, int]:
    counts: dict[date, int] = defaultdict(int)
    for day in days:
        counts[week_start(day)] += 1
    return counts


def weekly_series(
    records: Sequence[Record], *, zone: tzinfo, as_of: datetime, weeks_shown: int = WEEKS_SHOWN
) -> WeeklySeries:
    """Use-days, mg per dosed use-day, mean craving and symptom days, per week."""
    last_day = _local_day(as_of, zone)
    days = {id(r): _local_day(t, zone) for r in records if (t := record_time(r)) and t <= as_of}
    if not days:
        return WeeklySeries([], [], [], [], [], [])
    first_day = max(min(days.values()), last_day - timedelta(weeks=weeks_shown - 1))
    weeks = _weeks(first_day, last_day)
    in_range = [r for r in records if id(r) in days and days[id(r)] >= weeks[0]]

    use_days = {_local_day(r.time, zone) for r in in_range if isinstance(r, Use)}
    mg_by_day: dict[date, float] = defaultdict(float)
    for use in (r for r in in_range if isinstance(r, Use) and r.dose_mg is not None):
        mg_by_day[_local_day(use.time, zone)] += use.dose_mg or 0.0
    mg_by_week: dict[date, list[float]] = defaultdict(list)
    for day, total in mg_by_day.items():
        mg_by_week[week_start(day)].append(total)
    craving_by_week: dict[date, list[int]] = defaultdict(list)
    for craving in (r for r in in_range if isinstance(r, Craving)):
        craving_by_week[week_start(_local_day(craving.time, zone))].append(craving.intensity)

    urinary = vocabulary().symptom_group("urinary")
    abdominal = vocabulary().symptom_group("abdominal")
    symptoms = [r for r in in_range if isinstance(r, Symptom)]
    urinary_days = {_local_day(s.time, zone) for s in symptoms if s.symptom in urinary}
    abdominal_days = {_local_day(s.time, zone) for s in symptoms if s.symptom in abdominal}

    use_counts = _days_by_week(use_days)
    urinary_counts = _days_by_week(urinary_days)
    abdominal_counts = _days_by_week(abdominal_days)
    return WeeklySeries(
        weeks=weeks,
        use_days=[float(use_counts[w]) for w in weeks],
        mg_per_use_day=[round(mean(mg_by_week[w]), 1) if mg_by_week[w] else 0.0 for w in weeks],
        craving_mean=[
            round(mean(craving_by_week[w]), 1) if craving_by_week[w] else 0.0 for w in weeks
        ],
        urinary_days=[float(urinary_counts[w]) for w in weeks],
        abdominal_days=[float(abdominal_counts[w]) for w in weeks],
    )


_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)


def inline_svg(svg: str) -> str:
    """The SVG without its ``<style>`` element, which the pages' CSP refuses.

    matplotlib writes one rule there (round line joins, butt caps); the stylesheet
    sets the same rule for ``.chart svg``, so the drawing is unchanged.
    """
    return _STYLE_ELEMENT.sub("", svg)


@dataclass(frozen=True)
class ChartView:
    """A chart and its caption; ``chart`` is None when every week is zero (said in words)."""

    id: str
    heading: str
    note: str
    chart: Chart | None
    empty: str = ""

    @property
    def inline(self) -> str:
        return inline_svg(self.chart.svg) if self.chart else ""


#: (id, heading, caption, chart title, y label, what an all-zero series means)
_WEEKLY = (
    (
        "use-days",
        N_("Use-days per week"),
        N_("A use-day is a calendar day with at least one use logged."),
        N_("Use-days per week"),
        N_("use-days"),
        N_("No use logged in these weeks."),
    ),
    (
        "mg-per-use-day",
        N_("Amount per use-day"),
        N_(
            "The mean of each use-day's logged total, in mg; uses without an amount are left "
            "out, and weeks with none logged show no bar. This is what you logged, not a guide."
        ),
        N_("Amount per use-day"),
        N_("mg (mean per use-day)"),
        N_("No amounts logged in these weeks."),
    ),
    (
        "craving",
        N_("Craving"),
        N_(
            "The mean intensity (0 to 10) of the cravings logged each week; weeks with none "
            "logged show no bar."
        ),
        N_("Craving (mean per week)"),
        N_("intensity (0-10)"),
        N_("No cravings above 0 logged in these weeks."),
    ),
    (
        "urinary",
        N_("Days with bladder symptoms"),
        N_("Days in each week with any bladder or urine symptom logged."),
        N_("Days with bladder symptoms"),
        N_("days"),
        N_("No bladder symptoms logged in these weeks."),
    ),
    (
        "abdominal",
        N_("Days with belly symptoms"),
        N_("Days in each week with belly pain, nausea or jaundice logged."),
        N_("Days with belly symptoms"),
        N_("days"),
        N_("No belly symptoms logged in these weeks."),
    ),
)


def weekly_charts(series: WeeklySeries) -> list[ChartView]:
    """The five weekly charts; a series that is zero every week is said in words instead."""
    values = {
        "use-days": series.use_days,
        "mg-per-use-day": series.mg_per_use_day,
        "craving": series.craving_mean,
        "urinary": series.urinary_days,
        "abdominal": series.abdominal_days,
    }
    views = []
    for chart_id, heading, note, title, ylabel, empty in _WEEKLY:
        data = values[chart_id]
        if series.weeks and not any(data):
            views.append(ChartView(chart_id, _(heading), _(note), None, empty=_(empty)))
            continue
        chart = weekly_bars_chart(series.weeks, data, title=_(title), ylabel=_(ylabel))
        views.append(ChartView(chart_id, _(heading), _(note), chart))
    return views


def score_points(records: Sequence[Record]) -> dict[str, list[ScorePoint]]:
    """Every scored questionnaire, by instrument, oldest first."""
    from ketpath.core.instruments import score  # noqa: PLC0415 - keeps the import list short

    points: dict[str, list[ScorePoint]] = defaultdict(list)
    for record in sorted(
        (r for r in records if isinstance(r, Questionnaire)), key=lambda r: r.time
    ):
        result = score(record.instrument, record.answers)
        points[record.instrument].append(
            ScorePoint(time=record.time, total=float(result.total), band=result.band_label)
        )
    return dict(sorted(points.items()))


def questionnaire_charts(records: Sequence[Record], *, zone: tzinfo) -> list[ChartView]:
    charts = []
    # The instruments' short labels in the current language (scoring is the same in all).
    shown = languages.instruments(current_language())
    for instrument_id, points in score_points(records).items():
        instrument = shown[instrument_id]
        charts.append(
            ChartView(
                f"scores-{instrument_id}",
                _("%(instrument)s scores", instrument=instrument.short_name),
                instrument.total_label,
                score_chart(instrument, points, zone=zone),
            )
        )
    return charts

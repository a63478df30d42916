"""The pure parts of the pages: form parsing, weekly series, wording. No server needed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.assess import assess
from ketpath.core.records import Craving, Mood, Record, RecordError, Use, parse_record
from ketpath.present.history_charts import inline_svg, weekly_charts, weekly_series
from ketpath.present.views import dashboard_view, duration_words, last_use_defaults, summarise
from ketpath.web.plan_form import plan_from_form, plan_view
from ketpath.web.record_forms import (
    SimpleForm,
    form_values,
    questionnaire_from_form,
    record_from_form,
)

NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def test_a_blank_time_means_now_and_a_typed_one_is_local() -> None:
    now_use = record_from_form("use", SimpleForm({}), zone=LONDON, now=NOW)
    assert isinstance(now_use, Use)
    assert now_use.time == NOW
    typed = record_from_form(
        "mood", SimpleForm({"score": "3", "time": "2026-05-01T23:10"}), zone=LONDON, now=NOW
    )
    assert isinstance(typed, Mood)
    assert typed.time.isoformat() == "2026-05-01T23:10:00+01:00"


def test_form_errors_name_the_field() -> None:
    with pytest.raises(RecordError, match="dose_mg"):
        record_from_form("use", SimpleForm({"dose_mg": "lots"}), zone=UTC, now=NOW)
    with pytest.raises(RecordError, match="time"):
        record_from_form("mood", SimpleForm({"score": "3", "time": "yesterday"}), zone=UTC, now=NOW)
    with pytest.raises(RecordError, match="intensity"):
        record_from_form("craving", SimpleForm({"intensity": "2.5"}), zone=UTC, now=NOW)


def test_a_record_goes_back_into_its_form_unchanged() -> None:
    fields = {"dose_mg": "62.5", "route": "oral", "co_use": ["alcohol"], "time": "2026-05-01T23:10"}
    use = record_from_form("use", SimpleForm(fields), zone=LONDON, now=NOW)
    values = form_values(use, LONDON)
    assert record_from_form("use", SimpleForm(values), zone=LONDON, now=NOW) == use


def test_questionnaire_form_writes_skips_for_assist() -> None:
    answers = {"item-q2": "0"} | {f"item-q{n}": "0" for n in (6, 7)}
    record = questionnaire_from_form("assist", SimpleForm(answers), zone=UTC, now=NOW)
    assert record.answers == (0, "-", "-", "-", 0, 0)


def test_the_quick_log_remembers_the_latest_use_not_the_latest_stored() -> None:
    late = parse_record(
        {"type": "use", "time": "2026-05-10T22:00:00+01:00", "route": "oral", "setting": "club"}
    )
    early = parse_record({"type": "use", "time": "2026-05-01T22:00:00+01:00", "route": "smoked"})
    assert last_use_defaults([late, early]) == {"route": "oral", "setting": "club"}
    assert last_use_defaults([]) == {"route": "", "setting": ""}


def test_weekly_series_count_days_in_her_time_zone(alice_records: list[Record]) -> None:
    series = weekly_series(alice_records, zone=LONDON, as_of=NOW)
    assert series.weeks[0] == date(2026, 3, 2)
    assert all(week.weekday() == 0 for week in series.weeks)
    assert sum(series.use_days) == 10  # the assessment's lifetime use-days
    assert series.mg_per_use_day[series.weeks.index(date(2026, 5, 4))] == 95.0  # 90 and 100
    assert series.urinary_days[-2:] == [1.0, 1.0]
    assert len(weekly_charts(series)) == 5


def test_weekly_series_of_nothing_is_empty_charts_with_text() -> None:
    series = weekly_series([], zone=UTC, as_of=NOW)
    charts = weekly_charts(series)
    assert all(view.chart is not None and "nothing logged yet" in view.chart.alt for view in charts)


def test_inline_svg_drops_only_the_style_element() -> None:
    svg = '<svg><defs><style type="text/css">*{stroke-linejoin: round}</style></defs><g/></svg>'
    assert inline_svg(svg) == "<svg><defs></defs><g/></svg>"


def test_summaries_use_the_vocabulary_labels() -> None:
    use = parse_record(
        {
            "type": "use",
            "time": "2026-05-01T23:10:00+01:00",
            "dose_mg": 60,
            "route": "intranasal",
            "co_use": ["alcohol"],
        }
    )
    assert summarise(use) == "60 mg; Snorted (intranasal); with alcohol"
    craving = Craving(time=NOW, intensity=8, trigger="payday")
    assert summarise(craving) == "8 of 10 (payday)"
    coping = Craving(time=NOW, intensity=6, trigger="cope-stress")
    assert summarise(coping) == "6 of 10 (to cope with stress)"  # a motive reads as words


def test_durations_read_as_words() -> None:
    assert duration_words(datetime(2026, 5, 14, 11, 30, tzinfo=UTC), NOW, UTC) == "under an hour"
    assert duration_words(datetime(2026, 5, 14, 7, 0, tzinfo=UTC), NOW, UTC) == "5 hours"
    assert duration_words(datetime(2026, 5, 13, 7, 0, tzinfo=UTC), NOW, UTC) == "1 day"


def test_days_ago_are_counted_as_dates_in_the_persons_zone_like_the_counter() -> None:
    """Noon three dates back in Hong Kong, seen at 00:30 there: 2.5 days, but three dates ago."""
    hong_kong = ZoneInfo("Asia/Hong_Kong")
    now = datetime(2026, 12, 1, 0, 30, tzinfo=hong_kong)
    used = datetime(2026, 11, 28, 12, 0, tzinfo=hong_kong)
    assert duration_words(used, now, hong_kong) == "3 days"
    assert duration_words(used, now, UTC) == "2 days"  # 16:30 and 04:00 UTC: two dates apart


def test_the_dashboard_view_carries_grades_and_citations_for_every_signal(
    alice_records: list[Record],
) -> None:
    view = dashboard_view(assess(alice_records, NOW), zone=LONDON)
    assert view["signals"]
    for signal in (*view["signals"], *view["red_flags"]):
        assert signal["grade"] in "ABCUX"
        assert signal["meaning"]
        assert all(source["citation"] for source in signal["sources"])
    assert view["course"]["caveat"]
    assert view["stage"]["label"]


def test_plan_lines_are_trimmed_and_blank_ones_dropped() -> None:
    plan = plan_from_form(SimpleForm({"triggers": " payday \n\n Fridays", "reasons": ""}))
    assert plan["triggers"] == ["payday", "Fridays"]
    assert plan["reasons"] == []
    assert plan_view(plan)["fields"][0]["text"] == "payday\nFridays"

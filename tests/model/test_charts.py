"""SVG charts: valid, stable byte for byte, self-contained, and described in words."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib
import numpy as np
import pytest

from ketpath.core.body.pk import DoseHistory
from ketpath.core.body.timeline import Timeline, dose_curve, history_timeline
from ketpath.present.charts import Chart, body_timeline_chart, dose_curve_chart, weekly_bars_chart

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
START = datetime(2026, 3, 1, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
DAY = 24.0


def month_of_daily_use() -> Timeline:
    # 280 mg snorted: 80 mg at the former intranasal bioavailability (0.45; now 0.13)
    history = DoseHistory(
        np.arange(30.0) * DAY + 20.0, np.full(30, 280.0), np.array(["intranasal"] * 30)
    )
    return history_timeline(history, 45 * DAY)


def one_dose() -> Timeline:
    history = DoseHistory(np.array([44.0]), np.array([60.0]), np.array(["intranasal"]))
    return history_timeline(history, 50.0)


def no_doses() -> Timeline:
    empty = DoseHistory(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
    return history_timeline(empty, 10 * DAY)


def weeks(count: int) -> list[date]:
    return [date(2026, 1, 5) + timedelta(weeks=week) for week in range(count)]


CHARTS = {
    "dose curve": lambda: dose_curve_chart(
        dose_curve(60.0, "intranasal"), dose_label="60 mg, snorted"
    ),
    "timeline": lambda: body_timeline_chart(month_of_daily_use(), start=START, zone=LONDON),
    "one-dose timeline": lambda: body_timeline_chart(one_dose(), start=START, zone=LONDON),
    "empty timeline": lambda: body_timeline_chart(no_doses(), start=START, zone=LONDON),
    "weekly bars": lambda: weekly_bars_chart(
        weeks(8), [0, 1, 3, 2, 5, 4, 6, 7], title="Use-days per week", ylabel="Use-days"
    ),
    "empty weekly bars": lambda: weekly_bars_chart(
        [], [], title="Use-days per week", ylabel="Use-days"
    ),
}


@pytest.fixture(params=sorted(CHARTS), scope="module")
def chart(request: pytest.FixtureRequest) -> Chart:
    return CHARTS[request.param]()


def test_it_is_an_svg_document_with_a_title_and_a_description(chart: Chart) -> None:
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text == chart.alt


def test_it_refers_to_no_url_but_the_svg_namespaces(chart: Chart) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", chart.svg))
    assert urls <= NAMESPACES


def test_it_carries_no_date_or_creator(chart: Chart) -> None:
    assert "<metadata" not in chart.svg
    assert "DOCTYPE" not in chart.svg
    assert "Matplotlib v" not in chart.svg


def test_the_alt_text_is_one_sentence(chart: Chart) -> None:
    assert chart.alt.endswith(".")
    assert chart.alt.count(". ") == 0


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_two_calls_give_the_same_bytes(name: str) -> None:
    assert CHARTS[name]().svg == CHARTS[name]().svg


def test_a_new_process_gives_the_same_bytes_without_pyplot() -> None:
    program = (
        "from datetime import date; from ketpath.present.charts import weekly_bars_chart; "
        "import sys; sys.stdout.write(weekly_bars_chart([date(2026, 1, 5), date(2026, 1, 12)], "
        "[2, 3], title='Use-days per week', ylabel='Use-days').svg); "
        "sys.exit('matplotlib.pyplot' in sys.modules)"  # no pyplot, no global figures
    )
    here = weekly_bars_chart(
        [date(2026, 1, 5), date(2026, 1, 12)], [2, 3], title="Use-days per week", ylabel="Use-days"
    )
    there = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout
    assert there == here.svg
    assert 'clip-path="url(#p' in here.svg  # ids come from the fixed hash salt


def test_drawing_leaves_matplotlib_settings_as_they_were() -> None:
    before = dict(matplotlib.rcParams)
    dose_curve_chart(dose_curve(60.0, "oral"), dose_label="60 mg, swallowed")
    assert dict(matplotlib.rcParams) == before


def test_the_dose_curve_alt_gives_the_peaks() -> None:
    curve = dose_curve(60.0, "intranasal")
    chart = dose_curve_chart(curve, dose_label="60 mg, snorted")
    peak = max(curve["ketamine_ng_ml"])
    assert f"ketamine peaks at {peak:,.0f} ng/mL" in chart.alt
    assert "60 mg, snorted" in chart.alt
    assert "60 mg, snorted" in chart.svg  # the title


def test_the_timeline_alt_gives_the_busiest_week_tolerance_and_the_high_and_low() -> None:
    timeline = month_of_daily_use()
    chart = body_timeline_chart(timeline, start=START, zone=LONDON)
    busiest = timeline.weeks.ketamine_auc_ng_h_ml.max()
    assert f"highest at {busiest:,.0f} ng·h/mL" in chart.alt
    assert "tolerance in the model is now low, and was highest (high) on 2026-03-30" in chart.alt
    assert "%" not in chart.alt
    assert f"from {timeline.doses.high[0]:.2f} to {timeline.doses.high[-1]:.2f}" in chart.alt
    assert "From 2026-03-01 to 2026-04-15" in chart.alt


def test_the_timeline_chart_shows_tolerance_as_level_words_not_percentages() -> None:
    chart = body_timeline_chart(month_of_daily_use(), start=START, zone=LONDON)
    assert "% above none" not in chart.svg
    assert re.findall(r">(none|moderate|high|ceiling)<", chart.svg) == [
        "none",
        "moderate",
        "high",
        "ceiling",
    ]


def test_the_dose_curve_gives_no_effect_value_and_none_at_all_for_smoked() -> None:
    clinical = dose_curve_chart(dose_curve(60.0, "intranasal"), dose_label="60 mg, snorted")
    assert "effect is strongest after" in clinical.alt
    assert not re.search(r"effect peaks at|0\.\d\d on a 0-to-1", clinical.alt)
    smoked = dose_curve_chart(dose_curve(60.0, "smoked"), dose_label="60 mg, smoked")
    assert "no effect curve" in smoked.alt
    assert "Modelled effect" not in smoked.svg
    assert "research model" in smoked.alt


def test_the_timeline_dates_follow_the_zone() -> None:
    # Hour 23.5 on 1 March UTC is already 2 March in Tokyo.
    history = DoseHistory(np.array([23.5]), np.array([60.0]), np.array(["intranasal"]))
    timeline = history_timeline(history, 30.0, origin_h=0.0)
    tokyo = body_timeline_chart(timeline, start=START, zone=ZoneInfo("Asia/Tokyo"))
    london = body_timeline_chart(timeline, start=START, zone=LONDON)
    assert "the one dose" in london.alt
    assert "to 2026-03-02" in london.alt
    assert "to 2026-03-02" in tokyo.alt
    assert tokyo.svg != london.svg


def test_an_empty_timeline_says_there_is_nothing_to_show() -> None:
    chart = body_timeline_chart(no_doses(), start=START, zone=LONDON)
    assert "No doses were logged up to 2026-03-11" in chart.alt
    assert "No doses logged" in chart.svg


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        body_timeline_chart(one_dose(), start=datetime(2026, 3, 1), zone=LONDON)


def test_the_weekly_bars_alt_gives_the_highest_and_latest_week() -> None:
    chart = weekly_bars_chart(
        weeks(8), [0, 1, 3, 2, 5, 4, 7, 6], title="Use-days per week", ylabel="Use-days"
    )
    assert "highest 7 in the week of 2026-02-16" in chart.alt
    assert "latest 6" in chart.alt
    assert "8 weeks from 2026-01-05 to 2026-02-23" in chart.alt


def test_weekly_bars_need_one_value_per_week() -> None:
    with pytest.raises(ValueError, match="same length"):
        weekly_bars_chart(weeks(2), [1.0], title="t", ylabel="y")


def test_a_five_year_timeline_chart_stays_small() -> None:
    rng = np.random.default_rng(1)
    days = np.flatnonzero(rng.random(5 * 365) < 0.95)
    history = DoseHistory(
        days.astype(np.float64) * DAY + 20.0,
        rng.uniform(30.0, 200.0, len(days)),
        np.array(["intranasal"] * len(days)),
    )
    chart = body_timeline_chart(history_timeline(history, 5 * 365 * DAY), start=START, zone=LONDON)
    assert len(chart.svg) < 400_000
    ET.fromstring(chart.svg)


def test_charts_ignore_global_matplotlib_styling() -> None:
    plain = weekly_bars_chart([date(2026, 1, 5)], [2], title="Use-days per week", ylabel="Use-days")
    with matplotlib.rc_context({"font.size": 30, "axes.xmargin": 0.4, "figure.dpi": 50}):
        styled = weekly_bars_chart(
            [date(2026, 1, 5)], [2], title="Use-days per week", ylabel="Use-days"
        )
    assert styled.svg == plain.svg


def test_charts_ignore_global_numpy_print_options() -> None:
    import numpy as np

    plain = weekly_bars_chart([date(2026, 1, 5)], [2], title="Use-days per week", ylabel="Use-days")
    with np.printoptions(precision=3, linewidth=200, suppress=True):
        changed = weekly_bars_chart(
            [date(2026, 1, 5)], [2], title="Use-days per week", ylabel="Use-days"
        )
    assert changed.svg == plain.svg

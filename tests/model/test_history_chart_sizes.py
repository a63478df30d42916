"""History's charts read on a phone: no text under 11 px at 360 px wide, and not too tall.

The SVG is scaled to the width of the screen, so a ``font-size`` of N (in the
SVG's units) is ``N × screen width / viewBox width`` pixels on the screen.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.records import Record
from ketpath.present.history_charts import (
    ChartView,
    questionnaire_charts,
    weekly_charts,
    weekly_series,
)

NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
PHONE_PX = 360
DESKTOP_COLUMN_PX = 736  # main's widest column (46rem)
FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)px")


def _history_charts(records: list[Record]) -> list[ChartView]:
    series = weekly_series(records, zone=LONDON, as_of=NOW)
    return [
        view
        for view in weekly_charts(series) + questionnaire_charts(records, zone=LONDON)
        if view.chart is not None
    ]


def _box(svg: ET.Element) -> tuple[float, float]:
    _x, _y, width, height = (float(part) for part in svg.attrib["viewBox"].split())
    return width, height


def _font_sizes(svg: ET.Element) -> list[float]:
    sizes = []
    for element in svg.iter():
        found = FONT_SIZE.search(element.attrib.get("style", ""))
        if found:
            sizes.append(float(found.group(1)))
    return sizes


@pytest.fixture
def charts(alice_records: list[Record]) -> list[ChartView]:
    drawn = _history_charts(alice_records)
    assert {view.id for view in drawn} >= {"use-days", "craving", "scores-phq9"}
    return drawn


def test_no_chart_text_is_under_11_px_on_a_360_px_screen(charts: list[ChartView]) -> None:
    for view in charts:
        assert view.chart is not None
        svg = ET.fromstring(view.chart.svg)
        width, _height = _box(svg)
        sizes = _font_sizes(svg)
        assert sizes, f"{view.id}: the chart's text is text"
        smallest = min(sizes) * PHONE_PX / width
        assert smallest >= 11.0, f"{view.id}: {smallest:.1f} px"


def test_a_chart_is_wider_than_tall_and_under_600_px_on_a_wide_screen(
    charts: list[ChartView],
) -> None:
    for view in charts:
        assert view.chart is not None
        width, height = _box(ET.fromstring(view.chart.svg))
        assert height / width <= 0.65, view.id
        assert DESKTOP_COLUMN_PX * height / width < 600, view.id
        assert PHONE_PX * height / width <= 240, view.id  # most of a phone screen is left

"""Charts in Chinese (issue 15, point 4): the words are Chinese text in the SVG, in a CJK font.

The SVG keeps its text as text (``svg.fonttype = none``), so the browser draws
it: each text element must name the language's Noto Sans CJK family and then
the generic ``sans-serif``, and matplotlib must have laid the Han characters
out with that font (no missing-glyph warning). English charts are unchanged:
DejaVu Sans alone, the same bytes as before a language was ever chosen.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta

import numpy as np

from histories import at, questionnaire, record, uses_on
from ketpath.core.body.pk import DoseHistory
from ketpath.core.body.timeline import history_timeline
from ketpath.present.charts import body_timeline_chart, weekly_bars_chart
from ketpath.present.history_charts import questionnaire_charts, weekly_charts, weekly_series
from ketpath.present.i18n import use_language
from ketpath.present.report_charts import stage_chart

WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(8)]


def texts(svg: str) -> list[str]:
    """What the SVG's <text> elements say."""
    return [
        re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<text\b[^>]*>.*?</text>", svg, re.S)
    ]


def font_families(svg: str) -> set[str]:
    return set(re.findall(r"font-family: ([^;\"]+)", svg))


def history_charts_in(language: str) -> list[str]:
    records = [record("profile", timezone="Asia/Hong_Kong"), *uses_on(range(0, 40, 2), dose_mg=50)]
    series = weekly_series(records, zone=UTC, as_of=at(45))
    with use_language(language):
        return [view.chart.svg for view in weekly_charts(series) if view.chart is not None]


def test_a_traditional_chinese_history_chart_has_its_axis_label_as_text() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn: the CJK font was not used
        use_days = history_charts_in("zh-Hant")[0]
    words = texts(use_days)
    assert "使用日" in words  # the y axis
    assert "每星期的使用日" in words  # the title
    assert any(word.endswith("月") for word in words)  # dates in Chinese: 2月, not Feb
    assert "<title>每星期的使用日</title>" in use_days
    assert "棒形圖「每星期的使用日」" in use_days  # the text alternative in <desc>
    assert font_families(use_days) == {"'DejaVu Sans', 'Noto Sans CJK TC', sans-serif"}


def test_each_language_names_its_own_regional_family() -> None:
    families = {
        language: font_families(history_charts_in(language)[0])
        for language in ("zh-Hant-HK", "zh-Hans")
    }
    assert families["zh-Hant-HK"] == {"'DejaVu Sans', 'Noto Sans CJK HK', sans-serif"}
    assert families["zh-Hans"] == {"'DejaVu Sans', 'Noto Sans CJK SC', sans-serif"}
    assert "每周的使用日" in texts(history_charts_in("zh-Hans")[0])


def test_english_charts_keep_dejavu_alone_and_the_same_bytes() -> None:
    english = history_charts_in("en")
    assert font_families(english[0]) == {"'DejaVu Sans', sans-serif"}
    assert "use-days" in texts(english[0])
    with use_language("zh-Hant"):
        weekly_bars_chart(WEEKS, [1.0] * 8, title="每星期", ylabel="日數")
    assert history_charts_in("en") == english  # drawing Chinese left nothing behind


def test_questionnaire_and_stage_charts_use_the_translated_labels() -> None:
    records = [questionnaire(3, "phq9", [2, 2, 1, 2, 1, 1, 1, 1, 0])]
    with use_language("zh-Hant"):
        (scores,) = questionnaire_charts(records, zone=UTC)
        stages = stage_chart([(date(2026, 1, 4), "regular")], {"regular": "經常使用"})
    assert scores.heading == "PHQ-9 分數"
    assert scores.chart is not None
    assert "總分" in texts(scores.chart.svg) and "中度" in texts(scores.chart.svg)
    assert "每星期結束時的階段" in texts(stages.svg)
    assert "經常使用" in texts(stages.svg)


def test_the_body_timeline_names_tolerance_in_chinese_and_taiwan_names_ketamine_its_way() -> None:
    doses = DoseHistory(
        np.array([20.0, 44.0]), np.array([60.0, 60.0]), np.array(["intranasal"] * 2)
    )
    timeline = history_timeline(doses, 72.0)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with use_language("zh-Hant-TW"):
        chart = body_timeline_chart(timeline, start=start, zone=UTC)
    words = texts(chart.svg)
    assert "每週愷他命暴露量" in words
    assert "模型中的耐受性（等級，不是量度數值）" in words
    assert {"沒有", "中等", "高", "上限"} <= set(words)

"""The body section of the assessment, and that nothing in it reads as dose advice."""

from __future__ import annotations

import re

from rich.console import Console

from histories import end_of, profile, use, uses_on
from ketpath.core.assess import assess
from ketpath.terminal import render_assessment


def test_there_is_no_body_section_without_an_amount():
    assert assess(uses_on(range(10)), end_of(10)).body is None


def test_the_body_section_reports_exposure_tolerance_and_trend():
    records = [profile(weight_kg=60), *uses_on(range(0, 60), dose_mg=100, route="intranasal")]
    body = assess(records, end_of(59)).body
    assert body is not None
    assert body["exposure_30d_ng_h_ml"] > body["exposure_7d_ng_h_ml"] > 0
    assert body["tolerance"]["pk"] > 0 and body["tolerance"]["pd"] > 0
    assert body["trend"] == "stable"
    assert (body["weight_kg"], body["weight_assumed"]) == (60, False)


def test_exposure_is_zero_a_month_after_stopping_and_tolerance_fades():
    records = uses_on(range(0, 60), dose_mg=100, route="intranasal")
    at_stop = assess(records, end_of(59)).body
    later = assess(records, end_of(120)).body
    assert at_stop is not None and later is not None
    assert later["exposure_30d_ng_h_ml"] == 0
    assert later["tolerance"]["pd"] < at_stop["tolerance"]["pd"]


def test_assumptions_are_counted():
    records = [use(1, dose_mg=50), use(2, dose_mg=50, route="oral"), use(3)]
    body = assess(records, end_of(5)).body
    assert body is not None
    assert (body["doses_counted"], body["uses_without_amount"], body["routes_assumed"]) == (2, 1, 1)
    assert body["weight_assumed"] is True


def test_the_report_never_tells_anyone_how_much_to_take():
    records = [*uses_on(range(0, 60), dose_mg=150, route="intranasal")]
    console = Console(record=True, width=120)
    render_assessment(assess(records, end_of(59)), console)
    text = console.export_text().lower()
    assert "never a reason to take more" in text
    advice = re.compile(
        r"\b(you (should|can|could) take|take (more|less|up to|no more than)|safe dose|recommended dose|\d+ ?mg (is|would be) (safe|enough))\b"
    )
    assert not advice.search(text.replace("never a reason to take more", ""))

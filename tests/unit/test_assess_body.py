"""The body section of the assessment, and that nothing in it reads as a dose."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console

from histories import end_of, profile, use, uses_on
from ketpath.core.assess import assess
from ketpath.core.assess.body_reading import body_sentences
from ketpath.core.records import Record
from ketpath.knowledge import claims
from ketpath.knowledge.body import body as body_knowledge
from ketpath.present.terminal import render_assessment

#: A percentage, a multiplier ("3x", "3×", "x3", "times") or a bare decimal: none
#: of these may describe tolerance or effect to a person.
NUMBER_AS_DOSE = re.compile(r"%|×|\b\d+(\.\d+)?\s*x\b|\bx\s*\d|\btimes\b|\d\.\d")


def daily_heavy_use_then_a_break() -> list[Record]:
    return [profile(weight_kg=70), *uses_on(range(0, 120), dose_mg=400, route="intranasal")]


def report_text(records: Sequence[Record], as_of: datetime) -> str:
    console = Console(record=True, width=120)
    render_assessment(assess(records, as_of), console)
    return console.export_text()


def test_there_is_no_body_section_without_an_amount() -> None:
    assert assess(uses_on(range(10)), end_of(10)).body is None


def test_the_body_section_gives_the_exposure_trend_and_tolerance_in_words() -> None:
    # 350 mg snorted: 100 mg at the former intranasal bioavailability (0.45; now 0.13)
    records = [profile(weight_kg=60), *uses_on(range(0, 60), dose_mg=350, route="intranasal")]
    body = assess(records, end_of(59)).body
    assert body is not None
    assert body["exposure_trend"] == "stable"
    assert body["tolerance"] == {"level": "high", "direction": "steady"}
    assert body["after_a_break"] is None
    assert (body["weight_kg"], body["weight_assumed"]) == (60, False)


def test_the_body_section_holds_no_tolerance_or_exposure_figure() -> None:
    body = assess(daily_heavy_use_then_a_break(), end_of(119)).body
    assert body is not None
    assert set(body["tolerance"]) == {"level", "direction"}
    assert not any(key.startswith("exposure_") and key != "exposure_trend" for key in body)
    assert not NUMBER_AS_DOSE.search(json.dumps(body["tolerance"]))


def test_tolerance_reads_as_rising_when_use_begins() -> None:
    records = uses_on(range(0, 5), dose_mg=100, route="intranasal")
    body = assess(records, end_of(4)).body
    assert body is not None
    assert body["tolerance"]["direction"] == "rising"


def test_tolerance_falls_with_abstinence_and_reads_low_after_a_long_break() -> None:
    # The recovery example's pattern: months of heavy daily use, then 39 days
    # without use. Tolerance must fall with its time constants (body.toml).
    records = daily_heavy_use_then_a_break()
    at_stop = assess(records, end_of(119)).body
    a_week_on = assess(records, end_of(126)).body
    long_break = assess(records, end_of(119 + 39)).body
    assert at_stop is not None and a_week_on is not None and long_break is not None
    assert at_stop["tolerance"]["level"] == "high"
    assert a_week_on["tolerance"]["direction"] == "falling"
    assert long_break["tolerance"] == {"level": "low", "direction": "falling"}
    assert long_break["exposure_trend"] == "none"


def test_after_a_break_the_message_says_a_usual_amount_is_now_more_dangerous() -> None:
    records = daily_heavy_use_then_a_break()
    assessment = assess(records, end_of(119 + 39))
    assert assessment.body is not None
    after = assessment.body["after_a_break"]
    claim = claims()["tolerance-loss-after-break"]
    assert after == {
        "days": 39,
        "claim": claim.id,
        "grade": claim.grade,
        "sources": list(claim.sources),
    }
    assert after["days"] == assessment.days_since_last_use
    sentence = body_sentences(assessment.body)["after_a_break"]
    assert sentence is not None
    assert "39 days" in sentence
    assert "more dangerous than before" in sentence
    assert "overdose" in sentence


def test_the_after_a_break_message_is_in_the_terminal_report_with_its_grade() -> None:
    text = report_text(daily_heavy_use_then_a_break(), end_of(119 + 39))
    assert "more dangerous than before" in text
    assert "Evidence grade C" in text  # the claim tolerance-loss-after-break


def test_there_is_no_after_a_break_message_within_the_threshold() -> None:
    records = daily_heavy_use_then_a_break()
    days = int(body_knowledge().tolerance.reading.break_days.value)
    body = assess(records, end_of(119 + days - 1)).body
    assert body is not None and body["after_a_break"] is None
    body = assess(records, end_of(119 + days)).body
    assert body is not None and body["after_a_break"] is not None


def test_there_is_no_after_a_break_message_without_a_period_of_tolerance() -> None:
    # Two small uses long ago never built tolerance beyond "low".
    records = [use(0, dose_mg=20, route="oral"), use(30, dose_mg=20, route="oral")]
    body = assess(records, end_of(90)).body
    assert body is not None
    assert body["after_a_break"] is None


def test_assumptions_are_counted() -> None:
    records = [use(1, dose_mg=50), use(2, dose_mg=50, route="oral"), use(3)]
    body = assess(records, end_of(5)).body
    assert body is not None
    assert (body["doses_counted"], body["uses_without_amount"], body["routes_assumed"]) == (2, 1, 1)
    assert body["weight_assumed"] is True


def test_no_person_facing_body_text_has_a_percentage_or_multiplier() -> None:
    records = daily_heavy_use_then_a_break()
    for as_of in (end_of(3), end_of(119), end_of(126), end_of(119 + 39)):
        assessment = assess(records, as_of)
        assert assessment.body is not None
        words = body_sentences(assessment.body)
        for name in ("after_a_break", "exposure", "tolerance"):
            assert not NUMBER_AS_DOSE.search(words[name] or ""), (name, words[name])
        panel = report_text(records, as_of).split("What the doses did")[1]
        assert not NUMBER_AS_DOSE.search(panel.split("Evidence grade C")[0]), panel


def test_the_report_never_tells_anyone_how_much_to_take() -> None:
    records = [*uses_on(range(0, 60), dose_mg=150, route="intranasal")]
    text = report_text(records, end_of(59)).lower()
    assert "never a reason to take more" in text
    advice = re.compile(
        r"\b(you (should|can|could) take|take (more|less|up to|no more than)|safe dose|recommended dose|\d+ ?mg (is|would be) (safe|enough))\b"
    )
    assert not advice.search(text.replace("never a reason to take more", ""))

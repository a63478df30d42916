"""The PDF summary: it renders, puts the red flags first, grades every claim, and looks right.

Text is read back with pypdf. Pages are turned into PNGs with poppler's
``pdftoppm`` (Debian package ``poppler-utils``) in the test's temporary folder,
never in the work tree (pytest keeps the last three runs' folders, so a person
can still look at them); that test is skipped when ``pdftoppm`` is missing.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from histories import at, questionnaire, record, symptom, uses_on
from ketpath.core.contingency import ContingencySettings, ContingencyState, schedule
from ketpath.core.records import DrugScreen, Record
from ketpath.interop.report import render_report, report_data
from ketpath.services.read import Period, PersonView, view_of

PERIOD_START = date(2026, 1, 1)
PERIOD_END = date(2026, 3, 31)
GENERATED = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PLAN = {
    "triggers": ["payday", "Friday nights"],
    "coping_steps": ["walk to the river"],
    "people_to_call": ["Sam 07700 900123"],
    "reasons": ["my bladder"],
}


def screens() -> list[Record]:
    results = ["negative"] * 6 + ["positive"] + ["negative"] * 7 + ["invalid", "negative"]
    return [
        record("drug-screen", at(44 + 3 * i, 10), result=result, method="urine")
        for i, result in enumerate(results)
    ]


def history() -> list[Record]:
    """Near-daily use until mid-February, treatment with CM after, and blood in the urine."""
    return [
        record("profile", timezone="Europe/London"),
        *uses_on(range(0, 42), hour=22, dose_mg=80, route="intranasal", setting="home-alone"),
        *uses_on([50, 61], hour=22, dose_mg=60, route="intranasal", setting="party"),
        symptom(80, "urinary-frequency"),
        symptom(86, "blood-in-urine"),
        questionnaire(40, "phq9", [2, 2, 1, 2, 1, 1, 1, 1, 0]),
        questionnaire(75, "phq9", [1, 1, 1, 1, 0, 1, 0, 0, 0]),
        *screens(),
    ]


def contingency_state(records: list[Record]) -> ContingencyState:
    taken = [r for r in records if isinstance(r, DrugScreen)]
    return schedule(taken, ContingencySettings.defaults(), start=at(43, 9), as_of=GENERATED)


def view(
    records: list[Record],
    *,
    period_start: date = PERIOD_START,
    period_end: date = PERIOD_END,
    generated_at: datetime = GENERATED,
) -> PersonView:
    """The person's view for the period, as ``services.read`` gives it to the report."""
    period = Period(start=period_start, end=period_end)
    return view_of(records, now=generated_at, period=period)


def render(records: list[Record], **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "plan": PLAN,
        "contingency_state": contingency_state(records),
        **overrides,
    }
    plan, state = arguments.pop("plan"), arguments.pop("contingency_state")
    return render_report(view(records, **arguments), plan=plan, contingency_state=state)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render(history())


@pytest.fixture(scope="module")
def text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_it_is_a_pdf_of_a_few_pages(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    assert 3 <= len(PdfReader(io.BytesIO(pdf)).pages) <= 10


def test_the_red_flags_come_before_everything_else(text: str) -> None:
    body = flat(text)
    flag = body.index("Blood in urine logged 3 days ago")
    assert body.index("Red flags") < flag < body.index("Where things stood")
    assert flag < body.index("Signals at the end of the period")
    assert flag < body.index("Drug screens and rewards")
    assert "999" in body[: body.index("Where things stood")]  # the UK emergency number


def test_it_names_the_period_and_says_it_gives_no_dose_advice(text: str) -> None:
    body = flat(text)
    assert "01 Jan 2026 to 31 Mar 2026" in body
    assert "never tells anyone how much to take" in body


def test_it_shows_the_rewards_and_the_schedule_with_its_sources(text: str) -> None:
    body = flat(text)
    assert "Drug screens and rewards" in body
    assert "Value of the first negative screen" in body
    assert "$2.50" in body
    assert "Higgins ST" in body
    assert "reset to the start value" in body


def test_it_shows_the_plan_and_the_questionnaires(text: str) -> None:
    body = flat(text)
    assert "walk to the river" in body
    assert "PHQ-9" in body


def test_the_body_model_is_left_out_so_no_blood_levels_appear(text: str) -> None:
    assert "ng/mL" not in text
    assert "ng·h/mL" not in text


def _graded_items(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "grade" in node:
            yield node
        for value in node.values():
            yield from _graded_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _graded_items(value)


def test_every_graded_statement_carries_numbered_sources_that_are_listed() -> None:
    records = history()
    data = report_data(view(records), plan=PLAN, contingency_state=contingency_state(records))
    graded = list(_graded_items(data))
    assert len(graded) > 20
    listed = {source["number"] for source in data["sources"]}
    for item in graded:
        if "refs" in item:
            assert item["refs"], item
            assert set(item["refs"]) <= listed
    for section in ("red_flags", "signals"):
        assert all(item["refs"] for item in data[section])


def test_stage_over_time_has_one_point_per_week_of_the_period() -> None:
    records = history()
    data = report_data(view(records), plan=None, contingency_state=None)
    # 2026-01-01 is a Thursday: the weeks end on Sundays from 4 January, and the
    # last point is the period's end (13 whole weeks and the days after).
    alt = data["stage_chart"]["alt"]
    assert "the stage at the end of each of 14 weeks from 2026-01-04 to 2026-03-31:" in alt


def test_an_empty_history_still_renders_and_says_there_is_nothing(tmp_path: Path) -> None:
    pdf = render_report(view([]), plan=None, contingency_state=None)
    body = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "No red flags at the end of this period" in body
    assert "No drug screens and no reward schedule" in body
    assert "No plan has been written yet" in body


def test_the_same_inputs_give_the_same_bytes(pdf: bytes) -> None:
    assert render(history()) == pdf


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        render([], period_start=PERIOD_END, period_end=PERIOD_START, contingency_state=None)


def test_a_period_wholly_in_the_future_is_refused() -> None:
    later = GENERATED.date() + timedelta(days=10)
    with pytest.raises(ValueError, match="after the report is generated"):
        render([], period_start=later, period_end=later, contingency_state=None)


def test_text_from_records_is_shown_as_text_not_typst_markup() -> None:
    plan = {"reasons": ['#panic("x") *bold* $x$ <label> @ref #{1+1}']}
    pdf = render([], plan=plan, contingency_state=None)
    body = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert '#panic("x")' in body


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_the_pages_turn_into_pictures(pdf: bytes, tmp_path: Path) -> None:
    (tmp_path / "summary.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(tmp_path / "summary.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    assert all(page.stat().st_size > 5_000 for page in pages)

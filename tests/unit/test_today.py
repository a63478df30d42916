"""The Today cards as pure functions: days counted in the person's zone, milestones, weeks, questionnaires."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ketpath.core.records import Goal, Questionnaire, Record, Use
from ketpath.knowledge import KnowledgeError, load
from ketpath.present.today import day_count, questionnaires_due, today_view, weeks

BERLIN = ZoneInfo("Europe/Berlin")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
# Monday 30 November 2026, noon in Berlin.
NOW = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def use(moment: datetime) -> Use:
    return Use(time=moment)


def days_ago(days: int, hour: int = 12) -> datetime:
    """``days`` local days before NOW, at ``hour`` in Berlin."""
    day = NOW.astimezone(BERLIN).date() - timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(UTC)


def stop_goal(until: date | None = None) -> Goal:
    return Goal(time=days_ago(40), goal="stop", until=until)


def view(records: list[Record], zone: ZoneInfo = BERLIN) -> dict:  # type: ignore[type-arg]
    return today_view(records, zone=zone, now=NOW)


# ---------------------------------------------------------------- the counter


def test_with_no_use_there_is_no_count_and_no_milestone() -> None:
    counter = view([stop_goal()])["counter"]
    assert counter["days"] is None
    assert counter["headline"] == "No use logged."
    assert "milestone" not in counter


def test_a_use_today_counts_zero_days_and_says_the_count_starts_again() -> None:
    counter = view([stop_goal(), use(days_ago(0, hour=8))])["counter"]
    assert counter["days"] == 0
    assert counter["headline"] == "Your last use was today."
    assert counter["milestone"] is None
    assert counter["lapse"] == "A use was logged today. The count starts from here."
    assert counter["next_milestone"]["text"] == "Next milestone: 1 day, in 1 day."


def test_a_milestone_reached_is_named_with_the_next_one_ahead() -> None:
    counter = view([stop_goal(), use(days_ago(8))])["counter"]
    assert counter["headline"] == "8 days since your last use."
    assert counter["milestone"]["text"] == "7 days: A whole week."
    assert counter["next_milestone"]["text"] == "Next milestone: 14 days, in 6 days."
    assert "lapse" not in counter
    assert counter["evidence"]["grade"] == "C"
    assert {s["id"] for s in counter["evidence"]["sources"]} >= {"marlatt-gordon-1985"}


def test_after_the_last_milestone_there_is_none_ahead() -> None:
    counter = view([stop_goal(), use(days_ago(400))])["counter"]
    assert counter["milestone"]["days"] == 365
    assert counter["next_milestone"] is None


def test_a_lapse_after_a_ten_day_run_names_the_run_and_restarts_the_count() -> None:
    records: list[Record] = [stop_goal(), use(days_ago(10)), use(days_ago(0))]
    counter = view(records)["counter"]
    assert counter["days"] == 0
    assert counter["lapse"] == (
        "A use starts the count again. The days before it still count:"
        " your longest run so far is 10 days."
    )
    words = " ".join([counter["headline"], counter["lapse"], counter["next_milestone"]["text"]])
    assert "fail" not in words.lower() and "relapse" not in words.lower()


def test_the_longest_run_is_named_until_the_current_one_passes_it() -> None:
    earlier: list[Record] = [stop_goal(), use(days_ago(15)), use(days_ago(5))]
    assert "is 10 days." in view(earlier)["counter"]["lapse"]
    assert day_count(earlier, zone=BERLIN, now=NOW).longest_earlier == 10
    equal: list[Record] = [stop_goal(), use(days_ago(20)), use(days_ago(10))]
    assert "lapse" not in view(equal)["counter"]  # 10 days now, 10 before: not longer


def test_a_use_at_half_past_eleven_at_night_belongs_to_that_local_day() -> None:
    # 23:30 on Sunday 29 November in Hong Kong is 15:30 UTC: the same UTC day as 17:00 UTC,
    # which is already Monday 30 November (01:00) in Hong Kong.
    late = datetime(2026, 11, 29, 23, 30, tzinfo=HONG_KONG)
    now = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert day_count([use(late)], zone=HONG_KONG, now=now).days == 1
    assert day_count([use(late)], zone=UTC, now=now).days == 0


def test_without_a_goal_only_the_counter_is_shown() -> None:
    counter = view([use(days_ago(8))])["counter"]
    assert counter["headline"] == "8 days since your last use."
    assert counter["goal"] is None
    assert "milestone" not in counter and "lapse" not in counter


def test_a_goal_with_a_date_says_how_many_days_are_left() -> None:
    until = NOW.date() + timedelta(days=20)
    goal = view([stop_goal(until), use(days_ago(3))])["counter"]["goal"]
    assert goal["text"] == f"Your goal: stop until {until.strftime('%d %b %Y')}, 20 days from now."
    passed = view([stop_goal(NOW.date() - timedelta(days=2))])["counter"]["goal"]
    assert passed["text"].startswith("Your goal was to stop until")


def test_uses_after_now_are_not_counted() -> None:
    assert day_count([use(NOW + timedelta(hours=1))], zone=BERLIN, now=NOW).days is None


# ---------------------------------------------------------------- this week against last


def test_weeks_start_on_monday_in_the_persons_zone() -> None:
    records: list[Record] = [
        use(days_ago(0, hour=9)),  # Monday 30 Nov: this week
        use(days_ago(0, hour=10)),
        use(days_ago(1)),  # Sunday 29 Nov: last week
        use(days_ago(7)),  # Monday 23 Nov: last week
        use(days_ago(8)),  # Sunday 22 Nov: the week before, not counted
        # 00:30 Monday in Berlin is 23:30 Sunday in UTC: this week in Berlin.
        use(datetime(2026, 11, 30, 0, 30, tzinfo=BERLIN)),
    ]
    this_week, last_week = weeks(records, zone=BERLIN, now=NOW)
    assert (this_week.use_days, this_week.uses) == (1, 3)
    assert (last_week.use_days, last_week.uses) == (2, 2)
    words = view(records)["week"]
    assert words["use_days"] == "1 use-day this week, 2 last week."
    assert words["uses"] == "3 uses this week, 2 last week."


# ---------------------------------------------------------------- the next questionnaire


def answered(instrument: str, moment: datetime) -> Questionnaire:
    answers = {"phq9": (0,) * 9, "gad7": (0,) * 7}[instrument]
    return Questionnaire(time=moment, instrument=instrument, answers=answers)


def test_a_questionnaire_never_answered_is_due_now() -> None:
    due = questionnaires_due([], zone=BERLIN, now=NOW, every_days={"phq9": 14, "gad7": 14})
    assert [(d.instrument_id, d.on, d.answered) for d in due] == [
        ("phq9", NOW.date(), False),
        ("gad7", NOW.date(), False),
    ]


def test_the_next_questionnaire_is_the_one_due_soonest_after_its_recall_period() -> None:
    records: list[Record] = [answered("phq9", days_ago(9)), answered("gad7", days_ago(3))]
    due = questionnaires_due(records, zone=BERLIN, now=NOW, every_days={"phq9": 14, "gad7": 14})
    assert [(d.instrument_id, (d.on - NOW.date()).days) for d in due] == [("phq9", 5), ("gad7", 11)]


def test_today_names_the_questionnaires_due_now_with_links_else_the_next() -> None:
    fresh = view([])["questionnaire"]
    assert [row["name"] for row in fresh["due_now"]][:2] == ["PHQ-9", "GAD-7"]
    records: list[Record] = [answered("phq9", days_ago(9)), answered("gad7", days_ago(3))]
    every = {"phq9": 14, "gad7": 14}
    due = questionnaires_due(records, zone=BERLIN, now=NOW, every_days=every)
    from ketpath.present.today import questionnaire_due_view

    shown = questionnaire_due_view(due, today_local=NOW.date())
    assert shown["due_now"] == []
    assert shown["next"] == {"id": "phq9", "name": "PHQ-9", "text": "due Sat 05 Dec (in 5 days)"}


# ---------------------------------------------------------------- the knowledge file


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    load.today.cache_clear()
    copy = tmp_path / "knowledge"
    shutil.copytree(load.KNOWLEDGE_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(load, "KNOWLEDGE_DIR", copy)
    yield copy
    load.today.cache_clear()


def _refused(directory: Path, old: str, new: str) -> str:
    path = directory / "today.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load.today()
    return str(raised.value)


def test_the_milestones_are_the_issues_days_with_a_grade_and_sources() -> None:
    milestones = load.today().milestones
    assert [step.days for step in milestones.steps] == [1, 3, 7, 14, 30, 90, 365]
    assert milestones.grade and milestones.sources


def test_an_unknown_key_is_refused(knowledge_dir: Path) -> None:
    message = _refused(knowledge_dir, "used_today =", "used_todya = 'x'\nused_today =")
    assert "knowledge/today.toml" in message and "used_todya" in message


def test_a_missing_key_is_refused(knowledge_dir: Path) -> None:
    message = _refused(
        knowledge_dir,
        'grade = "C"\nsources = ["ketpath-defaults", "marlatt',
        'sources = ["ketpath-defaults", "marlatt',
    )
    assert "milestones.grade" in message


def test_milestones_out_of_order_are_refused(knowledge_dir: Path) -> None:
    assert "rise" in _refused(knowledge_dir, "days = 3\n", "days = 30\n")


def test_an_unknown_instrument_or_source_is_refused(knowledge_dir: Path) -> None:
    assert "unknown instrument 'phq99'" in _refused(knowledge_dir, "phq9 = 14", "phq99 = 14")


def test_a_lapse_text_without_the_longest_run_is_refused(knowledge_dir: Path) -> None:
    assert "{longest}" in _refused(knowledge_dir, "is {longest}.", "is long.")


def test_a_cut_down_goal_is_named_in_the_vocabularys_words() -> None:
    goal = Goal(time=days_ago(5), goal="cut-down", until=NOW.date())
    counter = view([goal, use(days_ago(2))])["counter"]
    assert counter["goal"]["text"] == (
        f"Your goal: cut down until {NOW.date().strftime('%d %b %Y')}, which is today."
    )
    assert counter["milestone"]["text"] == "1 day: One day. A first step."


def test_a_lapse_text_naming_another_field_is_refused(knowledge_dir: Path) -> None:
    assert "only {longest}" in _refused(knowledge_dir, "is {longest}.", "is {longest} {days}.")

"""The Today cards are worked out once per stored history, day and language (issue 16.3).

Each test asks ``services.today_cache.today_cards`` for the cards of a view
and compares what they say with the cards worked out afresh from the same
records at the same moment: a kept answer must never differ from a fresh one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ketpath.core.records import Goal, Profile, Record, Use
from ketpath.present.i18n import use_language
from ketpath.present.today import today_view
from ketpath.services.read import PersonView, view_of
from ketpath.services.today_cache import TodayCache, today_cards
from ketpath.store import Person

NOON = datetime(2026, 3, 10, 4, tzinfo=UTC)  # noon in Hong Kong
PROFILE = Profile(timezone="Asia/Hong_Kong")


def _view(records: list[Record], *, now: datetime, version: int = 1) -> PersonView:
    """A view as read from the store: the person's row gives it a version."""
    row = Person(id=7, name="p", created_at=NOON - timedelta(days=400), records_version=version)
    return view_of([PROFILE, *records], now=now, stored_as=row)


def _fresh(view: PersonView) -> dict[str, Any]:
    return today_view(view.records, zone=view.zone, now=view.now)


def test_a_second_view_of_the_same_history_and_day_is_answered_the_same() -> None:
    cache = TodayCache()
    records: list[Record] = [Goal(time=NOON - timedelta(days=30), goal="stop")]
    records.append(Use(time=NOON - timedelta(days=8)))
    first = today_cards(_view(records, now=NOON), cache=cache)
    later = _view(records, now=NOON + timedelta(hours=3))
    second = today_cards(later, cache=cache)
    assert second["counter"]["headline"] == "8 days since your last use."
    assert second == first == _fresh(later)
    assert second is first  # kept, not worked out again


def test_a_new_record_is_counted_at_once() -> None:
    cache = TodayCache()
    records: list[Record] = [Use(time=NOON - timedelta(days=8))]
    assert today_cards(_view(records, now=NOON), cache=cache)["counter"]["headline"] == (
        "8 days since your last use."
    )
    records.append(Use(time=NOON - timedelta(days=2)))
    after = today_cards(_view(records, now=NOON, version=2), cache=cache)
    assert after["counter"]["headline"] == "2 days since your last use."


def test_the_next_local_day_counts_one_more_day() -> None:
    cache = TodayCache()
    records: list[Record] = [Use(time=NOON - timedelta(days=8))]
    today_cards(_view(records, now=NOON), cache=cache)
    # 00:30 the next day in Hong Kong: the same stored history, another local day.
    tomorrow = _view(records, now=NOON + timedelta(hours=12, minutes=30))
    cards = today_cards(tomorrow, cache=cache)
    assert cards["counter"]["headline"] == "9 days since your last use."
    assert cards == _fresh(tomorrow)


def test_a_record_timed_a_few_minutes_ahead_counts_once_its_time_has_come() -> None:
    cache = TodayCache()
    records: list[Record] = [
        Use(time=NOON - timedelta(days=8)),
        Use(time=NOON + timedelta(minutes=2)),
    ]
    before = today_cards(_view(records, now=NOON), cache=cache)
    assert before["counter"]["headline"] == "8 days since your last use."
    after = today_cards(_view(records, now=NOON + timedelta(minutes=3)), cache=cache)
    assert after["counter"]["headline"] == "Your last use was today."


def test_each_language_gets_the_cards_in_its_own_words() -> None:
    cache = TodayCache()
    records: list[Record] = [Use(time=NOON - timedelta(days=8))]
    view = _view(records, now=NOON)
    for language in ("en", "zh_Hant", "zh_Hans", "en", "zh_Hant"):
        with use_language(language):
            assert today_cards(view, cache=cache) == _fresh(view), language


def test_a_view_of_records_not_read_from_the_store_is_worked_out_each_time() -> None:
    cache = TodayCache()
    view = view_of([PROFILE, Use(time=NOON - timedelta(days=3))], now=NOON)
    assert view.version is None
    assert today_cards(view, cache=cache)["counter"]["headline"] == "3 days since your last use."
    assert len(cache) == 0

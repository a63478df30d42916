"""Money, schedule settings and moments in the words the pages and the PDF share."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency

from ketpath.present.format import (
    WORDING_LOCALE,
    local_date,
    local_time,
    money,
    schedule_setting,
    weekday_and_day,
)

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("12.50"), "GBP", "£12.50"),
        (7, "USD", "$7.00"),
        (3.0, "EUR", "€3.00"),
        (Decimal("1234.5"), "GBP", "£1,234.50"),
        (Decimal("0.00"), "USD", "$0.00"),
    ],
)
def test_money_reads_as_babel_writes_it_in_english(
    amount: Decimal | float, currency: str, shown: str
) -> None:
    assert WORDING_LOCALE == "en"
    assert money(amount, currency, "en") == shown
    assert money(amount, currency, "en") == format_currency(amount, currency, locale="en")


def test_money_follows_the_locale_it_is_given() -> None:
    assert money(Decimal("12.50"), "EUR", "de_DE") == "12,50\xa0€"
    assert money(Decimal("12.50"), "USD", "en_GB") == "US$12.50"


def test_money_settings_of_a_schedule_are_shown_as_money() -> None:
    assert schedule_setting("start_value", Decimal("2.5"), "GBP", "en") == "£2.50"
    assert schedule_setting("bonus_value", 10.0, "USD", "en") == "$10.00"
    assert schedule_setting("max_value", "20", "EUR", "en") == "€20.00"


def test_other_settings_of_a_schedule_are_yes_no_or_as_they_are() -> None:
    assert schedule_setting("reset_on_missed", True, "GBP", "en") == "yes"
    assert schedule_setting("reset_on_missed", False, "GBP", "en") == "no"
    assert schedule_setting("bonus_every", 3, "GBP", "en") == "3"
    assert schedule_setting("invalid", "reset", "GBP", "en") == "reset"


def test_moments_are_shown_in_the_persons_zone() -> None:
    moment = datetime(2026, 11, 29, 11, 30, tzinfo=UTC)  # Monday 00:30 in Auckland
    assert local_time(moment, LONDON) == "Sun 29 Nov 2026, 11:30"
    assert local_time(moment, AUCKLAND) == "Mon 30 Nov 2026, 00:30"
    assert local_date(moment, AUCKLAND) == "30 Nov 2026"
    assert weekday_and_day(moment, LONDON) == "Sun 29 Nov"
    assert weekday_and_day(moment, AUCKLAND) == "Mon 30 Nov"


def test_no_moment_is_a_dash() -> None:
    assert local_date(None, LONDON) == "—"

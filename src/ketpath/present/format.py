"""Money, reward-schedule settings and moments as the reader sees them.

The rewards page, the clinician's schedule form and the PDF summary each had
their own copy of these (issue 13, point 2), with hand-made currency signs.
Money is now formatted by Babel (``babel.numbers.format_currency``, CLDR
data), so the sign, its place, grouping and the decimal mark follow the
locale. The wording around it is English for now, so every caller passes
:data:`WORDING_LOCALE`; a translated page passes its own locale instead.

Times are shown in the person's zone (the caller converts with it); the
formats are the ones the pages and the PDF have always used.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency

from ketpath.core.contingency import MONEY_FIELDS

__all__ = [
    "WORDING_LOCALE",
    "local_date",
    "local_time",
    "money",
    "schedule_setting",
    "weekday_and_day",
]

#: The locale the wording in ``knowledge/`` and the templates is written in.
WORDING_LOCALE = "en"


def money(amount: Decimal | float | int, currency: str, locale: str) -> str:
    """An amount in ``currency`` (ISO 4217) as ``locale`` writes it: "£12.50" in ``en``.

    Babel rounds to the currency's own number of decimals, half to even.
    """
    return format_currency(amount, currency, locale=locale)


def schedule_setting(name: str, value: object, currency: str, locale: str) -> str:
    """One setting of a reward schedule in words: money in its currency, yes or no, or as it is."""
    if name in MONEY_FIELDS:
        return money(Decimal(str(value)), currency, locale)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def babel_locale(language: str) -> Locale:
    """The CLDR locale of a shipped language (BCP 47: ``zh-Hant-HK``)."""
    return Locale.parse(language, sep="-")


def local_time(moment: datetime, zone: tzinfo, language: str = WORDING_LOCALE) -> str:
    """A moment in ``zone`` with its date and time: "Sun 29 Nov 2026, 14:05".

    In another language the date is written as CLDR writes it there (Babel's
    medium date and short time: "2026年11月29日 下午2:05" in ``zh-Hant``).
    """
    local = moment.astimezone(zone)
    if language == WORDING_LOCALE:
        return local.strftime("%a %d %b %Y, %H:%M")
    locale = babel_locale(language)
    pattern = f"{locale.date_formats['medium'].pattern} {locale.time_formats['short'].pattern}"
    return format_datetime(local, pattern, tzinfo=zone, locale=locale)


def local_date(moment: datetime | None, zone: tzinfo) -> str:
    """The day of a moment in ``zone`` ("29 Nov 2026"), or a dash when there is none."""
    return moment.astimezone(zone).strftime("%d %b %Y") if moment else "—"


def weekday_and_day(moment: datetime, zone: tzinfo) -> str:
    """The weekday and day of a moment in ``zone``, without the year: "Sun 29 Nov"."""
    return moment.astimezone(zone).strftime("%a %d %b")

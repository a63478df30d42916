"""Money, reward-schedule settings and moments as the reader sees them.

The rewards page, the clinician's schedule form and the PDF summary each had
their own copy of these (issue 13, point 2), with hand-made currency signs.
Money is now formatted by Babel (``babel.numbers.format_currency``, CLDR
data), so the sign, its place, grouping and the decimal mark follow the
locale. The wording around it is English for now, so every caller passes
:data:`WORDING_LOCALE`; a translated page passes its own locale instead.

Times are shown in the person's zone (the caller converts with it). Dates and
lists are written in the current language (``present.i18n``) unless the
caller names one: in English in the formats the pages and the PDF have always
used, in another language as CLDR writes it there (Babel).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency

from ketpath.core.contingency import MONEY_FIELDS
from ketpath.present.i18n import _, current_language

__all__ = [
    "WORDING_LOCALE",
    "day_month_year",
    "local_date",
    "local_time",
    "money",
    "month_and_year",
    "schedule_setting",
    "weekday_and_day",
    "weekday_day_month",
    "weekday_day_month_year",
    "word_list",
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
        return _("yes") if value else _("no")
    return str(value)


def babel_locale(language: str) -> Locale:
    """The CLDR locale of a shipped language (BCP 47: ``zh-Hant-HK``)."""
    return Locale.parse(language, sep="-")


def local_time(moment: datetime, zone: tzinfo, language: str | None = None) -> str:
    """A moment in ``zone`` with its date and time: "Sun 29 Nov 2026, 14:05".

    In another language the date is written as CLDR writes it there (Babel's
    medium date and short time: "2026年11月29日 下午2:05" in ``zh-Hant``).
    Without ``language``, the current one.
    """
    language = language or current_language()
    local = moment.astimezone(zone)
    if language == WORDING_LOCALE:
        return local.strftime("%a %d %b %Y, %H:%M")
    locale = babel_locale(language)
    pattern = f"{locale.date_formats['medium'].pattern} {locale.time_formats['short'].pattern}"
    return format_datetime(local, pattern, tzinfo=zone, locale=locale)


def day_month_year(day: date, language: str | None = None) -> str:
    """A calendar day: "29 Nov 2026"; "2026年11月29日" in Chinese (CLDR's medium date)."""
    language = language or current_language()
    if language == WORDING_LOCALE:
        return day.strftime("%d %b %Y")
    return format_date(day, "medium", locale=babel_locale(language))


def weekday_day_month(day: date, language: str | None = None) -> str:
    """A calendar day with its weekday, without the year: "Sun 29 Nov"; "11月29日週日"."""
    language = language or current_language()
    if language == WORDING_LOCALE:
        return day.strftime("%a %d %b")
    return format_skeleton("MMMEd", day, locale=babel_locale(language))


def weekday_day_month_year(day: date, language: str | None = None) -> str:
    """A calendar day with its weekday and year: "Sun 29 Nov 2026"; "2026年11月29日週日"."""
    language = language or current_language()
    if language == WORDING_LOCALE:
        return day.strftime("%a %d %b %Y")
    return format_skeleton("yMMMEd", day, locale=babel_locale(language))


def month_and_year(day: date, language: str | None = None) -> str:
    """A month: "March 2026"; "2026年3月" in Chinese."""
    language = language or current_language()
    if language == WORDING_LOCALE:
        return day.strftime("%B %Y")
    return format_skeleton("yMMMM", day, locale=babel_locale(language))


def local_date(moment: datetime | None, zone: tzinfo, language: str | None = None) -> str:
    """The day of a moment in ``zone`` ("29 Nov 2026"), or a dash when there is none."""
    return day_month_year(moment.astimezone(zone).date(), language) if moment else "—"


def weekday_and_day(moment: datetime, zone: tzinfo, language: str | None = None) -> str:
    """The weekday and day of a moment in ``zone``, without the year: "Sun 29 Nov"."""
    return weekday_day_month(moment.astimezone(zone).date(), language)


def word_list(words: Iterable[str], language: str | None = None) -> str:
    """Words as one list: "anxiety, low mood" (lower case, as mid-sentence) or "焦慮、情緒低落".

    English lists are written in lower case because they stand mid-sentence;
    the shipped languages other than English join with "、" (CLDR's list
    pattern for zh) and have no case.
    """
    language = language or current_language()
    if language == WORDING_LOCALE:
        return ", ".join(word.lower() for word in words)
    return "、".join(words)

"""A regional catalog leaves empty what its parent says, plural entries included."""

from __future__ import annotations

from ketpath.present.i18n import ngettext, use_language


def test_hong_kong_takes_a_plural_from_traditional_chinese() -> None:
    with use_language("zh-Hant-HK"):
        assert ngettext("%(num)s day", "%(num)s days", 3) == "3 天"


def test_taiwan_keeps_its_own_plural_where_it_has_one() -> None:
    singular = "%(num)s use-day this week, %(last)s last week."
    plural = "%(num)s use-days this week, %(last)s last week."
    with use_language("zh-Hant-TW"):
        assert ngettext(singular, plural, 2, last=1) == "本週有 2 個使用日，上週 1 個。"
        assert ngettext("%(num)s day", "%(num)s days", 1) == "1 天"

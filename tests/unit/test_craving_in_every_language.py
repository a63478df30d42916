"""``knowledge/craving.toml`` in every shipped language (issue 15): words change, numbers do not."""

from __future__ import annotations

import pytest

from ketpath.knowledge import languages
from ketpath.knowledge.craving import craving_moment


@pytest.mark.parametrize("language", languages.LANGUAGES)
def test_the_craving_defaults_keep_their_values_grades_sources_and_sections(
    language: str,
) -> None:
    english = craving_moment()
    shown = languages.craving(language)
    for name in ("offer_plan", "urge_timer"):
        here, there = getattr(shown, name), getattr(english, name)
        assert (here.value, here.grade, here.sources, here.claims) == (
            there.value,
            there.grade,
            there.sources,
            there.claims,
        )
    assert shown.sections == english.sections  # they name the English page's headings
    assert shown.practical_page == english.practical_page


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hant-HK", "zh-Hant-TW", "zh-Hans"])
def test_the_craving_words_are_chinese_and_name_ketamine_as_the_place_does(
    language: str,
) -> None:
    shown = languages.craving(language)
    assert "minutes" not in shown.urge_timer.label
    assert "渴求" in shown.offer_plan.label
    formal = "愷他命" if language == "zh-Hant-TW" else "氯胺酮"
    assert formal in shown.urge_timer.rationale
    assert languages.craving("en").urge_timer.label == craving_moment().urge_timer.label

"""A signal's label and evidence sentence in a shipped language (``present.views.signal_words``).

The assessment words signals in English; the same numbers fill the translated
template, and the values that are words (frequency bands, drugs, problems,
symptoms) are named again in the language. English is the assessment's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from histories import end_of, impact, symptom, use, uses_on
from ketpath.core.assess import assess
from ketpath.core.assess.signals import Finding
from ketpath.core.records import Record
from ketpath.present.views import signal_words


def signal(signal_id: str, records: Sequence[Record], as_of: datetime) -> Finding:
    (found,) = [s for s in assess(records, as_of).signals if s.id == signal_id]
    return found


def test_frequency_bands_are_named_in_the_language() -> None:
    found = signal(
        "frequency-escalation", uses_on(range(0, 101, 10)) + uses_on(range(86, 101, 2)), end_of(100)
    )
    assert found.evidence == (
        "9 use-days in the last 30 days (weekly), up from 2.7 a month in the 90 days before "
        "(monthly)."
    )
    assert signal_words(found, "zh-Hant") == (
        "使用越來越頻密",
        "過去 30 天有 9 個使用日（每週：每月 4–19 天），之前 90 天則為每月 2.7 天（每月：每月 1–3 天）。",
    )


def test_drugs_and_problems_are_named_in_the_language() -> None:
    drugs = signal("depressant-co-use", [use(10, co_use=["alcohol", "ghb-gbl"])], end_of(20))
    assert signal_words(drugs, "zh-Hant")[1] == "過去 30 天有 1 次與酒精、GHB / GBL一起使用。"
    assert signal_words(drugs, "zh-Hans")[0] == "与抑制剂混合使用"
    problems = signal("functional-impairment", [use(50), impact(95, "money")], end_of(100))
    assert "金錢問題" in signal_words(problems, "zh-Hant")[1]


def test_english_is_the_assessment_own_wording() -> None:
    found = signal("urinary-symptoms", [use(1), symptom(10, "blood-in-urine")], end_of(20))
    assert signal_words(found, "en") == (found.label, found.evidence)
    assert signal_words(found, "zh-Hans")[1] == "过去 30 天记录的膀胱症状：尿中带血。"

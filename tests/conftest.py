"""Fixtures shared by every ring of tests.

``alice_history`` is a realistic person's file in the interchange format: a
profile and every record type, several UTC offsets (a trip abroad, a clock
change), fractional doses, non-ASCII text, lines out of time order. Tests that
need a person's history should start from it rather than invent one.
"""

from __future__ import annotations

import pytest

from ketpath.core.records import Record
from ketpath.interop.jsonl import parse_jsonl

ALICE_HISTORY = """\
{"type":"profile","birth_year":1998,"sex":"female","weight_kg":61.5,"timezone":"Europe/London"}
{"type":"mood","time":"2026-05-13T21:00:00+01:00","score":3}
{"type":"use","time":"2026-03-07T23:40:00+00:00","dose_mg":40,"route":"intranasal","setting":"party","motive":"social","co_use":["alcohol"]}
{"type":"use","time":"2026-03-21T22:15:00+00:00","dose_mg":45,"route":"intranasal","setting":"club","motive":"euphoria","co_use":["alcohol","mdma"]}
{"type":"use","time":"2026-04-04T01:30:00+01:00","dose_mg":50,"route":"intranasal","setting":"with-friends","motive":"social"}
{"type":"mood","time":"2026-04-05T10:00:00+01:00","score":4}
{"type":"use","time":"2026-04-11T21:05:00+01:00","dose_mg":62.5,"route":"intranasal","setting":"home-alone","motive":"cope-stress","note":"after the café shift ☕ — rough week"}
{"type":"use","time":"2026-04-18T20:00:00-04:00","dose_mg":60,"route":"intranasal","setting":"festival","motive":"social","co_use":["cannabis"]}
{"type":"impact","time":"2026-04-20T09:30:00+01:00","kind":"missed-work-or-school"}
{"type":"use","time":"2026-04-24T22:45:00+01:00","dose_mg":75,"route":"oral","setting":"home-alone","motive":"sleep"}
{"type":"craving","time":"2026-04-26T19:00:00+01:00","intensity":6,"trigger":"payday"}
{"type":"goal","time":"2026-04-27T08:00:00+01:00","goal":"cut-down","until":"2026-05-31"}
{"type":"use","time":"2026-05-01T23:10:00+01:00","dose_mg":60,"route":"intranasal","setting":"party","motive":"social","co_use":["alcohol"]}
{"type":"use","time":"2026-05-03T22:30:00+01:00","route":"intranasal","setting":"home-alone","motive":"cope-mood"}
{"type":"symptom","time":"2026-05-04T11:00:00+01:00","symptom":"urinary-frequency","severity":1}
{"type":"symptom","time":"2026-05-05T08:20:00+01:00","symptom":"insomnia","severity":2}
{"type":"questionnaire","time":"2026-05-06T18:00:00+01:00","instrument":"phq9","answers":[1,1,0,2,1,0,0,1,0]}
{"type":"use","time":"2026-05-08T21:00:00+01:00","dose_mg":90,"route":"intranasal","setting":"home-alone","motive":"boredom"}
{"type":"craving","time":"2026-05-09T20:30:00+01:00","intensity":8,"trigger":"boredom"}
{"type":"use","time":"2026-05-10T22:00:00+01:00","dose_mg":100,"route":"intranasal","setting":"home-alone","motive":"relief"}
{"type":"questionnaire","time":"2026-05-11T18:00:00+01:00","instrument":"dsm5-pcp","answers":[1,1,0,1,0,0,1,0,0,0]}
{"type":"drug-screen","time":"2026-05-12T10:15:00+01:00","result":"positive","method":"urine"}
{"type":"mood","time":"2026-05-12T09:15:00+00:00","score":5}
{"type":"symptom","time":"2026-05-12T14:00:00+01:00","symptom":"bladder-pain","severity":2}
"""


@pytest.fixture
def alice_history() -> str:
    """Alice's history as the text of a ``.jsonl`` file (deliberately not sorted)."""
    return ALICE_HISTORY


@pytest.fixture
def alice_records(alice_history: str) -> list[Record]:
    return parse_jsonl(alice_history.splitlines())

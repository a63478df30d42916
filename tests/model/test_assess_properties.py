"""Properties over any valid history: assessment never fails, export round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketpath.core.assess import assess
from ketpath.core.assess.stage import ACTIVE_STAGES
from ketpath.core.instruments import get_instrument
from ketpath.core.records import Record, parse_record
from ketpath.interop.jsonl import dumps_jsonl, parse_jsonl
from ketpath.knowledge import rules, vocabulary

START = datetime(2024, 1, 1, tzinfo=UTC)
vocab = vocabulary()
offsets = st.sampled_from([timezone(timedelta(hours=h)) for h in (-8, -5, 0, 1, 5.5, 9)])
moments = st.builds(
    lambda seconds, zone: (START + timedelta(seconds=seconds)).astimezone(zone),
    st.integers(0, 3 * 365 * 86_400),
    offsets,
)


T = TypeVar("T")


def _maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


@st.composite
def records(draw: st.DrawFn) -> Record:
    kind = draw(
        st.sampled_from(
            ["use", "use", "use", "craving", "symptom", "mood", "impact", "goal", "questionnaire"]
        )
    )
    data: dict[str, object] = {"type": kind, "time": draw(moments).isoformat()}
    if kind == "use":
        data |= {
            "dose_mg": draw(_maybe(st.floats(1, 3000, allow_nan=False).map(lambda x: round(x, 1)))),
            "route": draw(_maybe(st.sampled_from(sorted(vocab.routes)))),
            "setting": draw(_maybe(st.sampled_from(sorted(vocab.settings)))),
            "motive": draw(_maybe(st.sampled_from(sorted(vocab.motives)))),
            "co_use": draw(
                st.lists(st.sampled_from(sorted(vocab.co_use)), unique=True, max_size=3)
            ),
        }
    elif kind == "craving":
        data["intensity"] = draw(st.integers(0, 10))
    elif kind == "symptom":
        data |= {
            "symptom": draw(st.sampled_from(sorted(vocab.symptoms))),
            "severity": draw(st.integers(1, 3)),
        }
    elif kind == "mood":
        data["score"] = draw(st.integers(0, 10))
    elif kind == "impact":
        data["kind"] = draw(st.sampled_from(sorted(vocab.impacts)))
    elif kind == "goal":
        data["goal"] = draw(st.sampled_from(sorted(vocab.goals)))
    else:
        instrument = get_instrument(draw(st.sampled_from(["phq9", "gad7", "dsm5-pcp", "puf"])))
        data |= {
            "instrument": instrument.id,
            "answers": [
                draw(st.sampled_from([o.code for o in item.options])) for item in instrument.items
            ],
        }
    return parse_record({k: v for k, v in data.items() if v is not None})


histories = st.lists(records(), max_size=120)
KNOWN_STAGES = set(ACTIVE_STAGES) | {
    "no-use",
    "early-abstinence",
    "early-remission",
    "sustained-remission",
    "past-use",
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, as_of=moments)
def test_any_valid_history_assesses_without_error(history: list[Record], as_of: datetime) -> None:
    result = assess(history, as_of).to_dict()
    assert result["stage"] in KNOWN_STAGES
    assert result["peak_stage"] is None or result["peak_stage"] in ACTIVE_STAGES
    if result["stage"] in ACTIVE_STAGES:
        assert ACTIVE_STAGES.index(result["peak_stage"]) >= ACTIVE_STAGES.index(result["stage"])
    assert {s["id"] for s in result["signals"]} <= set(rules().signals)
    levels = [flag["level"] for flag in result["red_flags"]]
    assert levels == sorted(levels, key=["emergency", "urgent", "soon"].index)
    assert result["disclaimer"]


@settings(max_examples=150, deadline=None)
@given(history=histories)
def test_export_then_import_round_trips(history: list[Record]) -> None:
    exported = dumps_jsonl(history)
    assert dumps_jsonl(parse_jsonl(exported.splitlines())) == exported
    assert sorted(map(repr, parse_jsonl(exported.splitlines()))) == sorted(map(repr, history))


@settings(max_examples=60, deadline=None)
@given(history=histories, as_of=moments)
def test_the_order_of_records_does_not_change_the_assessment(
    history: list[Record], as_of: datetime
) -> None:
    forward = assess(history, as_of).to_dict()
    backward = assess(list(reversed(history)), as_of).to_dict()
    assert forward == backward

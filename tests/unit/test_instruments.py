"""The generic instrument engine against worked examples, band edges and properties.

Unless a test says otherwise, worked examples are hand-computed from the
published scoring rule of the instrument (cited in each test), not copied from
a published case: the papers give scoring tables, not individual forms.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketpath.core.instruments import (
    InstrumentError,
    Score,
    get_instrument,
    instrument_ids,
    score,
)
from ketpath.knowledge.instruments import Instrument, instruments
from ketpath.knowledge.load import KnowledgeError, sources, validate

ALL_IDS = ("assist", "dast10", "dsm5-pcp", "gad7", "icpi", "icsi", "phq9", "puf", "sds")


# ---------------------------------------------------------------- helpers


def skipped_items(instrument: Instrument, codes: Sequence[int | str]) -> set[str]:
    by_id = dict(zip(instrument.item_ids, codes, strict=True))
    skipped: set[str] = set()
    for rule in instrument.skip_rules:
        if by_id[rule.when] in rule.codes:
            skipped.update(rule.skip)
    return skipped


def answers_for_total(instrument: Instrument, target: int) -> list[int | str] | None:
    """Some valid answer vector scoring exactly ``target``, or None (depth-first, pruned)."""
    items = instrument.items
    rules = instrument.skip_rules

    def search(index: int, so_far: list[int | str], total: int) -> list[int | str] | None:
        if index == len(items):
            return so_far if total == target else None
        item = items[index]
        answered = dict(zip(instrument.item_ids, so_far, strict=False))
        if any(item.id in rule.skip and answered.get(rule.when) in rule.codes for rule in rules):
            return search(index + 1, [*so_far, "-"], total)
        remaining_max = sum(later.max_score for later in items[index + 1 :])
        for option in item.options:
            new_total = total + option.score
            if new_total > target or new_total + remaining_max < target:
                continue
            found = search(index + 1, [*so_far, option.code], new_total)
            if found is not None:
                return found
        return None

    return search(0, [], 0)


@st.composite
def valid_answers(draw: st.DrawFn, instrument_id: str) -> list[int | str]:
    instrument = get_instrument(instrument_id)
    codes: list[int | str] = [
        draw(st.integers(min_value=0, max_value=len(item.options) - 1)) for item in instrument.items
    ]
    skipped = skipped_items(instrument, codes)
    return [
        "-" if item_id in skipped else code
        for item_id, code in zip(instrument.item_ids, codes, strict=True)
    ]


# ---------------------------------------------------------------- the catalogue


def test_it_lists_every_instrument() -> None:
    assert instrument_ids() == ALL_IDS


def test_every_instrument_cites_known_sources_and_matches_its_file() -> None:
    known = sources()
    for instrument_id, instrument in instruments().items():
        assert instrument.id == instrument_id
        assert all(source in known for source in instrument.sources)


def test_unknown_instrument_is_refused_with_the_known_ids() -> None:
    with pytest.raises(InstrumentError, match=r"unknown instrument 'cage'; known: assist, dast10"):
        get_instrument("cage")
    with pytest.raises(InstrumentError) as caught:
        score("cage", [0])
    assert caught.value.item is None
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("instrument_id", "low", "high"),
    [
        ("dsm5-pcp", 0, 10),
        ("assist", 0, 39),
        ("sds", 0, 15),
        ("dast10", 0, 10),
        ("phq9", 0, 27),
        ("gad7", 0, 21),
        ("puf", 0, 35),
        ("icsi", 0, 20),
        ("icpi", 0, 16),
    ],
)
def test_score_ranges_match_the_published_ranges(instrument_id: str, low: int, high: int) -> None:
    instrument = get_instrument(instrument_id)
    assert (instrument.min_total, instrument.max_total) == (low, high)


def test_copyrighted_instruments_ship_no_wording() -> None:
    for instrument in instruments().values():
        if not instrument.licence.wording_reproducible:
            assert all(item.wording is None for item in instrument.items), instrument.id


def test_phq9_and_gad7_carry_their_loinc_codes() -> None:
    phq9, gad7 = get_instrument("phq9"), get_instrument("gad7")
    assert (phq9.loinc.panel, phq9.loinc.total) == ("44249-1", "44261-6")
    assert (gad7.loinc.panel, gad7.loinc.total) == ("69737-5", "70274-6")
    assert all(item.loinc for item in (*phq9.items, *gad7.items))


# ---------------------------------------------------------------- worked examples


def test_phq9_worked_example_with_item9_flag() -> None:
    # Kroenke 2001 rule: sum of 9 items scored 0-3; 10-14 moderate; item 9 > 0 flagged.
    result = score("phq9", [0, 1, 2, 3, 0, 1, 2, 3, 1])
    assert (result.total, result.band, result.band_label) == (13, "moderate", "Moderate")
    assert [flag.id for flag in result.flags] == ["item9"]
    assert result.flags[0].item == "q9"


def test_phq9_item9_flag_is_raised_at_any_total_and_only_when_item9_is_above_zero() -> None:
    assert [f.id for f in score("phq9", [0] * 8 + [1]).flags] == ["item9"]
    assert score("phq9", [0] * 8 + [1]).band == "none-minimal"
    assert score("phq9", [3] * 8 + [0]).flags == ()


def test_gad7_worked_example() -> None:
    # Spitzer 2006 rule: sum of 7 items scored 0-3; 10-14 moderate.
    result = score("gad7", [1, 2, 1, 2, 1, 2, 1])
    assert (result.total, result.band) == (10, "moderate")


def test_assist_worked_example_weekly_user() -> None:
    # ASSIST v3.1 Table 1 weights (Drug Alcohol Depend 2016;166:85): weekly use 4,
    # monthly urge 4, problems once or twice 4, failed roles never 0, concern in
    # the past 3 months 6, failed control earlier 3 -> 21, moderate risk (4-26).
    result = score("assist", [3, 2, 1, 0, 1, 2])
    assert [item.score for item in result.items] == [4, 4, 4, 0, 6, 3]
    assert (result.total, result.band) == (21, "moderate")


def test_assist_daily_use_with_every_problem_scores_the_maximum() -> None:
    result = score("assist", [4, 4, 4, 4, 1, 1])
    assert (result.total, result.band) == (39, "high")


def test_sds_reports_a_score_but_no_band_because_no_ketamine_cut_off_is_validated() -> None:
    # Gossop 1995 rule: 5 items scored 0-3.
    result = score("sds", [1, 2, 1, 3, 2])
    assert result.total == 9
    assert (result.band, result.band_label) == (None, None)
    assert get_instrument("sds").bands == ()
    assert "no validated ketamine cut-off" in (get_instrument("sds").note or "").lower()


def test_dast10_worked_example_with_item3_reversed() -> None:
    # Skinner 1982 rule: yes = 1 except item 3, where no = 1. Here q1, q4, q5 yes,
    # q3 no -> 4, moderate (3-5).
    result = score("dast10", [1, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    assert result.items[2].score == 1
    assert (result.total, result.band) == (4, "moderate")


def test_dast10_item3_reversal() -> None:
    assert score("dast10", [0] * 10).total == 1
    assert score("dast10", [1] * 10).total == 9
    assert score("dast10", [1, 1, 0, 1, 1, 1, 1, 1, 1, 1]).total == 10
    assert score("dast10", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).band == "none"
    assert get_instrument("dast10").item("q3").reversed


def test_dsm5_pcp_counts_criteria_and_is_a_self_check() -> None:
    # DSM-5-TR rule: count of criteria; 4-5 moderate.
    result = score("dsm5-pcp", [1, 1, 0, 1, 0, 0, 0, 0, 1, 1])
    assert (result.total, result.band) == (5, "moderate")
    instrument = get_instrument("dsm5-pcp")
    assert len(instrument.items) == 10
    assert "not a diagnosis" in (instrument.self_check_note or "")
    assert "withdrawal" in (instrument.note or "")


def test_puf_worked_example_with_subscales_and_flag() -> None:
    # Parsons 2002 rule: symptom (1, 2a, 4a, 5, 6, 8, 9) + bother (2b, 4b, 7, 10).
    # 11-14 day voids 2, 3 night voids 3, night bother moderate 2, sexually active
    # 0, pain with sex occasionally 1, avoids never 0, pelvic pain usually 2,
    # moderate pain 2, pain bother usually 2, urgency occasionally 1, mild 1,
    # bother occasionally 1 -> symptom 12, bother 5, total 17 (>= 10 flagged).
    result = score("puf", [2, 3, 2, 1, 1, 0, 2, 2, 2, 1, 1, 1])
    assert result.subscales == {"symptom": 12, "bother": 5}
    assert result.total == 17
    assert [flag.id for flag in result.flags] == ["suggests-ic"]
    assert result.band is None


def test_icsi_and_icpi_worked_examples() -> None:
    # O'Leary 1997 rule: ICSI items 0-5 (pain item 0, 2, 3, 4, 5), ICPI items 0-4.
    icsi = score("icsi", [3, 4, 2, 2])
    assert icsi.total == 3 + 4 + 2 + 3
    assert [flag.id for flag in icsi.flags] == ["suspicion"]
    assert score("icpi", [1, 1, 1, 2]).total == 5
    assert score("icpi", [1, 1, 1, 2]).flags == ()


@pytest.mark.parametrize(
    ("instrument_id", "flag_id", "threshold"),
    [("puf", "suggests-ic", 10), ("icsi", "suspicion", 6), ("icpi", "suspicion", 6)],
)
def test_total_flags_switch_on_exactly_at_their_threshold(
    instrument_id: str, flag_id: str, threshold: int
) -> None:
    instrument = get_instrument(instrument_id)
    for total in (threshold - 1, threshold, threshold + 1):
        answers = answers_for_total(instrument, total)
        assert answers is not None, total
        result = score(instrument_id, answers)
        assert result.total == total
        assert (flag_id in {flag.id for flag in result.flags}) == (total >= threshold)


# ---------------------------------------------------------------- band edges


def _band_edges() -> list[tuple[str, int, str]]:
    cases: list[tuple[str, int, str]] = []
    for instrument_id in ALL_IDS:
        instrument = get_instrument(instrument_id)
        for band in instrument.bands:
            for edge in (band.min, band.max):
                for total in (edge - 1, edge, edge + 1):
                    # Some totals cannot occur (ASSIST has no 1 or 2); those have no edge.
                    if answers_for_total(instrument, total) is not None:
                        expected = next(b.id for b in instrument.bands if b.min <= total <= b.max)
                        cases.append((instrument_id, total, expected))
    return sorted(set(cases))


@pytest.mark.parametrize(("instrument_id", "total", "expected_band"), _band_edges())
def test_band_edges_one_below_at_and_one_above(
    instrument_id: str, total: int, expected_band: str
) -> None:
    answers = answers_for_total(get_instrument(instrument_id), total)
    assert answers is not None, f"no answers reach {total}"
    result = score(instrument_id, answers)
    assert (result.total, result.band) == (total, expected_band)


@pytest.mark.parametrize(
    ("instrument_id", "edges"),
    [
        ("dsm5-pcp", {1: "none", 2: "mild", 3: "mild", 4: "moderate", 5: "moderate", 6: "severe"}),
        ("assist", {3: "low", 4: "moderate", 26: "moderate", 27: "high"}),
        (
            "dast10",
            {
                0: "none",
                1: "low",
                2: "low",
                3: "moderate",
                5: "moderate",
                6: "substantial",
                8: "substantial",
                9: "severe",
            },
        ),
        (
            "phq9",
            {
                4: "none-minimal",
                5: "mild",
                9: "mild",
                10: "moderate",
                14: "moderate",
                15: "moderately-severe",
                19: "moderately-severe",
                20: "severe",
            },
        ),
        (
            "gad7",
            {4: "minimal", 5: "mild", 9: "mild", 10: "moderate", 14: "moderate", 15: "severe"},
        ),
    ],
)
def test_published_cut_points(instrument_id: str, edges: dict[int, str]) -> None:
    instrument = get_instrument(instrument_id)
    for total, band_id in edges.items():
        answers = answers_for_total(instrument, total)
        assert answers is not None
        assert score(instrument_id, answers).band == band_id, total


# ---------------------------------------------------------------- ASSIST skip logic


def test_assist_never_used_skips_q3_to_q5() -> None:
    result = score("assist", [0, "-", "-", "-", 0, 2])
    assert result.total == 3
    assert result.band == "low"
    assert [(item.code, item.score) for item in result.items[1:4]] == [("-", None)] * 3
    assert result.to_dict()["items"][1] == {"id": "q3", "code": "-", "score": None}


def test_assist_answering_q3_when_q2_is_never_is_refused() -> None:
    with pytest.raises(InstrumentError) as caught:
        score("assist", [0, 1, "-", "-", 0, 0])
    assert str(caught.value) == "assist: item 'q3': must be '-' (skipped) because q2 is 'never'"
    assert caught.value.item == "q3"


def test_assist_skipping_q4_when_q2_is_not_never_is_refused() -> None:
    with pytest.raises(InstrumentError, match=r"item 'q4': must be answered because q2") as caught:
        score("assist", [2, 0, "-", 0, 0, 0])
    assert caught.value.item == "q4"


def test_a_skip_mark_is_refused_where_no_rule_allows_it() -> None:
    with pytest.raises(InstrumentError) as caught:
        score("assist", [1, 0, 0, 0, "-", 0])
    assert caught.value.item == "q6"
    with pytest.raises(InstrumentError, match=r"phq9: item 'q2' \(2nd answer\): '-'"):
        score("phq9", [0, "-", 0, 0, 0, 0, 0, 0, 0])


# ---------------------------------------------------------------- bad answers


def test_out_of_range_code_names_the_item_and_the_allowed_codes() -> None:
    with pytest.raises(InstrumentError) as caught:
        score("phq9", [0, 0, 5, 0, 0, 0, 0, 0, 0])
    assert str(caught.value) == (
        "phq9: item 'q3' (3rd answer): code 5 is not allowed; allowed codes: 0, 1, 2, 3"
    )
    assert caught.value.item == "q3"


def test_wrong_answer_count_is_refused() -> None:
    with pytest.raises(InstrumentError, match=r"^phq9: expected 9 answers, got 8$") as caught:
        score("phq9", [0] * 8)
    assert caught.value.item is None
    with pytest.raises(InstrumentError, match="expected 6 answers, got 7"):
        score("assist", [0] * 7)


def test_booleans_and_words_are_not_codes_but_digit_strings_are() -> None:
    with pytest.raises(InstrumentError, match="code True is not allowed"):
        score("dsm5-pcp", [True] + [0] * 9)
    with pytest.raises(InstrumentError, match="code 'yes' is not allowed"):
        score("dsm5-pcp", ["yes"] + [0] * 9)
    assert score("dsm5-pcp", ["1"] + [0] * 9).total == 1


def test_to_dict_has_the_documented_shape() -> None:
    result = score("phq9", [0] * 8 + [2])
    assert isinstance(result, Score)
    assert result.to_dict() == {
        "instrument": "phq9",
        "total": 2,
        "band": "none-minimal",
        "subscales": {},
        "flags": [{"id": "item9", "item": "q9", "message": result.flags[0].message}],
        "items": [{"id": f"q{n}", "code": 0, "score": 0} for n in range(1, 9)]
        + [{"id": "q9", "code": 2, "score": 2}],
    }


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(data=st.data(), instrument_id=st.sampled_from(ALL_IDS))
def test_any_valid_answers_score_within_the_instruments_range(
    data: st.DataObject, instrument_id: str
) -> None:
    instrument = get_instrument(instrument_id)
    answers = data.draw(valid_answers(instrument_id))
    result = score(instrument_id, answers)
    assert instrument.min_total <= result.total <= instrument.max_total
    for subscale in instrument.subscales:
        low, high = instrument.subscale_range(subscale.id)
        assert low <= result.subscales[subscale.id] <= high
    if instrument.bands:
        assert result.band is not None
    assert result.total == sum(item.score or 0 for item in result.items)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    instrument_id=st.sampled_from(ALL_IDS),
    bad_code=st.one_of(st.integers(max_value=-1), st.integers(min_value=6)),
)
def test_any_out_of_range_code_raises_naming_the_item(
    data: st.DataObject, instrument_id: str, bad_code: int
) -> None:
    instrument = get_instrument(instrument_id)
    answers = data.draw(valid_answers(instrument_id))
    position = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
    answers[position] = bad_code
    item_id = instrument.items[position].id
    with pytest.raises(InstrumentError) as caught:
        score(instrument_id, answers)
    assert caught.value.item == item_id
    assert f"item '{item_id}'" in str(caught.value)
    assert f"code {bad_code}" in str(caught.value)


# ---------------------------------------------------------------- schema validation


def _minimal(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "demo",
        "name": "Demo",
        "short_name": "D",
        "version": "1",
        "recall_period": "past week",
        "total_label": "Total",
        "sources": ["kroenke-2001"],
        "grade": "B",
        "grade_note": "demo",
        "chinese_version": {"text": "None known."},
        "licence": {"text": "demo", "wording_reproducible": False},
        "items": [
            {
                "id": "q1",
                "label": "One",
                "options": [
                    {"code": 0, "label": "no", "score": 0},
                    {"code": 1, "label": "yes", "score": 1},
                ],
            }
        ],
        "bands": [
            {"id": "low", "min": 0, "max": 0, "label": "L"},
            {"id": "high", "min": 1, "max": 1, "label": "H"},
        ],
    }
    data.update(changes)
    return data


def test_the_minimal_instrument_is_valid() -> None:
    assert validate(Instrument, _minimal(), "demo.toml").max_total == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bands": [{"id": "low", "min": 0, "max": 0, "label": "L"}]}, "cover the total range"),
        (
            {
                "bands": [
                    {"id": "a", "min": 0, "max": 0, "label": "A"},
                    {"id": "b", "min": 2, "max": 1, "label": "B"},
                ]
            },
            "band 'b'",
        ),
        ({"skip_rules": [{"when": "q1", "codes": [0], "skip": ["q9"]}]}, "unknown item 'q9'"),
        (
            {
                "flags": [
                    {"id": "f", "message": "m", "item": "q7", "min_item_score": 1, "grade": "B"}
                ]
            },
            "unknown item 'q7'",
        ),
        ({"flags": [{"id": "f", "message": "m", "grade": "B"}]}, "either item"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_inconsistent_instruments_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(KnowledgeError, match=message) as caught:
        validate(Instrument, _minimal(**changes), "knowledge/instruments/demo.toml")
    assert str(caught.value).startswith("knowledge/instruments/demo.toml")


def test_item_errors_name_the_item() -> None:
    bad_item = {
        "id": "q1",
        "label": "One",
        "wording": "Copyrighted text",
        "options": [
            {"code": 0, "label": "no", "score": 0},
            {"code": 1, "label": "yes", "score": 1},
        ],
    }
    with pytest.raises(KnowledgeError, match=r"item 'q1': wording given"):
        validate(Instrument, _minimal(items=[bad_item]), "demo.toml")
    reversed_wrongly = {
        "id": "q1",
        "label": "One",
        "options": [
            {"code": 0, "label": "no", "score": 1},
            {"code": 1, "label": "yes", "score": 0},
        ],
    }
    with pytest.raises(KnowledgeError, match=r"items\.0: .*mark the item reversed"):
        validate(Instrument, _minimal(items=[reversed_wrongly]), "demo.toml")
    gappy = {
        "id": "q1",
        "label": "One",
        "options": [
            {"code": 0, "label": "no", "score": 0},
            {"code": 2, "label": "yes", "score": 1},
        ],
    }
    with pytest.raises(KnowledgeError, match="option codes must be 0, 1, 2"):
        validate(Instrument, _minimal(items=[gappy]), "demo.toml")


def test_every_instrument_says_which_chinese_version_a_clinic_should_use() -> None:
    """Issue 15, point 3: the validated Chinese versions, cited; "none known" where none is."""
    known = instruments()
    assert known["phq9"].chinese_version.sources == ("yu-2012", "liu-2011", "wang-2014")
    assert known["gad7"].chinese_version.sources == ("zhang-2021-gad7",)
    assert known["puf"].chinese_version.sources == ("puf-hk-2012",)
    assert "Hong Kong" in known["puf"].chinese_version.text
    for instrument in known.values():
        version = instrument.chinese_version
        assert version.sources or version.text.startswith("None known"), instrument.id


def test_the_chinese_versions_cite_sources_of_the_bibliography() -> None:
    cited = {
        source_id
        for instrument in instruments().values()
        for source_id in instrument.chinese_version.sources
    }
    assert cited <= set(sources())
    assert {"yu-2012", "liu-2011", "wang-2014", "zhang-2021-gad7"} <= cited

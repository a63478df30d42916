"""The one list of stages ([stages.labels]) and the roster's order ([roster.order]) in rules.toml.

Every place that lists stages takes them from the knowledge base, and the
loader refuses a roster order that names a level or stage it does not know,
or leaves one out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ketpath.knowledge import KnowledgeError, load, rules
from ketpath.knowledge.load import Rules, read_toml, validate

PATH_ORDER = (
    "no-use",
    "experimental",
    "occasional",
    "regular",
    "dependent",
    "addiction-cycle",
    "early-abstinence",
    "early-remission",
    "sustained-remission",
    "past-use",
)


def test_the_stages_are_listed_once_in_the_order_of_the_path() -> None:
    stages = rules().stages
    assert stages.ids() == PATH_ORDER == tuple(read_toml("rules.toml")["stages"]["labels"])
    assert stages.active_ids() == PATH_ORDER[1:6]
    assert stages.stopped_ids() == PATH_ORDER[6:]


def test_the_assessment_and_the_report_chart_take_their_stages_from_the_knowledge_base() -> None:
    from ketpath.core.assess.stage import ACTIVE_STAGES, RANK
    from ketpath.present.report_charts import STAGE_ORDER

    assert ACTIVE_STAGES == (
        "experimental",
        "occasional",
        "regular",
        "dependent",
        "addiction-cycle",
    )
    assert RANK == {
        "experimental": 1,
        "occasional": 2,
        "regular": 3,
        "dependent": 4,
        "addiction-cycle": 5,
    }
    assert STAGE_ORDER == (
        "no-use",
        "past-use",
        "sustained-remission",
        "early-remission",
        "early-abstinence",
        "experimental",
        "occasional",
        "regular",
        "dependent",
        "addiction-cycle",
    )


def test_the_roster_order_is_read_from_the_rules() -> None:
    order = rules().roster.order
    assert order.by == ("level", "stage", "silence")
    assert order.levels == ("not-assessed", "emergency", "urgent", "soon", "none")
    assert order.stages[:4] == ("addiction-cycle", "dependent", "regular", "early-abstinence")
    assert set(order.stages) == set(PATH_ORDER)
    assert "mclellan-2000" in order.sources


def _rules_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = read_toml("rules.toml")
    change(data)
    return data


def _order(data: dict[str, Any]) -> dict[str, Any]:
    order: dict[str, Any] = data["roster"]["order"]
    return order


def test_a_roster_order_naming_an_unknown_level_is_refused() -> None:
    def change(data: dict[str, Any]) -> None:
        _order(data)["levels"] = ["not-assessed", "emergency", "critical", "soon", "none"]

    with pytest.raises(KnowledgeError) as raised:
        validate(Rules, _rules_with(change), "knowledge/rules.toml")
    assert str(raised.value) == (
        "knowledge/rules.toml: roster.order: Value error, levels: unknown level 'critical';"
        " known: emergency, urgent, soon, not-assessed, none"
    )


def test_a_roster_order_leaving_out_a_level_or_listing_one_twice_is_refused() -> None:
    def without_soon(data: dict[str, Any]) -> None:
        _order(data)["levels"] = ["not-assessed", "emergency", "urgent", "none"]

    def urgent_twice(data: dict[str, Any]) -> None:
        _order(data)["levels"] = ["not-assessed", "emergency", "urgent", "soon", "urgent", "none"]

    with pytest.raises(KnowledgeError) as missing:
        validate(Rules, _rules_with(without_soon), "knowledge/rules.toml")
    assert str(missing.value) == (
        "knowledge/rules.toml: roster.order: Value error, levels: soon missing"
    )
    with pytest.raises(KnowledgeError) as twice:
        validate(Rules, _rules_with(urgent_twice), "knowledge/rules.toml")
    assert str(twice.value) == (
        "knowledge/rules.toml: roster.order: Value error, levels: urgent listed more than once"
    )


def test_a_roster_order_by_an_unknown_key_is_refused() -> None:
    def by_age(data: dict[str, Any]) -> None:
        _order(data)["by"] = ["level", "age", "silence"]

    with pytest.raises(KnowledgeError) as raised:
        validate(Rules, _rules_with(by_age), "knowledge/rules.toml")
    assert str(raised.value) == (
        "knowledge/rules.toml: roster.order.by.1: Input should be 'level', 'stage' or 'silence'"
    )


@pytest.fixture
def patched_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Load the real rules with ``rules.toml`` as a test changes it; the cache is cleared around it."""
    real = load.read_toml

    def use(data: dict[str, Any]) -> None:
        monkeypatch.setattr(
            load, "read_toml", lambda name: data if name == "rules.toml" else real(name)
        )

    load.rules.cache_clear()
    yield use
    monkeypatch.setattr(load, "read_toml", real)
    load.rules.cache_clear()


def test_a_roster_order_naming_an_unknown_stage_is_refused(
    patched_rules: Callable[[dict[str, Any]], None],
) -> None:
    def change(data: dict[str, Any]) -> None:
        stages = _order(data)["stages"]
        stages[stages.index("regular")] = "heavy"

    patched_rules(_rules_with(change))
    with pytest.raises(KnowledgeError) as raised:
        load.rules()
    assert str(raised.value) == "knowledge/rules.toml: roster.order.stages: unknown stage 'heavy'"


def test_a_roster_order_leaving_out_a_stage_is_refused(
    patched_rules: Callable[[dict[str, Any]], None],
) -> None:
    def change(data: dict[str, Any]) -> None:
        _order(data)["stages"].remove("past-use")

    patched_rules(_rules_with(change))
    with pytest.raises(KnowledgeError) as raised:
        load.rules()
    assert str(raised.value) == "knowledge/rules.toml: roster.order.stages: past-use missing"


def test_the_active_stages_must_follow_no_use_together() -> None:
    def change(data: dict[str, Any]) -> None:
        labels = data["stages"]["labels"]
        labels["past-use"]["active"] = True

    with pytest.raises(KnowledgeError) as raised:
        validate(Rules, _rules_with(change), "knowledge/rules.toml")
    assert str(raised.value) == (
        "knowledge/rules.toml: stages: Value error, labels: list the stage of no use first,"
        " then the active stages (active = true), then the stages after use stopped"
    )


def test_the_real_rules_load_again_after_a_patched_test() -> None:
    assert rules().roster.order.stages[0] == "addiction-cycle"

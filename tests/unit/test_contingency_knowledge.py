"""The default reward schedule as data: graded, sourced and honest about its evidence."""

from __future__ import annotations

from ketpath.knowledge import sources
from ketpath.knowledge.contingency import contingency


def test_every_default_has_a_label_a_grade_and_known_sources() -> None:
    known = sources()
    for name, default in contingency().defaults.items():
        assert default.label, name
        assert default.grade in {"A", "B", "C", "U", "X"}
        assert default.sources
        assert all(source in known for source in default.sources), name


def test_nothing_about_contingency_management_is_graded_above_c_because_no_ketamine_trial_exists() -> (
    None
):
    known = contingency()
    assert known.effect.grade == "C"
    assert all(default.grade == "C" for _name, default in known.defaults.items())
    assert "ketamine" in known.effect.rationale


def test_the_schedule_values_cite_the_vermont_voucher_trials() -> None:
    defaults = contingency().defaults
    assert "higgins-1994" in defaults.start_value.sources
    assert "higgins-1994" in defaults.increment.sources
    assert "budney-higgins-1998" in defaults.return_after.sources
    assert "budney-higgins-1998" in defaults.reset_on_missed.sources


def test_sources_added_for_contingency_management_say_what_is_unconfirmed() -> None:
    known = sources()
    for source_id in ("higgins-1994", "lussier-2006", "budney-higgins-1998"):
        assert known[source_id].note
    assert known["higgins-1994"].verified is False

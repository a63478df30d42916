"""population.toml: it loads, cites known sources, and rejects bad entries."""

from __future__ import annotations

import pytest

from ketpath.knowledge.load import KnowledgeError, cited_sources, read_toml, validate
from ketpath.knowledge.population import Parameter, Population, population


def test_the_population_parameters_load_and_cite_known_sources() -> None:
    loaded = population()
    assert dict(cited_sources(loaded))
    assert set(loaded.calibration.targets) == {
        "past_year_among_lifetime",
        "dependent_among_past_year",
        "urinary_any_cause_among_past_year",
        "urinary_any_cause_among_dependent",
        "background_urinary_among_never_users",
        "adult_past_year_prevalence",
    }


def test_every_calibrated_parameter_has_a_range_and_its_value_inside() -> None:
    loaded = population()
    for section in (loaded.initiation, loaded.use, loaded.bladder):
        for name in type(section).model_fields:
            item = getattr(section, name)
            if isinstance(item, Parameter) and item.calibrated:
                assert item.range is not None
                assert item.range[0] <= item.value <= item.range[1]


def test_the_relapse_prior_cites_mclellan_and_not_nidas_guide() -> None:
    loaded = population()
    for item in (
        loaded.use.relapse_rate,
        loaded.use.relapse_decay,
        loaded.use.dependent_relapse_ratio,
        loaded.treatment.post_treatment_relapse_ratio,
        loaded.calibration.checks["relapse_within_year_after_treatment"],
    ):
        assert "mclellan-2000" in item.sources
        assert "nida-principles" not in item.sources
    cohorts = loaded.calibration.relapse_cohorts
    assert {c.sources[0]: (c.relapsed, c.people) for c in cohorts.values()} == {
        "wang-2018": (0.348, 92),
        "wang-2016": (0.331, 121),
    }


def test_the_parameters_this_model_fits_or_assumes_for_bladder_dose_and_relapse_have_ranges() -> (
    None
):
    loaded = population()
    for section in (loaded.bladder, loaded.tolerance, loaded.treatment, loaded.reporting):
        for name in type(section).model_fields:
            item = getattr(section, name)
            if getattr(item, "assumption", False) or getattr(item, "calibrated", False):
                assert item.range is not None, f"{name} has no range"
    for name in ("relapse_rate", "relapse_decay", "dependent_relapse_ratio"):
        assert getattr(loaded.use, name).range is not None


def test_an_unknown_key_is_an_error() -> None:
    data = read_toml("population.toml")
    data["use"]["relapse_rat"] = data["use"]["relapse_rate"]
    with pytest.raises(KnowledgeError, match="relapse_rat"):
        validate(Population, data, "knowledge/population.toml")


def test_a_value_outside_its_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside its range"):
        Parameter(value=5.0, unit="per year", range=(0.0, 1.0), sources=("ketpath-defaults",))


def test_a_model_reads_every_number_of_its_tables_as_the_toml_writes_it() -> None:
    raw = read_toml("population.toml")
    expected = {
        name: entry.get("value", tuple(entry.get("values", ())))
        for table in ("initiation", "use", "tolerance")
        for name, entry in raw[table].items()
        if isinstance(entry, dict)
    }
    assert population().parameters("initiation", "use", "tolerance") == expected
    assert population().parameters("bladder") == {
        "harm_per_gram": raw["bladder"]["harm_per_gram"]["value"],
        "heal_time": raw["bladder"]["heal_time"]["value"],
        "threshold_sigma": raw["bladder"]["threshold_sigma"]["value"],
        "background_prevalence": raw["bladder"]["background_prevalence"]["value"],
    }


def test_a_parameter_name_in_two_tables_a_model_reads_is_an_error() -> None:
    with pytest.raises(KnowledgeError, match="'age_edges' is in more than one of"):
        population().parameters("population", "initiation")


def test_a_table_that_holds_no_parameters_is_an_error() -> None:
    with pytest.raises(KnowledgeError, match="no parameter table 'dosing'"):
        population().parameters("dosing")

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
        "urinary_among_past_year",
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


def test_an_unknown_key_is_an_error() -> None:
    data = read_toml("population.toml")
    data["use"]["relapse_rat"] = data["use"]["relapse_rate"]
    with pytest.raises(KnowledgeError, match="relapse_rat"):
        validate(Population, data, "knowledge/population.toml")


def test_a_value_outside_its_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside its range"):
        Parameter(value=5.0, unit="per year", range=(0.0, 1.0), sources=("ketpath-defaults",))

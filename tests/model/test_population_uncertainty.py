"""Population uncertainty without Dask: plausible ranges, the sample, PRCC, the report and the plot."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from ketpath.knowledge.load import KnowledgeError, read_toml, validate
from ketpath.knowledge.population import Parameter, Population, Values, population
from ketpath.population import uncertainty
from ketpath.present.uncertainty_charts import tornado_chart

WHERE = "knowledge/population.toml"


def _loaded_with(change: Callable[[dict[str, Any]], None]) -> Population:
    data = copy.deepcopy(read_toml("population.toml"))
    change(data)
    return validate(Population, data, WHERE)


# ---------------------------------------------------------------- plausible ranges


def test_every_assumption_has_a_plausible_range_with_a_reason_a_grade_and_sources() -> None:
    loaded = population()
    assumed = 0
    for table in type(loaded).model_fields:
        section = getattr(loaded, table)
        for name in type(section).model_fields:
            item = getattr(section, name)
            if isinstance(item, Parameter | Values) and item.assumption:
                assumed += 1
                assert item.plausible is not None, f"{table}.{name}"
                assert item.plausible.reason and item.plausible.sources
                assert item.plausible.grade in {"A", "B", "C", "U", "X"}
    assert assumed == 43


def test_the_plausible_ranges_stay_out_of_the_fit_records_fingerprint() -> None:
    dumped = json.dumps(population().model_dump())
    assert "plausible" not in dumped
    assert population().use.relapse_rate.plausible is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].pop("high"),
            "use.relapse_rate.plausible: Value error, a plausible range needs both low and high",
        ),
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].pop("low"),
            "use.relapse_rate.plausible: Value error, a plausible range needs both low and high",
        ),
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].update(low=1.5),
            "use.relapse_rate: Value error, value 1 lies outside its plausible range [1.5, 2]",
        ),
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].update(high=0.9),
            "use.relapse_rate: Value error, value 1 lies outside its plausible range [0.5, 0.9]",
        ),
        (
            lambda d: d["use"]["quit_success"].update(
                plausible=dict(d["use"]["relapse_rate"]["plausible"], low=0.2, high=0.4)
            ),
            "use.quit_success: Value error,"
            " a plausible range belongs only on an assumption (assumption = true)",
        ),
        (
            lambda d: d["use"]["relapse_rate"].pop("plausible"),
            "use.relapse_rate: Value error,"
            " an assumption needs a plausible range (plausible.low, .high)",
        ),
        (
            lambda d: d["use"]["stop_rates"]["plausible"].update(high=[0.6, 0.6]),
            "use.stop_rates: Value error,"
            " plausible.low and plausible.high need one number per value (3)",
        ),
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].update(high=[2.0]),
            "use.relapse_rate: Value error,"
            " plausible.low and plausible.high must be numbers, not lists",
        ),
        (
            lambda d: d["use"]["relapse_rate"]["plausible"].update(high=5.0),
            "use.relapse_rate: Value error, plausible range [0.5, 5] lies outside range [0.3, 3.0]",
        ),
    ],
)
def test_a_bad_plausible_range_is_refused_with_a_message_naming_it(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(KnowledgeError) as refused:
        _loaded_with(change)
    assert str(refused.value) == f"{WHERE}: {message}"


def test_a_point_range_is_an_assumption_left_at_its_value_with_the_reason_shown() -> None:
    names = [a.key for a in uncertainty.assumptions()]
    assert "initiation.peer_rate" in names
    assert "population.age_edges" not in names
    assert "reporting.min_denominator" not in names
    left = {row["name"]: row["why"] for row in uncertainty.not_varied()}
    assert left["reporting.min_denominator"] == (
        "A reporting rule, not a quantity of the world: not varied."
    )
    assert left["scenarios.screening_rate"] == "the baseline does not read [scenarios]"
    assert set(left) | set(names) == {
        f"{table}.{name}"
        for table in type(population()).model_fields
        for name, item in dict(getattr(population(), table)).items()
        if getattr(item, "assumption", False)
    }


# ---------------------------------------------------------------- the sample


def test_the_sample_stays_inside_every_plausible_range() -> None:
    chosen = uncertainty.assumptions()
    unit = uncertainty.latin_hypercube(len(chosen), 40, seed=3)
    specs = uncertainty.specs(chosen, unit, seed=3, agents=500, years=1)
    assert len(specs) == 40
    for spec in specs:
        assert set(spec.values) == {a.key for a in chosen}
        for assumption in chosen:
            drawn = np.atleast_1d(spec.values[assumption.key])
            low = np.atleast_1d(assumption.low)
            high = np.atleast_1d(assumption.high)
            assert np.all(low <= drawn) and np.all(drawn <= high), assumption.key


def test_a_latin_hypercube_puts_one_run_in_each_slice_of_every_range() -> None:
    unit = uncertainty.latin_hypercube(5, 20, seed=1)
    slices = np.floor(unit * 20).astype(int)
    for column in slices.T:
        assert sorted(column) == list(range(20))


def test_the_sample_and_the_model_seeds_repeat_with_the_seed_and_change_without_it() -> None:
    chosen = uncertainty.assumptions()

    def drawn(seed: int) -> list[tuple[int, dict[str, Any]]]:
        unit = uncertainty.latin_hypercube(len(chosen), 6, seed=seed)
        specs = uncertainty.specs(chosen, unit, seed=seed, agents=500, years=1)
        return [(spec.seed, spec.values) for spec in specs]

    assert drawn(7) == drawn(7)
    assert drawn(7) != drawn(8)
    assert len({seed for seed, _ in drawn(7)}) == 6


def test_a_vector_moves_every_entry_together_between_its_ends() -> None:
    stop_rates = next(a for a in uncertainty.assumptions() if a.key == "use.stop_rates")
    assert stop_rates.at(0.0) == pytest.approx((0.2, 0.2, 0.15))
    assert stop_rates.at(1.0) == pytest.approx((0.6, 0.6, 0.45))
    assert stop_rates.at(0.5) == pytest.approx((0.4, 0.4, 0.3))


# ---------------------------------------------------------------- PRCC


def test_prcc_recovers_a_monotone_rise_and_fall_and_finds_nothing_in_noise() -> None:
    rng = np.random.default_rng(11)
    inputs = rng.random((300, 4))
    # A monotone (exponential) transform of a linear effect: ranks undo the transform.
    output = np.exp(6.0 * inputs[:, 0] - 4.0 * inputs[:, 1] + rng.normal(0.0, 0.2, 300))
    coefficients, p_values = uncertainty.prcc(inputs, output)
    assert coefficients[0] > 0.9
    assert coefficients[1] < -0.9
    assert abs(coefficients[2]) < 0.15 and abs(coefficients[3]) < 0.15
    assert p_values[0] < 1e-6 and p_values[1] < 1e-6

    noise, _ = uncertainty.prcc(inputs, rng.random(300))
    assert np.all(np.abs(noise) < 0.15)


def test_prcc_is_null_with_too_few_runs_or_an_output_that_never_changes() -> None:
    inputs = np.random.default_rng(1).random((8, 31))
    coefficients, p_values = uncertainty.prcc(inputs, np.arange(8.0))
    assert np.all(np.isnan(coefficients)) and np.all(np.isnan(p_values))
    flat, _ = uncertainty.prcc(inputs[:, :3], np.ones(8))
    assert np.all(np.isnan(flat))


def test_prcc_leaves_out_runs_where_the_output_could_not_be_estimated() -> None:
    rng = np.random.default_rng(5)
    inputs = rng.random((60, 2))
    output = inputs[:, 0].copy()
    output[::4] = np.nan
    coefficients, _ = uncertainty.prcc(inputs, output)
    assert coefficients[0] > 0.99


# ---------------------------------------------------------------- report


def _document(runs: int = 40) -> dict[str, Any]:
    chosen = uncertainty.assumptions()[:3]
    unit = uncertainty.latin_hypercube(len(chosen), runs, seed=2)
    specs = uncertainty.specs(chosen, unit, seed=2, agents=1000, years=2)
    results = [
        {
            key: (None if key == "relapse_within_1y_after_treatment" else float(row[0] + 0.1 * i))
            for i, key in enumerate(uncertainty.OUTPUTS)
        }
        for row in unit
    ]
    return uncertainty.report(
        chosen, unit, specs, results, seed=2, workers=["tcp://127.0.0.1:1"] * runs
    )


def test_the_report_gives_each_output_a_median_a_90_percent_interval_and_a_prcc_per_assumption() -> (
    None
):
    document = _document()
    assert (document["runs"], document["agents"], document["years"]) == (40, 1000, 2)
    first = document["outputs"]["adult_past_year_prevalence"]
    assert first["label"] == "adult past-year prevalence of use"
    assert first["runs"] == 40
    assert first["low"] < first["median"] < first["high"]
    assert first["median"] == pytest.approx(0.5, abs=0.02)
    assert first["low"] == pytest.approx(0.05, abs=0.02)
    assert list(first["prcc"]) == [
        "initiation.age_weights",
        "initiation.male_ratio",
        "initiation.peer_rate",
    ]
    assert first["prcc"]["initiation.age_weights"]["prcc"] == 1.0
    never = document["outputs"]["relapse_within_1y_after_treatment"]
    assert never["median"] is None and never["runs"] == 0
    assert never["prcc"]["initiation.male_ratio"] == {"prcc": None, "p": None}
    assert document["results"][0]["worker"] == "tcp://127.0.0.1:1"
    assert document["warnings"] == []


def test_too_few_runs_for_prcc_are_a_warning_in_the_report_and_the_text() -> None:
    document = _document(runs=5)
    assert document["warnings"] == [
        "PRCC needs at least 6 runs for 3 assumptions (got 5); the coefficients are null"
    ]
    text = uncertainty.render(document)
    assert text.endswith(
        "warning: PRCC needs at least 6 runs for 3 assumptions (got 5); the coefficients are null"
    )
    assert "relapse_within_1y_after_treatment: not estimable in any run" in text


def test_the_text_report_lists_the_strongest_drivers_under_each_output() -> None:
    text = uncertainty.render(_document())
    lines = text.splitlines()
    assert lines[0].startswith("40 runs of 1,000 people x 2 years; 3 assumptions varied")
    at = lines.index(next(line for line in lines if line.startswith("adult_past_year_prevalence:")))
    assert lines[at + 1].startswith("    PRCC +1.00 (p ")
    assert lines[at + 1].endswith(")  initiation.age_weights")


def test_a_runs_outputs_are_read_from_the_simulate_summary() -> None:
    def share(value: float | None) -> dict[str, Any]:
        return {"value": value}

    summary = {
        "agents": 2000,
        "final": {
            "dependent": 3,
            "treatment_entries": 5,
            "proportions": {
                "adult_past_year_prevalence": share(0.003),
                "past_year_among_lifetime": share(0.5),
                "dependent_among_past_year": share(0.1),
                "urinary_among_past_year": share(0.2),
                "urinary_any_cause_among_dependent": share(0.6),
                "relapse_within_1y_after_treatment": share(None),
            },
        },
    }
    assert uncertainty.outputs(summary) == {
        "adult_past_year_prevalence": 0.003,
        "past_year_among_lifetime": 0.5,
        "dependent_among_past_year": 0.1,
        "dependent_per_1000": 1.5,
        "urinary_among_past_year": 0.2,
        "urinary_any_cause_among_dependent": 0.6,
        "treatment_entries_per_1000": 2.5,
        "relapse_within_1y_after_treatment": None,
    }


# ---------------------------------------------------------------- the tornado plot


def test_the_tornado_plot_names_each_output_and_its_drivers_and_says_so_in_words() -> None:
    chart = tornado_chart(_document())
    assert "<title>What drives each output: PRCC over 40 runs</title>" in chart.svg
    assert "adult past-year prevalence of use" in chart.svg
    assert "initiation.age_weights" in chart.svg
    assert "no PRCC: too few runs, or the output never changed" in chart.svg
    assert "adult_past_year_prevalence: initiation.age_weights (+1.00)" in chart.alt
    assert tornado_chart(_document()).svg == chart.svg


# ---------------------------------------------------------------- the command's input


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--runs", "0"], "--runs must be at least 1 (got 0)"),
        (["--runs", "4", "--agents", "0"], "--agents must be at least 1 (got 0)"),
        (["--runs", "4", "--workers", "0"], "--workers must be at least 1 (got 0)"),
        (["--runs", "4", "--plot", "tornado.png"], "--plot must name an .svg file"),
    ],
)
def test_the_uncertainty_command_refuses_bad_input_before_starting_a_cluster(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from ketpath.cli import run

    assert run(["uncertainty", *arguments]) == 2
    assert message in capsys.readouterr().err

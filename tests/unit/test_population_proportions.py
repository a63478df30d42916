"""Shares carry their counts and a Wilson 95% interval; nothing is estimated from nobody."""

from __future__ import annotations

import pytest

from ketpath.population.proportions import (
    Proportion,
    small_denominator_warnings,
    wilson_interval,
)


def test_the_wilson_interval_matches_the_textbook_values() -> None:
    # 11 of 13 (the relapse share of a 100,000-person run): about 0.58 to 0.96.
    low, high = wilson_interval(11, 13) or (0.0, 0.0)
    assert low == pytest.approx(0.5777, abs=1e-4)
    assert high == pytest.approx(0.9567, abs=1e-4)
    # Wilson 1927 / Newcombe 1998, case 81 of 263: 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263) or (0.0, 0.0)
    assert (low, high) == pytest.approx((0.2553, 0.3662), abs=1e-4)


def test_the_wilson_interval_stays_inside_zero_and_one() -> None:
    for numerator, denominator in ((0, 1), (0, 40), (40, 40), (1, 1)):
        low, high = wilson_interval(numerator, denominator) or (-1.0, -1.0)
        assert 0.0 <= low <= numerator / denominator <= high <= 1.0


def test_a_proportion_with_denominator_zero_has_no_value_and_no_interval() -> None:
    assert Proportion(0, 0).to_dict() == {
        "numerator": 0,
        "denominator": 0,
        "value": None,
        "low": None,
        "high": None,
    }


def test_a_numerator_above_its_denominator_is_refused() -> None:
    with pytest.raises(ValueError, match="not a proportion"):
        Proportion(3, 2)


def test_pooling_sums_numerators_and_denominators() -> None:
    pooled = Proportion.pooled([Proportion(11, 13), Proportion(0, 0), Proportion(5, 17)])
    assert (pooled.numerator, pooled.denominator) == (16, 30)


def test_small_denominators_are_warned_about_and_large_ones_are_not() -> None:
    shares = {
        "relapse": Proportion(11, 13).to_dict(),
        "nobody": Proportion(0, 0).to_dict(),
        "plenty": Proportion(40, 100).to_dict(),
    }
    warnings = small_denominator_warnings(shares, 30, "final")
    assert len(warnings) == 2
    assert any("relapse: 11 of 13" in w and "minimum denominator of 30" in w for w in warnings)
    assert any("nobody: denominator is 0" in w for w in warnings)

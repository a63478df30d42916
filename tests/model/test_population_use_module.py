"""The Starsim use module takes only the parameters its population.toml tables define.

Moved from ``tests/unit/test_population_knowledge.py``: building the module
imports Starsim (seconds), too slow for the pure, fast ring.
"""

from __future__ import annotations

import pytest


def test_the_use_module_refuses_a_parameter_its_tables_do_not_define() -> None:
    from ketpath.population.model import KetamineUse

    assert KetamineUse(levels=[0.0, 0.1, 0.2, 0.3]).pars.levels == [0.0, 0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match=r"unknown use parameter\(s\): tolerance_levels"):
        KetamineUse(tolerance_levels=[0.0, 0.1, 0.2, 0.3])

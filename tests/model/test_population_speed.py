"""The population model's speed-ups give the same numbers as the plain ways they replace."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")


def _reference_neighbours(p1: np.ndarray, p2: np.ndarray, n_agents: int) -> list[list[int]]:
    """Each agent's neighbours from a stable sort of the doubled edge list (the old lookup table)."""
    keep = p1 != p2
    source = np.concatenate([p1[keep], p2[keep]])
    target = np.concatenate([p2[keep], p1[keep]])
    order = np.argsort(source, kind="stable")
    pointer = np.zeros(n_agents + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=n_agents), out=pointer[1:])
    ordered = target[order]
    return [ordered[pointer[a] : pointer[a + 1]].tolist() for a in range(n_agents)]


@pytest.mark.parametrize("sorted_p1", [True, False])
def test_the_neighbour_index_keeps_the_stable_sort_order(sorted_p1: bool) -> None:
    from ketpath.population.model import NeighbourIndex

    rng = np.random.default_rng(3)
    n_agents = 300
    p1 = rng.integers(0, n_agents, 2_000)
    if sorted_p1:
        p1 = np.sort(p1)
    p2 = rng.integers(0, n_agents, 2_000)
    p2[:5] = p1[:5]  # a few self-edges, which are dropped
    index = NeighbourIndex.from_edges(p1, p2, n_agents)
    expected = _reference_neighbours(p1, p2, n_agents)
    agents = np.sort(rng.choice(n_agents, 60, replace=False))
    targets, counts = index.expand(agents)
    assert counts.tolist() == [len(expected[a]) for a in agents]
    assert targets.tolist() == [t for a in agents for t in expected[a]]
    empty, none = index.expand(np.empty(0, dtype=np.int64))
    assert len(empty) == 0 and len(none) == 0


@pytest.mark.parametrize("n_values", [1, 7, 65_536, 65_537, 3_000_000])
def test_the_radix_argsort_is_a_stable_argsort(n_values: int) -> None:
    from ketpath.population.model import _stable_argsort

    keys = np.random.default_rng(n_values).integers(0, n_values, 50_000)
    assert np.array_equal(_stable_argsort(keys, n_values), np.argsort(keys, kind="stable"))


def test_fast_uniforms_match_starsim_draws() -> None:
    import starsim as ss

    from ketpath.population.model import uniforms
    from ketpath.population.scenarios import build_sim

    fast_sim = build_sim(agents=3_000, years=1, seed=11)
    slow_sim = build_sim(agents=3_000, years=1, seed=11)
    fast_sim.init()
    slow_sim.init()
    rng = np.random.default_rng(0)
    for _step in range(3):
        for name in ("band_draw", "stop_draw", "quit_success_draw"):
            fast = getattr(fast_sim.custom["ketamine"], name)
            slow = getattr(slow_sim.custom["ketamine"], name)
            for size in (40, 0, 200):  # repeated calls in a step, and an empty one
                uids = np.sort(rng.choice(3_000, size, replace=False)).astype(np.int64)
                got = uniforms(fast, uids)
                want = slow.rvs(ss.uids(uids))
                assert np.array_equal(got, want)
                assert got.dtype == np.asarray(want).dtype or size == 0
                assert fast.ind == slow.ind
        fast_sim.run_one_step()
        slow_sim.run_one_step()


def test_a_closed_cohort_ages_its_people_as_starsim_does() -> None:
    import starsim as ss

    from ketpath.population.model import ClosedCohort
    from ketpath.population.scenarios import age_data

    def sim(people: ss.People) -> ss.Sim:
        return ss.Sim(
            people=people, start=2015, stop=2017, dt=ss.week, rand_seed=5, use_aging=True, verbose=0
        )

    closed = sim(ClosedCohort(n_agents=4_000, age_data=age_data()))
    plain = sim(ss.People(n_agents=4_000, age_data=age_data()))
    closed.init()
    plain.init()
    for _step in range(60):
        closed.run_one_step()
        plain.run_one_step()
    ages = np.asarray(closed.people.age.raw[:4_000])
    assert ages.dtype == np.float32
    assert np.array_equal(ages, np.asarray(plain.people.age.raw[:4_000]))
    assert np.array_equal(closed.people.female.raw[:4_000], plain.people.female.raw[:4_000])
    assert bool(np.all(closed.people.alive.raw[:4_000]))


def test_a_closed_cohort_refuses_deaths_and_demographics() -> None:
    import starsim as ss

    from ketpath.population.model import ClosedCohort, ClosedCohortError

    with_deaths = ss.Sim(people=ClosedCohort(n_agents=500), demographics=ss.Deaths(), verbose=0)
    with pytest.raises(ClosedCohortError, match="no births, deaths or diseases"):
        with_deaths.init()
    closed = ss.Sim(people=ClosedCohort(n_agents=500), verbose=0)
    closed.init()
    with pytest.raises(ClosedCohortError, match="nobody dies"):
        closed.people.request_death(ss.uids([3]))
    with pytest.raises(ClosedCohortError, match="nobody leaves"):
        closed.people.request_removal(ss.uids([3]))


@pytest.mark.parametrize("seed", range(6))
def test_the_sorted_union_is_union1d(seed: int) -> None:
    from ketpath.population.model import sorted_union

    rng = np.random.default_rng(seed)
    into = np.unique(rng.integers(0, 5_000, rng.integers(0, 2_000)))
    more = np.unique(rng.integers(0, 5_000, rng.integers(0, 300)))
    got = sorted_union(into, more)
    assert got.dtype == np.union1d(into, more).dtype
    assert np.array_equal(got, np.union1d(into, more))
    assert np.array_equal(sorted_union(into, into[:0]), into)
    assert np.array_equal(sorted_union(into[:0], more), more)


def test_codes_take_one_byte_and_counts_four() -> None:
    from ketpath.population.scenarios import build_sim

    sim = build_sim(agents=2_000, years=1, seed=2)
    sim.run()
    use, treatment = sim.custom["ketamine"], sim.custom["treatment"]
    for name in ("stage", "peak", "band"):
        assert getattr(use, name).raw.dtype == np.int8
    for state in (use.failed_quits, use.relapses, treatment.entries):
        assert state.raw.dtype == np.int32
    users = use.users
    assert set(np.unique(use.stage.raw[:2_000]).tolist()) <= set(range(6))
    assert bool(np.all(use.stage.raw[users] >= 1))
    assert bool(np.all(use.peak.raw[users] >= use.stage.raw[users]))
    assert use.peers is not None and use.peers.neighbours.dtype == np.int32


def test_fast_normals_match_starsim_draws() -> None:
    import starsim as ss

    from ketpath.population.model import normals
    from ketpath.population.scenarios import build_sim

    fast_sim = build_sim(agents=3_000, years=1, seed=12)
    slow_sim = build_sim(agents=3_000, years=1, seed=12)
    fast_sim.init()
    slow_sim.init()
    rng = np.random.default_rng(1)
    for _step in range(3):
        fast = fast_sim.custom["bladder"].threshold_draw
        slow = slow_sim.custom["bladder"].threshold_draw
        for size in (40, 0, 300):  # repeated calls in a step, and an empty one
            uids = np.sort(rng.choice(3_000, size, replace=False)).astype(np.int64)
            got = normals(fast, uids)
            want = np.asarray(slow.rvs(ss.uids(uids)))
            assert got.dtype == np.float64
            if size:
                assert want.dtype == np.float64
                assert np.array_equal(got, want)
            assert fast.ind == slow.ind and fast.called == slow.called
        fast_sim.run_one_step()
        slow_sim.run_one_step()
    # a normal with another mean and spread goes the same way
    other = ss.normal(loc=2.5, scale=0.3, name="other", strict=False)
    twin = ss.normal(loc=2.5, scale=0.3, name="other", strict=False)
    for dist in (other, twin):
        dist.init(trace="other", seed=7, sim=fast_sim, slots=fast_sim.people.slot, force=True)
    uids = np.arange(0, 3_000, 7, dtype=np.int64)
    assert np.array_equal(normals(other, uids), np.asarray(twin.rvs(ss.uids(uids))))

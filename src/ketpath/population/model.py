"""The population model: Starsim modules for ketamine use, bladder harm and treatment.

Agents have an age and a sex (Starsim's ``People``). Never-users start using
through a background hazard that depends on age and sex, or through peers who
use (``PeerNetwork``). Users move through the stages of DESIGN.md
(experimental, occasional, regular, dependent, addiction-cycle) while their
frequency band rises and falls; they stop, relapse, build tolerance, collect
urinary harm (``BladderHarm``) and enter treatment (``Treatment``). Every number
comes from ``knowledge/population.toml``.

Speed: lifetime users are a few per cent of the population, so every step
works on the index of users only; never-users cost nothing per step, because
their background first use is scheduled once, at the start, by inverting the
cumulative age-specific hazard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import starsim as ss
from scipy import special

from ketpath.knowledge import rules
from ketpath.knowledge.population import population

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.signedinteger[Any]]  # agent ids, 32- or 64-bit

# Active stages are ranks 1..5; 0 means never used.
EXPERIMENTAL, OCCASIONAL, REGULAR, DEPENDENT, ADDICTION = 1, 2, 3, 4, 5
RARE, MONTHLY, WEEKLY, NEAR_DAILY = 0, 1, 2, 3
# The person model's stages (rules.toml [stages.labels]) in the order of the path: no use,
# the active stages at their ranks, then the stopped stages. A stage's code is its index.
ACTIVE_STAGES = rules().stages.active_ids()
STAGES = rules().stages.ids()
STAGE_CODE = {name: code for code, name in enumerate(STAGES)}
DAYS_PER_YEAR = 365.25


def code_state(name: str, *, default: int) -> ss.Arr:
    """A per-agent code (an active stage 0..5 or a frequency band 0..3) in one byte.

    Starsim's ``IntArr`` is 64-bit; at 10 million agents the three codes take
    240 MB that way and 30 MB this way, and the values are the same.
    """
    return ss.Arr(name, dtype=np.int8, nan=np.iinfo(np.int8).min, default=default)


def count_state(name: str) -> ss.Arr:
    """A per-agent count of events (quit attempts, relapses, treatment entries), 32-bit.

    Each count rises by at most one a step, so it stays far below 2**31.
    """
    return ss.Arr(name, dtype=np.int32, nan=np.iinfo(np.int32).min, default=0)


def hazard_to_prob(rate: Floats | float, dt: float) -> Floats:
    """Probability of an event within a step of ``dt`` years at a constant hazard."""
    return np.asarray(-np.expm1(-np.asarray(rate, dtype=np.float64) * dt))


def uniforms(dist: ss.Dist, uids: Ints) -> npt.NDArray[np.floating[Any]]:
    """The numbers ``dist.rvs(ss.uids(uids))`` gives for an ``ss.random``, without its overhead.

    Under common random numbers Starsim 3.7 draws one hashed uniform per
    agent slot, keyed by the distribution's seed and draw index, then moves the
    index on by one (``Dist.rvs``: ``hash_uniforms`` then the automatic
    ``jump``). ``Dist.rvs`` also re-processes parameters, stores the generator
    state and rebuilds the NumPy generator on every call, which costs about
    0.1 ms each time, ten times a step. This does the same arithmetic and
    keeps the index in step; the generator state it skips is only read by
    draws without agent ids, which these distributions never make, and
    ``jump_dt`` rebuilds it from the initial state at the start of each step.
    Anything else (another distribution type, no CRN, rounding, units,
    diagnostics) goes through ``Dist.rvs``. ``tests/model/test_population_speed.py``
    checks the two give the same numbers.
    """
    if type(dist) is not ss.random or not _plain_crn(dist):
        return np.asarray(dist.rvs(ss.uids(uids)))
    return _hashed_uniforms(dist, uids)


def _plain_crn(dist: ss.Dist) -> bool:
    """Whether ``Dist.rvs`` would only hash one uniform per slot and move the index on."""
    return bool(
        ss.options.crn
        and dist.initialized is True
        and dist.ready
        and dist.slots is not None
        and dist.unit is None
        and not dist.round
        and not dist.debug
        and not (dist.sim is not None and dist.sim.diagnostics)
    )


def _hashed_uniforms(dist: ss.Dist, uids: Ints) -> npt.NDArray[np.floating[Any]]:
    if len(uids):
        slots = dist.slots[ss.uids(uids)]
        values = ss.distributions.hash_uniforms(dist.seed, dist.ind, slots, dtype=dist.hash_dtype)
    else:
        values = np.empty(0, dtype=ss.dtypes.float)
    dist.called += 1
    dist.ind += 1
    return np.asarray(values)


def normals(dist: ss.Dist, uids: Ints) -> Floats:
    """The numbers ``dist.rvs(ss.uids(uids))`` gives for an ``ss.normal``, without SciPy's overhead.

    Under common random numbers Starsim 3.7 turns one hashed uniform per
    agent slot into a normal variate through SciPy's ``norm.ppf``, which is
    ``ndtri(q) * scale + loc`` (in the uniforms' float32, then float64) after
    argument checks that cost about a millisecond a call: about a twentieth
    of a 10 million-agent run, for the few hundred people a week who start
    using. This does the same arithmetic on the same uniforms and moves the
    draw index on as ``uniforms`` does. Anything but a plain ``ss.normal``
    with numeric ``loc`` and ``scale`` goes through ``Dist.rvs``;
    ``tests/model/test_population_speed.py`` checks the two give the same
    numbers.
    """
    loc, scale = dist.pars.get("loc"), dist.pars.get("scale")
    plain = (
        type(dist) is ss.normal
        and isinstance(loc, int | float)
        and isinstance(scale, int | float)
        and scale > 0
    )
    if not plain or not _plain_crn(dist):
        return np.asarray(dist.rvs(ss.uids(uids)), dtype=np.float64)
    quantiles = _hashed_uniforms(dist, uids)
    z = np.asarray(special.ndtri(quantiles)).astype(np.float64)
    return np.asarray(z * float(scale) + float(loc))


def classify(stage: Ints, peak: Ints, days_since_use: Floats) -> Ints:
    """Stage codes (index into STAGES) as the person model would name them.

    Mirrors DESIGN.md's first-match order: people whose peak was regular or
    worse and who last used 30+ days ago are abstinent or in remission; lighter
    users become ``past-use`` after a year; everyone else is at their active stage.
    """
    rules = _stage_days()
    heavy = peak >= REGULAR
    return np.select(
        [
            stage == 0,
            heavy & (days_since_use >= rules.sustained),
            heavy & (days_since_use >= rules.early_remission),
            heavy & (days_since_use >= rules.stopped),
            ~heavy & (days_since_use >= rules.past_use),
        ],
        [
            STAGE_CODE["no-use"],
            STAGE_CODE["sustained-remission"],
            STAGE_CODE["early-remission"],
            STAGE_CODE["early-abstinence"],
            STAGE_CODE["past-use"],
        ],
        default=stage,
    ).astype(np.int64)


@dataclass(frozen=True)
class _StageDays:
    stopped: int
    early_remission: int
    sustained: int
    past_use: int


def _stage_days() -> _StageDays:
    stages = rules().stages
    return _StageDays(
        stages.stopped_after_days,
        stages.early_remission_after_days,
        stages.sustained_remission_after_days,
        stages.past_use_after_days,
    )


def table_parameters(tables: tuple[str, ...], overrides: dict[str, Any]) -> dict[str, Any]:
    """The parameters of these ``population.toml`` tables under their TOML names, overridden.

    Vectors become arrays. Only names the tables define may be overridden.
    """
    pars: dict[str, Any] = {
        name: np.array(value) if isinstance(value, tuple) else value
        for name, value in population().parameters(*tables).items()
    }
    unknown = set(overrides) - set(pars)
    if unknown:
        raise ValueError(f"unknown use parameter(s): {', '.join(sorted(unknown))}")
    pars.update(overrides)
    return pars


class ClosedCohortError(RuntimeError):
    """Something asked a closed cohort to lose a person (a death or a removal)."""


class ClosedCohort(ss.People):
    """Starsim's ``People`` for a closed cohort: nobody is born, dies or leaves during a run.

    The model follows a fixed population (no demographics module, no
    diseases), yet Starsim's loop still does three passes over every agent
    each step for the deaths that cannot happen: ``step_die`` compares
    ``ti_dead`` and ``ti_removed`` with now, ``remove_dead`` looks for agents
    no longer alive, and ``update_post`` ages the alive ones by fancy
    indexing (``age[alive.uids] += dt``). At 1 million agents those passes
    cost as much as the model's own work (docs/performance.md). Here they are
    constant time, and ageing is one in-place add over the contiguous block
    of agents, which gives the same float32 ages as Starsim's (the same
    addition, element by element; ``tests/model/test_population_speed.py``
    checks it against a plain ``ss.People``).

    The cohort stays closed by construction: asking for a death or a
    removal raises :class:`ClosedCohortError` instead of being ignored, and
    ``init_results`` (the last step of ``Sim.init``) refuses a sim that has
    demographics or diseases.
    """

    def init_results(self) -> None:
        super().init_results()
        sim = self.sim
        if len(sim.demographics) or len(sim.diseases):
            raise ClosedCohortError(
                "a closed cohort has no births, deaths or diseases; use ss.People for those"
            )
        if len(self.auids) != len(self.uid) or not np.array_equal(
            self.auids, np.arange(len(self.auids))
        ):
            raise ClosedCohortError("a closed cohort starts with agents 0..n-1, all alive")

    def request_death(self, uids: Any) -> None:
        raise ClosedCohortError("nobody dies in a closed cohort")

    def request_removal(self, uids: Any) -> None:
        raise ClosedCohortError("nobody leaves a closed cohort")

    def step_die(self) -> ss.uids:
        """No deaths or removals: nothing can request one (see the class docstring)."""
        return ss.uids()

    def remove_dead(self) -> None:
        """Nobody to remove: everyone stays alive."""

    def update_post(self) -> None:
        """Age every agent by one step, as ``People.update_post`` does for the alive ones."""
        if self.sim.pars.use_aging:
            self.age.raw[: len(self.auids)] += self.sim.t.dt_year


class PeerNetwork(ss.RandomNet):
    """Peers who meet in social settings: a static random network among young adults.

    Static (built once) because friendship groups change slowly compared with a
    10-year horizon, and a static network lets the use module index neighbours
    once instead of rebuilding edges every week.
    """

    def __init__(self, contacts: float | None = None, **kwargs: Any) -> None:
        init = population().initiation
        mean = init.peer_contacts.value if contacts is None else contacts
        super().__init__(
            name="peers",
            n_contacts=ss.poisson(lam=mean),
            dynamic=False,
            age_range=[init.peer_min_age.value, init.peer_max_age.value],
            **kwargs,
        )

    def neighbour_index(self, n_agents: int) -> NeighbourIndex:
        """Every agent's neighbours, built once from the static edge list (see ``NeighbourIndex``)."""
        return NeighbourIndex.from_edges(
            np.asarray(self.edges.p1, dtype=np.int64),
            np.asarray(self.edges.p2, dtype=np.int64),
            n_agents,
        )


def _stable_argsort(keys: Ints, n_values: int) -> Ints:
    """``np.argsort(keys, kind="stable")`` for keys in ``[0, n_values)``, by 16-bit radix passes.

    NumPy sorts 16-bit integers with a radix sort, so a least-significant-digit
    pass per 16 bits is several times faster than the merge sort it uses for
    64-bit keys, and gives the identical (stable) order.
    """
    order = np.arange(len(keys), dtype=np.int64)
    shift = 0
    while True:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
        if (max(n_values - 1, 0) >> shift) == 0:
            return order


def sorted_union(into: Ints, more: Ints) -> Ints:
    """``np.union1d(into, more)`` for sorted unique arrays, by inserting ``more`` into ``into``.

    ``np.union1d`` concatenates and deduplicates with NumPy 2.4's hash-based
    unique, which takes tens of milliseconds for the tens of thousands of
    users at 10 million agents; the user index only grows by this step's
    first uses, so a binary search and one insert give the same array
    hundreds of times faster.
    """
    if not len(more):
        return into
    at = np.searchsorted(into, more)
    inside = at < len(into)
    present = np.zeros(len(more), dtype=bool)
    present[inside] = into[at[inside]] == more[inside]
    return np.insert(into, at[~present], more[~present])


def _pointer(keys: Ints, n_agents: int, base: int = 0) -> Ints:
    """Where each agent's block starts once ``keys`` are sorted (any order of ``keys`` will do)."""
    pointer = np.full(n_agents + 1, base, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_agents), out=pointer[1:])
    pointer[1:] += base
    return pointer


def _id_dtype(n_agents: int) -> type[np.int32] | type[np.int64]:
    """32-bit agent ids when every id fits, else 64-bit."""
    return np.int32 if n_agents <= np.iinfo(np.int32).max else np.int64


@dataclass(frozen=True)
class NeighbourIndex:
    """Neighbours of each agent in a static undirected network, in two CSR halves.

    An agent's neighbours are the far ends of the edges where it is ``p1``
    (edge order), then of those where it is ``p2`` (edge order): the order a
    stable sort of the doubled edge list by agent gives, which fixes the order
    in which peer exposures are summed. ``out_pointer`` indexes the first half
    of ``neighbours`` and ``in_pointer`` the second. Neighbours are agent ids,
    stored in 32 bits when the population allows (two edge ends per edge: 40
    million at 10 million agents, 160 MB saved).
    """

    out_pointer: Ints
    in_pointer: Ints
    neighbours: Ids

    @classmethod
    def from_edges(cls, p1: Ints, p2: Ints, n_agents: int) -> NeighbourIndex:
        """The index of an edge list (20 million edges at 10 million agents, so lean on memory).

        Each half's pointer counts edge ends per agent, which does not depend
        on their order, so only the far ends are reordered, straight into one
        preallocated array of 32-bit ids.
        """
        keep = p1 != p2
        if not bool(keep.all()):
            p1, p2 = p1[keep], p2[keep]
        del keep
        n_edges = len(p1)
        neighbours = np.empty(2 * n_edges, dtype=_id_dtype(n_agents))
        if n_edges > 1 and bool(np.any(p1[1:] < p1[:-1])):  # Starsim builds p1 sorted
            neighbours[:n_edges] = p2[_stable_argsort(p1, n_agents)]
        else:
            neighbours[:n_edges] = p2
        neighbours[n_edges:] = p1[_stable_argsort(p2, n_agents)]
        return cls(
            out_pointer=_pointer(p1, n_agents),
            in_pointer=_pointer(p2, n_agents, base=n_edges),
            neighbours=neighbours,
        )

    def expand(self, agents: Ints) -> tuple[Ids, Ints]:
        """The neighbours of ``agents``, one block per agent in order, and each block's size."""
        out_start = self.out_pointer[agents]
        out_count = self.out_pointer[agents + 1] - out_start
        in_start = self.in_pointer[agents]
        in_count = self.in_pointer[agents + 1] - in_start
        starts = np.column_stack([out_start, in_start]).ravel()
        counts = np.column_stack([out_count, in_count]).ravel()
        ends = np.cumsum(counts)
        offsets = np.repeat(starts - ends + counts, counts) + np.arange(
            int(ends[-1]) if len(ends) else 0
        )
        return self.neighbours[offsets], out_count + in_count


class KetamineUse(ss.Module):
    """Initiation, frequency bands, stages, stopping, relapse and tolerance."""

    TABLES = ("initiation", "use", "tolerance")
    """The ``population.toml`` tables whose parameters this module reads, under their names."""

    def __init__(self, pars: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name="ketamine")
        self.define_pars(**table_parameters(self.TABLES, dict(pars or {}, **kwargs)))
        self.define_states(
            code_state("stage", default=0),
            code_state("peak", default=0),
            code_state("band", default=RARE),
            ss.BoolArr("using", default=False),
            ss.FloatArr("use_days", default=0.0),
            ss.FloatArr("ti_initiated"),
            ss.FloatArr("ti_last_use"),
            ss.FloatArr("ti_stopped"),
            ss.FloatArr("ti_relapse"),
            count_state("failed_quits"),
            count_state("relapses"),
            ss.BoolArr("relapsed", default=False),
            ss.FloatArr("tolerance", default=0.0),
            ss.FloatArr("rel_escalation", default=1.0),
            ss.FloatArr("rel_stop", default=1.0),
            ss.FloatArr("rel_relapse", default=1.0),
        )
        for name in (
            "init_a",
            "init_b",
            "init_c",
            "init_d",
            "band_draw",
            "dependence_draw",
            "stop_draw",
            "quit_draw",
            "quit_success_draw",
            "relapse_draw",
            "peer_draw",
        ):
            setattr(self, name, ss.random(name=name))
        self.users: Ints = np.empty(0, dtype=np.int64)
        self.schedule_ti: Ints = np.empty(0, dtype=np.int64)
        self.schedule_uid: Ints = np.empty(0, dtype=np.int64)
        self.schedule_next = 0
        self.peers: NeighbourIndex | None = None
        self.started: Ints = np.empty(0, dtype=np.int64)  # first uses at step ``started_ti``
        self.started_ti = -1
        self._recent: Ints = np.empty(0, dtype=np.int64)  # past-year users at step ``_recent_ti``
        self._dependent: Ints = np.empty(0, dtype=np.int64)  # dependent past-year users, same step
        self._recent_ti = -1
        self._stage_results: list[Any] = []

    # ------------------------------------------------------------ set-up

    def init_results(self) -> None:
        super().init_results()
        self.define_results(
            ss.Result("lifetime", dtype=int, scale=True, label="Lifetime users"),
            ss.Result("past_year", dtype=int, scale=True, label="Past-year users"),
            ss.Result("adults", dtype=int, scale=True, label="Adults"),
            ss.Result("adult_past_year", dtype=int, scale=True, label="Adult past-year users"),
            ss.Result("dependent", dtype=int, scale=True, label="Dependent past-year users"),
            ss.Result(
                "dependent_grams",
                dtype=float,
                scale=False,
                label="Grams per use-day, summed over dependent past-year users",
            ),
            ss.Result("new_users", dtype=int, scale=True, label="First uses"),
            *(
                ss.Result(f"band_{band}", dtype=int, scale=True, label=f"Past-year {band} users")
                for band in ("monthly", "weekly", "near_daily")
            ),
            *(
                ss.Result(f"stage_{name.replace('-', '_')}", dtype=int, scale=True, label=name)
                for name in STAGES[1:]
            ),
        )
        self._stage_results = [
            self.results[f"stage_{name.replace('-', '_')}"] for name in STAGES[1:]
        ]

    def init_post(self) -> None:
        super().init_post()
        n_agents = len(self.sim.people)
        everyone = ss.uids(np.arange(n_agents))
        self._seed_initial_users(everyone)
        self._schedule_background(everyone)

    def _seed_initial_users(self, everyone: ss.uids) -> None:
        """Start with lifetime users aged 16-64, some of them using now (REFERENCE.md priors)."""
        p = self.pars
        age = np.asarray(self.sim.people.age.raw[: len(everyone)])
        draw = self.init_a.rvs(everyone)
        chosen = np.flatnonzero((age >= 16) & (age < 65) & (draw < p.initial_lifetime))
        if not len(chosen):
            return
        uids = ss.uids(chosen)
        u_active, u_band, u_more = (
            self.init_b.rvs(uids),
            self.init_c.rvs(uids),
            self.init_d.rvs(uids),
        )
        active = u_active < p.initial_past_year
        band = np.searchsorted(np.cumsum(p.initial_bands), u_band * p.initial_bands.sum())
        band = np.minimum(band, NEAR_DAILY).astype(np.int64)
        lifetime_days = np.array([3.0, 20.0, 150.0, 500.0])[band]
        stage = np.where(band >= WEEKLY, REGULAR, np.where(lifetime_days > 5, OCCASIONAL, 1))
        dependent = (band >= WEEKLY) & (u_more < np.where(band == NEAR_DAILY, 0.6, 0.25))
        stage = np.where(dependent, DEPENDENT, stage)
        steps_per_year = 1.0 / self.t.dt_year
        stopped_ago = np.where(active, 0.0, (1.0 + 9.0 * u_more) * steps_per_year)
        self.stage.raw[chosen] = stage
        self.peak.raw[chosen] = stage
        self.band.raw[chosen] = np.where(active, band, np.minimum(band, MONTHLY))
        self.using.raw[chosen] = active
        self.use_days.raw[chosen] = lifetime_days
        self.ti_initiated.raw[chosen] = -stopped_ago - steps_per_year
        self.ti_last_use.raw[chosen] = -stopped_ago
        self.ti_stopped.raw[chosen] = np.where(active, np.nan, -stopped_ago)
        self.failed_quits.raw[chosen] = np.where(dependent & (band == NEAR_DAILY), 2, 0)
        self.tolerance.raw[chosen] = np.where(active, p.levels[band], 0.0)
        self._add_users(chosen)

    def _schedule_background(self, everyone: ss.uids) -> None:
        """Draw each never-user's age at first use from the cumulative age-specific hazard."""
        p = self.pars
        n_agents = len(everyone)
        age = np.asarray(self.sim.people.age.raw[:n_agents], dtype=np.float64)
        male = ~np.asarray(self.sim.people.female.raw[:n_agents], dtype=bool)
        edges = np.asarray(p.age_edges, dtype=np.float64)
        cumulative = np.concatenate(([0.0], np.cumsum(np.diff(edges) * p.age_weights)))
        cumulative *= p.background_rate
        needed = -np.log(np.maximum(self.init_b.rvs(everyone), 1e-300))
        needed /= np.where(male, p.male_ratio, 1.0)
        reached = np.interp(age, edges, cumulative) + needed
        possible = (reached < cumulative[-1]) & (self.stage.raw[:n_agents] == 0)
        onset_age = np.interp(reached[possible], cumulative, edges)
        steps = np.ceil((onset_age - age[possible]) / self.t.dt_year).astype(np.int64)
        uids = np.flatnonzero(possible)
        in_run = steps < self.t.npts
        order = np.argsort(steps[in_run], kind="stable")
        self.schedule_ti = steps[in_run][order]
        self.schedule_uid = uids[in_run][order]

    def _add_users(self, uids: Ints) -> None:
        self.users = sorted_union(self.users, uids)

    # ------------------------------------------------------------ one step

    def step(self) -> None:
        ti = self.ti
        active = self.users[self.using.raw[self.users]]
        new = self._initiations(ti, active)
        if len(new):
            self._start_using(new, ti)
            active = self.users[self.using.raw[self.users]]
        if len(active):
            self._use(active, ti)
        self._relapse(ti)
        self._tolerance()

    def _initiations(self, ti: int, active: Ints) -> Ints:
        """First uses this step: scheduled background starts and peer starts."""
        end = np.searchsorted(self.schedule_ti, ti, side="right")
        background = self.schedule_uid[self.schedule_next : end]
        self.schedule_next = int(end)
        peer = self._peer_initiations(active)
        if not len(peer) and not len(background):
            return np.empty(0, dtype=np.int64)
        new = sorted_union(np.sort(background), peer)  # both unique; np.union1d's result
        return np.asarray(new[self.stage.raw[new] == 0], dtype=np.int64)

    def _peer_initiations(self, active: Ints) -> Ints:
        """Never-users whose peers use in social settings may start (combined edge hazard).

        The neighbour index is built once (the network is static); each step
        expands only the current users' neighbours.
        """
        if self.pars.peer_rate <= 0 or not len(active):
            return np.empty(0, dtype=np.int64)
        if self.peers is None:
            self.peers = self.sim.networks["peers"].neighbour_index(len(self.sim.people))
        targets, counts = self.peers.expand(active)
        if not len(targets):
            return np.empty(0, dtype=np.int64)
        stage = self.stage.raw
        # Active users are at stages 1..5; social_weight has one value per active stage.
        edge_weight = np.repeat(self.pars.social_weight[stage[active] - 1], counts)
        open_ = stage[targets] == 0
        targets, edge_weight = targets[open_], edge_weight[open_]
        if not len(targets):
            return np.empty(0, dtype=np.int64)
        # Sort-based, and on 32-bit ids: NumPy 2.4's hash-based unique (what
        # np.unique does without return_inverse) is several times slower here.
        unique, inverse = np.unique(targets, return_inverse=True)
        exposure = np.bincount(inverse, weights=edge_weight)
        prob = hazard_to_prob(self.pars.peer_rate * exposure, self.t.dt_year)
        return np.asarray(unique[uniforms(self.peer_draw, unique) < prob], dtype=np.int64)

    def _start_using(self, new: Ints, ti: int) -> None:
        self.stage.raw[new] = EXPERIMENTAL
        self.peak.raw[new] = np.maximum(self.peak.raw[new], EXPERIMENTAL)
        self.band.raw[new] = RARE
        self.using.raw[new] = True
        self.ti_initiated.raw[new] = ti
        self.results.new_users[ti] += len(new)
        self.started, self.started_ti = new, ti
        self._add_users(new)

    def _use(self, active: Ints, ti: int) -> None:
        p, dt = self.pars, self.t.dt_year
        band = self.band.raw[active]
        self.use_days.raw[active] += p.use_days_per_week[band] * dt * DAYS_PER_YEAR / 7.0
        self.ti_last_use.raw[active] = ti
        self._change_band(active, band)
        self._progress(active)
        self._stop_or_fail(active, ti)

    def _change_band(self, active: Ints, band: Ints) -> None:
        p, dt = self.pars, self.t.dt_year
        up_rate = np.where(band < NEAR_DAILY, p.escalation_rates[np.minimum(band, 2)], 0.0)
        down_rate = np.where(band > RARE, p.deescalation_rates[np.maximum(band - 1, 0)], 0.0)
        up = hazard_to_prob(up_rate * self.rel_escalation.raw[active], dt)
        down = hazard_to_prob(down_rate, dt)
        draw = uniforms(self.band_draw, active)
        self.band.raw[active] = band + (draw < up) - (draw > 1.0 - down)

    def _progress(self, active: Ints) -> None:
        """Stages from band, lifetime use-days, dependence onset and the addiction cycle."""
        p, dt = self.pars, self.t.dt_year
        band, stage = self.band.raw[active], self.stage.raw[active]
        casual = np.where(
            self.use_days.raw[active] > p.experimental_max_use_days, OCCASIONAL, EXPERIMENTAL
        )
        light = np.where(band >= WEEKLY, REGULAR, casual)
        rate = np.where(band == NEAR_DAILY, p.near_daily_dependence_ratio, 1.0) * p.dependence_rate
        at_risk = (band >= WEEKLY) & (stage < DEPENDENT)
        onset = at_risk & (
            uniforms(self.dependence_draw, active)
            < hazard_to_prob(rate * self.rel_escalation.raw[active], dt)
        )
        dependent = (stage >= DEPENDENT) | onset
        cycle = (
            dependent
            & (band == NEAR_DAILY)
            & ((self.failed_quits.raw[active] >= 2) | self.relapsed.raw[active])
        )
        stage = np.where(dependent & (band >= WEEKLY), DEPENDENT, light)
        stage = np.where(cycle, ADDICTION, stage)
        self.stage.raw[active] = stage
        self.peak.raw[active] = np.maximum(self.peak.raw[active], stage)

    def _stop_or_fail(self, active: Ints, ti: int) -> None:
        """Light users stop at stage-specific rates; dependent users try to quit."""
        p, dt = self.pars, self.t.dt_year
        stage = self.stage.raw[active]
        dependent = stage >= DEPENDENT
        casual_rate = p.stop_rates[np.clip(stage - 1, 0, 2)] * self.rel_stop.raw[active]
        light_stop = ~dependent & (
            uniforms(self.stop_draw, active) < hazard_to_prob(casual_rate, dt)
        )
        attempt = dependent & (
            uniforms(self.quit_draw, active) < hazard_to_prob(p.quit_attempt_rate, dt)
        )
        trying = active[attempt]
        success = np.minimum(p.quit_success * self.rel_stop.raw[trying], 1.0)
        lasts = uniforms(self.quit_success_draw, trying) < success
        self.failed_quits.raw[trying[~lasts]] += 1
        self.stop(np.concatenate([active[light_stop], trying[lasts]]), ti)

    def stop(self, uids: Ints, ti: int) -> None:
        """Stop using now (also called by treatment entry)."""
        self.using.raw[uids] = False
        self.ti_stopped.raw[uids] = ti

    def resume(self, uids: Ints, ti: int) -> None:
        """Use again after a stop: heavy users come back at weekly+ and count a relapse."""
        heavy = self.peak.raw[uids] >= DEPENDENT
        self.using.raw[uids] = True
        self.relapses.raw[uids] += 1
        self.ti_relapse.raw[uids] = ti
        self.relapsed.raw[uids] |= heavy
        self.band.raw[uids] = np.where(
            heavy, np.maximum(self.band.raw[uids], WEEKLY), self.band.raw[uids]
        )
        self.stage.raw[uids] = np.where(heavy, DEPENDENT, self.stage.raw[uids])

    def _relapse(self, ti: int) -> None:
        p, dt = self.pars, self.t.dt_year
        stopped = self.users[~self.using.raw[self.users]]
        treatment = self.sim.custom.get("treatment") if hasattr(self.sim, "custom") else None
        if treatment is not None:
            stopped = stopped[~treatment.in_treatment.raw[stopped]]
        if not len(stopped):
            return
        peak = self.peak.raw[stopped]
        years = (ti - self.ti_stopped.raw[stopped]) * dt
        heavy_rate = p.relapse_rate * np.exp(-years / p.relapse_decay)
        heavy_rate *= np.where(peak >= DEPENDENT, p.dependent_relapse_ratio, 1.0)
        rate = np.where(peak >= REGULAR, heavy_rate, p.casual_resume_rate)
        rate *= self.rel_relapse.raw[stopped]
        back = stopped[uniforms(self.relapse_draw, stopped) < hazard_to_prob(rate, dt)]
        if len(back):
            self.resume(back, ti)
            if treatment is not None:
                treatment.note_relapse(back, ti)

    def _tolerance(self) -> None:
        """Tolerance relaxes toward its band's level while using and fades after stopping."""
        p, dt = self.pars, self.t.dt_year
        users = self.users
        using = self.using.raw[users]
        level = np.where(using, p.levels[self.band.raw[users]], 0.0)
        tolerance = self.tolerance.raw[users]
        time = np.where(level > tolerance, p.build_time, p.fade_time)
        self.tolerance.raw[users] = level + (tolerance - level) * np.exp(-dt / time)

    # ------------------------------------------------------------ exposure and results

    def grams_per_use_day(self, uids: Ints) -> Floats:
        """Ketamine taken on a use-day at the current band and tolerance (model exposure, not advice)."""
        p = self.pars
        band = self.band.raw[uids]
        per_day = p.base_dose_mg * p.sessions_per_use_day[band] * (1.0 + self.tolerance.raw[uids])
        return np.asarray(per_day / 1000.0)

    def grams_per_year(self, uids: Ints) -> Floats:
        """Ketamine used per year at the current band, dose and tolerance (0 when stopped)."""
        use_days = self.pars.use_days_per_week[self.band.raw[uids]] * DAYS_PER_YEAR / 7.0
        grams = self.grams_per_use_day(uids) * use_days
        return np.asarray(np.where(self.using.raw[uids], grams, 0.0))

    def days_since_use(self, uids: Ints) -> Floats:
        return np.asarray((self.ti - self.ti_last_use.raw[uids]) * self.t.dt_year * DAYS_PER_YEAR)

    def past_year(self, uids: Ints) -> Bools:
        return np.asarray(self.days_since_use(uids) < DAYS_PER_YEAR)

    def stage_codes(self, uids: Ints) -> Ints:
        return classify(self.stage.raw[uids], self.peak.raw[uids], self.days_since_use(uids))

    def recent_users(self) -> Ints:
        """Past-year users now (reused from this step's ``update_results`` once it has run)."""
        if self._recent_ti == self.ti:
            return self._recent
        return self.users[self.past_year(self.users)]

    def dependent_users(self) -> Ints:
        """Past-year users at the dependent or addiction-cycle stage now (used in the last 30 days)."""
        if self._recent_ti == self.ti:
            return self._dependent
        recent = self.recent_users()
        return recent[_is_dependent(self.stage_codes(recent))]

    def update_results(self) -> None:
        super().update_results()
        ti, res, users = self.ti, self.results, self.users
        days = self.days_since_use(users)
        is_recent = days < DAYS_PER_YEAR
        recent = users[is_recent]
        codes = classify(self.stage.raw[users], self.peak.raw[users], days)
        dependent = recent[_is_dependent(codes[is_recent])]
        self._recent, self._dependent, self._recent_ti = recent, dependent, ti
        res.lifetime[ti] = len(users)
        res.past_year[ti] = len(recent)
        adult_age = population().population.adult_age.value
        if ti == 0 or ti == self.t.npts - 1 or ti % 13 == 0:
            res.adults[ti] = int(
                (self.sim.people.age.raw[: len(self.sim.people)] >= adult_age).sum()
            )
        else:
            res.adults[ti] = res.adults[ti - 1]
        res.adult_past_year[ti] = int((self.sim.people.age.raw[recent] >= adult_age).sum())
        res.dependent[ti] = len(dependent)
        res.dependent_grams[ti] = float(self.grams_per_use_day(dependent).sum())
        bands = np.bincount(self.band.raw[recent], minlength=NEAR_DAILY + 1)
        res.band_monthly[ti] = int(bands[RARE] + bands[MONTHLY])
        res.band_weekly[ti] = int(bands[WEEKLY])
        res.band_near_daily[ti] = int(bands[NEAR_DAILY])
        counts = np.bincount(codes, minlength=len(STAGES))
        for code, result in enumerate(self._stage_results, start=1):
            result[ti] = counts[code]


def _is_dependent(codes: Ints) -> Bools:
    return np.asarray((codes == STAGE_CODE["dependent"]) | (codes == STAGE_CODE["addiction-cycle"]))


class BladderHarm(ss.Module):
    """Urinary harm that grows with grams used and heals after stopping, over a background.

    Harm relaxes toward ``harm_per_gram x grams_per_year x heal_time``; each user
    has a lognormal threshold above which they have urinary symptoms
    (Winstock 2012: symptoms rise with frequency and dose and often improve
    after stopping). Apart from that, everyone has a fixed chance of urinary
    symptoms that ketamine did not cause (``background``; Erowid 2013 found
    them in about a quarter of never-users). ``urinary`` is ketamine-caused;
    any-cause symptoms are ``urinary | background``, which is what user
    surveys measure.
    """

    TABLES = ("bladder",)
    """The ``population.toml`` tables whose parameters this module reads, under their names."""

    def __init__(self, pars: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name="bladder")
        self.define_pars(**table_parameters(self.TABLES, {}))
        self.update_pars(pars, **kwargs)
        self.define_states(
            ss.FloatArr("harm", default=0.0),
            ss.FloatArr("threshold", default=1.0),
            ss.BoolArr("urinary", default=False),
            ss.BoolArr("background", default=False),
            ss.FloatArr("ti_urinary_onset"),
        )
        self.threshold_draw = ss.normal(name="threshold_draw")
        self.background_draw = ss.random(name="background_draw")
        self.background_total = 0

    def init_results(self) -> None:
        super().init_results()
        self.define_results(
            ss.Result(
                "urinary_past_year",
                dtype=int,
                scale=True,
                label="Past-year users with urinary symptoms",
            ),
            *(
                ss.Result(
                    f"urinary_{band}", dtype=int, scale=True, label=f"Urinary symptoms, {band}"
                )
                for band in ("monthly", "weekly", "near_daily")
            ),
            ss.Result(
                "urinary_any_past_year",
                dtype=int,
                scale=True,
                label="Past-year users with urinary symptoms of any cause",
            ),
            ss.Result(
                "urinary_dependent",
                dtype=int,
                scale=True,
                label="Dependent past-year users with ketamine urinary symptoms",
            ),
            ss.Result(
                "urinary_any_dependent",
                dtype=int,
                scale=True,
                label="Dependent past-year users with urinary symptoms of any cause",
            ),
            ss.Result("never_users", dtype=int, scale=True, label="Never-users"),
            ss.Result(
                "background_never_users",
                dtype=int,
                scale=True,
                label="Never-users with (background) urinary symptoms",
            ),
        )

    def init_post(self) -> None:
        super().init_post()
        use: KetamineUse = self.sim.custom["ketamine"]
        users = use.users
        n_agents = len(self.sim.people)
        everyone = ss.uids(np.arange(n_agents))
        background = np.asarray(self.background_draw.rvs(everyone)) < (
            self.pars.background_prevalence
        )
        self.background.raw[:n_agents] = background
        self.background_total = int(background.sum())  # fixed: a closed cohort
        self.threshold.raw[:n_agents] = 1.0
        if len(users):
            z = self.threshold_draw.rvs(ss.uids(users))
            self.threshold.raw[users] = np.exp(self.pars.threshold_sigma * z)
            self.harm.raw[users] = self._steady(use, users)

    def _steady(self, use: KetamineUse, users: Ints) -> Floats:
        return np.asarray(self.pars.harm_per_gram * use.grams_per_year(users) * self.pars.heal_time)

    def step(self) -> None:
        use: KetamineUse = self.sim.custom["ketamine"]
        users = use.users
        if not len(users):
            return
        # First users this step (never users before, so no harm and no onset yet).
        fresh = use.started if use.started_ti == self.ti else users[:0]
        fresh = fresh[np.isnan(self.ti_urinary_onset.raw[fresh]) & (self.harm.raw[fresh] == 0)]
        if len(fresh):
            z = normals(self.threshold_draw, fresh)
            self.threshold.raw[fresh] = np.exp(self.pars.threshold_sigma * z)
        decay = np.exp(-self.t.dt_year / self.pars.heal_time)
        steady = self._steady(use, users)
        self.harm.raw[users] = steady + (self.harm.raw[users] - steady) * decay
        symptomatic = self.harm.raw[users] > self.threshold.raw[users]
        onset = users[symptomatic & ~self.urinary.raw[users]]
        self.ti_urinary_onset.raw[onset] = self.ti
        self.urinary.raw[users] = symptomatic

    def update_results(self) -> None:
        super().update_results()
        use: KetamineUse = self.sim.custom["ketamine"]
        recent, dependent = use.recent_users(), use.dependent_users()
        band = use.band.raw[recent[self.urinary.raw[recent]]]
        counts = np.bincount(band, minlength=NEAR_DAILY + 1)
        ti, res = self.ti, self.results
        res.urinary_past_year[ti] = len(band)
        res.urinary_monthly[ti] = int(counts[RARE] + counts[MONTHLY])
        res.urinary_weekly[ti] = int(counts[WEEKLY])
        res.urinary_near_daily[ti] = int(counts[NEAR_DAILY])
        res.urinary_any_past_year[ti] = int(self.any_cause(recent).sum())
        res.urinary_dependent[ti] = int(self.urinary.raw[dependent].sum())
        res.urinary_any_dependent[ti] = int(self.any_cause(dependent).sum())
        res.never_users[ti] = len(self.sim.people) - len(use.users)
        res.background_never_users[ti] = self.background_total - int(
            self.background.raw[use.users].sum()
        )

    def any_cause(self, uids: Ints) -> Bools:
        """Urinary symptoms of any cause: ketamine harm or the background."""
        return np.asarray(self.urinary.raw[uids] | self.background.raw[uids])


def structural_relapse(years: float, *, exit_relapse_ratio: float = 1.0) -> float:
    """Share of treatment completers who relapse within ``years``, from the parameters alone.

    Completers were dependent, so their relapse hazard is ``relapse_rate x
    dependent_relapse_ratio x post_treatment_relapse_ratio`` falling as
    ``exp(-t / relapse_decay)``; integrated, it gives this closed form. The
    simulated share scatters around it (weekly steps, and few completers in a
    small run).
    """
    knowledge = population()
    use, treatment = knowledge.use, knowledge.treatment
    peak_rate = (
        use.relapse_rate.value
        * use.dependent_relapse_ratio.value
        * treatment.post_treatment_relapse_ratio.value
        * exit_relapse_ratio
    )
    decay = use.relapse_decay.value
    return float(-np.expm1(-peak_rate * decay * -np.expm1(-years / decay)))


class Treatment(ss.Module):
    """Treatment entry, retention and exit, and relapse in the year after completing it.

    People who drop out resume use at once (``treatment_dropouts``); they are
    not treatment completers, so relapse after treatment counts completers only.
    """

    TABLES = ("treatment",)
    """The ``population.toml`` tables whose parameters this module reads, under their names."""

    def __init__(self, pars: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(name="treatment")
        self.define_pars(
            **table_parameters(self.TABLES, {}),
            # The scenarios' levers (interventions.py), neutral unless a scenario sets them.
            entry_ratio=1.0,
            early_entry_rate=0.0,
            dropout_ratio=1.0,
            exit_relapse_ratio=1.0,
        )
        self.update_pars(pars, **kwargs)
        self.define_states(
            ss.BoolArr("in_treatment", default=False),
            ss.FloatArr("ti_treatment_end"),
            ss.FloatArr("ti_treatment_exit"),
            count_state("entries"),
        )
        self.entry_draw = ss.random(name="entry_draw")
        self.early_draw = ss.random(name="early_draw")
        self.dropout_draw = ss.random(name="dropout_draw")

    def init_results(self) -> None:
        super().init_results()
        self.define_results(
            ss.Result("treatment_entries", dtype=int, scale=True, label="Treatment entries"),
            ss.Result("treatment_exits", dtype=int, scale=True, label="Completed treatments"),
            ss.Result("treatment_dropouts", dtype=int, scale=True, label="Treatments left early"),
            ss.Result(
                "relapses_1y_by_exit",
                dtype=int,
                scale=True,
                label="Relapses within a year, by exit step",
            ),
            ss.Result("in_treatment_now", dtype=int, scale=True, label="In treatment"),
        )

    def step(self) -> None:
        use: KetamineUse = self.sim.custom["ketamine"]
        ti = self.ti
        self._finish(use, ti)
        self._dropout(use, ti)
        active = use.users[use.using.raw[use.users]]
        if not len(active):
            return
        stage = use.stage.raw[active]
        rate = np.where(stage >= DEPENDENT, self.pars.entry_rate * self.pars.entry_ratio, 0.0)
        rate = np.where(stage == ADDICTION, rate * self.pars.addiction_cycle_entry_ratio, rate)
        enter = uniforms(self.entry_draw, active) < hazard_to_prob(rate, self.t.dt_year)
        if self.pars.early_entry_rate > 0:
            bladder: BladderHarm = self.sim.custom["bladder"]
            early = (stage == REGULAR) & bladder.urinary.raw[active]
            p_early = hazard_to_prob(self.pars.early_entry_rate, self.t.dt_year)
            enter |= early & (uniforms(self.early_draw, active) < p_early)
        self.enter(active[enter], ti)

    def enter(self, uids: Ints, ti: int) -> None:
        """Start treatment now: use stops for its duration unless the person drops out."""
        use: KetamineUse = self.sim.custom["ketamine"]
        uids = uids[~self.in_treatment.raw[uids]]
        if not len(uids):
            return
        use.stop(uids, ti)
        self.in_treatment.raw[uids] = True
        self.ti_treatment_end.raw[uids] = ti + self.pars.duration / self.t.dt_year
        self.entries.raw[uids] += 1
        self.results.treatment_entries[ti] += len(uids)

    def _finish(self, use: KetamineUse, ti: int) -> None:
        treated = use.users[self.in_treatment.raw[use.users]]  # only users are ever treated
        done = treated[self.ti_treatment_end.raw[treated] <= ti]
        if not len(done):
            return
        self.in_treatment.raw[done] = False
        self.ti_treatment_exit.raw[done] = ti
        use.ti_stopped.raw[done] = ti
        use.rel_relapse.raw[done] = (
            self.pars.post_treatment_relapse_ratio * self.pars.exit_relapse_ratio
        )
        self.results.treatment_exits[ti] += len(done)

    def _dropout(self, use: KetamineUse, ti: int) -> None:
        treated = use.users[self.in_treatment.raw[use.users]]  # only users are ever treated
        if not len(treated):
            return
        rate = self.pars.dropout_rate * self.pars.dropout_ratio
        leave = treated[uniforms(self.dropout_draw, treated) < hazard_to_prob(rate, self.t.dt_year)]
        if len(leave):
            self.in_treatment.raw[leave] = False
            use.resume(leave, ti)
            self.results.treatment_dropouts[ti] += len(leave)

    def note_relapse(self, uids: Ints, ti: int) -> None:
        """Count relapses within a year of completing treatment, against the exit step."""
        exit_ti = self.ti_treatment_exit.raw[uids]
        within = ~np.isnan(exit_ti) & ((ti - exit_ti) * self.t.dt_year <= 1.0)
        if within.any():
            steps = exit_ti[within].astype(np.int64)
            np.add.at(self.results.relapses_1y_by_exit.values, steps, 1)
            self.ti_treatment_exit.raw[uids[within]] = np.nan
        use: KetamineUse = self.sim.custom["ketamine"]
        use.rel_relapse.raw[uids] = 1.0

    def update_results(self) -> None:
        super().update_results()
        self.results.in_treatment_now[self.ti] = int(
            self.in_treatment.raw[self.sim.custom["ketamine"].users].sum()
        )

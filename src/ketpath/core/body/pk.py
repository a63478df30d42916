"""Closed-form pharmacokinetics of racemic ketamine, norketamine and the effect site.

The model is linear (``knowledge/body.toml`` gives the parameters and why they
were chosen), so a dose history is the sum of each dose's response, and each
response is a convolution of exponential kernels: absorption (rate ka), the two
disposition modes of ketamine, then the effect-site link (ke0) or norketamine
elimination (km); a zero-order infusion adds a box, an integral adds a step.
The presystemic share of a dose (what is swallowed and demethylated in gut wall
and liver before it reaches the circulation) enters as norketamine at the oral
route's absorption rate, whatever the route: for a snorted dose that is the part
that runs down the throat, which is absorbed like a swallowed one.
A convolution of exponentials with rates x1..xn equals a divided difference of
exp(-x t) over those rates, which we compute with the neighbour pairs in
``expm1`` form, so coinciding rates (an absorption rate equal to a disposition
rate, say) stay exact instead of dividing by zero.

Superposition is vectorised over (dose, time) pairs. A dose's contribution is
dropped once every exponential in it has decayed by more than 36 e-folds
(below 1e-15 of its own scale); nothing else is approximated.

Doses are milligrams of ketamine hydrochloride as logged, converted to base
(clinical studies state doses as base: convert those with :func:`hydrochloride_mg`).
Nothing here chooses, suggests or inverts a dose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from ketpath.knowledge.body import Body, body

__all__ = [
    "BioavailabilityChoice",
    "Concentrations",
    "DoseHistory",
    "Parameters",
    "active_until",
    "auc_between",
    "auc_windows",
    "concentrations",
    "convolved_exponentials",
    "dose_auc",
    "effect",
    "exposure_memory",
    "first_order_scan",
    "hydrochloride_mg",
    "parameters",
    "route_names",
    "single_dose_summary",
    "superpose",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BioavailabilityChoice = Literal["central", "low", "high"]

#: The route whose absorption rate carries every route's presystemic (swallowed) share.
SWALLOWED_ROUTE = "oral"
#: e-folds after which a dose's remaining contribution is treated as nil.
NEGLIGIBLE_E_FOLDS = 36.0
_MG_PER_L_TO_NG_PER_ML = 1000.0


# ---------------------------------------------------------------- dose history


@cache
def route_names() -> tuple[str, ...]:
    """Route names in code order: an integer route code indexes this tuple."""
    return tuple(body().routes)


@dataclass(frozen=True)
class DoseHistory:
    """Doses as parallel arrays: start times (h), mg of hydrochloride, routes.

    ``routes`` may be names (``"intranasal"``) or integer codes indexing
    :func:`route_names`; they are stored as codes. ``infusion_min`` gives each
    dose's zero-order input duration (0 or ``None`` for a bolus).
    """

    times_h: FloatArray
    mg: FloatArray
    routes: IntArray
    infusion_min: FloatArray | None = None

    def __post_init__(self) -> None:
        times = np.asarray(self.times_h, dtype=np.float64).reshape(-1)
        mg = np.asarray(self.mg, dtype=np.float64).reshape(-1)
        codes = _route_codes(self.routes, len(times))
        if mg.shape != times.shape:
            raise ValueError("times_h and mg must have the same length")
        if not np.all(np.isfinite(times)) or not np.all(np.isfinite(mg)):
            raise ValueError("dose times and amounts must be finite")
        if np.any(mg < 0):
            raise ValueError("dose amounts must not be negative")
        infusion = None
        if self.infusion_min is not None:
            infusion = np.asarray(self.infusion_min, dtype=np.float64).reshape(-1)
            if infusion.shape != times.shape:
                raise ValueError("infusion_min must have one entry per dose")
            if not np.all(np.isfinite(infusion)) or np.any(infusion < 0):
                raise ValueError("infusion durations must be finite and not negative")
        object.__setattr__(self, "times_h", times)
        object.__setattr__(self, "mg", mg)
        object.__setattr__(self, "routes", codes)
        object.__setattr__(self, "infusion_min", infusion)

    def __len__(self) -> int:
        return len(self.times_h)

    def infusion_h(self) -> FloatArray:
        """Infusion duration of each dose in hours (0 for a bolus)."""
        if self.infusion_min is None:
            return np.zeros_like(self.times_h)
        return self.infusion_min / 60.0

    def before(self, time_h: float) -> DoseHistory:
        """The doses that started at or before ``time_h``."""
        return self.select(self.times_h <= time_h)

    def select(self, keep: npt.NDArray[np.bool_]) -> DoseHistory:
        """The doses where ``keep`` is true."""
        infusion = None if self.infusion_min is None else self.infusion_min[keep]
        return DoseHistory(self.times_h[keep], self.mg[keep], self.routes[keep], infusion)


def hydrochloride_mg(base_mg: npt.ArrayLike) -> FloatArray:
    """Milligrams of hydrochloride holding ``base_mg`` of ketamine base.

    Histories take doses as logged powder (hydrochloride); a clinical dose, stated
    as base (Ketalar is labelled as base), goes through this first.
    """
    result: FloatArray = np.asarray(base_mg, dtype=np.float64) / body().dose.base_fraction.value
    return result


def _route_codes(routes: npt.ArrayLike, count: int) -> IntArray:
    names = route_names()
    array = np.asarray(routes).reshape(-1)
    if array.shape != (count,):
        raise ValueError("routes must have one entry per dose")
    if array.dtype.kind in "iu":
        codes = array.astype(np.int64)
        if np.any((codes < 0) | (codes >= len(names))):
            raise ValueError(f"route codes must lie in 0..{len(names) - 1}")
        return codes
    lookup = {name: code for code, name in enumerate(names)}
    try:
        return np.fromiter((lookup[str(name)] for name in array), dtype=np.int64, count=count)
    except KeyError as error:
        raise ValueError(f"unknown route {error.args[0]!r}; known: {', '.join(names)}") from None


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Parameters:
    """Model constants for one body weight (and clearance multiplier), per hour."""

    weight_kg: float
    clearance: float  # L/h
    intercompartmental_clearance: float  # L/h
    central_volume: float  # L
    peripheral_volume: float  # L
    rates: tuple[float, float]  # disposition eigenvalues lambda1 > lambda2, 1/h
    modes: tuple[float, float]  # concentration per mg in central, per mode, 1/L
    ke0: float  # 1/h
    norketamine_rate: float  # km, 1/h
    norketamine_volume: float  # L
    norketamine_formation: float  # fm * mass ratio * CL / Vm, 1/h
    mass_ratio: float
    base_fraction: float
    absorption_rates: FloatArray  # ka per route code, inf for intravenous, 1/h
    swallowed_rate: float  # ka of the presystemic (swallowed) share, every route, 1/h
    presystemic: FloatArray  # presystemic norketamine fraction per route code
    bioavailability: dict[str, FloatArray]  # "central"/"low"/"high" -> per route code

    @property
    def terminal_rate(self) -> float:
        return self.rates[1]


@lru_cache(maxsize=64)
def parameters(weight_kg: float = 70.0, clearance_multiplier: float = 1.0) -> Parameters:
    """The model's constants for ``weight_kg``; ``clearance_multiplier`` scales CL."""
    if not weight_kg > 0:
        raise ValueError("weight_kg must be positive")
    if not clearance_multiplier > 0:
        raise ValueError("clearance_multiplier must be positive")
    knowledge = body()
    return _parameters(knowledge, weight_kg, clearance_multiplier, _absorption_rates())


def _parameters(
    knowledge: Body, weight_kg: float, clearance_multiplier: float, absorption: FloatArray
) -> Parameters:
    pk = knowledge.pk
    size = weight_kg / pk.reference_weight.value
    flow_scale = size**pk.clearance_exponent.value
    volume_scale = size**pk.volume_exponent.value
    clearance = pk.clearance.value * flow_scale * clearance_multiplier
    q = pk.intercompartmental_clearance.value * flow_scale
    v1 = pk.central_volume.value * volume_scale
    v2 = pk.peripheral_volume.value * volume_scale
    k10, k12, k21 = clearance / v1, q / v1, q / v2
    total, product = k10 + k12 + k21, k10 * k21
    root = math.sqrt(total * total - 4.0 * product)
    fast, slow = (total + root) / 2.0, (total - root) / 2.0
    modes = ((k21 - fast) / (v1 * (slow - fast)), (k21 - slow) / (v1 * (fast - slow)))
    nk = knowledge.norketamine
    nk_volume = nk.volume.value * volume_scale
    nk_clearance = nk.clearance.value * flow_scale
    names = tuple(knowledge.routes)
    routes = [knowledge.routes[name] for name in names]
    return Parameters(
        weight_kg=weight_kg,
        clearance=clearance,
        intercompartmental_clearance=q,
        central_volume=v1,
        peripheral_volume=v2,
        rates=(fast, slow),
        modes=modes,
        ke0=math.log(2.0) / (knowledge.effect.t_half_ke0.value / 60.0),
        norketamine_rate=nk_clearance / nk_volume,
        norketamine_volume=nk_volume,
        norketamine_formation=nk.fraction_metabolised.value
        * nk.mass_ratio.value
        * clearance
        / nk_volume,
        mass_ratio=nk.mass_ratio.value,
        base_fraction=knowledge.dose.base_fraction.value,
        absorption_rates=absorption,
        swallowed_rate=float(absorption[names.index(SWALLOWED_ROUTE)]),
        presystemic=np.array([route.presystemic_norketamine.value for route in routes]),
        bioavailability={
            which: np.array([route.bioavailability.pick(which) for route in routes])
            for which in ("central", "low", "high")
        },
    )


@cache
def _absorption_rates() -> FloatArray:
    """ka per route, solved so the 70 kg model peaks at the route's reported Tmax."""
    knowledge = body()
    reference = _parameters(
        knowledge, knowledge.pk.reference_weight.value, 1.0, np.zeros(len(knowledge.routes))
    )
    rates = []
    for route in knowledge.routes.values():
        if route.tmax is None:
            rates.append(math.inf)
        else:
            rates.append(_rate_for_tmax(reference, route.tmax.value / 60.0))
    return np.array(rates)


def _rate_for_tmax(params: Parameters, tmax_h: float) -> float:
    """Bisection on log ka: the model's Tmax falls monotonically as ka rises."""
    low, high = math.log(1e-3), math.log(1e4)
    for _ in range(80):
        middle = (low + high) / 2.0
        if _depot_tmax(params, math.exp(middle)) > tmax_h:
            low = middle
        else:
            high = middle
    return math.exp((low + high) / 2.0)


def _depot_tmax(params: Parameters, ka: float) -> float:
    """Time of the plasma peak after a first-order input (single peak, so bisection)."""

    def slope(t: float) -> float:
        # d/dt (e^-ka * e^-lam)(t) = e^-lam(t) - ka (e^-ka * e^-lam)(t)
        return sum(
            mode * (math.exp(-rate * t) - ka * _pair(ka, rate, t))
            for mode, rate in zip(params.modes, params.rates, strict=True)
        )

    low, high = 0.0, 48.0
    for _ in range(80):
        middle = (low + high) / 2.0
        if slope(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def _pair(a: float, b: float, t: float) -> float:
    """(e^-a * e^-b)(t) for scalars, exact when a and b coincide."""
    low, high = min(a, b), max(a, b)
    gap = (high - low) * t
    factor = -math.expm1(-gap) / gap if gap > 0 else 1.0
    return math.exp(-low * t) * t * factor


# ---------------------------------------------------------------- exponential kernels


def _phi1(z: FloatArray) -> FloatArray:
    """(1 - e^-z) / z, equal to 1 at z = 0."""
    positive = z > 0
    safe = np.where(positive, z, 1.0)
    return np.where(positive, -np.expm1(-safe) / safe, 1.0)


def convolved_exponentials(nodes: FloatArray, t: FloatArray) -> FloatArray:
    """(e^-x1 * ... * e^-xn)(t) for each column: nodes has shape (n, pairs), t >= 0.

    Sorted rates make every higher-order difference divide by the spread of a
    whole group, which is only small when three or more rates coincide; that
    case falls back to the exact limit t^k/k! e^(-x t).
    """
    x = np.sort(nodes, axis=0)
    count = x.shape[0]
    if count == 1:
        result: FloatArray = np.exp(-x[0] * t)
        return result
    level = np.exp(-x[:-1] * t) * t * _phi1((x[1:] - x[:-1]) * t)
    for order in range(2, count):
        spread = x[order:] - x[:-order]
        clustered = spread <= 1e-9 * np.maximum(x[order:], 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            level = (level[:-1] - level[1:]) / np.where(clustered, 1.0, spread)
        if np.any(clustered):
            limit = t**order / math.factorial(order) * np.exp(-x[:-order] * t)
            level = np.where(clustered, limit, level)
    result = level[0]
    return result


def _response(
    rates: Sequence[FloatArray | float], tau: FloatArray, duration: FloatArray, integrals: int
) -> FloatArray:
    """Unit response of a chain of exponential kernels at ``tau`` after the dose starts.

    ``duration`` > 0 spreads the dose evenly over that many hours; ``integrals``
    adds that many running integrals (1 gives the cumulative area).
    """
    out = np.zeros_like(tau)
    started = tau > 0
    bolus = started & (duration <= 0)
    spread = started & (duration > 0)
    if np.any(bolus):
        out[bolus] = convolved_exponentials(_node_matrix(rates, bolus, integrals), tau[bolus])
    if np.any(spread):
        nodes = _node_matrix(rates, spread, integrals + 1)
        since, length = tau[spread], duration[spread]
        before_end = np.maximum(since - length, 0.0)
        upto = convolved_exponentials(nodes, since)
        lagged = convolved_exponentials(nodes, before_end)
        out[spread] = (upto - lagged) / length
    return out


def _node_matrix(
    rates: Sequence[FloatArray | float], mask: npt.NDArray[np.bool_], zeros: int
) -> FloatArray:
    size = int(np.count_nonzero(mask))
    rows = [np.full(size, rate) if np.ndim(rate) == 0 else np.asarray(rate)[mask] for rate in rates]
    rows.extend(np.zeros(size) for _ in range(zeros))
    return np.vstack(rows)


# ---------------------------------------------------------------- species


@dataclass(frozen=True)
class _Pairs:
    """(dose, time) pairs: time since the dose started and per-pair dose data."""

    tau: FloatArray
    duration: FloatArray
    ka: FloatArray
    ketamine_mg: FloatArray  # base reaching the circulation (or depot) as ketamine
    presystemic_mg: FloatArray  # base-equivalent reaching the circulation as norketamine


def _species(
    params: Parameters,
    pairs: _Pairs,
    kind: str,
    integrals: int,
    extra_rates: tuple[float, ...] = (),
) -> FloatArray:
    """ng/mL (or ng·h/mL per integral) of one species for every pair.

    ``extra_rates`` convolves the result with further exponential kernels
    e^(-x t) (used for the exposure memories of tolerance).
    """
    intravenous = ~np.isfinite(pairs.ka)
    total = np.zeros_like(pairs.tau)
    for via_depot in (False, True):
        mask = ~intravenous if via_depot else intravenous
        if not np.any(mask):
            continue
        tau, duration = pairs.tau[mask], pairs.duration[mask]
        ka = pairs.ka[mask]
        inputs: list[FloatArray | float] = [ka] if via_depot else []
        gain = ka if via_depot else 1.0
        values = np.zeros_like(tau)
        for mode, rate in zip(params.modes, params.rates, strict=True):
            if kind == "ketamine":
                chain, scale = [*inputs, rate, *extra_rates], mode
            elif kind == "effect":
                chain = [*inputs, rate, params.ke0, *extra_rates]
                scale = mode * params.ke0
            else:
                chain = [*inputs, rate, params.norketamine_rate, *extra_rates]
                scale = mode * params.norketamine_formation
            values += scale * _response(chain, tau, duration, integrals)
        values *= gain * pairs.ketamine_mg[mask]
        if kind == "norketamine" and via_depot:
            swallowed = params.swallowed_rate
            first_pass = _response(
                [swallowed, params.norketamine_rate, *extra_rates], tau, duration, integrals
            )
            values += (
                params.mass_ratio
                / params.norketamine_volume
                * swallowed
                * first_pass
                * pairs.presystemic_mg[mask]
            )
        total[mask] = values
    return total * _MG_PER_L_TO_NG_PER_ML


def _dose_inputs(
    history: DoseHistory, params: Parameters, bioavailability: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per dose: ka, mg base entering as ketamine, mg base entering as norketamine."""
    if bioavailability not in params.bioavailability:
        raise ValueError("bioavailability must be 'central', 'low' or 'high'")
    fraction = params.bioavailability[bioavailability][history.routes]
    base = history.mg * params.base_fraction
    ka = params.absorption_rates[history.routes]
    return ka, base * fraction, base * (1.0 - fraction) * params.presystemic[history.routes]


def _horizon(params: Parameters, ka: FloatArray, duration: FloatArray) -> FloatArray:
    slowest = min(params.terminal_rate, params.norketamine_rate, params.swallowed_rate)
    return duration + NEGLIGIBLE_E_FOLDS / np.minimum(ka, slowest)


def _float_bincount(index: IntArray, *, weights: FloatArray, minlength: int) -> FloatArray:
    return np.asarray(np.bincount(index, weights=weights, minlength=minlength), dtype=np.float64)


# ---------------------------------------------------------------- public functions


@dataclass(frozen=True)
class Concentrations:
    """Plasma ketamine, plasma norketamine and effect-site ketamine, ng/mL."""

    ketamine_ng_ml: FloatArray
    norketamine_ng_ml: FloatArray
    effect_site_ng_ml: FloatArray


def concentrations(
    history: DoseHistory,
    t_h: npt.ArrayLike,
    *,
    weight_kg: float = 70.0,
    bioavailability: BioavailabilityChoice = "central",
    clearance_multiplier: float = 1.0,
) -> Concentrations:
    """Concentrations at times ``t_h`` (any order) from every dose in ``history``."""
    result = superpose(
        history,
        t_h,
        ("ketamine", "norketamine", "effect"),
        weight_kg=weight_kg,
        bioavailability=bioavailability,
        clearance_multiplier=clearance_multiplier,
    )
    return Concentrations(result["ketamine"], result["norketamine"], result["effect"])


def superpose(
    history: DoseHistory,
    t_h: npt.ArrayLike,
    kinds: tuple[str, ...],
    *,
    weight_kg: float = 70.0,
    bioavailability: BioavailabilityChoice = "central",
    clearance_multiplier: float = 1.0,
) -> dict[str, FloatArray]:
    """Sum every dose's response at ``t_h`` for the species named in ``kinds``.

    ``kinds`` holds any of "ketamine", "norketamine", "effect" (all ng/mL).
    """
    times = np.asarray(t_h, dtype=np.float64).reshape(-1)
    params = parameters(weight_kg, clearance_multiplier)
    ka, ketamine_mg, presystemic_mg = _dose_inputs(history, params, bioavailability)
    duration = history.infusion_h()
    order = np.argsort(times, kind="stable")
    ordered = times[order]
    starts = history.times_h
    first = np.searchsorted(ordered, starts, side="right")
    last = np.searchsorted(ordered, starts + _horizon(params, ka, duration), side="right")
    counts = np.maximum(last - first, 0)
    dose_index = np.repeat(np.arange(len(history)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    time_index = np.repeat(first, counts) + offsets
    pairs = _Pairs(
        tau=ordered[time_index] - starts[dose_index],
        duration=duration[dose_index],
        ka=ka[dose_index],
        ketamine_mg=ketamine_mg[dose_index],
        presystemic_mg=presystemic_mg[dose_index],
    )
    result = {}
    for kind in kinds:
        if kind not in ("ketamine", "norketamine", "effect"):
            raise ValueError(f"unknown species {kind!r}")
        summed = _float_bincount(
            time_index, weights=_species(params, pairs, kind, 0), minlength=len(times)
        )
        unsorted = np.empty_like(summed)
        unsorted[order] = summed
        result[kind] = unsorted
    return result


def active_until(history: DoseHistory, *, weight_kg: float = 70.0) -> FloatArray:
    """Per dose, the time (h) after which its concentrations are negligible (< 1e-15)."""
    params = parameters(weight_kg)
    ka = params.absorption_rates[history.routes]
    result: FloatArray = history.times_h + _horizon(params, ka, history.infusion_h())
    return result


def dose_auc(history: DoseHistory, *, weight_kg: float = 70.0) -> FloatArray:
    """Each dose's own ketamine plasma AUC to infinity (ng·h/mL), central bioavailability."""
    params = parameters(weight_kg)
    _, ketamine_mg, _ = _dose_inputs(history, params, "central")
    result: FloatArray = ketamine_mg / params.clearance * _MG_PER_L_TO_NG_PER_ML
    return result


def auc_windows(
    history: DoseHistory,
    edges_h: npt.ArrayLike,
    *,
    weight_kg: float = 70.0,
    bioavailability: BioavailabilityChoice = "central",
) -> FloatArray:
    """Ketamine plasma AUC (ng·h/mL) between consecutive ``edges_h``, analytically."""
    edges = np.asarray(edges_h, dtype=np.float64).reshape(-1)
    if np.any(np.diff(edges) < 0):
        raise ValueError("edges_h must not decrease")
    if len(history) == 0 or len(edges) < 2:
        return np.zeros(max(len(edges) - 1, 0))
    params = parameters(weight_kg)
    # A dose whose response has died out before the first edge adds nothing.
    history = history.select(active_until(history, weight_kg=weight_kg) >= edges[0])
    ka, ketamine_mg, presystemic_mg = _dose_inputs(history, params, bioavailability)
    doses, count = len(history), len(edges)
    pairs = _Pairs(
        tau=(edges[None, :] - history.times_h[:, None]).reshape(-1),
        duration=np.repeat(history.infusion_h(), count),
        ka=np.repeat(ka, count),
        ketamine_mg=np.repeat(ketamine_mg, count),
        presystemic_mg=np.repeat(presystemic_mg, count),
    )
    cumulative = _species(params, pairs, "ketamine", 1).reshape(doses, count)
    result: FloatArray = np.diff(cumulative, axis=1).sum(axis=0)
    return result


def auc_between(
    history: DoseHistory, start_h: float, end_h: float, weight_kg: float = 70.0
) -> float:
    """Ketamine plasma AUC (ng·h/mL) from ``start_h`` to ``end_h``, analytically."""
    if end_h < start_h:
        raise ValueError("end_h must not be before start_h")
    return float(auc_windows(history, [start_h, end_h], weight_kg=weight_kg)[0])


def effect(effect_site_ng_ml: npt.ArrayLike, *, c50_multiplier: float = 1.0) -> FloatArray:
    """Sigmoid Emax effect (0 none, 1 maximal) of racemic ketamine at the effect site."""
    knowledge = body().effect
    c50 = knowledge.racemic_c50() * c50_multiplier
    hill = knowledge.hill.value
    ratio = np.maximum(np.asarray(effect_site_ng_ml, dtype=np.float64), 0.0) / c50
    powered = ratio**hill
    result: FloatArray = powered / (1.0 + powered)
    return result


def single_dose_summary(
    dose_mg: float,
    route: str,
    *,
    weight_kg: float = 70.0,
    infusion_min: float | None = None,
) -> dict[str, dict[str, float | list[float]]]:
    """Peak, timing, area and half-life of one dose; ranges from the bioavailability range.

    A description of what a given dose does in the model, never a suggestion of one.
    """
    if dose_mg <= 0:
        raise ValueError("dose_mg must be positive")
    history = DoseHistory(
        np.array([0.0]),
        np.array([float(dose_mg)]),
        np.array([route]),
        None if infusion_min is None else np.array([float(infusion_min)]),
    )
    params = parameters(weight_kg)
    duration = float(history.infusion_h()[0])
    ka = float(params.absorption_rates[history.routes[0]])
    grid = _summary_grid(duration)
    summary: dict[str, dict[str, float | list[float]]] = {}
    for name, attribute, slowest in (
        ("ketamine", "ketamine_ng_ml", min(ka, params.terminal_rate)),
        (
            "norketamine",
            "norketamine_ng_ml",
            min(ka, params.terminal_rate, params.norketamine_rate, params.swallowed_rate),
        ),
    ):
        peaks = {
            which: _peak(history, grid, attribute, weight_kg, which)
            for which in ("central", "low", "high")
        }
        values = [peak for _, peak in peaks.values()]
        summary[name] = {
            "cmax_ng_ml": peaks["central"][1],
            "cmax_ng_ml_range": [min(values), max(values)],
            "tmax_min": peaks["central"][0] * 60.0,
            "auc_ng_h_ml": _auc_to_infinity(history, params, name),
            "terminal_half_life_h": math.log(2.0) / slowest,
        }
    peak_time, peak_site = _peak(history, grid, "effect_site_ng_ml", weight_kg, "central")
    summary["effect"] = {
        "peak_effect": float(effect(np.array([peak_site]))[0]),
        "time_to_peak_min": peak_time * 60.0,
    }
    return summary


def _summary_grid(duration_h: float) -> FloatArray:
    fine = np.linspace(0.0, 12.0, 12 * 60 * 4 + 1)  # 15 s steps
    coarse = np.linspace(12.0, 96.0, 84 * 4 + 1)[1:]
    return np.unique(np.concatenate([fine, coarse, [duration_h]]))


def _peak(
    history: DoseHistory,
    grid: FloatArray,
    attribute: str,
    weight_kg: float,
    bioavailability: BioavailabilityChoice,
) -> tuple[float, float]:
    """Time (h) and value of the maximum: the grid maximum refined to about 0.1 s."""

    def values(times: FloatArray) -> FloatArray:
        curves = concentrations(
            history, times, weight_kg=weight_kg, bioavailability=bioavailability
        )
        result: FloatArray = getattr(curves, attribute)
        return result

    index = int(np.argmax(values(grid)))
    low, high = grid[max(index - 1, 0)], grid[min(index + 1, len(grid) - 1)]
    local = np.linspace(low, high, 301)
    refined = values(local)
    best = int(np.argmax(refined))
    return float(local[best]), float(refined[best])


def _auc_to_infinity(history: DoseHistory, params: Parameters, species: str) -> float:
    _, ketamine_mg, presystemic_mg = _dose_inputs(history, params, "central")
    ketamine = float(ketamine_mg.sum()) / params.clearance
    if species == "ketamine":
        return ketamine * _MG_PER_L_TO_NG_PER_ML
    nk_clearance = params.norketamine_rate * params.norketamine_volume
    formed = params.norketamine_formation * params.norketamine_volume * ketamine
    presystemic = params.mass_ratio * float(presystemic_mg.sum())
    return (formed + presystemic) / nk_clearance * _MG_PER_L_TO_NG_PER_ML


def exposure_memory(
    history: DoseHistory,
    t_h: npt.ArrayLike,
    *,
    time_constant_h: float,
    weight_kg: float = 70.0,
) -> FloatArray:
    """Exponentially weighted mean ketamine concentration (ng/mL) at ``t_h``.

    m(t) = (1/tau) * integral of C(s) e^-((t-s)/tau) ds over s <= t: the state
    of a first-order process with unit gain driven by plasma ketamine. Exact:
    the first time is evaluated from every dose, later ones by stepping
    m(t_n) = e^(-h/tau) m(t_(n-1)) + (what the doses add within the step).
    """
    if not time_constant_h > 0:
        raise ValueError("time_constant_h must be positive")
    times = np.asarray(t_h, dtype=np.float64).reshape(-1)
    memory = np.zeros_like(times)
    if len(history) == 0 or len(times) == 0:
        return memory
    params = parameters(weight_kg)
    rate = 1.0 / time_constant_h
    ka, ketamine_mg, _ = _dose_inputs(history, params, "central")
    duration = history.infusion_h()
    order = np.argsort(times, kind="stable")
    ordered = times[order]

    def weighted(dose_index: IntArray, at: FloatArray) -> FloatArray:
        pairs = _Pairs(
            tau=at - history.times_h[dose_index],
            duration=duration[dose_index],
            ka=ka[dose_index],
            ketamine_mg=ketamine_mg[dose_index],
            presystemic_mg=np.zeros(len(dose_index)),
        )
        return _species(params, pairs, "ketamine", 0, (rate,)) * rate

    everyone = np.arange(len(history))
    remembered = everyone[
        active_until(history, weight_kg=weight_kg) + NEGLIGIBLE_E_FOLDS * time_constant_h
        >= ordered[0]
    ]
    initial = float(weighted(remembered, np.full(len(remembered), ordered[0])).sum())
    # Steps (t_(n-1), t_n] in which a dose still contributes.
    starts = history.times_h
    first = np.maximum(np.searchsorted(ordered, starts, side="right"), 1)
    window_end = starts + _horizon(params, ka, duration)
    last = np.minimum(np.searchsorted(ordered, window_end, side="right") + 1, len(ordered))
    counts = np.maximum(last - first, 0)
    dose_index = np.repeat(everyone, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    step_index = np.repeat(first, counts) + offsets
    decay = np.exp(-rate * (ordered[step_index] - ordered[step_index - 1]))
    added = weighted(dose_index, ordered[step_index]) - decay * weighted(
        dose_index, ordered[step_index - 1]
    )
    increments = _float_bincount(step_index, weights=added, minlength=len(ordered))
    stepped = first_order_scan(ordered, increments, rate, initial)
    memory[order] = stepped
    return memory


def first_order_scan(
    times: FloatArray, increments: FloatArray, rate: float, initial: float
) -> FloatArray:
    """x_0 = initial; x_n = e^(-rate (t_n - t_(n-1))) x_(n-1) + increments_n, in chunks.

    Within a chunk x_n = P_n (x_start + sum of increments_k / P_k), with
    P_n = e^(-rate (t_n - t_start)); chunks keep P_k above e^-500.
    """
    out = np.empty_like(times)
    out[0] = initial
    start = 0
    while start < len(times) - 1:
        limit = times[start] + 500.0 / rate
        stop = max(int(np.searchsorted(times, limit, side="right")), start + 2)
        stop = min(stop, len(times))
        elapsed = times[start + 1 : stop] - times[start]
        growth = np.exp(rate * elapsed)
        out[start + 1 : stop] = (
            out[start] + np.cumsum(increments[start + 1 : stop] * growth)
        ) / growth
        start = stop - 1
    return out

"""Scenario discovery: in which part of the sampled space does an outcome happen?

Given the parameters of many runs (``x``) and whether each run's outcome met a condition
(``y``, e.g. WAICO holding more than half of the world's population), scenario discovery
describes the runs of interest by a few readable limits on a few parameters (Bryant and
Lempert 2010, doi:10.1016/j.techfore.2009.08.002):

- **PRIM** (Friedman and Fisher 1999) peels thin slices off a box around all runs, each
  time the slice whose removal raises the share of runs of interest most, and records
  each box on its *peeling trajectory*: **coverage** (the share of all runs of interest
  the box holds) against **density** (the share of the box's runs that are of interest).
  The chosen box is the densest whose coverage is at least ``min_coverage``; each limit
  it sets carries a quasi-p value (a one-sided binomial test of whether dropping the
  limit would lower the density by chance; below 0.05 means the limit matters).
  Further boxes are sought among the runs the earlier boxes leave out.
- **CART** (Breiman et al. 1984) splits the space into leaves; the leaves where most
  runs are of interest are boxes too.

Both come from the EMA Workbench's ``analysis`` package (Kwakkel 2017,
doi:10.1016/j.envsoft.2017.06.054), the implementation scenario discovery studies cite,
rather than being written again here. Its import warns about optional parallel back-ends
and its code triggers pandas deprecation warnings; both are silenced around each call
(:func:`_workbench`), since the suite treats warnings as errors.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from sim.errors import ARGUMENTS, InputError, did_you_mean

if TYPE_CHECKING:
    from sim.experiment.store import SweepResults

Method = Literal["prim", "cart"]
METHODS: tuple[Method, ...] = ("prim", "cart")

#: Most boxes one discovery reports.
MAX_BOXES = 10


@contextmanager
def _workbench() -> Iterator[Any]:
    """Import the EMA Workbench's analysis package with its warnings silenced.

    Yields:
        The ``ema_workbench.analysis`` module.

    Raises:
        InputError: If the ``explore`` extra is not installed.

    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        warnings.filterwarnings("ignore", module=r"ema_workbench(\.|$)")
        try:
            from ema_workbench import analysis
        except ImportError:
            raise InputError(
                ARGUMENTS,
                "method",
                "the EMA Workbench installed",
                "no module named ema_workbench",
                "Install the extra: pip install 'coalsim[explore]'.",
            ) from None
        yield analysis


@dataclass(frozen=True)
class Box:
    """One box: limits on a few parameters and how well they describe the runs of interest.

    Attributes:
        coverage: Share of all runs of interest inside the box.
        density: Share of the box's runs that are of interest.
        mass: Share of all runs inside the box.
        limits: Each restricted parameter's ``[low, high]`` (numbers) or allowed values.
        significance: Each restricted parameter's quasi-p value (PRIM; the larger of its two
            sides' when both ends are restricted), empty for CART.

    """

    coverage: float
    density: float
    mass: float
    limits: dict[str, list[Any]]
    significance: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The box as plain JSON types."""
        return {
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "limits": self.limits,
            "significance": self.significance,
        }


@dataclass(frozen=True)
class Discovery:
    """The result of scenario discovery.

    Attributes:
        method: ``"prim"`` or ``"cart"``.
        cases: Runs analysed.
        of_interest: Runs whose outcome met the condition.
        ranges: Each parameter's sampled range ``[low, high]`` or its values.
        boxes: The boxes found, best first.
        trajectory: PRIM's peeling trajectory of the first box (coverage, density, mass,
            restricted dimensions per step, and ``chosen``); empty for CART.
        condition: What made a run of interest, in words (e.g. ``final_share_population:waico > 0.5``).

    """

    method: Method
    cases: int
    of_interest: int
    ranges: dict[str, list[Any]]
    boxes: list[Box]
    trajectory: pd.DataFrame
    condition: str = ""

    def to_json(self) -> dict[str, Any]:
        """The discovery as plain JSON types (the trajectory as a list of rows)."""
        return {
            "method": self.method,
            "condition": self.condition,
            "cases": self.cases,
            "of_interest": self.of_interest,
            "ranges": self.ranges,
            "boxes": [box.to_json() for box in self.boxes],
            "trajectory": self.trajectory.to_dict(orient="records"),
        }


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python one."""
    return value.item() if isinstance(value, np.generic) else value


def _ranges(x: pd.DataFrame) -> dict[str, list[Any]]:
    """Each column's range (numbers) or sorted values (anything else)."""
    ranges = {}
    for name, column in x.items():
        if _numeric(column):
            ranges[str(name)] = [_plain(column.min()), _plain(column.max())]
        else:
            ranges[str(name)] = sorted(_plain(v) for v in column.unique())
    return ranges


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _limits(box_lim: pd.DataFrame, ranges: dict[str, list[Any]], numeric: set[str]) -> dict[str, list[Any]]:
    """The parameters a box restricts, with their limits."""
    limits = {}
    for name in box_lim.columns:
        low, high = box_lim[name].iloc[0], box_lim[name].iloc[1]
        if name in numeric:
            full_low, full_high = ranges[name]
            if low > full_low or high < full_high:
                limits[str(name)] = [_plain(low), _plain(high)]
        else:
            allowed = sorted(_plain(v) for v in low)
            if allowed != ranges[name]:
                limits[str(name)] = allowed
    return limits


def _prepare(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Check the inputs; non-numeric columns become categories (as the workbench expects)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x):
        raise InputError(ARGUMENTS, "y", f"one true/false value per row of x ({len(x)})", str(y.shape))
    if y.dtype != bool:
        raise InputError(ARGUMENTS, "y", "true/false values", str(y.dtype))
    if x.shape[1] == 0:
        raise InputError(ARGUMENTS, "x", "at least one parameter column", "none")
    if not y.any():
        raise InputError(
            ARGUMENTS, "y", "at least one run of interest", f"none among {len(y)} runs",
            "Loosen the condition: no run met it.",
        )  # fmt: skip
    x = x.reset_index(drop=True).copy()
    x.columns = [str(name) for name in x.columns]
    for name in x.columns:
        if not _numeric(x[name]):
            x[name] = x[name].astype("category")
        elif pd.api.types.is_integer_dtype(x[name]):
            x[name] = x[name].astype(np.int64)
        else:
            x[name] = x[name].astype(np.float64)
    return x, y


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    method: Method = "prim",
    *,
    min_coverage: float = 0.5,
    max_boxes: int = 3,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
) -> Discovery:
    """Find boxes in parameter space that hold the runs of interest.

    Args:
        x: One row per run, one column per parameter (numbers, or values of any other kind).
        y: One boolean per run: whether its outcome met the condition.
        method: ``"prim"`` or ``"cart"``.
        min_coverage: PRIM keeps, on each trajectory, the densest box holding at least this
            share of the runs of interest (an analyst's choice; 0.5 by default).
        max_boxes: Most boxes to report; PRIM stops earlier once a box is no denser than
            the runs overall.
        mass_min: Smallest share of all runs a box (or CART leaf) may hold.
        peel_alpha: Share of the box's runs PRIM peels off at each step.

    Returns:
        The boxes, the sampled ranges and (PRIM) the peeling trajectory of the first box.

    Raises:
        InputError: For a method not offered, a setting out of range, ``y`` without a run of
            interest or not matching ``x``, or the EMA Workbench missing.

    """
    if method not in METHODS:
        raise InputError(
            ARGUMENTS, "method", f"one of {', '.join(METHODS)}", repr(method),
            did_you_mean(str(method), METHODS),
        )  # fmt: skip
    for name, value, low, high in (("min_coverage", min_coverage, 0.0, 1.0), ("mass_min", mass_min, 0.0, 0.5),
                                   ("peel_alpha", peel_alpha, 0.0, 0.5)):  # fmt: skip
        if not (isinstance(value, int | float) and low < value <= high):
            raise InputError(ARGUMENTS, name, f"a number above {low} and at most {high}", repr(value))
    if not (isinstance(max_boxes, int) and 1 <= max_boxes <= MAX_BOXES):
        raise InputError(ARGUMENTS, "max_boxes", f"a whole number from 1 to {MAX_BOXES}", repr(max_boxes))
    x, y = _prepare(x, y)
    ranges = _ranges(x)
    numeric = {name for name in x.columns if _numeric(x[name])}
    if method == "prim":
        boxes, trajectory = _prim(x, y, ranges, numeric, min_coverage, max_boxes, mass_min, peel_alpha)
    else:
        boxes, trajectory = _cart(x, y, ranges, numeric, max_boxes, mass_min), pd.DataFrame()
    return Discovery(method, len(y), int(y.sum()), ranges, boxes, trajectory)


def _prim(
    x: pd.DataFrame,
    y: np.ndarray,
    ranges: dict[str, list[Any]],
    numeric: set[str],
    min_coverage: float,
    max_boxes: int,
    mass_min: float,
    peel_alpha: float,
) -> tuple[list[Box], pd.DataFrame]:
    """PRIM boxes, each chosen on its own trajectory, and the first box's trajectory."""
    base_density = float(y.mean())
    boxes: list[Box] = []
    first_trajectory = pd.DataFrame()
    with _workbench() as analysis:
        prim = analysis.prim.Prim(x, y, mass_min=mass_min, peel_alpha=peel_alpha)
        remaining = np.ones(len(y), dtype=bool)
        while len(boxes) < max_boxes and y[remaining].any():
            found = prim.find_box()
            if found is None:
                break
            trajectory = found.peeling_trajectory
            chosen = _choose(trajectory, min_coverage)
            found.select(chosen)
            remaining[found.yi] = False
            row = trajectory.iloc[chosen]
            if boxes and float(row["density"]) <= base_density:
                break
            boxes.append(
                Box(
                    float(row["coverage"]),
                    float(row["density"]),
                    float(row["mass"]),
                    _limits(found.box_lims[chosen], ranges, numeric),
                    _significance(found.p_values[chosen]),
                )
            )
            if not len(first_trajectory):
                first_trajectory = trajectory[["coverage", "density", "mass", "res_dim"]].astype(
                    {"coverage": float, "density": float, "mass": float, "res_dim": int}
                )
                first_trajectory["chosen"] = np.arange(len(trajectory)) == chosen
    return boxes, first_trajectory.reset_index(drop=True)


def _choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest box with coverage of at least ``min_coverage`` (the first, if none has)."""
    coverage, density = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    eligible = np.flatnonzero(coverage >= min_coverage - 1e-12)
    if not len(eligible):
        return 0
    return int(eligible[np.argmax(density[eligible])])  # argmax keeps the first (widest) of ties


def _significance(p_values: dict[str, list[float]]) -> dict[str, float]:
    """Each restricted parameter's quasi-p value: the larger of its restricted sides'."""
    return {
        str(name): float(max(p for p in sides if p != -1))
        for name, sides in p_values.items()
        if any(p != -1 for p in sides)
    }


def _cart(
    x: pd.DataFrame,
    y: np.ndarray,
    ranges: dict[str, list[Any]],
    numeric: set[str],
    max_boxes: int,
    mass_min: float,
) -> list[Box]:
    """CART leaves in which most runs are of interest, largest coverage first."""
    with _workbench() as analysis:
        tree = analysis.cart.CART(x, y, mass_min=mass_min)
        tree.build_tree()
        leaves = list(zip(tree.boxes, tree.stats, strict=True))
    boxes = [
        Box(
            float(stats["coverage"]),
            float(stats["density"]),
            float(stats["mass"]),
            _limits(lims, ranges, numeric),
        )
        for lims, stats in leaves
        if stats["density"] > 0.5
    ]
    return sorted(boxes, key=lambda box: (-box.coverage, -box.density))[:max_boxes]


def condition_mask(values: pd.Series, above: float | None, below: float | None) -> np.ndarray:
    """Which runs are of interest: outcome above ``above`` and/or below ``below``.

    Args:
        values: The outcome per run.
        above: Runs of interest have an outcome strictly above this.
        below: Runs of interest have an outcome strictly below this.

    Returns:
        One boolean per run.

    Raises:
        InputError: If neither or a non-finite level is given.

    """
    if above is None and below is None:
        raise InputError(ARGUMENTS, "above", "a level for the outcome (above or below)", "neither")
    mask = np.ones(len(values), dtype=bool)
    for name, level in (("above", above), ("below", below)):
        if level is None:
            continue
        if not (isinstance(level, int | float) and np.isfinite(level)):
            raise InputError(ARGUMENTS, name, "a finite number", repr(level))
        mask &= (values > level).to_numpy() if name == "above" else (values < level).to_numpy()
    return mask


def describe_condition(outcome: str, above: float | None, below: float | None) -> str:
    """The condition in words, e.g. ``final_share_population:waico > 0.5``."""
    parts = [f"> {above:g}" if above is not None else "", f"< {below:g}" if below is not None else ""]
    return f"{outcome} {' and '.join(p for p in parts if p)}"


def discover_store(
    results: SweepResults,
    outcome: str,
    *,
    above: float | None = None,
    below: float | None = None,
    method: Method = "prim",
    policy: str | None = None,
    **settings: Any,
) -> Discovery:
    """Scenario discovery on a sweep's results: which parameter values give the outcome.

    Every succeeded run is a case (replications too); its parameters are the sweep's
    swept parameters (uncertainties and levers), named by their dotted paths.

    Args:
        results: The opened store (:func:`sim.experiment.load_results`).
        outcome: e.g. ``"final_share_population:waico"`` (see :class:`~sim.experiment.Outcome`).
        above: Runs of interest have an outcome strictly above this.
        below: Runs of interest have an outcome strictly below this.
        method: ``"prim"`` or ``"cart"``.
        policy: Only the runs of this policy (a sweep with policies); all runs by default.
        **settings: Passed to :func:`discover` (min_coverage, max_boxes, mass_min, peel_alpha).

    Returns:
        The discovery, with its condition in words.

    Raises:
        InputError: For an unknown outcome or policy, no succeeded run, a condition no run
            meets, or a bad setting.

    """
    if policy is not None:
        if policy not in results.policies:
            raise InputError(
                ARGUMENTS, "policy",
                f"one of the store's policies ({', '.join(results.policies) or 'it has none'})", repr(policy),
                did_you_mean(policy, results.policies),
            )  # fmt: skip
        results = results.select({"policy": policy})
    runs = results.succeeded.sort_values(["sample", "replication"]).set_index("run_id")
    runs.index = runs.index.astype(str)
    values = results.outcome(outcome).reindex(runs.index)
    varied = [name for name in results.parameters if runs[name].nunique() > 1]
    mask = condition_mask(values, above, below)
    if not mask.any() or mask.all():
        raise InputError(
            ARGUMENTS, "above" if above is not None else "below",
            "a level that some runs meet and some do not",
            f"{'none' if not mask.any() else 'all'} of {len(mask)} runs with "
            f"{describe_condition(outcome, above, below)}",
            f"The outcome ranges from {values.min():.4g} to {values.max():.4g} in this store.",
        )  # fmt: skip
    found = discover(runs[varied], mask, method, **settings)
    return Discovery(
        found.method, found.cases, found.of_interest, found.ranges, found.boxes, found.trajectory,
        describe_condition(outcome, above, below),
    )  # fmt: skip

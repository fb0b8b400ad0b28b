"""Global sensitivity of an outcome to the swept parameters (Sobol or Morris, through SALib).

A sweep with ``design: sobol`` (Saltelli's scheme) or ``design: morris`` stores its
design matrix; :func:`sensitivity` reads it back with one outcome per run, averages the
replications of each design point (they share seeds across points, so the average
keeps the design's pairing), and hands both to SALib:

* Sobol: first-order ``S1`` and total ``ST`` indices with bootstrap confidence
  intervals (``S1_conf``, ``ST_conf``: half-widths at the confidence level);
* Morris: ``mu_star`` (mean absolute elementary effect, with ``mu_star_conf``),
  ``mu`` and ``sigma`` (spread of the effects: interactions or non-linearity).

:func:`indices` is the same analysis for any design and outputs, e.g. a test function
evaluated on a design drawn by :mod:`sim.experiment.spec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.errors import ARGUMENTS, InputError
from sim.experiment.spec import SENSITIVITY_DESIGNS, require_salib
from sim.experiment.store import Outcome, SweepResults, load_results

Method = Literal["sobol", "morris"]


def indices(
    method: Method,
    problem: dict[str, Any],
    design: np.ndarray,
    outputs: np.ndarray,
    *,
    levels: int = 4,
    conf_level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Sensitivity indices of outputs evaluated on a Sobol (Saltelli) or Morris design.

    Args:
        method: ``"sobol"`` or ``"morris"``.
        problem: The SALib problem (names, bounds) the design was drawn in.
        design: ``(points, parameters)`` design matrix (used by Morris; Sobol reads
            the point order only).
        outputs: One output per design point, in design order.
        levels: Grid levels of a Morris design.
        conf_level: Confidence level of the intervals.
        resamples: Bootstrap resamples for the intervals.
        seed: Seed of the bootstrap.

    Returns:
        One row per parameter: ``S1, S1_conf, ST, ST_conf`` (Sobol) or
        ``mu_star, mu_star_conf, mu, sigma`` (Morris).

    Raises:
        InputError: If the outputs do not vary (indices are undefined) or do not
            match the design.

    """
    outputs = np.asarray(outputs, dtype=float)
    if len(outputs) != len(design):
        raise InputError(
            "sensitivity",
            "outputs",
            f"one output per design point ({len(design)})",
            f"{len(outputs)} outputs",
        )
    if not np.all(np.isfinite(outputs)):
        raise InputError(
            "sensitivity", "outputs", "finite numbers", f"{int((~np.isfinite(outputs)).sum())} NaN or inf"
        )
    if np.ptp(outputs) == 0:
        raise InputError(
            "sensitivity",
            "outputs",
            "an outcome that varies across the design",
            f"the same value {outputs[0]:g} at every point",
        )
    require_salib("sensitivity indices")
    names = list(problem["names"])
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(
            problem,
            outputs,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=seed + 1,  # SALib's Sobol analysis takes 0 for no seed (`if seed:`), unlike its Morris
        )
        columns = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        found = morris.analyze(
            problem,
            np.asarray(design, dtype=float),
            outputs,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )
        columns = ("mu_star", "mu_star_conf", "mu", "sigma")
    table = pd.DataFrame({column: np.asarray(found[column], dtype=float) for column in columns}, index=names)
    table.index.name = "parameter"
    return table


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity of one outcome in one sweep.

    Attributes:
        outcome: The outcome analysed.
        method: ``"sobol"`` or ``"morris"``.
        indices: One row per parameter (see :func:`indices`).
        points: Design points.
        replications: Succeeded replications averaged per point (the fewest at any point).
        conf_level: Confidence level of the intervals.

    """

    outcome: str
    method: Method
    indices: pd.DataFrame
    points: int
    replications: int
    conf_level: float

    def report(self) -> str:
        """The indices as a plain-text table with a heading."""
        heading = (
            f"{self.method.capitalize()} sensitivity of {self.outcome} ({self.points} design points, "
            f"each the mean of at least {self.replications} replications; *_conf = half-width of the "
            f"{self.conf_level:.0%} interval)"
        )
        return f"{heading}\n{self.indices.round(3).to_string()}"

    def table(self) -> pd.DataFrame:
        """The indices as a tidy frame: ``outcome``, ``method``, ``parameter``, then the index columns."""
        return self.indices.reset_index().assign(outcome=self.outcome, method=self.method)[
            ["outcome", "method", "parameter", *self.indices.columns]
        ]

    def summary(self) -> dict[str, Any]:
        """What the indices rest on: outcome, method, design points, replications, confidence level."""
        return {
            "outcome": self.outcome,
            "method": self.method,
            "points": self.points,
            "replications": self.replications,
            "conf_level": self.conf_level,
        }


def point_outcomes(results: SweepResults, outcome: str | Outcome) -> tuple[np.ndarray, int]:
    """The mean outcome over replications at each design point, in design order.

    Args:
        results: An opened store.
        outcome: The outcome name or object.

    Returns:
        The per-point means and the fewest succeeded replications at any point.

    Raises:
        InputError: If some design point has no succeeded run.

    """
    per_run = results.outcome(outcome)
    runs = results.succeeded.set_index("run_id").loc[per_run.index]
    grouped = pd.Series(per_run.to_numpy(), index=runs["sample"].to_numpy()).groupby(level=0)
    means = grouped.mean().reindex(range(len(results.design)))
    missing = int(means.isna().sum())
    if missing:
        raise InputError(
            str(results.folder),
            "runs",
            "a succeeded run at every design point",
            f"{missing} of {len(means)} points without one",
            "Finish the sweep with 'coalsim sweep SPEC --resume'.",
        )
    return means.to_numpy(), int(grouped.size().min())


def sensitivity(
    results: SweepResults | str | Path,
    outcome: str,
    *,
    conf_level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> Sensitivity:
    """Sobol or Morris indices of an outcome over a stored sweep, from its stored design.

    Args:
        results: A store folder or opened results of a ``sobol`` or ``morris`` sweep.
        outcome: e.g. ``"final_share_gdp:waico"`` (see :class:`~sim.experiment.store.Outcome`).
        conf_level: Confidence level of the intervals.
        resamples: Bootstrap resamples for the intervals.
        seed: Seed of the bootstrap.

    Returns:
        The indices with their context.

    Raises:
        InputError: If the sweep's design is not sobol or morris, a design point has no
            succeeded run, the outcome is unknown or it does not vary.

    """
    if not isinstance(results, SweepResults):
        results = load_results(results)
    method = results.spec.design
    if method not in SENSITIVITY_DESIGNS:
        raise InputError(
            str(results.folder),
            "design",
            f"a sweep with design {' or '.join(SENSITIVITY_DESIGNS)}",
            repr(method),
            "Sensitivity indices need the points those designs place.",
        )
    means, replications = point_outcomes(results, outcome)
    design = results.design[results.parameters].to_numpy()
    try:
        table = indices(
            method,
            results.manifest["problem"],
            design,
            means,
            levels=results.manifest["levels"],
            conf_level=conf_level,
            resamples=resamples,
            seed=seed,
        )
    except InputError as exc:
        raise InputError(ARGUMENTS, "outcome", exc.expected, f"{exc.found} in {results.folder}") from None
    name = outcome if isinstance(outcome, str) else outcome.name
    return Sensitivity(name, method, table, len(means), replications, conf_level)

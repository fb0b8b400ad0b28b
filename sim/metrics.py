"""Reporters: membership shares, switching and fragmentation, computed from the history.

Everything here is vectorised over steps: the model records each country's portfolio
index per step, and these functions turn that ``(T, n)`` array into tidy tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.vocabulary import NON_ALIGNED, NON_ALIGNED_ID, WEIGHTINGS
from sim.world import World


def membership_tensor(history: np.ndarray, portfolios: np.ndarray) -> np.ndarray:
    """Expand portfolio indices to memberships.

    Args:
        history: ``(T, n)`` portfolio index per step and country.
        portfolios: ``(P, k)`` boolean portfolio matrix.

    Returns:
        ``(T, n, k + 1)`` boolean: membership of each framework, then non-aligned last.

    """
    return _with_non_aligned(portfolios)[history]


def _with_non_aligned(portfolios: np.ndarray) -> np.ndarray:
    """``(P, k + 1)`` portfolio matrix with a last column marking the empty portfolio."""
    return np.concatenate([portfolios, ~portfolios.any(axis=1, keepdims=True)], axis=1)


def portfolio_counts(history: np.ndarray, n_portfolios: int, weights: np.ndarray | None = None) -> np.ndarray:
    """How many countries (or how much weight) hold each portfolio at each step.

    One pass over the ``(T, n)`` history, without expanding it to memberships, so the
    cost and memory stay linear in ``T * n`` whatever the number of frameworks.

    Args:
        history: ``(T, n)`` portfolio indices.
        n_portfolios: Number of portfolios ``P``.
        weights: ``(W, n)`` weights of each country under ``W`` weightings; each
            country counts 1 when omitted.

    Returns:
        ``(T, P)`` counts (integers), or ``(W, T, P)`` summed weights (floats).

    """
    steps = len(history)
    bins = steps * n_portfolios
    flat = (history + n_portfolios * np.arange(steps)[:, None]).ravel()
    if weights is None:
        return np.bincount(flat, minlength=bins).reshape(steps, n_portfolios)
    summed = [np.bincount(flat, weights=np.tile(weight, steps), minlength=bins) for weight in weights]
    return np.stack(summed).reshape(len(weights), steps, n_portfolios)


def aggregates(
    history: np.ndarray, portfolios: np.ndarray, framework_ids: tuple[str, ...], world: World
) -> pd.DataFrame:
    """Members and weighted shares of each framework (and non-aligned) at every step.

    Shares divide the members' total weight by the world's total weight; countries
    with missing GDP weigh zero in GDP shares (the stated rule for missing data).

    Args:
        history: ``(T, n)`` portfolio indices.
        portfolios: ``(P, k)`` portfolio matrix.
        framework_ids: Framework ids in column order.
        world: The world (for weights).

    Returns:
        A tidy frame: step, framework, members, share_count, share_gdp,
        share_population, share_ai_capacity.

    """
    steps = len(history)
    columns = _with_non_aligned(portfolios)
    weights = np.stack([world.weights[weighting] for weighting in WEIGHTINGS])
    held = portfolio_counts(history, len(portfolios), weights) @ columns.astype(float)
    table = {
        "step": np.repeat(np.arange(steps), columns.shape[1]),
        "framework": np.tile(np.array([*framework_ids, NON_ALIGNED_ID]), steps),
        "members": (portfolio_counts(history, len(portfolios)) @ columns.astype(np.int64)).ravel(),
    }
    for weighting, weight, weighted in zip(WEIGHTINGS, weights, held, strict=True):
        total = weight.sum()
        table[f"share_{weighting}"] = (weighted / total if total > 0 else weighted * 0).ravel()
    return pd.DataFrame(table)


def dynamics(history: np.ndarray, portfolios: np.ndarray) -> pd.DataFrame:
    """Step-level measures: switches, dual members, non-aligned and fragmentation.

    Fragmentation is the effective number of portfolios, ``1 / sum(s_p**2)`` over the
    count shares of the portfolios held (1 when everyone holds the same one).

    Args:
        history: ``(T, n)`` portfolio indices.
        portfolios: ``(P, k)`` portfolio matrix.

    Returns:
        A frame: step, switches, dual_members, non_aligned, effective_portfolios.

    """
    steps, n = history.shape
    sizes = portfolios.sum(axis=1)
    switches = np.concatenate([[0], np.count_nonzero(history[1:] != history[:-1], axis=1)])
    counts = portfolio_counts(history, len(portfolios))
    shares = counts / n
    return pd.DataFrame(
        {
            "step": np.arange(steps),
            "switches": switches,
            "dual_members": counts @ (sizes >= 2).astype(np.int64),
            "non_aligned": counts @ (sizes == 0).astype(np.int64),
            "effective_portfolios": 1.0 / (shares**2).sum(axis=1),
        }
    )


def converged_at(aggregate_frame: pd.DataFrame, window: int, tolerance: float) -> int | None:
    """First step after which count shares stayed within ``tolerance`` for ``window`` steps.

    Args:
        aggregate_frame: The output of :func:`aggregates`.
        window: How many consecutive steps must be calm.
        tolerance: Largest change in any framework's count share that counts as calm.

    Returns:
        The step at which the calm window began, or ``None`` if it never settled.

    """
    step_codes, _ = pd.factorize(aggregate_frame["step"], sort=True)
    framework_codes, frameworks = pd.factorize(aggregate_frame["framework"])
    shares = np.full((step_codes.max() + 1 if len(step_codes) else 0, len(frameworks)), np.nan)
    shares[step_codes, framework_codes] = aggregate_frame["share_count"].to_numpy()
    change = np.fmax.reduce(np.abs(np.diff(shares, axis=0)), axis=1)
    calm = change <= tolerance + 1e-12
    run = 0
    for t, ok in enumerate(calm, start=1):
        run = run + 1 if ok else 0
        if run >= window:
            return t - window
    return None


def countries(
    history: np.ndarray,
    portfolios: np.ndarray,
    labels: tuple[str, ...],
    framework_ids: tuple[str, ...],
    world: World,
    steps: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per-country state at the chosen steps (all by default), in tidy form.

    Args:
        history: ``(T, n)`` portfolio indices.
        portfolios: ``(P, k)`` portfolio matrix.
        labels: Portfolio labels.
        framework_ids: Framework ids.
        world: The world (for codes).
        steps: Which steps to include.

    Returns:
        A frame: step, iso3, portfolio, one boolean column per framework, changed
        (whether the portfolio differs from the step before).

    """
    chosen = np.arange(len(history)) if steps is None else np.asarray(steps)
    n = history.shape[1]
    rows = history[chosen]
    previous = history[np.maximum(chosen - 1, 0)]
    holds = portfolios[rows.ravel()]
    columns = {
        "step": np.repeat(chosen, n),
        "iso3": _tile_column(pd.Series(world.iso3), len(chosen)),
        "portfolio": pd.Categorical.from_codes(rows.ravel(), categories=list(labels)),
        **{fid: holds[:, j] for j, fid in enumerate(framework_ids)},
        "changed": (rows != previous).ravel(),
    }
    return pd.DataFrame(columns)


#: Quantiles of every headline interval: a 90% interval around the median.
HEADLINE_QUANTILES = (0.05, 0.5, 0.95)

#: A split needs an empty gap at least this wide, as a share of the outcome's possible range.
SPLIT_GAP = 0.25

#: Each side of a split must hold at least this share of the runs (and at least one run).
SPLIT_MIN_SHARE = 0.1

#: The valley between the two groups of a split may hold at most this share of the runs.
SPLIT_VALLEY_SHARE = 0.1


@dataclass(frozen=True)
class Cluster:
    """One group of runs of a split outcome.

    Attributes:
        runs: How many runs fall in the group.
        low: The group's smallest value.
        high: The group's largest value.
    """

    runs: int
    low: float
    high: float


@dataclass(frozen=True)
class OutcomeSummary:
    """An outcome across runs: median and 90% interval, or the two groups of a split.

    Attributes:
        median: Median over the runs.
        low: 5th percentile.
        high: 95th percentile.
        runs: Number of runs.
        clusters: The lower and the upper group when the outcome splits, else empty.
        threshold: The middle of the valley that separates the groups (``None``
            unless split): runs below it are counted with the lower group.
        between: How many runs lie in the valley, in neither group (0 unless split).
    """

    median: float
    low: float
    high: float
    runs: int
    clusters: tuple[Cluster, ...] = ()
    threshold: float | None = None
    between: int = 0

    @property
    def split(self) -> bool:
        """Whether the runs fall into two separate groups."""
        return bool(self.clusters)

    def describe(self, number: str = "{:.0f}") -> str:
        """The summary in words.

        Args:
            number: A format string for one value, e.g. ``"{:.0f}"`` for counts or
                ``"{:.0%}"`` for shares.

        Returns:
            ``"median 31 (90% interval 24-38) over 10 runs"``, ``"31 (one run)"``, or
            ``"split: 4 of 10 runs ~0-5, 6 of 10 runs ~184-193"`` (``", 2 between"`` when
            runs lie in the valley).
        """
        span = self._span(number)
        if self.split:
            groups = ", ".join(f"{c.runs} of {self.runs} runs ~{span(c.low, c.high)}" for c in self.clusters)
            return f"split: {groups}{self._between()}"
        if self.runs == 1:
            return f"{number.format(self.median)} (one run)"
        return (
            f"median {number.format(self.median)} (90% interval {span(self.low, self.high)}) "
            f"over {self.runs} runs"
        )

    def short(self, number: str = "{:.0f}") -> str:
        """The summary for a table cell: ``"31 [24-38]"`` or ``"split: 4 ~0-5, 6 ~184-193"``.

        Args:
            number: A format string for one value.

        Returns:
            The median with the 90% interval in brackets (the median alone for one run),
            or each group's number of runs and range (and the runs between them).
        """
        span = self._span(number)
        if self.split:
            groups = ", ".join(f"{c.runs} ~{span(c.low, c.high)}" for c in self.clusters)
            return f"split: {groups}{self._between()}"
        if self.runs == 1:
            return number.format(self.median)
        return f"{number.format(self.median)} [{span(self.low, self.high)}]"

    def _between(self) -> str:
        return f", {self.between} between" if self.between else ""

    @staticmethod
    def _span(number: str) -> Callable[[float, float], str]:
        def span(low: float, high: float) -> str:
            a, b = number.format(low), number.format(high)
            return a if a == b else f"{a}-{b}"

        return span


def summarise_outcome(values: Sequence[float] | np.ndarray, scale: float) -> OutcomeSummary:
    """Median, 90% interval and split detection of one outcome across runs.

    **Split rule.** Sort the values and look for a *valley* between two groups of runs:
    an interval between two runs that is at least :data:`SPLIT_GAP` (a quarter) of
    ``scale`` (the outcome's possible range) wide and at least half of the observed
    range, with at least :data:`SPLIT_MIN_SHARE` of the runs (and at least one) on each
    side. The valley is empty, or holds a few runs: the rule takes the valleys with the
    fewest runs inside, up to :data:`SPLIT_VALLEY_SHARE` of them, and among those the
    widest. Two groups separated by more (nearly) empty space than they themselves span,
    and far apart on the outcome's own scale, are two different outcomes; their median
    says little about either, so it is reported as the two groups (and the runs between
    them) instead. A few runs in transit between two regimes do not hide them; spreads
    that are wide but filled (no wide sparse valley) are not splits: their interval is wide.

    Args:
        values: The outcome in each run (e.g. members at the last step).
        scale: Width of the outcome's possible range: the number of countries for a
            count, 1 for a share.

    Returns:
        The :class:`OutcomeSummary`.

    Raises:
        InputError: If there are no values, a value is not finite, or ``scale`` is not
            positive.
    """
    data = np.sort(np.asarray(values, dtype=float).ravel())
    if data.size == 0:
        raise InputError("summarise_outcome()", "values", "at least one run's value", "none")
    if not np.isfinite(data).all():
        raise InputError("summarise_outcome()", "values", "finite numbers", "NaN or infinity")
    if not (np.isfinite(scale) and scale > 0):
        raise InputError("summarise_outcome()", "scale", "a positive number", repr(scale))
    low, median, high = np.quantile(data, HEADLINE_QUANTILES)
    summary = OutcomeSummary(float(median), float(low), float(high), int(data.size))
    if data.size < 2:
        return summary
    least = max(1, math.ceil(SPLIT_MIN_SHARE * data.size))
    wide_enough = max(SPLIT_GAP * scale, 0.5 * float(data[-1] - data[0]))
    for inside in range(int(SPLIT_VALLEY_SHARE * data.size) + 1):
        # Valleys from data[i] to data[i + inside + 1], with `inside` runs between the ends.
        ends = np.arange(least - 1, data.size - least - inside)
        if ends.size == 0:
            break
        widths = data[ends + inside + 1] - data[ends]
        if widths.max() < wide_enough:
            continue
        last_below = int(ends[np.argmax(widths)])  # the widest of the sparsest valleys
        first_above = last_below + inside + 1
        clusters = (
            Cluster(last_below + 1, float(data[0]), float(data[last_below])),
            Cluster(int(data.size - first_above), float(data[first_above]), float(data[-1])),
        )
        threshold = float((data[last_below] + data[first_above]) / 2)
        return OutcomeSummary(
            summary.median, summary.low, summary.high, summary.runs, clusters, threshold, between=inside
        )
    return summary


def _tile_column(column: pd.Series, times: int) -> pd.Series:
    """``column`` repeated end to end ``times`` times, with a fresh range index.

    Concatenating doubling copies takes log2(times) concatenations that share the
    column's data, instead of converting ``n * times`` strings one by one (seconds at
    100k actors) or concatenating ``times`` pieces (milliseconds at 193 countries).
    """
    tiled = column
    while len(tiled) < len(column) * times:
        tiled = pd.concat([tiled, tiled], ignore_index=True)
    return tiled.iloc[: len(column) * times].reset_index(drop=True)


__all__ = [
    "HEADLINE_QUANTILES",
    "NON_ALIGNED",
    "NON_ALIGNED_ID",
    "SPLIT_GAP",
    "SPLIT_MIN_SHARE",
    "Cluster",
    "OutcomeSummary",
    "aggregates",
    "converged_at",
    "countries",
    "dynamics",
    "membership_tensor",
    "portfolio_counts",
    "summarise_outcome",
]

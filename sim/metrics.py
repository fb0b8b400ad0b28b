"""Reporters: membership shares, switching and fragmentation, computed from the history.

Everything here is vectorised over steps: the model records each country's portfolio
index per step, and these functions turn that ``(T, n)`` array into tidy tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.utility import NON_ALIGNED
from sim.world import WEIGHTINGS, World

#: The pseudo-framework row that counts countries holding no framework.
NON_ALIGNED_ID = "non_aligned"


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
    "NON_ALIGNED",
    "NON_ALIGNED_ID",
    "aggregates",
    "converged_at",
    "countries",
    "dynamics",
    "membership_tensor",
    "portfolio_counts",
]

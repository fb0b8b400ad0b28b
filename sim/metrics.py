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
    holds = portfolios[history]
    none = ~holds.any(axis=2, keepdims=True)
    return np.concatenate([holds, none], axis=2)


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
    members = membership_tensor(history, portfolios).astype(float)
    steps, _, columns = members.shape
    table = {
        "step": np.repeat(np.arange(steps), columns),
        "framework": np.tile(np.array([*framework_ids, NON_ALIGNED_ID]), steps),
        "members": members.sum(axis=1).astype(np.int64).ravel(),
    }
    for weighting in WEIGHTINGS:
        weight = world.weights[weighting]
        total = weight.sum()
        share = np.einsum("tnk,n->tk", members, weight) / total if total > 0 else members.sum(1) * 0
        table[f"share_{weighting}"] = share.ravel()
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
    sizes = portfolios.sum(axis=1)[history]
    switches = np.concatenate([[0], (history[1:] != history[:-1]).sum(axis=1)])
    counts = np.zeros((steps, len(portfolios)))
    np.add.at(counts, (np.repeat(np.arange(steps), n), history.ravel()), 1.0)
    shares = counts / n
    return pd.DataFrame(
        {
            "step": np.arange(steps),
            "switches": switches,
            "dual_members": (sizes >= 2).sum(axis=1),
            "non_aligned": (sizes == 0).sum(axis=1),
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
    shares = aggregate_frame.pivot(index="step", columns="framework", values="share_count")
    change = shares.diff().abs().max(axis=1).to_numpy()[1:]
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
    frame = pd.DataFrame(
        {
            "step": np.repeat(chosen, n),
            "iso3": np.tile(world.iso3, len(chosen)),
            "portfolio": pd.Categorical.from_codes(rows.ravel(), categories=list(labels)),
        }
    )
    holds = portfolios[rows.ravel()]
    for j, fid in enumerate(framework_ids):
        frame[fid] = holds[:, j]
    frame["changed"] = (rows != previous).ravel()
    return frame


__all__ = ["NON_ALIGNED", "NON_ALIGNED_ID", "aggregates", "converged_at", "countries", "dynamics"]

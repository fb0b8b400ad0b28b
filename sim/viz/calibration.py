"""Figures of a simulation-based calibration: posterior predictive checks and marginals.

Both take the tables that :mod:`sim.analysis.abc` produces, so a calibration folder can be
drawn again without running anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from sim.analysis.abc import Posterior
from sim.viz.style import INK, MID_GREY, add_foot, framework_colours, framework_label, styled, subplots


@styled
def predictive_figure(predictive: pd.DataFrame) -> Figure:
    """Observed value against the simulated distribution, one panel per target.

    Args:
        predictive: :func:`sim.analysis.abc.posterior_predictive`'s table.

    Returns:
        The Figure: for each target, every draw's simulated value (dots), their 90%
        interval (bar) and median (tick), and the observation (a black diamond).

    """
    targets = list(dict.fromkeys(predictive["target"]))
    colours = framework_colours(list(dict.fromkeys(predictive["framework"])))
    fig, axes = subplots(
        len(targets), 1, figsize=(7.6, 1.0 + 1.1 * len(targets)), squeeze=False
    )
    rng = np.random.default_rng(0)  # vertical jitter of the dots only
    for ax, name in zip(axes[:, 0], targets, strict=True):
        rows = predictive[predictive["target"] == name]
        first = rows.iloc[0]
        values = rows["simulated"].to_numpy()
        colour = colours[first["framework"]]
        low, mid, high = np.quantile(values, [0.05, 0.5, 0.95])
        ax.scatter(values, rng.uniform(-0.18, 0.18, len(values)), s=10, color=colour, alpha=0.35, lw=0)
        ax.plot([low, high], [0, 0], color=colour, lw=4, alpha=0.8, solid_capstyle="butt")
        ax.plot([mid, mid], [-0.25, 0.25], color=colour, lw=2)
        ax.scatter([first["observed"]], [0], marker="D", s=46, color=INK, zorder=3)
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        share = first["statistic"] == "coverage"
        unit = "share of the named countries" if share else "member states"
        ax.set_title(
            f"{framework_label(first['framework'])}, step {first['step']}: {name} ({unit})",
            fontsize=9, loc="left",
        )  # fmt: skip
        if share:
            ax.set_xlim(-0.03, 1.03)
    add_foot(
        fig,
        f"Posterior predictive check: {rows['draw'].nunique()} parameter draws from the posterior, "
        "each run once. Dots: simulated values; bar: their 90% interval; tick: median; "
        "black diamond: the observation.",
    )
    return fig


@styled
def posterior_figure(posterior: Posterior) -> Figure:
    """Each calibrated parameter's weighted posterior against its prior range.

    Args:
        posterior: The posterior.

    Returns:
        The Figure: one histogram per parameter over the prior's range (log axis for
        log-uniform priors), the median marked, and whether the data identify it.

    """
    table = posterior.identification().set_index("parameter")
    priors = posterior.priors
    fig, axes = subplots(
        len(priors), 1, figsize=(7.6, 0.9 + 1.35 * len(priors)), squeeze=False
    )
    weights = posterior.draws["weight"].to_numpy()
    for ax, prior in zip(axes[:, 0], priors, strict=True):
        values = posterior.draws[prior.path].to_numpy()
        edges = (
            np.geomspace(prior.low, prior.high, 25) if prior.log else np.linspace(prior.low, prior.high, 25)
        )
        ax.hist(values, bins=edges, weights=weights, color=MID_GREY, alpha=0.8)
        row = table.loc[prior.path]
        ax.axvline(row["median"], color=INK, lw=1.5)
        ax.axvspan(row["q05"], row["q95"], color=INK, alpha=0.08, lw=0)
        if prior.log:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlim(prior.low, prior.high)
        ax.set_yticks([])
        verdict = "identified" if row["identified"] else "NOT identified by these observations"
        ax.set_title(
            f"{prior.path}: median {row['median']:.3g} (90% {row['q05']:.3g} to {row['q95']:.3g}), {verdict}",
            fontsize=9, loc="left",
        )  # fmt: skip
    add_foot(
        fig,
        "Weighted posterior of each calibrated parameter (ABC-SMC); the x-axis spans the prior, "
        "the line is the median and the shaded band the 90% interval. 'Not identified': the "
        "interval still covers most of the prior.",
    )
    return fig

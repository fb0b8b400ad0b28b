"""Figures of exploratory modelling: scenario discovery, robustness, robust optimisation.

Each takes the result objects of :mod:`sim.analysis.discovery`,
:mod:`sim.analysis.robustness` and :mod:`sim.analysis.optimize`, so an analysis can be drawn
again without running anything. None of them is about frameworks, so they draw in greys.
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from sim.analysis.discovery import Discovery
from sim.analysis.optimize import Search
from sim.analysis.robustness import Robustness
from sim.viz.sensitivity import outcome_label
from sim.viz.style import INK, LIGHT_GREY, MID_GREY, StepPercentFormatter, add_foot, styled, subplots


@styled
def tradeoff_figure(discovery: Discovery) -> Figure:
    """PRIM's peeling trajectory: density against coverage, the chosen box marked.

    Args:
        discovery: A PRIM discovery (CART has no trajectory).

    Returns:
        The Figure: one dot per box on the trajectory, shaded by how many parameters it
        restricts, and a ring around the chosen box.

    """
    trajectory = discovery.trajectory
    fig, ax = subplots(figsize=(6.4, 4.6))
    dims = trajectory["res_dim"].to_numpy()
    most = max(int(dims.max()), 1)
    shades = ListedColormap(matplotlib.colormaps["Greys"](np.linspace(0.15, 1.0, most + 1)))
    points = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=dims, cmap=shades,
        norm=BoundaryNorm(np.arange(-0.5, most + 1), shades.N), s=28, edgecolor=INK, linewidth=0.4,
    )  # fmt: skip
    chosen = trajectory[trajectory["chosen"]]
    ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolor="none", edgecolor=INK, linewidth=1.6)
    fig.colorbar(points, ax=ax, label="parameters restricted", ticks=range(most + 1))
    ax.set(xlim=(0, 1.03), ylim=(0, 1.03), xlabel="coverage (share of the runs of interest inside the box)",
           ylabel="density (share of the box's runs of interest)")  # fmt: skip
    ax.set_title(f"Scenario discovery: {discovery.condition}", loc="left")
    add_foot(
        fig,
        f"PRIM peeling trajectory over {discovery.cases} runs ({discovery.of_interest} of interest). "
        "Each dot is a box; peeling moves from the top right (every run) to the left. "
        "The ring marks the chosen box: the densest whose coverage is at least the floor.",
    )
    return fig


@styled
def box_limits_figure(discovery: Discovery, box: int = 0) -> Figure:
    """A box's limits against each parameter's sampled range.

    Args:
        discovery: A discovery with at least ``box + 1`` boxes.
        box: Which box.

    Returns:
        The Figure: per parameter (restricted ones first), the sampled range as a light
        bar scaled to [0, 1] and the box's limits as a dark bar, with the limits written
        and (PRIM) each limit's quasi-p value.

    """
    found = discovery.boxes[box]
    names = [*found.limits, *(n for n in discovery.ranges if n not in found.limits)]
    fig, ax = subplots(figsize=(7.6, 0.9 + 0.45 * len(names)))
    for row, name in enumerate(names):
        full = discovery.ranges[name]
        limit = found.limits.get(name, full)
        numeric = len(full) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in full)
        if numeric:
            span = (full[1] - full[0]) or 1.0
            start, end = (limit[0] - full[0]) / span, (limit[1] - full[0]) / span
            text = f"{limit[0]:.3g} to {limit[1]:.3g}  (sampled {full[0]:.3g} to {full[1]:.3g})"
        else:
            start, end = 0.0, len(limit) / len(full)
            text = ", ".join(str(v) for v in limit) + f"  (of {len(full)})"
        ax.barh(row, 1.0, color=LIGHT_GREY, height=0.6)
        restricted = name in found.limits
        ax.barh(row, end - start, left=start, color=INK if restricted else MID_GREY, height=0.35)
        p_value = found.significance.get(name)
        note = f"  qp = {p_value:.2g}" if p_value is not None else ""
        ax.text(1.02, row, text + note, va="center", fontsize=8.5)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["low end", "", "high end"])
    ax.grid(False)
    ax.set_title(
        f"Box {box + 1}: coverage {found.coverage:.2f}, density {found.density:.2f}, mass {found.mass:.2f}",
        loc="left",
    )
    add_foot(
        fig,
        f"{discovery.method.upper()} box for {discovery.condition}. Light bars: each parameter's sampled "
        "range; dark bars: the box's limits (black where the box restricts the parameter). qp: quasi-p "
        "value of the limit (Bryant and Lempert 2010); below 0.05 the limit matters.",
    )
    return fig


@styled
def robustness_figure(robust: Robustness) -> Figure:
    """Each policy's outcome across scenarios, its satisficing share and its regret.

    Args:
        robust: :func:`sim.analysis.robustness.robustness`'s result.

    Returns:
        The Figure: left, every scenario's outcome per policy (dots), the 10-90th
        percentile band and the median, with the goal as a dashed line; right, the share of
        scenarios meeting the goal and the maximum regret.

    """
    outcomes, table = robust.outcomes, robust.table
    policies = list(outcomes.columns)
    fig, (left, right) = subplots(
        1,
        2,
        figsize=(9.0, 1.2 + 0.55 * len(policies)),
        width_ratios=(3, 2),
        sharey=True,
    )
    rng = np.random.default_rng(0)  # vertical jitter of the dots only
    for row, policy in enumerate(policies):
        values = outcomes[policy].to_numpy(float)
        left.scatter(
            values, row + rng.uniform(-0.15, 0.15, len(values)), s=10, color=MID_GREY, alpha=0.6, lw=0
        )
        left.plot(
            [table.loc[policy, "p10"], table.loc[policy, "p90"]], [row, row], color=INK, lw=3, alpha=0.7
        )
        left.plot([table.loc[policy, "p50"]] * 2, [row - 0.25, row + 0.25], color=INK, lw=2)
    left.axvline(robust.goal.level, color=INK, ls="--", lw=1)
    left.set_yticks(range(len(policies)), policies)
    left.invert_yaxis()
    label, share = outcome_label(robust.outcome)
    left.set(xlabel=textwrap.fill(label, 48), title="Outcome across scenarios")
    if share:
        left.xaxis.set_major_formatter(StepPercentFormatter())
    bars = right.barh(range(len(policies)), table["satisficing"], color=LIGHT_GREY, edgecolor=INK, height=0.5)
    for bar, (_, row) in zip(bars, table.iterrows(), strict=True):
        right.text(
            1.02, bar.get_y() + bar.get_height() / 2,
            f"{row['satisficing']:.0%} meet; max regret {row['max_regret']:.3g}", va="center", fontsize=8.5,
        )  # fmt: skip
    right.xaxis.set_major_formatter(StepPercentFormatter())
    right.set(xlim=(0, 1), xlabel="share of scenarios meeting the goal", title="Satisficing")
    add_foot(
        fig,
        f"Goal: {robust.outcome} {robust.goal}. {len(outcomes)} scenarios; each dot is one scenario's "
        "outcome (mean over replications). Bar: 10th to 90th percentile; tick: median; dashed line: the "
        "goal. Regret: how far a policy falls short of the best policy in the same scenario.",
    )
    return fig


@styled
def pareto_figure(search: Search) -> Figure:
    """The Pareto front of cost against robust outcome, every evaluation behind it.

    Args:
        search: :func:`sim.analysis.optimize.optimize`'s result.

    Returns:
        The Figure: evaluated packages (light dots), the front (dark line and dots), the goal
        (dashed) and the cheapest feasible package (ringed).

    """
    every, front = search.evaluations, search.front
    fig, ax = subplots(figsize=(6.8, 4.6))
    ax.scatter(every["cost"], every["robust_outcome"], s=12, color=LIGHT_GREY, edgecolor=MID_GREY, lw=0.3)
    ax.plot(
        front["cost"], front["robust_outcome"], color=INK, marker="o", ms=4, lw=1.2, drawstyle="steps-post"
    )
    ax.axhline(search.goal.level, color=INK, ls="--", lw=1)
    if search.best is not None:
        ax.scatter([search.best["cost"]], [search.best["robust_outcome"]], s=160, facecolor="none",
                   edgecolor=INK, linewidth=1.6)  # fmt: skip
    ax.set(xlabel="cost of the package", ylabel=f"outcome reached in {search.reliability:.0%} of scenarios")
    ax.set_title("Cost against robust outcome", loc="left")
    add_foot(
        fig,
        f"{len(every)} candidate packages over {every['seed'].nunique()} optimiser seeds (NSGA-II). Dark: "
        f"the Pareto front; dashed: the goal ({search.goal}); ring: the cheapest package meeting it in "
        f"{search.reliability:.0%} of the scenarios.",
    )
    return fig


@styled
def convergence_figure(search: Search) -> Figure:
    """Each optimiser seed's hypervolume by generation.

    Args:
        search: :func:`sim.analysis.optimize.optimize`'s result.

    Returns:
        The Figure: one line per seed; lines that level off together suggest the search
        has converged.

    """
    fig, ax = subplots(figsize=(6.4, 4.0))
    styles = ["-", "--", ":", "-."]
    for i, (seed, rows) in enumerate(search.convergence.groupby("seed")):
        ax.plot(rows["generation"], rows["hypervolume"], color=INK, ls=styles[i % len(styles)], marker="o",
                ms=3, label=f"seed {seed}")  # fmt: skip
    ax.set(xlabel="generation", ylabel="hypervolume (scaled objectives)")
    ax.set_title("Convergence of the search", loc="left")
    handles, labels = ax.get_legend_handles_labels()
    add_foot(
        fig,
        "Hypervolume of each seed's front so far, with cost and robust outcome scaled to [0, 1] over "
        "every evaluation and the reference point at 1.1. Seeds that level off near one value "
        "suggest more generations would change little.",
        handles,
        labels,
        ncol=min(4, len(labels)),
    )
    return fig

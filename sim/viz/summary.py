"""The quick look that ``coalsim run`` prints and draws for one run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; the app and notebooks pick their own backends

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sim.metrics import NON_ALIGNED_ID
from sim.results import RunResult
from sim.viz.style import MEASURE_LABELS, framework_colours


def summary_table(result: RunResult) -> str:
    """Final members and shares per framework, as aligned text.

    Args:
        result: One run's result.

    Returns:
        A small table with a title line naming the scenario, seed and steps.
    """
    last = result.aggregates[result.aggregates["step"] == result.aggregates["step"].max()]
    table = last.set_index("framework")[["members", "share_count", "share_gdp", "share_population"]]
    table = table.rename(columns={"share_count": "countries %", "share_gdp": "GDP %",
                                  "share_population": "population %"})  # fmt: skip
    for column in ("countries %", "GDP %", "population %"):
        table[column] = (100 * table[column]).round(1)
    meta = result.metadata
    settled = meta["converged_at"]
    title = (
        f"{meta['scenario']} (seed {meta['seed']}, {meta['steps']} steps; "
        + (f"settled from step {settled})" if settled is not None else "not settled)")
    )
    lines = [title, table.to_string(), "", *meta.get("equilibrium_summary", [])]
    return "\n".join(lines).rstrip()


def membership_figure(result: RunResult, measures: tuple[str, ...] = ("share_count", "share_gdp")) -> Figure:
    """Membership over time of every framework, one panel per share measure.

    Args:
        result: One run's result.
        measures: Share columns of ``result.aggregates`` to draw.

    Returns:
        A matplotlib Figure (not shown).
    """
    frame = result.aggregates
    ids = [*result.metadata["frameworks"], NON_ALIGNED_ID]
    colours = framework_colours(ids)
    names = {**result.metadata.get("framework_names", {}), NON_ALIGNED_ID: "non-aligned"}
    fig, axes = plt.subplots(1, len(measures), figsize=(5.2 * len(measures), 3.8), sharex=True)
    axes = [axes] if len(measures) == 1 else list(axes)
    for ax, measure in zip(axes, measures, strict=True):
        wide = frame.pivot(index="step", columns="framework", values=measure)
        for fid in ids:
            ax.plot(wide.index, wide[fid], color=colours[fid], lw=2,
                    ls="--" if fid == NON_ALIGNED_ID else "-", label=names.get(fid, fid))  # fmt: skip
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("step (months from July 2025)")
        ax.set_ylabel(MEASURE_LABELS.get(measure, measure))
        ax.grid(alpha=0.3)
    meta = result.metadata
    fig.suptitle(f"Membership over time: {meta['scenario']} (seed {meta['seed']})")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(ids), 3), frameon=False,
               bbox_to_anchor=(0.5, -0.12))  # fmt: skip
    fig.tight_layout()
    return fig


__all__ = ["membership_figure", "summary_table"]

"""The figures of ``coalsim sensitivity`` and ``coalsim tipping``, drawn from their results.

:func:`sensitivity_result_figure` draws a :class:`~sim.analysis.sensitivity.Sensitivity`
as the bars of :func:`sim.viz.plots.sensitivity_figure`; :func:`tipping_point_figure`
draws a :class:`~sim.analysis.tipping.TippingPoint` as the tipping curve of
:func:`sim.viz.plots.tipping_figure` (every probe's runs, their median and band) with
the level, the bracket the bisection ended with and the interpolated crossing. Both
name the outcome in words (:func:`outcome_label`), not as typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.viz.plots import sensitivity_figure, tipping_figure
from sim.viz.style import INK, MEASURE_LABELS, MID_GREY, framework_label, styled

if TYPE_CHECKING:
    from sim.analysis.sensitivity import Sensitivity
    from sim.analysis.tipping import TippingPoint

#: How each statistic of an outcome reads in a label.
STATISTIC_LABELS = {"final": "at the end", "mean": "averaged over the run"}


def outcome_label(outcome: str) -> tuple[str, bool]:
    """An outcome name in words, and whether it is a share in [0, 1].

    Args:
        outcome: e.g. ``"final_share_gdp:waico"`` (see :class:`~sim.experiment.store.Outcome`).

    Returns:
        e.g. ``("WAICO share of world GDP (current US$) at the end", True)``.

    """
    head, _, framework = outcome.partition(":")
    statistic, _, measure = head.partition("_")
    share = measure in MEASURE_LABELS
    what = MEASURE_LABELS[measure] if share else "members (countries)"
    return f"{framework_label(framework)} {what} {STATISTIC_LABELS.get(statistic, statistic)}", share


def sensitivity_result_figure(result: Sensitivity) -> Figure:
    """One outcome's Sobol indices or Morris screening as bars, most influential parameter on top.

    Args:
        result: The indices of one outcome.

    Returns:
        The figure.

    """
    label, _ = outcome_label(result.outcome)
    return sensitivity_figure(result.indices, label, conf_level=result.conf_level)


@styled
def tipping_point_figure(point: TippingPoint) -> Figure:
    """The tipping curve of a bisection: every run at every probe, the level and the crossing.

    Args:
        point: The answer of :func:`sim.analysis.tipping.tipping`.

    Returns:
        The figure: the median and band over the runs at each probed value, the level
        as a dashed line, the final bracket shaded and the interpolated crossing.

    """
    label, share = outcome_label(point.outcome)
    fig = tipping_figure(point.replicates(), point.parameter, label, percent=share)
    ax = fig.axes[0]
    low, high = point.bracket
    ax.axvspan(low, high, facecolor="none", edgecolor=MID_GREY, hatch="///", lw=0, alpha=0.4, zorder=0)
    ax.axhline(point.level, color=INK, ls="--", lw=1)
    ax.axvline(point.estimate, color=INK, ls=":", lw=1.2)
    legend = ax.get_legend()
    handles = [*legend.legend_handles]
    labels = [text.get_text() for text in legend.get_texts()]
    handles += [
        Line2D([], [], color=INK, ls="--", lw=1),
        Patch(facecolor="none", edgecolor=MID_GREY, hatch="///", lw=0, alpha=0.4),
        Line2D([], [], color=INK, ls=":", lw=1.2),
    ]
    labels += [
        f"level {point.level:g}",
        f"bracket [{low:.4g}, {high:.4g}]",
        f"crossing ≈ {point.estimate:.4g}",
    ]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    direction = "rises" if point.rises else "falls"
    ax.set_title(f"Where {label} {direction} through {point.level:g}")
    return fig

"""Figures a policy team reads: each function returns a matplotlib Figure (never shown).

Inputs are results, not files: a scenario's replications (:class:`~sim.replications.Replications`, one
:class:`~sim.results.RunResult` per seed) or the tidy frames that sweeps and
sensitivity analyses produce. Every figure states what its line and band are, how many
replications stand behind it, and the units of its axes; colour always means the same
framework (:mod:`sim.viz.style`).

A scenario folder (one run folder, or a folder of run folders, one per seed) is read by
:meth:`sim.replications.Replications.load`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; the app and notebooks pick their own backends

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.errors import InputError
from sim.metrics import HEADLINE_QUANTILES, OutcomeSummary, summarise_outcome
from sim.replications import Replications
from sim.results import RunResult
from sim.utility import COMPONENTS
from sim.viz.style import (
    COMPONENT_LABELS,
    COST,
    GAIN,
    INK,
    LIGHT_GREY,
    MEASURE_LABELS,
    MEASURE_SOURCES,
    MID_GREY,
    StepPercentFormatter,
    add_foot,
    framework_colours,
    framework_label,
    portfolio_display_label,
    portfolio_frameworks,
    styled,
    subplots,
)
from sim.vocabulary import MEMBERSHIP_MEASURES, NON_ALIGNED_ID

if TYPE_CHECKING:
    from sim.analysis.what_it_takes import BudgetCurve

#: Lower quantile, median and upper quantile of every band and interval.
QUANTILES = HEADLINE_QUANTILES
BAND_TEXT = "5–95% range across replications"

STEP_LABEL = "months since July 2025 (model step)"

#: Markers that tell scenarios apart (colour is kept for frameworks).
SCENARIO_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "h")


def scenario_transitions(before: Replications, after: Replications) -> pd.DataFrame:
    """Where countries go between two scenarios: modal final portfolio in one against the other.

    Args:
        before: The reference scenario (rows).
        after: The other scenario (columns).

    Returns:
        Counts of countries by their modal final portfolio in ``before`` (index) and in
        ``after`` (columns), over the countries both scenarios model; portfolios ordered
        as in the transition figure (non-aligned first, then by size and framework).
    """
    a, b = before.modal_final_portfolios(), after.modal_final_portfolios()
    shared = a.index.intersection(b.index)
    table = pd.crosstab(a.loc[shared], b.loc[shared])
    ids = list(dict.fromkeys([*before.framework_ids, *after.framework_ids]))
    order = _portfolio_order([*table.index, *table.columns], ids)
    table = table.reindex(
        index=[p for p in order if p in table.index], columns=[p for p in order if p in table.columns]
    )
    table.index.name, table.columns.name = before.label, after.label
    return table


def quantile_bands(frame: pd.DataFrame, by: Sequence[str], value: str) -> pd.DataFrame:
    """Lower, median and upper quantile of ``value`` within each group.

    Args:
        frame: A tidy frame.
        by: Grouping columns.
        value: The column to summarise.

    Returns:
        The groups as index and columns ``low``, ``median``, ``high``.
    """
    bands = frame.groupby(list(by), observed=True)[value].quantile(list(QUANTILES)).unstack()
    bands.columns = ["low", "median", "high"]
    return bands


def _axis_label(measure: str, n_countries: int) -> str:
    if measure == "members":
        return f"member countries (of {n_countries})"
    return MEASURE_LABELS.get(measure, measure)


def _format_measure_axis(ax: plt.Axes, measure: str, n_countries: int) -> None:
    if measure == "members":
        ax.set_ylim(0, n_countries * 1.02)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_ylim(-0.01, 1.01)
        ax.yaxis.set_major_formatter(StepPercentFormatter())


def _check_measure(measure: str, where: str) -> None:
    allowed = ("members", *MEASURE_LABELS)
    if measure not in allowed:
        raise InputError(where, "measure", f"one of {', '.join(allowed)}", repr(measure))


def _replication_note(reps: Replications) -> str:
    if len(reps.runs) == 1:
        return f"One replication (seed {reps.seeds[0]}): no interval across replications can be shown."
    return f"Line: median of {reps.seeds_text()}; shaded: {BAND_TEXT}."


@styled
def membership_figure(
    runs: Replications | RunResult, measures: Sequence[str] = MEMBERSHIP_MEASURES
) -> Figure:
    """Membership of every framework over time: median line and 5–95% band across seeds.

    The one membership-over-time figure (``coalsim run``, ``coalsim plot``, the report,
    the app and the notebooks draw this one). An outcome that splits across seeds (see
    :func:`sim.metrics.summarise_outcome`, applied to each run's last value) is drawn
    as its two groups of runs, each with its own median and band and labelled with its
    number of runs, instead of one band spanning both.

    Args:
        runs: The scenario's replications, or one run.
        measures: ``"members"`` (a count) and/or share columns of the aggregates.

    Returns:
        A Figure outside pyplot, with one panel per measure and one line per framework
        (plus non-aligned), two for a split framework.

    Raises:
        InputError: If a measure is unknown.
    """
    reps = runs if isinstance(runs, Replications) else Replications.from_runs([runs])
    for measure in measures:
        _check_measure(measure, "membership figure")
    ids = [*reps.framework_ids, NON_ALIGNED_ID]
    colours = framework_colours(ids)
    frame = reps.aggregates()
    columns = 2 if len(measures) > 1 else 1
    rows = -(-len(measures) // columns)
    fig, axes = subplots(rows, columns, figsize=(5.4 * columns, 3.4 * rows + 0.6), sharex=True, squeeze=False)
    splits: dict[str, str] = {}
    for ax, measure in zip(axes.ravel(), measures, strict=False):
        for fid in ids:
            summary = reps.outcome(fid, measure)
            groups = reps.seed_groups(summary, fid, measure)
            for number, seeds in enumerate(groups):
                bands = quantile_bands(frame[frame["seed"].isin(seeds)], ["framework", "step"], measure).loc[
                    fid
                ]
                if len(seeds) > 1:
                    ax.fill_between(
                        bands.index, bands["low"], bands["high"], color=colours[fid], alpha=0.22, lw=0
                    )
                ax.plot(
                    bands.index,
                    bands["median"],
                    color=colours[fid],
                    lw=2,
                    ls="--" if fid == NON_ALIGNED_ID else "-",
                    label=framework_label(fid, reps.names) if number == 0 else "_split",
                )
                if summary.split:
                    ax.annotate(
                        f"{len(seeds)} of {summary.runs} runs",
                        (bands.index[-1], bands["median"].iloc[-1]),
                        xytext=(-4, -10 if number else 4),
                        textcoords="offset points",
                        ha="right",
                        fontsize=8,
                        color=colours[fid],
                    )
            if summary.split:
                splits.setdefault(fid, framework_label(fid, reps.names))
        ax.set_ylabel(_axis_label(measure, reps.n_countries))
        _format_measure_axis(ax, measure, reps.n_countries)
    for ax in axes.ravel()[len(measures) :]:
        ax.remove()
    for ax in axes[-1]:
        ax.set_xlabel(STEP_LABEL)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if len(reps.runs) > 1:
        handles.append(Patch(color=MID_GREY, alpha=0.3, lw=0))
        labels.append(BAND_TEXT)
    fig.suptitle(f"Who joins what over time: {reps.label}")
    split_note = (
        f" Split across runs (two groups of runs far apart at the end, drawn separately with their "
        f"number of runs; a run between them is drawn with the nearer group): {', '.join(splits.values())}."
        if splits
        else ""
    )
    sources = "; ".join(dict.fromkeys(MEASURE_SOURCES[m] for m in measures if m in MEASURE_SOURCES))
    add_foot(
        fig,
        f"{_replication_note(reps)}{split_note} Weights: {sources}.",
        handles,
        labels,
        ncol=min(len(labels), 3),
    )
    return fig


@styled
def transition_figure(reps: Replications, start: int = 0, end: int | None = None) -> Figure:
    """Who switched where: countries by portfolio at ``start`` (rows) and ``end`` (columns).

    Each cell is the mean number of countries across replications that held the row's
    portfolio at ``start`` and the column's at ``end``; the diagonal is "stayed".

    Args:
        reps: The scenario's replications (recorded with every step).
        start: First step (default: the initial state).
        end: Second step (default: the last step).

    Returns:
        A heatmap Figure with the mean count written in each non-empty cell.

    Raises:
        InputError: If a step was not recorded.
    """
    end = reps.metadata["steps"] if end is None else end
    before, after = reps.portfolios_at(start), reps.portfolios_at(end)
    tables = [pd.crosstab(before[seed], after[seed]) for seed in reps.seeds]
    mean = pd.concat(tables).fillna(0).groupby(level=0).sum() / len(tables)
    order = _portfolio_order([*mean.index, *mean.columns], reps.framework_ids)
    rows = [label for label in order if label in mean.index]
    columns = [label for label in order if label in mean.columns]
    matrix = mean.reindex(index=rows, columns=columns, fill_value=0.0).to_numpy()
    fig, ax = subplots(figsize=(0.95 * len(columns) + 3.6, 0.5 * len(rows) + 2.4))
    image = ax.imshow(
        np.ma.masked_equal(matrix, 0.0), cmap="Greys", aspect="auto", vmin=0, vmax=max(matrix.max(), 1.0)
    )
    ax.grid(False)
    for (i, j), value in np.ndenumerate(matrix):
        if value > 0:
            text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
            dark = value > 0.5 * matrix.max()
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else INK,
                fontweight="bold" if rows[i] == columns[j] else "normal",
            )
    ax.set_xticks(
        range(len(columns)),
        [f"{portfolio_display_label(c, reps.names)} ({_count(matrix[:, j])})" for j, c in enumerate(columns)],
        rotation=30,
        ha="right",
    )
    ax.set_yticks(
        range(len(rows)),
        [f"{portfolio_display_label(r, reps.names)} ({_count(matrix[i])})" for i, r in enumerate(rows)],
    )
    ax.set_xlabel(f"portfolio at month {end} (countries)")
    ax.set_ylabel(f"portfolio at month {start} (countries)")
    fig.colorbar(image, ax=ax, label="countries (mean across replications)", shrink=0.9)
    fig.suptitle(f"Who switched where, month {start} to {end}: {reps.label}")
    stayed = np.trace(mean.reindex(index=order, columns=order, fill_value=0).to_numpy())
    add_foot(
        fig,
        f"Mean over {reps.seeds_text()}. Bold = kept the same portfolio: "
        f"{_count(np.atleast_1d(stayed))} of {reps.n_countries} countries.",
    )
    return fig


def _count(values: np.ndarray) -> str:
    """A mean count for a label: whole numbers without decimals."""
    total = float(values.sum())
    return f"{total:.0f}" if abs(total - round(total)) < 1e-9 else f"{total:.1f}"


def _portfolio_order(labels: Sequence[str], framework_ids: Sequence[str]) -> list[str]:
    """Portfolios sorted by size, then framework order; non-aligned first."""
    position = {fid: i for i, fid in enumerate(framework_ids)}

    def key(label: str) -> tuple:
        parts = portfolio_frameworks(label)
        return (len(parts), [position.get(fid, len(position)) for fid in parts], label)

    return sorted(dict.fromkeys(labels), key=key)


def _difference(scenario: pd.Series, baseline: pd.Series) -> tuple[np.ndarray, bool]:
    """Differences scenario − baseline: per seed when both used the same seeds, else all pairs.

    Args:
        scenario: Final values indexed by seed.
        baseline: Final values indexed by seed.

    Returns:
        The differences and whether they were paired by seed.
    """
    if set(scenario.index) == set(baseline.index):
        return (scenario - baseline.reindex(scenario.index)).to_numpy(), True
    return np.subtract.outer(scenario.to_numpy(), baseline.to_numpy()).ravel(), False


def comparison_table(
    scenarios: Sequence[Replications], baseline: Replications, measures: Sequence[str]
) -> pd.DataFrame:
    """The numbers behind the comparison figures: final values and differences to a baseline.

    Args:
        scenarios: The scenarios (the baseline is added first if not among them).
        baseline: The reference scenario.
        measures: ``"members"`` and/or share columns.

    Returns:
        One row per scenario, framework and measure: median, low, high (5th and 95th
        percentiles across runs), runs, split and groups (see
        :func:`sim.metrics.summarise_outcome`), and the difference to the baseline
        (``diff_median``, ``diff_low``, ``diff_high``, ``diff_split``, ``diff_groups``, in
        the measure's units: countries or a share; paired by seed when both use the same
        seeds, else over all pairs; empty for the baseline and for frameworks the baseline
        lacks).

    Raises:
        InputError: If a measure is unknown.
    """
    shown = list(scenarios) if baseline in scenarios else [baseline, *scenarios]
    rows = []
    for measure in measures:
        _check_measure(measure, "comparison table")
        base = baseline.final(measure).set_index(["framework", "seed"])["value"]
        for reps in shown:
            finals = reps.final(measure).set_index(["framework", "seed"])["value"]
            width = reps.n_countries if measure == "members" else 1.0
            for fid in dict.fromkeys(finals.index.get_level_values(0)):
                values = finals.loc[fid]
                summary = summarise_outcome(values.to_numpy(), scale=width)
                row = {
                    "scenario": reps.label,
                    "framework": fid,
                    "measure": measure,
                    "median": summary.median,
                    "low": summary.low,
                    "high": summary.high,
                    "runs": summary.runs,
                    "split": summary.split,
                    "groups": groups_text(summary),
                    "diff_median": np.nan,
                    "diff_low": np.nan,
                    "diff_high": np.nan,
                    "diff_split": False,
                    "diff_groups": "",
                }
                if reps is not baseline and fid in base.index.get_level_values(0):
                    differences, _ = _difference(values, base.loc[fid])
                    change = summarise_outcome(differences, scale=2 * width)
                    row |= {
                        "diff_median": change.median,
                        "diff_low": change.low,
                        "diff_high": change.high,
                        "diff_split": change.split,
                        "diff_groups": groups_text(change),
                    }
                rows.append(row)
    return pd.DataFrame(rows)


def groups_text(summary: OutcomeSummary) -> str:
    """A split's groups for a table: ``"3 runs 1-4; 7 runs 184-193"`` (empty when not split).

    Runs in the valley between the groups are added as ``"; 2 runs between"``.
    """
    groups = [f"{c.runs} runs {c.low:.4g}-{c.high:.4g}" for c in summary.clusters]
    return "; ".join(groups + ([f"{summary.between} runs between"] if summary.between else []))


@styled
def comparison_figure(
    scenarios: Sequence[Replications], baseline: Replications | None = None, measure: str = "share_gdp"
) -> Figure:
    """Final shares per framework in several scenarios, and each one's difference to a baseline.

    Args:
        scenarios: The scenarios to compare (each with its replications).
        baseline: The reference scenario (it may also be among ``scenarios``); with
            none, only the left panel is drawn.
        measure: ``"members"`` or a share column.

    Returns:
        A Figure: left, the median final value with its 5–95% interval per framework
        and scenario (marker shape = scenario, colour = framework); right, the
        difference to the baseline in percentage points (or countries).

    Raises:
        InputError: If the measure is unknown or no scenario is given.
    """
    _check_measure(measure, "comparison figure")
    if not scenarios:
        raise InputError("comparison figure", "scenarios", "at least one scenario", "none")
    shown = list(scenarios) if baseline is None or baseline in scenarios else [baseline, *scenarios]
    others = [reps for reps in shown if reps is not baseline]
    ids = [*dict.fromkeys(fid for reps in shown for fid in reps.framework_ids), NON_ALIGNED_ID]
    names = {k: v for reps in shown for k, v in reps.names.items()}
    colours = framework_colours(ids)
    panels = 2 if baseline is not None and others else 1
    fig, axes = subplots(
        1,
        panels,
        figsize=(6.0 * panels, (0.22 * len(shown) + 0.3) * len(ids) + 2.0),
        sharey=True,
        squeeze=False,
    )
    spread = np.linspace(-0.28, 0.28, len(shown)) if len(shown) > 1 else np.zeros(1)
    n_countries = shown[0].n_countries
    scale = 1.0 if measure == "members" else 100.0
    paired_all = True
    split = False
    for s, reps in enumerate(shown):
        finals = reps.final(measure).set_index(["framework", "seed"])["value"]
        base = (
            baseline.final(measure).set_index(["framework", "seed"])["value"]
            if baseline is not None
            else None
        )
        marker = SCENARIO_MARKERS[s % len(SCENARIO_MARKERS)]
        for row, fid in enumerate(ids):
            y = row + spread[s]
            if fid not in finals.index.get_level_values(0):
                axes[0, 0].text(
                    0.0,
                    y,
                    "  not in scenario",
                    va="center",
                    fontsize=7.5,
                    color=MID_GREY,
                    transform=axes[0, 0].get_yaxis_transform(),
                )
                continue
            values = finals.loc[fid]
            range_width = n_countries if measure == "members" else 1.0
            split |= _dot_outcome(axes[0, 0], y, values.to_numpy(), range_width, colours[fid], marker)
            if (
                panels == 2
                and reps is not baseline
                and base is not None
                and fid in base.index.get_level_values(0)
            ):
                differences, paired = _difference(values, base.loc[fid])
                paired_all &= paired
                split |= _dot_outcome(
                    axes[0, 1], y, differences * scale, 2 * range_width * scale, colours[fid], marker
                )
    ax = axes[0, 0]
    ax.set_yticks(range(len(ids)), [framework_label(fid, names) for fid in ids])
    ax.invert_yaxis()
    ax.set_xlabel(_axis_label(measure, n_countries) + " at the last step")
    _format_measure_axis_x(ax, measure, n_countries)
    ax.set_title("Final value, median and 5–95% interval")
    if panels == 2:
        diff_ax = axes[0, 1]
        diff_ax.axvline(0, color=INK, lw=0.8)
        unit = "countries" if measure == "members" else "percentage points"
        diff_ax.set_xlabel(f"difference to {baseline.label} ({unit})")
        diff_ax.set_title(f"Change against {baseline.label}")
    handles = [
        plt.Line2D(
            [],
            [],
            color=INK,
            marker=SCENARIO_MARKERS[s % len(SCENARIO_MARKERS)],
            ls="none",
            label=f"{reps.label} ({_count_runs(len(reps.runs))}"
            + ("; reference)" if reps is baseline else ")"),
        )
        for s, reps in enumerate(shown)
    ]
    fig.suptitle(f"Scenario comparison: {_axis_label(measure, n_countries)}")
    note = f"Intervals: {BAND_TEXT}."
    single = [reps.label for reps in shown if len(reps.runs) == 1]
    if single:
        note += (
            f" No interval for {', '.join(single)}: one run each, so a value there, and a difference to "
            "it, is one seed's."
        )
    if split:
        note += (
            " Two dots on one row: the runs split into two groups far apart; each group is drawn with its "
            "median, its range and its number of runs."
        )
    if panels == 2:
        note += (
            " Differences are paired by seed (same seeds in both scenarios)."
            if paired_all
            else " Differences use every pair of scenario and baseline runs (seeds differ)."
        )
    if measure in MEASURE_SOURCES:
        note += f" Weights: {MEASURE_SOURCES[measure]}."
    add_foot(
        fig, note, handles, [h.get_label() for h in handles], ncol=min(len(handles), 3), title="scenario"
    )
    return fig


def _count_runs(runs: int) -> str:
    return f"{runs} run{'' if runs == 1 else 's'}"


def _dot_outcome(
    ax: plt.Axes, y: float, values: np.ndarray, range_width: float, colour: str, marker: str
) -> bool:
    """Draw an outcome across runs as a dot and interval, or a split as one per group.

    Args:
        ax: The axes.
        y: The row.
        values: The outcome in each run.
        range_width: Width of the outcome's possible range (see :func:`summarise_outcome`).
        colour: The framework's colour.
        marker: The scenario's marker.

    Returns:
        Whether the outcome split.
    """
    summary = summarise_outcome(values, scale=range_width)
    if not summary.split:
        _dot_interval(ax, y, summary.median, summary.low, summary.high, colour, marker)
        return False
    for cluster in summary.clusters:
        group = values[(values >= cluster.low) & (values <= cluster.high)]
        _dot_interval(ax, y, float(np.median(group)), cluster.low, cluster.high, colour, marker)
        ax.annotate(
            f"{cluster.runs} of {summary.runs} runs",
            (float(np.median(group)), y),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color=INK,
        )
    return True


def _dot_interval(
    ax: plt.Axes, y: float, mid: float, low: float, high: float, colour: str, marker: str
) -> None:
    ax.plot([low, high], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
    ax.plot([mid], [y], marker=marker, color=colour, markeredgecolor=INK, markersize=7, ls="none")


def _format_measure_axis_x(ax: plt.Axes, measure: str, n_countries: int) -> None:
    if measure == "members":
        ax.set_xlim(0, n_countries * 1.02)
    else:
        ax.set_xlim(-0.01, 1.01)
        ax.xaxis.set_major_formatter(StepPercentFormatter())


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError(
            where,
            "columns",
            f"columns {', '.join(columns)}",
            f"{', '.join(map(str, frame.columns))} (missing {', '.join(missing)})",
        )
    if frame.empty:
        raise InputError(where, "rows", "at least one row", "an empty frame")


@styled
def tipping_figure(frame: pd.DataFrame, parameter: str, outcome: str, percent: bool = False) -> Figure:
    """An outcome against a swept parameter: median line, 5–95% band and every replicate.

    Args:
        frame: Tidy frame with columns ``param_value``, ``outcome``, ``replicate``, and
            optionally ``framework`` (one line per framework in its colour).
        parameter: Axis label for the parameter, with units (e.g. ``"WAICO open-models
            offer (utility units)"``).
        outcome: Axis label for the outcome, with units.
        percent: Whether the outcome is a share in [0, 1], shown as a percentage.

    Returns:
        The Figure.

    Raises:
        InputError: If columns are missing or the frame is empty.
    """
    _require_columns(frame, ("param_value", "outcome", "replicate"), "tipping figure")
    groups = list(dict.fromkeys(frame["framework"])) if "framework" in frame.columns else [None]
    colours = framework_colours([g for g in groups if g is not None])
    fig, ax = subplots(figsize=(8.4, 4.4))
    replicates = int(frame["replicate"].nunique())
    for group in groups:
        rows = frame if group is None else frame[frame["framework"] == group]
        colour = INK if group is None else colours[group]
        bands = quantile_bands(rows, ["param_value"], "outcome")
        if replicates > 1:
            ax.fill_between(bands.index, bands["low"], bands["high"], color=colour, alpha=0.2, lw=0)
        ax.scatter(rows["param_value"], rows["outcome"], s=9, color=colour, alpha=0.35, lw=0)
        ax.plot(
            bands.index,
            bands["median"],
            color=colour,
            lw=2,
            marker="o",
            markersize=3.5,
            label="median" if group is None else framework_label(group),
        )
    ax.set_xlabel(parameter)
    ax.set_ylabel(outcome)
    if percent:
        ax.yaxis.set_major_formatter(StepPercentFormatter())
    handles, labels = ax.get_legend_handles_labels()
    handles += [plt.Line2D([], [], color=MID_GREY, marker="o", ls="none", alpha=0.5, markersize=4)]
    labels += ["one replicate"]
    if replicates > 1:
        handles.append(Patch(color=MID_GREY, alpha=0.3, lw=0))
        labels.append(BAND_TEXT)
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5)
    ax.set_title(f"Tipping curve: {outcome}")
    add_foot(fig, f"{frame['param_value'].nunique()} parameter values × {replicates} replicates each.")
    return fig


def budget_curve_figure(curve: BudgetCurve) -> Figure:
    """The budget-to-membership curve: a framework's members at the end against the sponsor's budget.

    Args:
        curve: A :func:`sim.analysis.what_it_takes.budget_curve` answer.

    Returns:
        The figure (each seed and the median across seeds).

    """
    frame = curve.runs.rename(columns={"budget": "param_value", "members": "outcome"})
    per = "per month" if curve.budget_period == "step" else "in total"
    name = framework_label(curve.framework)
    fig = tipping_figure(
        frame[["param_value", "outcome", "replicate"]].assign(framework=curve.framework),
        f"sponsor's budget ({per}, budget units)",
        f"{name} members at the end (countries)",
    )
    fig.axes[0].set_title(f"What a greedy sponsor's budget buys: {name} members")
    return fig


#: Index columns that SALib's Sobol and Morris analyses produce.
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu_star", "sigma")


@styled
def sensitivity_figure(frame: pd.DataFrame, outcome: str, conf_level: float = 0.95) -> Figure:
    """Which parameters move the outcome: Sobol indices or Morris screening as bars.

    Args:
        frame: One row per parameter (a ``parameter`` column or the index), with either
            ``S1, S1_conf, ST, ST_conf`` (Sobol; ``*_conf`` = half-width of the
            confidence interval, as SALib reports) or ``mu_star, sigma`` (Morris;
            optional ``mu_star_conf``).
        outcome: What the indices were computed for, with units.
        conf_level: The confidence level of the ``*_conf`` half-widths.

    Returns:
        A Figure of horizontal bars, most influential parameter on top.

    Raises:
        InputError: If neither set of columns is present.
    """
    table = frame if "parameter" in frame.columns else frame.rename_axis("parameter").reset_index()
    sobol = all(column in table.columns for column in SOBOL_COLUMNS)
    if not sobol and not all(column in table.columns for column in ("parameter", *MORRIS_COLUMNS)):
        raise InputError(
            "sensitivity figure",
            "columns",
            f"{', '.join(SOBOL_COLUMNS)} (Sobol) or {', '.join(MORRIS_COLUMNS)} (Morris)",
            ", ".join(map(str, table.columns)),
            hint="for SALib's Sobol result, join its total and first-order tables",
        )
    _require_columns(table, ("parameter",), "sensitivity figure")
    key = "ST" if sobol else "mu_star"
    table = table.sort_values(key, ascending=True)
    fig, ax = subplots(figsize=(7.4, 0.42 * len(table) + 1.8))
    y = np.arange(len(table))
    height = 0.38
    if sobol:
        pairs = (("ST", "ST_conf", GAIN, "total effect ST"), ("S1", "S1_conf", COST, "first-order S1"))
        for offset, (value, conf, colour, label) in zip((height / 2, -height / 2), pairs, strict=True):
            ax.barh(
                y + offset,
                table[value],
                height,
                xerr=table[conf],
                color=colour,
                edgecolor=INK,
                lw=0.6,
                error_kw={"ecolor": INK, "lw": 1, "capsize": 2},
                label=label,
            )
        ax.set_xlabel(f"Sobol index (share of the variance of {outcome})")
        note = f"Error bars: {conf_level:.0%} confidence interval (bootstrap, as reported by SALib)."
    else:
        error = table["mu_star_conf"] if "mu_star_conf" in table.columns else None
        ax.barh(
            y + height / 2,
            table["mu_star"],
            height,
            xerr=error,
            color=GAIN,
            edgecolor=INK,
            lw=0.6,
            error_kw={"ecolor": INK, "lw": 1, "capsize": 2},
            label="μ* (mean absolute effect)",
        )
        ax.barh(
            y - height / 2,
            table["sigma"],
            height,
            color=COST,
            edgecolor=INK,
            lw=0.6,
            label="σ (spread: interactions or non-linearity)",
        )
        ax.set_xlabel(f"Morris elementary effect on {outcome}")
        note = "Morris screening ranks parameters; it does not apportion variance." + (
            f" Error bars: {conf_level:.0%} confidence interval of μ*." if error is not None else ""
        )
    ax.set_yticks(y, table["parameter"])
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color=INK, lw=0.8)
    ax.legend(loc="lower right")
    ax.set_title(f"Sensitivity of {outcome}")
    add_foot(fig, note)
    return fig


#: Columns of ``Country.explain()`` that are summed into ``total`` besides the components.
EXTRA_TERMS = ("dual_cost", "switching")


@styled
def why_figure(
    explanation: pd.DataFrame, country: str, options: int = 4, names: Mapping[str, str] | None = None
) -> Figure:
    """Why a country holds what it holds: each option's utility split into components.

    Args:
        explanation: The frame of ``Country.explain()`` (index: portfolio label).
        country: The country's name for the title.
        options: How many options to show (the most likely ones; the held one always). The
            title says how many of how many it shows.
        names: The scenario's framework names, for option titles.

    Returns:
        A Figure with one panel per option, one bar per component that is non-zero in
        any shown option, and the total.

    Raises:
        InputError: If the frame lacks the columns ``explain()`` produces.
    """
    terms = (*COMPONENTS, *EXTRA_TERMS)
    _require_columns(explanation, (*terms, "total", "probability", "current"), "why figure")
    ranked = explanation.sort_values("probability", ascending=False)
    shown = ranked.head(options)
    plus_held = "" if shown["current"].any() else " and the one it holds"
    if plus_held:
        shown = pd.concat([shown.iloc[: options - 1], ranked[ranked["current"]]])
    used = [term for term in terms if (shown[term].abs() > 1e-12).any()]
    labels = [COMPONENT_LABELS.get(term, term) for term in used] + ["total utility"]
    fig, axes = subplots(
        1,
        len(shown),
        figsize=(2.7 * len(shown) + 2.2, 0.3 * len(labels) + 1.9),
        sharey=True,
        sharex=True,
        squeeze=False,
    )
    y = np.arange(len(labels))
    for ax, (label, row) in zip(axes[0], shown.iterrows(), strict=True):
        values = row[used].to_numpy(dtype=float)
        ax.barh(y[:-1], values, color=np.where(values >= 0, GAIN, COST), edgecolor=INK, lw=0.5)
        ax.barh(y[-1], row["total"], color="white", edgecolor=INK, lw=1.4, hatch="...")
        ax.annotate(
            f"{row['total']:+.2f}",
            (row["total"], y[-1]),
            xytext=(4 if row["total"] >= 0 else -4, 0),
            textcoords="offset points",
            ha="left" if row["total"] >= 0 else "right",
            va="center",
            fontsize=8.5,
            fontweight="bold",
        )
        ax.axvline(0, color=INK, lw=0.8)
        ax.axhline(y[-1] - 0.5, color=LIGHT_GREY, lw=1)
        held = " (held now)" if row["current"] else ""
        name = portfolio_display_label(str(label), names)
        ax.set_title(f"{name}{held}\npicked with probability {row['probability']:.0%}", fontsize=9.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("utility (model units)")
    axes[0, 0].set_yticks(y, labels)
    axes[0, 0].invert_yaxis()
    which = (
        f"all {len(ranked)} portfolios open to it"
        if len(shown) == len(ranked)
        else f"the {len(shown) - bool(plus_held)} likeliest of {len(ranked)} portfolios open to it{plus_held}"
    )
    fig.suptitle(f"Why {country}: {which}, term by term")
    add_foot(
        fig,
        "Dark bars add to an option's utility, light bars subtract; the dotted bar is the sum. "
        "Magnitudes are assumptions of the scenario, not measured quantities.",
    )
    return fig


__all__ = [
    "QUANTILES",
    "comparison_figure",
    "comparison_table",
    "groups_text",
    "membership_figure",
    "quantile_bands",
    "scenario_transitions",
    "sensitivity_figure",
    "tipping_figure",
    "transition_figure",
    "why_figure",
]

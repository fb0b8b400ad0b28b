"""Figures of a sweep store: each outcome against each swept parameter, and a response surface.

A sweep (``coalsim sweep``) runs a scenario at many parameter values; these figures show
what an outcome (see :class:`~sim.experiment.store.Outcome`) did across them, one run
per dot:

* :func:`outcome_figure`: one panel per swept parameter, sharing the outcome axis. A
  parameter the sweep sets to a few listed values (a ``values:`` list, any parameter of a
  grid design, a policy's lever) gets the median and 5–95% range of the runs at each
  value, pooled over the other parameters; a sampled range (random, lhs, sobol, morris)
  gets a LOWESS smoother (Cleveland 1979, through statsmodels) through the runs.
* :func:`surface_figure`: for a sweep over exactly two parameters, the median outcome
  in each cell of the two parameters' values (a range is cut into equal bins).

:func:`sweep_figures` collects both for every outcome asked for, reading the store once;
:func:`outcome_ranges` is the outcome's range over the design as a table. Colour means
"framework", as in every coalsim figure: an outcome is drawn in its framework's colour.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.errors import ARGUMENTS, InputError
from sim.experiment.store import Outcome, SweepResults
from sim.files import read_json
from sim.viz.plots import BAND_TEXT, QUANTILES, quantile_bands
from sim.viz.style import (
    COMPONENT_LABELS,
    INK,
    StepPercentFormatter,
    add_foot,
    framework_colours,
    framework_label,
    styled,
    subplots,
)

#: The outcomes drawn when none are asked for: members and GDP share at the end, of
#: WAICO (or of the first framework, in a sweep of a scenario without WAICO).
DEFAULT_MEASURES = ("members", "share_gdp")

#: Readable names of the measures in outcome labels.
MEASURE_NAMES = {
    "members": "member countries",
    "share_count": "share of countries",
    "share_gdp": "share of world GDP",
    "share_population": "share of world population",
    "share_ai_capacity": "share of AI capacity (proxy)",
}

#: Words of parameter paths written in capitals in labels.
ACRONYMS = {"us": "US", "eu": "EU", "un": "UN", "ai": "AI", "gdp": "GDP", "coe": "CoE", "g7": "G7"}

#: LOWESS span: the share of the runs each local fit uses (statsmodels' default, 2/3,
#: smooths a few dozen runs without following their noise).
LOWESS_SPAN = 2 / 3

#: Panels per row: two keep the text readable at the report's width.
PANEL_COLUMNS = 2

#: A sampled range with fewer distinct values than this gets no smoother (dots only).
MIN_SMOOTHED_VALUES = 5

#: Bins per sampled range in a response surface: about three design points per cell,
#: from 3 up to 8 bins per axis.
SURFACE_BINS = (3, 8)

#: Listed numbers up to this many get a tick each (more get the usual ticks).
MAX_TICKED_VALUES = 8

#: Horizontal jitter of the dots at a listed value, as a share of the gap between values.
JITTER = 0.12


def default_outcomes(results: SweepResults) -> list[str]:
    """The headline outcomes of a sweep: final members and GDP share of WAICO (else the first framework).

    Args:
        results: An opened store.

    Returns:
        Outcome names such as ``"final_members:waico"``.

    """
    framework = "waico" if "waico" in results.frameworks else results.frameworks[0]
    return [f"final_{measure}:{framework}" for measure in DEFAULT_MEASURES]


def parameter_label(path: str, names: Mapping[str, str] | None = None) -> str:
    """A readable name for a dotted parameter path.

    Frameworks are named as in every figure (``frameworks.waico.levers.open_models`` is
    "WAICO offer: open models"); a value an event sets (``events.0.set.<path>``) says so.

    Args:
        path: The dotted path, as in ``coalsim params``.
        names: The scenario's framework names, for ids without a short name.

    Returns:
        The label.

    """
    parts = path.split(".")
    if len(parts) > 3 and parts[0] == "events" and parts[2] == "set":
        return f"{parameter_label('.'.join(parts[3:]), names)} (set by event {parts[1]})"
    words = [" ".join(ACRONYMS.get(word, word) for word in part.split("_")) for part in parts]
    if parts[0] == "frameworks" and len(parts) > 2:
        head = framework_label(parts[1], names)
        if parts[2] == "levers" and len(parts) == 4:
            return f"{head} {COMPONENT_LABELS.get(parts[3], words[3])}"
        return f"{head}: {' '.join(words[2:])}"
    if parts[0] == "penalties" and len(parts) > 2:
        return f"{words[1]} (penalty): {' '.join(words[2:])}"
    return f"{words[0]}: {' '.join(words[1:])}" if len(words) > 1 else words[0]


def outcome_label(outcome: Outcome, steps: int, names: Mapping[str, str] | None = None) -> str:
    """A readable name for an outcome, e.g. "WAICO: member countries at month 24 (end)".

    Args:
        outcome: The outcome.
        steps: Months each run lasted.
        names: The scenario's framework names.

    Returns:
        The label.

    """
    when = f"at month {steps} (end)" if outcome.statistic == "final" else f"mean over months 0-{steps}"
    return f"{framework_label(outcome.framework, names)}: {MEASURE_NAMES[outcome.measure]} {when}"


@dataclass(frozen=True)
class SweepTable:
    """A store's runs with their parameters and outcomes, and what the figures need to name them.

    Attributes:
        results: The opened store.
        outcomes: The outcomes, parsed.
        table: One row per succeeded run (:meth:`SweepResults.table`).

    """

    results: SweepResults
    outcomes: tuple[Outcome, ...]
    table: pd.DataFrame

    @classmethod
    def read(cls, results: SweepResults, outcomes: Iterable[str] | None = None) -> SweepTable:
        """Read the outcomes of every succeeded run.

        Args:
            results: An opened store.
            outcomes: Outcome names (default: :func:`default_outcomes`); repeats are dropped.

        Returns:
            The table.

        Raises:
            InputError: If an outcome name is invalid (naming ``outcomes``), or no run succeeded.

        """
        names = list(dict.fromkeys(default_outcomes(results) if outcomes is None else outcomes))
        parsed = tuple(Outcome.parse(name, results.frameworks, ARGUMENTS, "outcomes") for name in names)
        return cls(results, parsed, results.table([outcome.name for outcome in parsed]))

    @cached_property
    def scenario(self) -> dict:
        """The swept scenario as stored (``scenario.json``)."""
        return read_json(self.results.folder / "scenario.json")

    @property
    def steps(self) -> int:
        """Months each run lasted."""
        return int(self.results.spec.steps or self.scenario["steps"])

    @property
    def names(self) -> dict[str, str]:
        """The scenario's framework names by id."""
        return {fid: spec["name"] for fid, spec in self.scenario["frameworks"].items()}

    @property
    def columns(self) -> dict[str, str]:
        """Each swept parameter's column in :attr:`table` (its short name), by path."""
        parameters = self.results.parameters
        return dict(zip(parameters, self.table.columns[: len(parameters)], strict=True))

    def listed(self, path: str) -> bool:
        """Whether the sweep sets a parameter to a few listed values rather than sampling a range."""
        spec = self.results.spec
        sampled = spec.sampled.get(path)
        return spec.design == "grid" or sampled is None or sampled.values is not None

    def label(self, outcome: Outcome) -> str:
        """The outcome's readable name."""
        return outcome_label(outcome, self.steps, self.names)

    def colour(self, outcome: Outcome) -> str:
        """The outcome's framework colour."""
        return framework_colours(self.results.frameworks)[outcome.framework]

    def runs_text(self) -> str:
        """Runs, design points, replications and failures in words, for captions."""
        runs = self.results.runs
        status = runs["status"].value_counts()
        points, replications = runs["sample"].nunique(), self.results.spec.replications
        text = (
            f"{len(self.table)} runs ({points} design points × {replications} replication"
            f"{'s' if replications > 1 else ''}, the same seeds at every point)"
        )
        missing = {name: int(status.get(name, 0)) for name in ("failed", "pending")}
        if any(missing.values()):
            text += "; not shown: " + ", ".join(f"{n} {name}" for name, n in missing.items() if n)
        return text


def _is_share(outcome: Outcome) -> bool:
    return outcome.measure != "members"


def _format_axis(ax: plt.Axes, outcome: Outcome) -> None:
    """Shares as percentages, with the decimals the tick step needs."""
    if _is_share(outcome):
        ax.yaxis.set_major_formatter(StepPercentFormatter())


def _jitter(count: int, gap: float) -> np.ndarray:
    """Fixed (seeded) horizontal offsets, so the dots of replications at one value stay apart."""
    return np.random.default_rng(0).uniform(-JITTER, JITTER, count) * gap


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _levels(values: pd.Series) -> list:
    """The distinct values of a listed parameter: numbers in order, other values as first met."""
    return sorted(values.unique()) if _numeric(values) else list(dict.fromkeys(values))


def _listed_panel(ax: plt.Axes, frame: pd.DataFrame, column: str, outcome: Outcome, colour: str) -> str:
    """Dots at each listed value, with the median and 5–95% range of the runs there.

    Returns:
        ``"median"``, what the panel drew besides the dots (for the legend).
    """
    values = frame[column]
    numeric, levels = _numeric(values), _levels(values)
    where = np.asarray(levels, dtype=float) if numeric else np.arange(len(levels), dtype=float)
    position = pd.Series(where, index=levels)
    gap = float(np.min(np.diff(where))) if len(where) > 1 else 1.0
    x = position.loc[values].to_numpy() + _jitter(len(frame), gap)
    ax.scatter(x, frame[outcome.name], s=14, color=colour, alpha=0.45, lw=0, zorder=2)
    bands = quantile_bands(frame.assign(at=position.loc[values].to_numpy()), ["at"], outcome.name)
    if numeric and len(levels) <= MAX_TICKED_VALUES:
        ax.set_xticks(where, [f"{level:g}" for level in levels])
    if numeric:
        ax.fill_between(bands.index, bands["low"], bands["high"], color=colour, alpha=0.18, lw=0)
        ax.plot(bands.index, bands["median"], color=colour, lw=2.2, marker="o", markersize=5, zorder=3)
    else:
        ax.vlines(bands.index, bands["low"], bands["high"], color=colour, alpha=0.25, lw=14, zorder=1)
        ax.plot(bands.index, bands["median"], "o", color=colour, markersize=7, zorder=3)
        ax.set_xticks(where, [str(level) for level in levels])
        ax.set_xlim(where[0] - 0.5, where[-1] + 0.5)
    return "median"


def _range_panel(ax: plt.Axes, frame: pd.DataFrame, column: str, outcome: Outcome, colour: str) -> str:
    """Dots at the sampled values, with a LOWESS smoother through them if they take enough values.

    Returns:
        ``"smoother"`` if it drew one, else ``""`` (for the legend).
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    x, y = frame[column].to_numpy(dtype=float), frame[outcome.name].to_numpy(dtype=float)
    ax.scatter(x, y, s=14, color=colour, alpha=0.45, lw=0, zorder=2)
    if len(np.unique(x)) < MIN_SMOOTHED_VALUES:
        return ""
    fitted = lowess(y, x, frac=LOWESS_SPAN, it=0, return_sorted=True)
    ax.plot(fitted[:, 0], fitted[:, 1], color=colour, lw=2.4, zorder=3)
    return "smoother"


@styled
def outcome_figure(data: SweepTable, outcome: Outcome) -> Figure:
    """An outcome against each swept parameter, one panel per parameter, every run a dot.

    Args:
        data: The store's table (:meth:`SweepTable.read`), holding ``outcome``.
        outcome: The outcome to draw.

    Returns:
        The figure.

    """
    paths = data.results.parameters
    ncols = min(PANEL_COLUMNS, len(paths))
    nrows = -(-len(paths) // ncols)
    fig, axes = subplots(
        nrows, ncols, figsize=(3.9 * ncols + 0.6, 3.2 * nrows + 0.9), sharey=True,
        squeeze=False,
    )  # fmt: skip
    colour = data.colour(outcome)
    drawn = set()
    for ax, path in zip(axes.flat, paths, strict=False):
        draw = _listed_panel if data.listed(path) else _range_panel
        drawn.add(draw(ax, data.table, data.columns[path], outcome, colour))
        ax.set_title(parameter_label(path, data.names), fontsize=10.5)
        ax.set_xlabel(path, fontsize=8, color="#555555")
    for ax in axes.flat[len(paths) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(data.label(outcome).split(": ", 1)[1])
        _format_axis(ax, outcome)  # the panels share this axis, drawn by now
    fig.suptitle(data.label(outcome), fontsize=12, fontweight="bold")
    handles = [Line2D([], [], color=colour, marker="o", ls="none", alpha=0.5, markersize=5)]
    labels = ["one run"]
    if "median" in drawn:
        handles += [Line2D([], [], color=colour, lw=2.2, marker="o"), Patch(color=colour, alpha=0.25, lw=0)]
        labels += ["median at a listed value", BAND_TEXT.replace("replications", "runs at that value")]
    if "smoother" in drawn:
        handles.append(Line2D([], [], color=colour, lw=2.4))
        labels.append("LOWESS smoother (span 2/3 of the runs)")
    pooled = " Each panel pools the runs over the other parameters' values." if len(paths) > 1 else ""
    if "" in drawn:
        pooled += f" A range sampled at fewer than {MIN_SMOOTHED_VALUES} values gets no smoother."
    add_foot(
        fig,
        f"Sweep {data.results.manifest['name']} ({data.results.spec.design} design): {data.runs_text()}."
        + pooled,
        handles,
        labels,
        ncol=len(labels) if len(labels) <= 3 else 2,
    )
    return fig


def _cells(data: SweepTable, path: str) -> tuple[np.ndarray, list[str], str]:
    """Each run's cell along one axis of a surface: ``(cell index per run, cell labels, axis title)``."""
    values = data.table[data.columns[path]]
    if data.listed(path):
        levels = _levels(values)
        return pd.Series(range(len(levels)), index=levels).loc[values].to_numpy(), list(map(str, levels)), ""
    sampled = data.results.spec.sampled[path]
    low, high = float(sampled.low), float(sampled.high)  # type: ignore[arg-type]
    points = data.table.groupby(data.columns[path]).ngroups
    bins = int(np.clip(round(np.sqrt(points / 3)), *SURFACE_BINS))
    edges = np.linspace(low, high, bins + 1)
    cell = np.clip(np.searchsorted(edges, values.to_numpy(dtype=float), side="right") - 1, 0, bins - 1)
    labels = [f"{a:.3g}–{b:.3g}" for a, b in itertools.pairwise(edges)]
    return cell, labels, f" (in {bins} equal bins)"


@styled
def surface_figure(data: SweepTable, outcome: Outcome) -> Figure:
    """The median outcome over the two swept parameters: a heat map in the framework's colour.

    Args:
        data: The table of a store that swept exactly two parameters.
        outcome: The outcome to draw.

    Returns:
        The figure.

    Raises:
        InputError: If the store did not sweep exactly two parameters.

    """
    paths = data.results.parameters
    if len(paths) != 2:
        raise InputError(
            str(data.results.folder), "parameters", "a sweep over exactly two parameters", str(len(paths))
        )
    (cx, xlabels, xnote), (cy, ylabels, ynote) = (_cells(data, path) for path in paths)
    frame = pd.DataFrame({"x": cx, "y": cy, "value": data.table[outcome.name].to_numpy()})
    grid = (
        frame.groupby(["y", "x"])["value"]
        .median()
        .unstack()
        .reindex(index=range(len(ylabels)), columns=range(len(xlabels)))
    )
    counts = frame.groupby(["y", "x"]).size().unstack().reindex(index=grid.index, columns=grid.columns)
    colour = data.colour(outcome)
    pale = 0.88 * np.ones(3) + 0.12 * np.asarray(to_rgb(colour))
    cmap = LinearSegmentedColormap.from_list("framework", [pale, colour])
    fig, ax = subplots(figsize=(7.6, 5.6))
    share = _is_share(outcome)
    cells = grid.to_numpy(dtype=float)
    low, top = float(np.nanmin(cells)), float(np.nanmax(cells))
    top = top if top > low else low + (0.01 if share else 1.0)
    image = ax.imshow(cells, cmap=cmap, vmin=low, vmax=top, origin="lower", aspect="auto")
    bar = fig.colorbar(image, ax=ax, shrink=0.9, label=f"median {MEASURE_NAMES[outcome.measure]}")
    if share:
        bar.formatter = StepPercentFormatter()
        bar.update_ticks()
    if grid.size <= 100:
        for (row, col), value in np.ndenumerate(cells):
            if np.isnan(value):
                continue
            text = f"{value:.0%}" if share else f"{value:.0f}"
            dark = (value - low) / (top - low) > 0.6
            ax.text(col, row, f"{text}\n{int(counts.iat[row, col])} runs", ha="center", va="center",
                    fontsize=8.5, color="white" if dark else INK, linespacing=1.2)  # fmt: skip
    ax.set_xticks(
        range(len(xlabels)), xlabels, rotation=30 if xnote else 0, ha="right" if xnote else "center"
    )
    ax.set_yticks(range(len(ylabels)), ylabels)
    ax.set_xlabel(parameter_label(paths[0], data.names) + xnote)
    ax.set_ylabel(parameter_label(paths[1], data.names) + ynote)
    ax.grid(False)
    ax.set_title(f"{data.label(outcome)}: response surface")
    add_foot(
        fig,
        "Each cell: the median of the runs whose two parameters fall in it, and how many runs that is; "
        "white cells hold no run. Colours run from the lowest to the highest cell. "
        f"Sweep {data.results.manifest['name']} ({data.results.spec.design} design): {data.runs_text()}.",
    )
    return fig


def figure_name(outcome: Outcome, kind: str = "") -> str:
    """The PNG file name of an outcome's figure, e.g. ``final_members_waico.png``."""
    return f"{outcome.name.replace(':', '_')}{'_' + kind if kind else ''}.png"


def sweep_figures(data: SweepTable) -> dict[str, Callable[[], Figure]]:
    """Every figure of a store's outcomes, by file name, drawn when called.

    Args:
        data: The table (:meth:`SweepTable.read`).

    Returns:
        Per outcome its :func:`outcome_figure` and, for a sweep over two parameters, its
        :func:`surface_figure`.

    """
    figures: dict[str, Callable[[], Figure]] = {}
    for outcome in data.outcomes:
        figures[figure_name(outcome)] = lambda o=outcome: outcome_figure(data, o)
        if len(data.results.parameters) == 2:
            figures[figure_name(outcome, "surface")] = lambda o=outcome: surface_figure(data, o)
    return figures


def outcome_ranges(data: SweepTable) -> pd.DataFrame:
    """Each outcome's range over the design: over all runs, and between design points.

    Args:
        data: The table (:meth:`SweepTable.read`).

    Returns:
        One row per outcome (its name): the 5th, 50th and 95th percentiles over all runs
        (``low``, ``median``, ``high``), the lowest and highest median of a design point
        (``lowest_point``, ``highest_point``), and the parameter values at those two points
        (``lowest_at``, ``highest_at``: ``"short name=value, ..."``).

    """
    columns = list(data.columns.values())
    samples = data.results.succeeded.set_index("run_id").loc[data.table.index, "sample"].to_numpy()
    rows = {}
    for outcome in data.outcomes:
        values = data.table[outcome.name]
        low, mid, high = np.quantile(values.to_numpy(dtype=float), QUANTILES)
        per_point = values.groupby(samples).median()
        first = data.table.groupby(samples)[columns].first()
        rows[outcome.name] = {
            "low": low,
            "median": mid,
            "high": high,
            "lowest_point": per_point.min(),
            "lowest_at": _at(first.loc[per_point.idxmin()]),
            "highest_point": per_point.max(),
            "highest_at": _at(first.loc[per_point.idxmax()]),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _at(values: pd.Series) -> str:
    return ", ".join(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
                     for name, value in values.items())  # fmt: skip


__all__ = [
    "DEFAULT_MEASURES",
    "SweepTable",
    "default_outcomes",
    "figure_name",
    "outcome_figure",
    "outcome_label",
    "outcome_ranges",
    "parameter_label",
    "surface_figure",
    "sweep_figures",
]

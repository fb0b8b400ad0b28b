"""The sets of files ``coalsim plot`` and ``coalsim compare`` write, and the scenario folders they read.

Each set is a mapping from file name to a function that draws the figure, so that every
input is checked (and every "why" explanation rebuilt) before anything is drawn, and
:func:`write_figures` draws them all in memory before it writes one atomic folder. The
sweep store's set is :func:`sim.viz.sweep.sweep_figures`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.explain import explain_final_state
from sim.atomic import write_folder_atomically
from sim.replications import Replications
from sim.viz.maps import final_map_figure, membership_frequency_figure
from sim.viz.plots import (
    comparison_figure,
    comparison_table,
    membership_figure,
    scenario_transitions,
    transition_figure,
    why_figure,
)
from sim.viz.style import png_bytes
from sim.vocabulary import MEMBERSHIP_MEASURES

#: A figure to draw later, by file name.
Figures = dict[str, Callable[[], Figure]]


def load_scenarios(
    folders: Sequence[str | Path], baseline: str | Path | None
) -> tuple[list[Replications], Replications]:
    """Read scenario folders and pick the baseline, giving repeated names distinct labels.

    Args:
        folders: Scenario folders.
        baseline: The baseline folder, or ``None`` for the first of ``folders``.

    Returns:
        The scenarios (baseline included once, first if it was not among them) and the baseline.

    Raises:
        InputError: If a folder is not a scenario folder.

    """
    paths = [Path(folder) for folder in folders]
    base_path = Path(baseline) if baseline else paths[0]
    base = os.path.realpath(base_path)  # not Path.resolve, which raises on a symlink loop
    if base not in {os.path.realpath(path) for path in paths}:
        paths.insert(0, base_path)
    loaded = [Replications.load(path) for path in paths]
    names = [reps.label for reps in loaded]
    scenarios = [
        Replications(
            reps.runs, f"{reps.label} ({path.name})" if names.count(reps.label) > 1 else reps.label, path
        )
        for reps, path in zip(loaded, paths, strict=True)
    ]
    chosen = next(reps for reps, path in zip(scenarios, paths, strict=True) if os.path.realpath(path) == base)
    return scenarios, chosen


def country_name(iso3: str) -> str:
    """A country's name in the shipped world table (the code itself if it is not there)."""
    from sim.world import World

    table = World.load().table
    return str(table.loc[iso3, "name"]) if iso3 in table.index else iso3


def why_figures(reps: Replications, codes: Sequence[str]) -> list[tuple[str, str, Callable[[], Figure]]]:
    """Explain each country now (so that errors surface before anything is written); draw later.

    Args:
        reps: The scenario whose first replication is explained.
        codes: ISO3 codes, in any case; repeats are dropped.

    Returns:
        ``(iso3, heading, draw)`` per distinct code, in the order given.

    Raises:
        InputError: As :func:`~sim.analysis.explain.explain_final_state` (naming ``iso3``).

    """
    figures = []
    for iso3 in dict.fromkeys(code.upper() for code in codes):
        explanation = explain_final_state(reps, iso3)
        heading = (
            f"{country_name(iso3)} in {reps.label} (seed {reps.seeds[0]}, month {reps.metadata['steps']})"
        )
        figures.append((iso3, heading, lambda e=explanation, h=heading: why_figure(e, h, names=reps.names)))
    return figures


def scenario_figures(reps: Replications, why: Sequence[str] = ()) -> Figures:
    """The figures of one scenario: membership, map, transitions, how often each country joins, why.

    Args:
        reps: The scenario's replications.
        why: Countries whose final choice to explain (ISO3 codes).

    Returns:
        Draw functions by PNG file name (``membership_frequency.png`` only with several
        replications; ``why_<ISO3>.png`` per country).

    Raises:
        InputError: If a country cannot be explained (see :func:`why_figures`).

    """
    figures: Figures = {
        "membership.png": lambda: membership_figure(reps),
        "map.png": lambda: final_map_figure(reps),
        "transitions.png": lambda: transition_figure(reps),
    }
    if len(reps.runs) > 1:
        figures["membership_frequency.png"] = lambda: membership_frequency_figure(reps)
    for iso3, _, draw in why_figures(reps, why):
        figures[f"why_{iso3}.png"] = draw
    return figures


def transitions_long(scenarios: Sequence[Replications], baseline: Replications) -> pd.DataFrame:
    """Countries by modal final portfolio in the baseline and in each other scenario (non-zero cells).

    Args:
        scenarios: The scenarios (the baseline among them is skipped).
        baseline: The reference scenario.

    Returns:
        Columns baseline, scenario, baseline_portfolio, scenario_portfolio, countries.

    """
    frames = []
    for reps in scenarios:
        if reps is baseline:
            continue
        counts = scenario_transitions(baseline, reps).stack()
        counts = counts[counts > 0]
        frames.append(
            pd.DataFrame(
                {
                    "baseline": baseline.label,
                    "scenario": reps.label,
                    "baseline_portfolio": counts.index.get_level_values(0),
                    "scenario_portfolio": counts.index.get_level_values(1),
                    "countries": counts.to_numpy(),
                }
            )
        )
    columns = ["baseline", "scenario", "baseline_portfolio", "scenario_portfolio", "countries"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def comparison_files(
    scenarios: Sequence[Replications], baseline: Replications
) -> tuple[Figures, dict[str, bytes]]:
    """What ``coalsim compare`` writes: one figure per measure, and the numbers as CSV.

    Args:
        scenarios: The scenarios (see :func:`load_scenarios`).
        baseline: The reference scenario.

    Returns:
        Draw functions by PNG name, and ``compare.csv`` and ``transitions.csv`` as bytes.

    """
    figures: Figures = {
        f"compare_{measure}.png": (lambda m=measure: comparison_figure(scenarios, baseline, m))
        for measure in MEMBERSHIP_MEASURES
    }
    tables = {
        "compare.csv": comparison_table(scenarios, baseline, MEMBERSHIP_MEASURES),
        "transitions.csv": transitions_long(scenarios, baseline),
    }
    return figures, {name: table.to_csv(index=False).encode("utf-8") for name, table in tables.items()}


def write_figures(
    folder: str | Path,
    figures: Mapping[str, Callable[[], Figure]],
    sources: Sequence[str | Path] = (),
    extras: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Draw every figure in memory first, then write them (and any extra files) as one atomic folder.

    Args:
        folder: The output folder (a figures folder under the one output rule, :mod:`sim.atomic`).
        figures: Draw functions by PNG file name.
        sources: The inputs, whose folders are never replaced.
        extras: Other files (CSV tables) by name.

    Returns:
        The paths written, figures first.

    Raises:
        InputError: If the folder may not be written.

    """
    folder = Path(folder)
    files = {**{name: png_bytes(draw()) for name, draw in figures.items()}, **(extras or {})}
    write_folder_atomically(folder, files, kind="figures", sources=sources)
    return [folder / name for name in files]


__all__ = [
    "Figures",
    "comparison_files",
    "country_name",
    "load_scenarios",
    "scenario_figures",
    "transitions_long",
    "why_figures",
    "write_figures",
]

"""The ``coalsim plot``, ``coalsim compare`` and ``coalsim report`` subcommands.

``register(commands)`` adds them to the ``coalsim`` parser. Each takes scenario folders
(one run folder, or a folder of run folders with different seeds; see
:mod:`sim.viz.plots`), checks every input before it writes anything, draws every figure
in memory, and only then writes each file atomically. Bad input ends as one
``coalsim: ...`` line and exit status 2.

Make a scenario folder with several seeds like this::

    for seed in 1 2 3 4 5; do
        coalsim run scenarios/baseline.yaml --seed $seed --seeds 1 --out results/baseline/seed$seed
    done
    coalsim plot results/baseline --why BRA
    coalsim report results/baseline results/no_shanghai_body --out report.html

``coalsim report ... --answers DIR...`` adds answers of ``coalsim what-it-takes``, and
``--explore DIR...`` outputs of ``coalsim discover``, ``robustness`` and ``optimize``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.errors import InputError, did_you_mean
from sim.replications import Replications
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


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``plot``, ``compare`` and ``report`` to the ``coalsim`` subcommands.

    Args:
        commands: The subparsers object of the ``coalsim`` parser.
    """
    layout = "a run folder, or a folder of run folders (one per seed)"
    plot = commands.add_parser("plot", help="draw a scenario's figures into DIR/figures")
    plot.add_argument("folder", metavar="DIR", help=f"scenario folder: {layout}")
    plot.add_argument(
        "--why",
        action="append",
        default=[],
        metavar="ISO3",
        help="also explain this country's final choice, e.g. --why BRA (repeatable)",
    )
    plot.set_defaults(handler=cmd_plot)

    compare = commands.add_parser(
        "compare", help="compare scenarios' final shares, with intervals across seeds"
    )
    compare.add_argument("folders", nargs="+", metavar="DIR", help=f"scenario folders: {layout}")
    compare.add_argument(
        "--baseline", metavar="DIR", help="reference scenario folder (default: the first DIR)"
    )
    compare.add_argument("--out", required=True, metavar="OUTDIR", help="folder for the PNG files")
    compare.set_defaults(handler=cmd_compare)

    report = commands.add_parser("report", help="write one self-contained HTML report of scenarios")
    report.add_argument("folders", nargs="+", metavar="DIR", help=f"scenario folders: {layout}")
    report.add_argument(
        "--baseline", metavar="DIR", help="reference scenario folder (default: the first DIR)"
    )
    report.add_argument(
        "--why",
        action="append",
        default=[],
        metavar="ISO3",
        help="add a chart of why this country chose as it did (repeatable)",
    )
    report.add_argument(
        "--answers",
        nargs="+",
        default=[],
        metavar="ANSWER_DIR",
        help="add these coalsim what-it-takes answer folders as 'What would it take?' entries",
    )
    report.add_argument(
        "--explore",
        nargs="+",
        default=[],
        metavar="DIR",
        help="add these output folders of coalsim discover, robustness or optimize as sections",
    )
    report.add_argument(
        "--out", required=True, metavar="FILE", deprecated_names=["-o"], help="the HTML file to write"
    )
    report.set_defaults(handler=cmd_report)


def load_scenarios(folders: Sequence[str], baseline: str | None) -> tuple[list[Replications], Replications]:
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
    if base_path.resolve() not in {path.resolve() for path in paths}:
        paths.insert(0, base_path)
    loaded = [Replications.load(path) for path in paths]
    names = [reps.label for reps in loaded]
    scenarios = [
        Replications(
            reps.runs, f"{reps.label} ({path.name})" if names.count(reps.label) > 1 else reps.label, path
        )
        for reps, path in zip(loaded, paths, strict=True)
    ]
    chosen = next(
        reps for reps, path in zip(scenarios, paths, strict=True) if path.resolve() == base_path.resolve()
    )
    return scenarios, chosen


def explain_final_state(reps: Replications, iso3: str) -> pd.DataFrame:
    """Rebuild a scenario's first replication and ask a country why it holds what it holds.

    The run is reproduced from its scenario file and seed, and the country's final
    portfolio is checked against the saved one.

    Args:
        reps: The scenario's replications (their ``scenario_source`` must still exist).
        iso3: The country.

    Returns:
        ``Country.explain()`` at the last step of the first replication.

    Raises:
        InputError: If the country is unknown, the scenario file is missing or has
            changed since the run, or the rebuilt run differs from the saved one.
    """
    from sim.model import CoalitionModel
    from sim.scenario import load_scenario
    from sim.world import World

    run = reps.runs[0]
    meta = run.metadata
    codes = set(run.countries["iso3"])
    if iso3 not in codes:
        raise InputError(
            "command line",
            "--why",
            "the ISO3 code of a modelled country",
            repr(iso3),
            hint=did_you_mean(iso3, codes),
        )
    source = meta.get("scenario_source", "")
    if not Path(source).is_file():
        raise InputError(
            str(reps.folder),
            "metadata.scenario_source",
            "the scenario file the run was made from",
            f"'{source}', which does not exist here",
            hint="run coalsim from the folder the runs were made in",
        )
    scenario = load_scenario(source)
    if scenario.digest() != meta["scenario_hash"]:
        raise InputError(
            source,
            "",
            "the scenario the run was made with (same hash)",
            "a different scenario (edited since, or the run used --set overrides)",
            hint="a why chart needs the exact scenario; re-run it to explain it",
        )
    model = CoalitionModel(scenario, World.load(), rng=meta["seed"], engine=meta.get("engine", "vectorized"))
    model.run_for(meta["steps"])
    country = model.country(iso3)
    saved = run.countries[(run.countries["step"] == meta["steps"]) & (run.countries["iso3"] == iso3)]
    if str(saved["portfolio"].iloc[0]) != country.portfolio:
        raise InputError(
            str(reps.folder),
            "countries.portfolio",
            f"the rebuilt run to match ({country.portfolio})",
            str(saved["portfolio"].iloc[0]),
            hint="the installed coalsim differs from the run's",
        )
    return country.explain()


def _why_figures(reps: Replications, codes: Sequence[str]) -> list[tuple[str, str, Callable[[], Figure]]]:
    """Explain each country now (so errors surface before writing); draw later.

    Returns:
        ``(iso3, heading, draw)`` per distinct code, in the order given.
    """
    figures = []
    for iso3 in dict.fromkeys(code.upper() for code in codes):
        explanation = explain_final_state(reps, iso3)
        heading = (
            f"{_country_name(iso3)} in {reps.label} (seed {reps.seeds[0]}, month {reps.metadata['steps']})"
        )
        figures.append((iso3, heading, lambda e=explanation, h=heading: why_figure(e, h, names=reps.names)))
    return figures


def _country_name(iso3: str) -> str:
    from sim.world import World

    table = World.load().table
    return str(table.loc[iso3, "name"]) if iso3 in table.index else iso3


def _write_pngs(
    folder: Path,
    figures: dict[str, Callable[[], Figure]],
    sources: Sequence[str | Path],
    extras: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Draw every figure in memory first, then write them (and any extra files) as one atomic folder."""
    from sim.atomic import write_folder_atomically

    files = {**{name: png_bytes(draw()) for name, draw in figures.items()}, **(extras or {})}
    write_folder_atomically(folder, files, kind="figures", sources=sources)
    return [folder / name for name in files]


def cmd_plot(args: argparse.Namespace) -> int:
    """``coalsim plot DIR``: a scenario's figures into ``DIR/figures``."""
    from sim.atomic import check_output_folder
    from sim.viz.maps import final_map_figure, membership_frequency_figure, world_shapes

    reps = Replications.load(args.folder)
    out = Path(args.folder) / "figures"
    check_output_folder(out, "figures")
    world_shapes()  # fails early and clearly without geopandas
    figures: dict[str, Callable[[], Figure]] = {
        "membership.png": lambda: membership_figure(reps),
        "map.png": lambda: final_map_figure(reps),
        "transitions.png": lambda: transition_figure(reps),
    }
    if len(reps.runs) > 1:
        figures["membership_frequency.png"] = lambda: membership_frequency_figure(reps)
    for iso3, _, draw in _why_figures(reps, args.why):
        figures[f"why_{iso3}.png"] = draw
    written = _write_pngs(out, figures, sources=())
    print(f"{reps.label}: {reps.seeds_text()}. Wrote {len(written)} figures to {out}/:")
    for path in written:
        print(f"  {path.name}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``coalsim compare DIR... --out OUTDIR``: comparison PNGs, one per measure, and their numbers as CSV."""
    from sim.atomic import check_output_folder

    out = Path(args.out)
    sources = [*args.folders, *([args.baseline] if args.baseline else [])]
    check_output_folder(out, "figures", sources=sources, given_as="--out")
    scenarios, baseline = load_scenarios(args.folders, args.baseline)
    figures = {
        f"compare_{measure}.png": (lambda m=measure: comparison_figure(scenarios, baseline, m))
        for measure in MEMBERSHIP_MEASURES
    }
    tables = {
        "compare.csv": comparison_table(scenarios, baseline, MEMBERSHIP_MEASURES),
        "transitions.csv": _transitions_long(scenarios, baseline),
    }
    extras = {name: table.to_csv(index=False).encode("utf-8") for name, table in tables.items()}
    written = _write_pngs(out, figures, sources, extras)
    labels = ", ".join(reps.label for reps in scenarios)
    print(f"Compared {labels} against {baseline.label}. Wrote {len(written)} files to {out}/:")
    for path in written:
        print(f"  {path.name}")
    return 0


def _transitions_long(scenarios: Sequence[Replications], baseline: Replications) -> pd.DataFrame:
    """Countries by modal final portfolio in the baseline and in each other scenario (non-zero cells)."""
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


def cmd_report(args: argparse.Namespace) -> int:
    """``coalsim report DIR... [--answers DIR...] [--explore DIR...] --out FILE``: one self-contained HTML."""
    from sim.analysis.answers import load_answer
    from sim.analysis.explore_outputs import load_explore_output
    from sim.atomic import check_output_file, write_file
    from sim.viz.maps import world_shapes
    from sim.viz.report import GENERATOR, build_report

    out = Path(args.out)
    sources = [*args.folders, *args.answers, *args.explore, *([args.baseline] if args.baseline else [])]
    check_output_file(out, GENERATOR.encode(), sources, given_as="--out")
    scenarios, baseline = load_scenarios(args.folders, args.baseline)
    answers = [load_answer(folder) for folder in args.answers]
    explore = [load_explore_output(folder) for folder in args.explore]
    world_shapes()
    why = {heading: draw for _, heading, draw in _why_figures(baseline, args.why)}
    page = build_report(scenarios, baseline, why, answers=answers, explore=explore)
    write_file(out, page.encode("utf-8"), GENERATOR.encode(), sources)
    answered = f", {len(answers)} what-it-takes answers" if answers else ""
    answered += f", {len(explore)} exploration outputs" if explore else ""
    print(
        f"Wrote {out} ({len(page.encode('utf-8')) / 1e6:.1f} MB, {len(scenarios)} scenarios, "
        f"{sum(len(reps.runs) for reps in scenarios)} runs{answered})."
    )
    return 0


__all__ = [
    "cmd_compare",
    "cmd_plot",
    "cmd_report",
    "explain_final_state",
    "load_scenarios",
    "register",
]

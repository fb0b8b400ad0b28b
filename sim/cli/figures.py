"""The ``coalsim plot``, ``coalsim compare`` and ``coalsim report`` subcommands.

``register(commands)`` adds them to the ``coalsim`` parser. Each takes scenario folders
(one run folder, or a folder of run folders with different seeds; see
:mod:`sim.viz.plots`), checks every input before it writes anything, draws every figure
in memory, and only then writes each file atomically. Bad input ends as one
``coalsim: ...`` line and exit status 2. The sets of figures live in
:mod:`sim.viz.figure_sets` and :mod:`sim.viz.sweep`; this module holds the options and
the messages.

Make a scenario folder with several seeds like this::

    for seed in 1 2 3 4 5; do
        coalsim run scenarios/baseline.yaml --seed $seed --seeds 1 --out results/baseline/seed$seed
    done
    coalsim plot results/baseline --why BRA
    coalsim report results/baseline results/no_shanghai_body --out report.html

``coalsim report ... --answers DIR...`` adds answers of ``coalsim what-it-takes``, and
``--explore DIR...`` outputs of ``coalsim discover``, ``robustness`` and ``optimize``.

``plot`` and ``report`` also take a sweep store (``coalsim sweep --out``) in place of
scenario folders: the outcomes against each swept parameter, and a page on the sweep::

    coalsim plot results/baseline_grid --outcome final_share_population:waico --out figures/grid
    coalsim report results/baseline_grid --out grid.html
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import file_path
from sim.errors import InputError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``plot``, ``compare`` and ``report`` to the ``coalsim`` subcommands.

    Args:
        commands: The subparsers object of the ``coalsim`` parser.
    """
    layout = "a run folder, or a folder of run folders (one per seed)"
    store = "or a sweep store (coalsim sweep --out)"
    outcome_help = (
        "sweep store only: an outcome to draw, e.g. final_share_population:waico (repeatable; "
        "default: WAICO's final members and share of world GDP)"
    )
    flags = {"iso3": "--why", "outcomes": "--outcome"}
    plot = commands.add_parser(
        "plot",
        help="draw a scenario's figures into DIR/figures, or a sweep's outcomes against its parameters",
    )
    plot.add_argument("folder", type=file_path, metavar="DIR", help=f"scenario folder: {layout}; {store}")
    plot.add_argument(
        "--why",
        action="append",
        default=[],
        metavar="ISO3",
        help="also explain this country's final choice, e.g. --why BRA (repeatable)",
    )
    plot.add_argument("--outcome", action="append", metavar="NAME", help=outcome_help)
    plot.add_argument(
        "--out", type=file_path,
        metavar="OUTDIR",
        help="folder for the figures (default: DIR/figures for a scenario folder, "
        "STORE-figures beside a sweep store)",
    )
    plot.set_defaults(handler=cmd_plot, flags=flags)

    compare = commands.add_parser(
        "compare", help="compare scenarios' final shares, with intervals across seeds"
    )
    compare.add_argument(
        "folders", type=file_path, nargs="+", metavar="DIR", help=f"scenario folders: {layout}"
    )
    compare.add_argument(
        "--baseline", type=file_path, metavar="DIR", help="reference scenario folder (default: the first DIR)"
    )
    compare.add_argument(
        "--out", type=file_path, required=True, metavar="OUTDIR",
        help="folder for the PNG files"
    )
    compare.set_defaults(handler=cmd_compare)

    report = commands.add_parser(
        "report", help="write one self-contained HTML report of scenarios, or of a sweep store"
    )
    report.add_argument(
        "folders", type=file_path, nargs="+", metavar="DIR",
        help=f"scenario folders: {layout}; {store}, alone"
    )
    report.add_argument(
        "--baseline", type=file_path, metavar="DIR", help="reference scenario folder (default: the first DIR)"
    )
    report.add_argument(
        "--why",
        action="append",
        default=[],
        metavar="ISO3",
        help="add a chart of why this country chose as it did (repeatable)",
    )
    report.add_argument(
        "--answers", type=file_path,
        nargs="+",
        default=[],
        metavar="ANSWER_DIR",
        help="add these coalsim what-it-takes answer folders as 'What would it take?' entries",
    )
    report.add_argument(
        "--explore", type=file_path,
        nargs="+",
        default=[],
        metavar="DIR",
        help="add these output folders of coalsim discover, robustness or optimize as sections",
    )
    report.add_argument("--outcome", action="append", metavar="NAME", help=outcome_help)
    report.add_argument(
        "--out", type=file_path, required=True, metavar="FILE", deprecated_names=["-o"],
        help="the HTML file to write"
    )
    report.set_defaults(handler=cmd_report, flags=flags)


def _not_for(option: str, what: str, given: str) -> InputError:
    """An option that the kind of input given does not take."""
    return InputError("command line", option, what, given)


def _written(out: Path, paths: list[Path], noun: str = "files") -> None:
    print(f"Wrote {len(paths)} {noun} to {out}/:")
    for path in paths:
        print(f"  {path.name}")


def cmd_plot(args: argparse.Namespace) -> int:
    """``coalsim plot DIR``: a scenario's figures into ``DIR/figures``, or a sweep store's."""
    from sim.atomic import check_output_folder
    from sim.experiment.store import holds_store

    folder = Path(args.folder)
    if holds_store(folder):
        return _plot_store(args)
    if args.outcome:
        raise _not_for("--outcome", "a sweep store (coalsim sweep --out) to draw outcomes of",
                       f"'{folder}', which is not a sweep store")  # fmt: skip
    from sim.replications import Replications
    from sim.viz.figure_sets import scenario_figures, write_figures
    from sim.viz.maps import world_shapes

    reps = Replications.load(folder)
    out = Path(args.out) if args.out else folder / "figures"
    check_output_folder(
        out, "figures", sources=[folder] if args.out else (), given_as="--out" if args.out else ""
    )
    world_shapes()  # fails early and clearly without geopandas
    written = write_figures(out, scenario_figures(reps, args.why))
    print(f"{reps.label}: {reps.seeds_text()}.", end=" ")
    _written(out, written, "figures")
    return 0


def _plot_store(args: argparse.Namespace) -> int:
    """``coalsim plot STORE``: each outcome against each swept parameter, and the table behind them."""
    from sim.atomic import check_output_folder
    from sim.experiment.store import load_results
    from sim.viz.figure_sets import write_figures
    from sim.viz.sweep import SweepTable, sweep_figures

    store = Path(args.folder)
    if args.why:
        raise _not_for("--why", "a scenario folder (a sweep store has no single run to explain)",
                       f"the sweep store '{store}'")  # fmt: skip
    out = Path(args.out) if args.out else store.resolve().with_name(f"{store.resolve().name}-figures")
    check_output_folder(out, "figures", sources=[store], given_as="--out" if args.out else "")
    data = SweepTable.read(load_results(store), args.outcome)
    table = data.table.to_csv().encode("utf-8")
    written = write_figures(out, sweep_figures(data), sources=[store], extras={"outcomes.csv": table})
    print(f"Sweep {data.results.manifest['name']}: {data.runs_text()}.", end=" ")
    _written(out, written)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``coalsim compare DIR... --out OUTDIR``: comparison PNGs, one per measure, and their numbers as CSV."""
    from sim.atomic import check_output_folder
    from sim.viz.figure_sets import comparison_files, load_scenarios, write_figures

    out = Path(args.out)
    sources = [*args.folders, *([args.baseline] if args.baseline else [])]
    check_output_folder(out, "figures", sources=sources, given_as="--out")
    scenarios, baseline = load_scenarios(args.folders, args.baseline)
    figures, tables = comparison_files(scenarios, baseline)
    written = write_figures(out, figures, sources, tables)
    print(f"Compared {', '.join(reps.label for reps in scenarios)} against {baseline.label}.", end=" ")
    _written(out, written)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``coalsim report DIR... [--answers DIR...] [--explore DIR...] --out FILE``: one self-contained HTML."""
    from sim.analysis.answers import load_answer
    from sim.analysis.explore_outputs import load_explore_output
    from sim.atomic import check_output_file, write_file
    from sim.experiment.store import holds_store
    from sim.viz.figure_sets import load_scenarios, why_figures
    from sim.viz.maps import world_shapes
    from sim.viz.report import GENERATOR, build_report

    out = Path(args.out)
    sources = [*args.folders, *args.answers, *args.explore, *([args.baseline] if args.baseline else [])]
    check_output_file(out, GENERATOR.encode(), sources, given_as="--out")
    stores = [folder for folder in args.folders if holds_store(Path(folder))]
    if stores:
        return _report_store(args, stores, sources)
    if args.outcome:
        raise _not_for("--outcome", "a sweep store (coalsim sweep --out) to report on",
                       "scenario folders")  # fmt: skip
    scenarios, baseline = load_scenarios(args.folders, args.baseline)
    answers = [load_answer(folder) for folder in args.answers]
    explore = [load_explore_output(folder) for folder in args.explore]
    world_shapes()
    why = {heading: draw for _, heading, draw in why_figures(baseline, args.why)}
    page = build_report(scenarios, baseline, why, answers=answers, explore=explore)
    write_file(out, page.encode("utf-8"), GENERATOR.encode(), sources)
    answered = f", {len(answers)} what-it-takes answers" if answers else ""
    answered += f", {len(explore)} exploration outputs" if explore else ""
    print(
        f"Wrote {out} ({len(page.encode('utf-8')) / 1e6:.1f} MB, {len(scenarios)} "
        f"scenario{'' if len(scenarios) == 1 else 's'}{answered})."
    )
    return 0


def _report_store(args: argparse.Namespace, stores: list[str], sources: list[str]) -> int:
    """``coalsim report STORE --out FILE``: a page on one sweep store."""
    from sim.atomic import write_file
    from sim.experiment.store import load_results
    from sim.viz.report import GENERATOR, build_sweep_report
    from sim.viz.sweep import SweepTable

    others = {
        "DIR": [folder for folder in args.folders if folder not in stores],
        "--baseline": args.baseline, "--why": args.why, "--answers": args.answers, "--explore": args.explore,
    }  # fmt: skip
    for option, given in others.items():
        if given:
            raise _not_for(option, "nothing beside a sweep store: its report covers one sweep",
                           f"{', '.join(given) if isinstance(given, list) else given} with the store "
                           f"'{stores[0]}'")  # fmt: skip
    if len(stores) > 1:
        raise _not_for("DIR", "one sweep store per report", f"{len(stores)} stores: {', '.join(stores)}")
    data = SweepTable.read(load_results(stores[0]), args.outcome)
    page = build_sweep_report(data)
    write_file(Path(args.out), page.encode("utf-8"), GENERATOR.encode(), sources)
    size = len(page.encode("utf-8")) / 1e6
    print(f"Wrote {args.out} ({size:.1f} MB; sweep {data.results.manifest['name']}: {data.runs_text()}).")
    return 0


__all__ = ["cmd_compare", "cmd_plot", "cmd_report", "register"]

"""``coalsim discover``, ``robustness`` and ``optimize``: exploratory modelling.

Thin faces over :func:`sim.analysis.discovery.discover_store`,
:func:`sim.analysis.robustness.robustness` and :func:`sim.analysis.optimize.optimize`.
Every output folder goes through the one output rule (:func:`sim.atomic.check_output_folder`
before any work, :func:`sim.atomic.write_folder_atomically` at the end); bad input exits 2
with one ``coalsim:`` paragraph, and a run that fails during ``optimize`` exits 1 with the
evaluations made so far kept in its checkpoint for ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.analysis.explore_outputs import DISCOVERY_KIND, OPTIMIZATION_KIND, ROBUSTNESS_KIND
from sim.cli import file_path, write_output, writing_to
from sim.cli.batches import _add_executor_options

#: Where ``optimize`` writes without ``--out``: results/<spec name>.
RESULTS_DIR = Path("results")


#: Exit status when a run of the optimisation failed (the checkpoint keeps what was done).
EXIT_RUN_FAILED = 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add the discover, robustness and optimize subcommands to the ``coalsim`` parser.

    Args:
        commands: The parser's subparsers object.

    """
    discover = commands.add_parser(
        "discover",
        help="scenario discovery: which parameter ranges give an outcome (PRIM or CART)",
        description="Find boxes of parameter values (limits on a few swept parameters) that hold the runs "
        "of a sweep store whose outcome is above (or below) a level: PRIM with its peeling trajectory "
        "(coverage against density) and each limit's quasi-p value, or CART's leaves.",
    )
    discover.add_argument("store", type=file_path, help="a sweep's result store folder")
    discover.add_argument("--outcome", required=True, help="e.g. final_share_population:waico")
    level = discover.add_mutually_exclusive_group(required=True)
    level.add_argument("--above", type=float, metavar="LEVEL", help="runs of interest: outcome above LEVEL")
    level.add_argument("--below", type=float, metavar="LEVEL", help="runs of interest: outcome below LEVEL")
    discover.add_argument("--method", choices=("prim", "cart"), default="prim", help="default: %(default)s")
    discover.add_argument("--policy", help="only the runs of this policy (a sweep with policies)")
    discover.add_argument(
        "--min-coverage", type=float, default=0.5,
        help="PRIM keeps the densest box with at least this coverage (default: %(default)s)",
    )  # fmt: skip
    discover.add_argument("--json", action="store_true", help='print {"boxes": [...]} as JSON')
    discover.add_argument("--out", type=file_path, help="folder for the boxes, trajectory and figures")
    discover.set_defaults(handler=cmd_discover)

    robust = commands.add_parser(
        "robustness",
        help="compare a sweep's policies across its scenarios: satisficing, regret, percentiles",
        description="For a sweep with levers and policies: per policy, the share of scenarios meeting the "
        "goal, the maximum and 90th-percentile regret against the best policy in each scenario, and the "
        "outcome's percentiles (each scenario's outcome is the mean over its replications).",
    )
    robust.add_argument("store", type=file_path, help="a sweep's result store folder (a spec with policies)")
    robust.add_argument("--outcome", required=True, help="e.g. final_share_population:waico")
    robust.add_argument("--goal", required=True, help="e.g. '>= 0.5' or '< 0.3'")
    robust.add_argument("--json", action="store_true", help="print the table as JSON")
    robust.add_argument("--out", type=file_path, help="folder for the tables and the figure")
    robust.set_defaults(handler=cmd_robustness)

    optimize = commands.add_parser(
        "optimize",
        help="the cheapest lever package reaching a goal in most scenarios (NSGA-II Pareto front)",
        description="Search the Pareto front of cost against the outcome reached in the spec's share of "
        "sampled scenarios, with NSGA-II once per optimiser seed; write the front, every evaluation, "
        "the convergence and their figures. Evaluations are kept in a checkpoint beside --out, so "
        "--resume continues a stopped search.",
    )
    optimize.add_argument(
        "spec", type=file_path,
        help="optimisation spec YAML, e.g. scenarios/optimize/us_offer.yaml"
    )
    _add_executor_options(optimize)
    optimize.add_argument("--resume", action="store_true", help="continue from the checkpoint of --out")
    optimize.add_argument("--out", type=file_path, help="output folder (default: results/<spec name>)")
    optimize.set_defaults(handler=cmd_optimize)


def _check_out(out: str | None, kind: str, sources: list[str]) -> Path | None:
    """Check an output folder before any work (None when no --out was given)."""
    from sim.atomic import check_output_folder

    if out is None:
        return None
    check_output_folder(out, kind, sources=sources, given_as="--out")
    return Path(out)


def cmd_discover(args: argparse.Namespace) -> int:
    """Handle ``coalsim discover``.

    Args:
        args: Parsed arguments (see :func:`register`).

    Returns:
        0 when the boxes were printed (and written).

    Raises:
        InputError: For a bad store, outcome, level, policy or output folder.

    """
    from sim.analysis.discovery import discover_store
    from sim.experiment import load_results
    from sim.viz.explore import box_limits_figure, tradeoff_figure
    from sim.viz.style import png_bytes

    out = _check_out(args.out, DISCOVERY_KIND, [args.store])
    results = load_results(args.store)
    found = discover_store(
        results, args.outcome, above=args.above, below=args.below, method=args.method, policy=args.policy,
        min_coverage=args.min_coverage,
    )  # fmt: skip
    content = found.to_json()
    if args.json:
        print(
            json.dumps(
                {key: content[key] for key in ("condition", "method", "cases", "of_interest", "boxes")}
            )
        )
    else:
        print(_describe(found))
    if out is not None:
        files = {"discovery.json": (json.dumps(content, indent=2) + "\n").encode()}
        if found.boxes:
            files["box_limits.png"] = png_bytes(box_limits_figure(found))
        if len(found.trajectory):
            files["trajectory.csv"] = found.trajectory.to_csv(index=False).encode()
            files["tradeoff.png"] = png_bytes(tradeoff_figure(found))
        write_output(out, files, DISCOVERY_KIND, sources=[args.store])
    return 0


def _describe(found) -> str:
    """The boxes in words."""
    lines = [
        f"{found.method.upper()} on {found.cases} runs, {found.of_interest} of interest ({found.condition}).",
    ]
    if not found.boxes:
        lines.append("No box is denser than the runs overall.")
    for i, box in enumerate(found.boxes, start=1):
        lines.append(f"Box {i}: coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}")
        for name, limit in box.limits.items():
            shown = f"{limit[0]:.4g} to {limit[1]:.4g}" if _is_range(limit) else ", ".join(map(str, limit))
            p_value = box.significance.get(name)
            note = f"  (quasi-p {p_value:.2g})" if p_value is not None else ""
            lines.append(f"  {name}: {shown}{note}")
    return "\n".join(lines)


def _is_range(limit: list) -> bool:
    return len(limit) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in limit)


def cmd_robustness(args: argparse.Namespace) -> int:
    """Handle ``coalsim robustness``.

    Args:
        args: Parsed arguments (see :func:`register`).

    Returns:
        0 when the table was printed (and written).

    Raises:
        InputError: For a bad store, outcome, goal or output folder.

    """
    from sim.analysis.robustness import Goal, robustness
    from sim.experiment import load_results
    from sim.viz.explore import robustness_figure
    from sim.viz.style import png_bytes

    goal = Goal.parse(args.goal)
    out = _check_out(args.out, ROBUSTNESS_KIND, [args.store])
    found = robustness(load_results(args.store), args.outcome, goal)
    if args.json:
        print(found.table.reset_index().to_json(orient="records"))
    else:
        print(f"{found.outcome} {found.goal}, across {len(found.outcomes)} scenarios:")
        print(found.table.to_string(float_format=lambda v: f"{v:.3g}"))
    if out is not None:
        files = {
            "robustness.csv": found.table.to_csv().encode(),
            "outcomes.csv": found.outcomes.to_csv().encode(),
            "regret.csv": found.regrets.to_csv().encode(),
            "robustness.png": png_bytes(robustness_figure(found)),
        }
        write_output(out, files, ROBUSTNESS_KIND, sources=[args.store])
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    """Handle ``coalsim optimize``.

    Args:
        args: Parsed arguments (see :func:`register`).

    Returns:
        0 when the search finished and was written; 1 when a run failed.

    Raises:
        InputError: For a bad spec, executor option, checkpoint or output folder.

    """
    from sim.analysis.optimize import CHECKPOINT_FORMAT, load_problem, optimize, search_files
    from sim.atomic import check_output_file, check_output_folder, write_folder_atomically
    from sim.viz.explore import convergence_figure, pareto_figure
    from sim.viz.style import png_bytes

    problem = load_problem(args.spec)
    out = Path(args.out) if args.out else RESULTS_DIR / (problem.spec.name or Path(args.spec).stem)
    check_output_folder(out, OPTIMIZATION_KIND, sources=[args.spec], given_as="--out")
    checkpoint = out.parent / f".{out.name}.optimize-checkpoint.json"
    check_output_file(checkpoint, CHECKPOINT_FORMAT.encode())  # replaced and removed: never a user's file
    out.parent.mkdir(parents=True, exist_ok=True)

    live = sys.stderr.isatty()  # a terminal redraws one line; a log gets one line per update

    def progress(done: int, total: int) -> None:
        start, end = ("\r", "" if done < total else "\n") if live else ("", "\n")
        line = f"{start}generations done, over all seeds: {done}/{total}"
        print(line, end=end, file=sys.stderr, flush=True)

    try:
        with writing_to(out):  # the checkpoint beside it is written after each batch
            search = optimize(
                problem, executor=args.executor, workers=args.workers, address=args.address,
                checkpoint=checkpoint, resume=args.resume, progress=progress,
            )  # fmt: skip
    except RuntimeError as exc:
        print(f"coalsim: {exc}. The evaluations before it are kept; rerun with --resume.", file=sys.stderr)
        return EXIT_RUN_FAILED
    files = search_files(search)
    files["pareto.png"] = png_bytes(pareto_figure(search))
    files["convergence.png"] = png_bytes(convergence_figure(search))
    files["spec.yaml"] = Path(args.spec).read_bytes()
    with writing_to(out):
        write_folder_atomically(out, files, OPTIMIZATION_KIND, sources=[args.spec])
    checkpoint.unlink(missing_ok=True)
    summary = search.summary()
    best = summary["cheapest_feasible"]
    if best is None:
        print(f"No package evaluated reaches {summary['goal']} in {search.reliability:.0%} of the scenarios.")
    else:
        levers = ", ".join(f"{path} = {value:.4g}" for path, value in best["levers"].items())
        print(
            f"Cheapest package reaching {summary['goal']} in {search.reliability:.0%} of the scenarios: "
            f"{levers} (cost {best['cost']:.4g}; outcome {best['robust_outcome']:.4g} there, goal met in "
            f"{best['satisficing']:.0%} of scenarios)."
        )
    print(f"{summary['front_size']} packages on the Pareto front of {summary['evaluated']} evaluated "
          f"({search.new_evaluations} new); written to {out}/")  # fmt: skip
    return 0

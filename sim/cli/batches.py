"""``coalsim sweep``, ``check``, ``sensitivity`` and ``tipping``: batches of runs.

Thin faces over :func:`sim.experiment.sweep`, :func:`sim.experiment.store.inspect_store`,
:func:`sim.analysis.sensitivity.sensitivity` and :func:`sim.analysis.tipping.tipping`;
:func:`register` adds them to the ``coalsim`` parser. Every bad input is an
:class:`~sim.errors.InputError` (exit status 2, nothing written); a sweep with failed
runs still stores the rest and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli import file_path, shown, write_output
from sim.errors import InputError
from sim.experiment.executors import BACKENDS

if TYPE_CHECKING:
    import pandas as pd

#: Exit status of a sweep in which some runs failed (their errors are in the run table).
EXIT_RUNS_FAILED = 1

#: Output kinds of ``sensitivity --out`` and ``tipping --out`` (see :func:`sim.atomic.check_output_folder`).
SENSITIVITY_KIND, TIPPING_KIND = "sensitivity", "tipping"

#: Where ``sweep`` and ``tipping`` write without ``--out``.
RESULTS_DIR = Path("results")


def _add_executor_options(parser: argparse.ArgumentParser, ensembles: bool = False) -> None:
    if ensembles:  # the sweep: chunks of runs as vectorised ensembles unless --executor serial
        kinds, default = BACKENDS, None
        where = (
            "where runs execute: ensemble (many runs at once in this process), serial (one run at a "
            "time), local processes or Dask, whose workers run ensembles too; the store is the same "
            "(default: ensemble, or processes with --workers above 1)"
        )
    else:
        kinds, default = tuple(kind for kind in BACKENDS if kind != "ensemble"), "serial"
        where = "where runs execute: this process, local processes, or Dask (default: serial)"
    parser.add_argument("--executor", choices=kinds, default=default, help=where)
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes for processes/dask (default: the CPUs available)",
    )
    parser.add_argument(
        "--address",
        metavar="A",
        help="join an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)",
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add the sweep, sensitivity and tipping subcommands to the ``coalsim`` parser.

    Args:
        commands: The parser's subparsers object.

    """
    sweep = commands.add_parser(
        "sweep",
        help="run a sweep spec into a resumable result store",
        description="Run every run of a sweep spec (design points x replications) and store "
        "them as they finish; --resume continues a stopped sweep.",
    )
    sweep.add_argument(
        "spec", type=file_path, help="sweep spec YAML, e.g. scenarios/sweeps/baseline_sobol.yaml"
    )
    _add_executor_options(sweep, ensembles=True)
    sweep.add_argument(
        "--resume", action="store_true", help="continue the sweep in --out, skipping runs that succeeded"
    )
    sweep.add_argument("--out", type=file_path, help="result store folder (default: results/<spec name>)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=cmd_sweep)

    check = commands.add_parser(
        "check",
        help="check a sweep store's files: OK, or which are damaged (exit 2)",
        description="Read every file of a result store (manifest, run table, design, part files) "
        "and report it OK, or name each missing or unreadable file; --resume of the sweep reruns "
        "the runs whose part files are damaged.",
    )
    check.add_argument("store", type=file_path, help="result store folder (a sweep's --out)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=cmd_check)

    sensitivity = commands.add_parser(
        "sensitivity",
        help="Sobol or Morris indices of an outcome over a stored sweep",
        description="Sobol indices (first-order and total) or Morris screening of each outcome over the "
        "swept parameters, from a sobol or morris sweep store; printed, and with --out written as tables "
        "(CSV and Parquet), a summary (JSON) and one figure per outcome (PNG).",
    )
    sensitivity.add_argument("store", type=file_path, help="result store folder of a sobol or morris sweep")
    sensitivity.add_argument(
        "--outcome",
        action="append",
        required=True,
        deprecated_names=["--output"],
        help="final_<measure>:<framework> or mean_<measure>:<framework>, e.g. "
        "final_share_gdp:waico (repeatable)",
    )
    sensitivity.add_argument("--conf-level", type=float, default=0.95, help="confidence level (default 0.95)")
    sensitivity.add_argument(
        "--out", type=file_path, metavar="DIR", help="folder for the tables and figures (default: print only)"
    )
    sensitivity.set_defaults(handler=cmd_sensitivity)

    tipping = commands.add_parser(
        "tipping",
        help="find where an outcome crosses a level as one parameter moves",
        description="Bisect a parameter's interval for where the mean outcome over --seeds runs (the same "
        "seeds at every value) crosses --level; print the bracket and every probe, and write them (CSV "
        "and Parquet), a summary (JSON) and the tipping curve (PNG) to --out.",
    )
    tipping.add_argument("scenario", type=file_path, help="scenario YAML file")
    tipping.add_argument("--param", required=True, help="dotted parameter path (see `coalsim params`)")
    tipping.add_argument("--outcome", required=True, help="e.g. final_share_population:waico")
    tipping.add_argument("--level", type=float, required=True, help="the level to cross, e.g. 0.5")
    tipping.add_argument("--low", type=float, help="low end of the search (default 0)")
    tipping.add_argument("--high", type=float, help="high end (default: twice the scenario's value)")
    tipping.add_argument(
        "--seeds", type=int, default=8, metavar="N", deprecated_names=["--replications"],
        help="runs per probe, seeds spawned from --seed (default 8)",
    )  # fmt: skip
    tipping.add_argument(
        "--tolerance", type=float, help="stop at this bracket width (default 1%% of the interval)"
    )
    tipping.add_argument("--seed", type=int, help="root seed of the replications (default: the scenario's)")
    tipping.add_argument("--steps", type=int, help="steps per run (default: the scenario's)")
    _add_executor_options(tipping)
    tipping.add_argument(
        "--out", type=file_path, metavar="DIR",
        help="output folder (default: results/<scenario>_<param>_tipping)"
    )
    tipping.set_defaults(handler=cmd_tipping, flags={"parameter": "--param", "replications": "--seeds"})


class _ProgressBar:
    """A progress bar with ETA on stderr, silent when stderr is not a terminal."""

    def __init__(self, quiet: bool, description: str) -> None:
        from tqdm import tqdm

        disabled = quiet or not sys.stderr.isatty()
        self.bar = tqdm(
            total=None,
            unit="run",
            desc=description,
            file=sys.stderr,
            disable=disabled,
            dynamic_ncols=True,
            smoothing=0.1,
        )

    def __call__(self, done: int, total: int, failed: int) -> None:
        if self.bar.total != total:
            self.bar.reset(total=total)
        self.bar.n = done
        self.bar.set_postfix(failed=failed, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``coalsim sweep``.

    Args:
        args: The parsed command line.

    Returns:
        0 when every run succeeded, 1 when some failed.

    """
    from sim.atomic import check_output_folder
    from sim.experiment.runner import sweep
    from sim.experiment.spec import load_experiment
    from sim.experiment.store import load_results, lock_path, store_lock

    experiment = load_experiment(args.spec)
    out = Path(args.out) if args.out else RESULTS_DIR / experiment.name
    if lock_path(out).exists():  # another sweep may be creating it: say so, not "files it did not write"
        with store_lock(out):
            pass
    if not (out / "manifest.json").is_file():  # a store: --resume continues it, the store refuses the rest
        check_output_folder(out, "sweep", sources=[args.spec, experiment.scenario.source], given_as="--out")
    progress = _ProgressBar(args.quiet, experiment.name)
    try:
        summary = sweep(
            experiment,
            out,
            executor=args.executor,
            workers=args.workers,
            address=args.address,
            resume=args.resume,
            progress=progress,
        )
    finally:
        progress.close()
    print(
        f"{summary.total} runs in {shown(summary.folder)}/: {summary.skipped} done before, "
        f"{summary.succeeded} succeeded and {summary.failed} failed now ({summary.seconds:.1f} s)."
    )
    if summary.failed:
        first = load_results(out).runs.query("status == 'failed'").iloc[0]
        print(
            f"coalsim: {summary.failed} runs failed, e.g. {first['run_id']}: {first['error']}. Errors are in "
            f"{out}/runs.parquet; 'coalsim sweep {args.spec} --out {out} --resume' retries them.",
            file=sys.stderr,
        )
        return EXIT_RUNS_FAILED
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``coalsim check``: report a store OK, or each damaged file.

    Args:
        args: The parsed command line.

    Returns:
        0 for a complete store.

    Raises:
        InputError: For a folder that is not a store, or a damaged store (after the report).

    """
    import json

    from sim.experiment.store import inspect_store

    health = inspect_store(args.store)
    print(json.dumps(health.summary(), indent=2) if args.json else health.report())
    if not health.ok:
        raise health.error()
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run ``coalsim sensitivity``: print a table of indices per outcome, and write them to ``--out``.

    Args:
        args: The parsed command line.

    Returns:
        0.

    Raises:
        InputError: For a bad store, outcome, level or output folder.

    """
    import pandas as pd

    from sim.analysis.sensitivity import sensitivity
    from sim.atomic import check_output_folder
    from sim.experiment.store import Outcome, load_results
    from sim.viz.sensitivity import sensitivity_result_figure
    from sim.viz.style import png_bytes

    if not 0 < args.conf_level < 1:
        raise InputError("command line", "--conf-level", "a level between 0 and 1", str(args.conf_level))
    if args.out is not None:
        check_output_folder(args.out, SENSITIVITY_KIND, sources=[args.store], given_as="--out")
    results = load_results(args.store)
    outcomes = dict.fromkeys(Outcome.parse(name, results.frameworks).name for name in args.outcome)
    found = [sensitivity(results, outcome, conf_level=args.conf_level) for outcome in outcomes]
    print("\n\n".join(result.report() for result in found))
    if args.out is not None:
        summary = {"store": str(args.store), "outcomes": [result.summary() for result in found]}
        files = {
            **_table_files("indices", pd.concat([result.table() for result in found], ignore_index=True)),
            "sensitivity.json": (json.dumps(summary, indent=2) + "\n").encode(),
            **{f"{_file_stem(r.outcome)}.png": png_bytes(sensitivity_result_figure(r)) for r in found},
        }
        write_output(Path(args.out), files, SENSITIVITY_KIND, sources=[args.store])
    return 0


def cmd_tipping(args: argparse.Namespace) -> int:
    """Run ``coalsim tipping``: bisect for the crossing, print the report and write it to ``--out``.

    Args:
        args: The parsed command line.

    Returns:
        0.

    Raises:
        InputError: For a bad scenario, parameter, outcome, number or output folder, or an
            interval over which the outcome does not cross the level.

    """
    from sim.analysis.tipping import tipping
    from sim.atomic import check_output_folder
    from sim.errors import did_you_mean
    from sim.scenario import find_scenario, load_scenario
    from sim.viz.sensitivity import tipping_point_figure
    from sim.viz.style import png_bytes

    if args.steps is not None and args.steps < 1:
        raise InputError("command line", "--steps", "a whole number of at least 1", str(args.steps))
    scenario = load_scenario(args.scenario)
    parameters = scenario.parameters()
    if args.param not in parameters:  # before the default folder is named after it
        raise InputError("command line", "--param", "a parameter of the scenario (see `coalsim params`)",
                         repr(args.param), did_you_mean(args.param, parameters))  # fmt: skip
    out = Path(args.out) if args.out else RESULTS_DIR / f"{Path(args.scenario).stem}_{args.param}_tipping"
    sources = [find_scenario(args.scenario) or args.scenario]
    check_output_folder(out, TIPPING_KIND, sources=sources, given_as="--out")

    def show(probe) -> None:
        print(
            f"  {args.param} = {probe.value:.6g}: mean {probe.mean:.4f} (SE {probe.se:.4f})", file=sys.stderr
        )

    result = tipping(
        scenario,
        args.param,
        args.outcome,
        args.level,
        low=args.low,
        high=args.high,
        replications=args.seeds,
        tolerance=args.tolerance,
        seed=args.seed,
        steps=args.steps,
        executor=args.executor,
        workers=args.workers,
        address=args.address,
        on_probe=None if not sys.stderr.isatty() else show,
    )
    print(result.report())
    print()
    print(result.table().to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    question = {"scenario": str(args.scenario), "seed": scenario.seed if args.seed is None else args.seed,
                "steps": scenario.steps if args.steps is None else args.steps}  # fmt: skip
    files = {
        **_table_files("probes", result.table()),
        **_table_files("runs", result.replicates()),
        "tipping.json": (json.dumps({**question, **result.summary()}, indent=2) + "\n").encode(),
        "tipping.png": png_bytes(tipping_point_figure(result)),
    }
    write_output(out, files, TIPPING_KIND, sources=sources)
    return 0


def _table_files(stem: str, table: pd.DataFrame) -> dict[str, bytes]:
    """A table as ``<stem>.csv`` (to read) and ``<stem>.parquet`` (typed, to load again)."""
    return {
        f"{stem}.csv": table.to_csv(index=False).encode(),
        f"{stem}.parquet": table.to_parquet(index=False),
    }


def _file_stem(outcome: str) -> str:
    """An outcome name as a file name: ``final_share_gdp:waico`` -> ``final_share_gdp-waico``."""
    return outcome.replace(":", "-")

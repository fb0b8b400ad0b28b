"""The ``coalsim`` command: a thin face over the library API.

Every mistake in a file or argument ends as one paragraph on stderr and exit status 2,
never a traceback; nothing is written before all inputs have been checked.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.errors import InputError

#: Exit status for bad input (files, fields, arguments).
EXIT_BAD_INPUT = 2

SCENARIO_DIR = Path("scenarios")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with status 2 and one paragraph."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"coalsim: command line: {message}. See '{self.prog} --help'.\n")


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.results import RESULT_FILES
    from sim.scenario import load_scenario
    from sim.viz.summary import HEADLINE_FILES, headline_files, run_replications, summary_text

    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    check_output_folder(out)
    scenario = load_scenario(args.scenario, overrides=args.set)
    if args.steps is not None and args.steps < 1:
        raise InputError("command line", "--steps", "a whole number of at least 1", str(args.steps))
    if args.seeds < 1:
        raise InputError("command line", "--seeds", "a whole number of at least 1", str(args.seeds))
    reps = run_replications(scenario, args.seeds, seed=args.seed, steps=args.steps)
    result = reps.runs[0]
    try:
        result.save(out, extras=headline_files(reps))
    except OSError as exc:
        raise InputError(
            "command line", "--out", "a writable folder with free space",
            f"'{out}': {exc.strerror or exc} (nothing was written)",
        ) from None  # fmt: skip
    print(summary_text(reps))
    print(f"\nResults of seed {result.metadata['seed']} and headlines of all {len(reps.runs)} seeds "
          f"in {out}/ ({', '.join([*RESULT_FILES, *HEADLINE_FILES])})")  # fmt: skip
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    for path in args.files:
        scenario = load_scenario(path)
        print(f"{path}: valid ({scenario.name}: {len(scenario.active_frameworks)} frameworks, "
              f"{scenario.steps} steps, {len(scenario.events)} events)")  # fmt: skip
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    folder = Path(args.folder)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise InputError(str(folder), "", "a folder with scenario files (*.yaml)", "none")
    for path in files:
        scenario = load_scenario(path)
        print(f"{path.name:36s} {scenario.question}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, overrides=args.set)
    for path, value in scenario.parameters().items():
        print(f"{path} = {value!r}" if isinstance(value, str) else f"{path} = {value}")
    return 0


def check_output_folder(folder: Path) -> None:
    """Check that results can be written to ``folder`` before any work is done.

    Args:
        folder: The output folder (it may not exist yet).

    Raises:
        InputError: If the folder is a file, or its nearest existing parent is not
            a writable folder.
    """
    import os

    if folder.exists() and not folder.is_dir():
        raise InputError("command line", "--out", "a folder for the results", f"'{folder}', a file")
    parent = folder if folder.exists() else folder.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError("command line", "--out", "a writable folder", f"'{parent}', which is not writable")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``coalsim`` argument parser with all its subcommands."""
    parser = _Parser(
        prog="coalsim",
        description="Coalition formation in global AI governance: run, check and explore scenarios.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run one scenario and write its results and a plot")
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    run.add_argument("--seed", type=int, help="first random seed (default: the scenario's seed)")
    run.add_argument("--seeds", type=int, default=10, metavar="N",
                     help="run N seeds (seed, seed+1, ...) for the headline intervals; "
                          "the first seed's run is saved in full (default: 10)")  # fmt: skip
    run.add_argument("--steps", type=int, help="number of steps (default: the scenario's steps)")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="override a parameter, e.g. --set rule.temperature=0.2 (repeatable)")  # fmt: skip
    run.add_argument("--out", help="output folder (default: results/<scenario name>)")
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", nargs="+", help="scenario YAML files")
    validate.set_defaults(handler=_cmd_validate)

    listing = commands.add_parser("list", help="list the scenarios and the question each asks")
    listing.add_argument("--folder", default=str(SCENARIO_DIR), help="folder of scenario files")
    listing.set_defaults(handler=_cmd_list)

    params = commands.add_parser("params", help="print every tunable parameter as path = value")
    params.add_argument("scenario", help="scenario YAML file")
    params.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="override a parameter first (repeatable)")  # fmt: skip
    params.set_defaults(handler=_cmd_params)

    for register in _extensions():
        register(commands)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Subcommands contributed by other faces (batches, plots, reports, app)."""
    from sim.analysis.commands import register as analysis_commands
    from sim.analysis.sponsor_commands import register as sponsor_commands
    from sim.experiment.commands import register as experiment_commands
    from sim.viz.app_command import register as app_command
    from sim.viz.commands import register as viz_commands

    return [experiment_commands, analysis_commands, sponsor_commands, viz_commands, app_command]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``coalsim`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 2 on bad input.
    """
    args = build_parser().parse_args(argv)
    from sim.scenario import OverriddenParameterWarning

    try:
        with warnings.catch_warnings():  # a value an event sets again: one line each
            warnings.simplefilter("default", OverriddenParameterWarning)
            warnings.showwarning = lambda message, *_: print(f"coalsim: warning: {message}", file=sys.stderr)
            return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"coalsim: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())

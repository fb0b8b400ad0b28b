"""The ``coalsim`` command: a thin face over the library API.

Every mistake in a file or argument ends as one paragraph on stderr and exit status 2,
never a traceback; nothing is written before all inputs have been checked. Ctrl-C ends
with ``coalsim: interrupted`` and status 130, SIGTERM (or SIGHUP) with ``coalsim:
terminated`` and 128 + the signal number, after the cleanup of any half-written output;
a closed standard output (``coalsim ... | head``) ends quietly with status 141.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.errors import InputError

#: Exit status for bad input (files, fields, arguments).
EXIT_BAD_INPUT = 2

#: Exit status when standard output was closed early (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141

SCENARIO_DIR = Path("scenarios")


class Stopped(KeyboardInterrupt):
    """Raised in the main thread by SIGINT, SIGTERM or SIGHUP, so that cleanup code runs.

    A subclass of :class:`KeyboardInterrupt`, so code that cleans up after Ctrl-C does so
    after any of these signals; and not ``KeyboardInterrupt`` itself, which Python (when
    the exception passed through code run by ``PyRun_String``, as some extension modules
    do on import) would turn into the process killing itself with SIGINT at exit, whatever
    status :func:`main` returned.

    Args:
        signum: The signal received.

    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _finite_float(text: str) -> float:
    """An argparse type: a finite number (``nan``, ``inf`` and overflowing values are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, found {text!r}")
    return value


def _seed(text: str) -> int:
    """An argparse type: a random seed, a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    from sim.schema import MAX_SEED  # pydantic loads only when a seed is given

    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**63 - 1, found {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with status 2 and one paragraph.

    Every subcommand's parser is one of these, so the same checks hold for all options:
    a ``type=float`` option takes only finite numbers, and every ``--seed`` takes only a
    seed that numpy accepts and the result tables can store.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.register("type", float, _finite_float)

    def add_argument(self, *names, **kwargs) -> argparse.Action:  # type: ignore[override]
        if "--seed" in names:
            kwargs["type"] = _seed
        return super().add_argument(*names, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"coalsim: command line: {message}. See '{self.prog} --help'.\n")


def load_with_overrides(path: str, overrides: Sequence[str]):
    """Load a scenario, blaming ``--set`` (not the file) for errors the overrides cause.

    The file is loaded first without the overrides, so that its own mistakes name the
    file; an error that appears only with the overrides names ``--set``.

    Args:
        path: The scenario file.
        overrides: The ``--set`` values as typed.

    Returns:
        The scenario with the overrides applied.

    Raises:
        InputError: Naming the file, or ``--set`` and the override.

    """
    from sim.scenario import load_scenario

    scenario = load_scenario(path)
    if not overrides:
        return scenario
    try:
        return load_scenario(path, overrides=overrides)
    except InputError as exc:
        field = f"--set {exc.field}" if exc.field and exc.field != "--set" else "--set"
        raise InputError("command line", field, exc.expected, exc.found, _without_marks(exc.hint)) from None


def _without_marks(text: str) -> str:
    """A YAML error's context and problem, without the lines that point into the value."""
    lines = [line.strip() for line in text.splitlines() if line[:1].strip() and not line.startswith("in ")]
    return "; ".join(lines)


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.atomic import check_output_folder
    from sim.results import RESULT_FILES
    from sim.schema import check_steps
    from sim.viz.summary import HEADLINE_FILES, headline_files, run_replications, summary_text

    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    check_output_folder(out, "run", sources=[args.scenario], given_as="--out")
    scenario = load_with_overrides(args.scenario, args.set)
    if args.steps is not None:
        check_steps(args.steps, "command line", "--steps")
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
    scenario = load_with_overrides(args.scenario, args.set)
    for path, value in scenario.parameters().items():
        print(f"{path} = {value!r}" if isinstance(value, str) else f"{path} = {value}")
    return 0


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


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` while a command runs.

    Only in the main thread (elsewhere signals cannot be handled); the handlers that were
    there before are put back afterwards. After SIGTERM or SIGHUP further ones are ignored
    so that the cleanup finishes; a second Ctrl-C stops even the cleanup.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    before = {signum: signal.getsignal(signum) for signum in wanted}

    def stop(signum: int, frame: object) -> None:
        for other in wanted:
            signal.signal(other, signal.default_int_handler if other == signal.SIGINT else signal.SIG_IGN)
        raise Stopped(signum)

    for signum in wanted:
        signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def _say(message: str) -> None:
    """Print one paragraph on stderr (whitespace and line breaks folded into single spaces)."""
    with suppress(OSError):
        print(f"coalsim: {' '.join(message.split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``coalsim`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 when some runs of a sweep failed, 2 on bad input,
        130 after Ctrl-C, 128 + the signal after SIGTERM or SIGHUP, 141 when standard
        output was closed early.

    """
    try:
        with _signals_raise():
            args = build_parser().parse_args(argv)
            from sim.scenario import OverriddenParameterWarning

            with warnings.catch_warnings():  # a value an event sets again: one line each
                warnings.simplefilter("default", OverriddenParameterWarning)
                warnings.showwarning = lambda message, *_: _say(f"warning: {message}")
                status = int(args.handler(args) or 0)
            sys.stdout.flush()
            return status
    except InputError as exc:
        _say(exc.message)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        _say("interrupted" if signum == signal.SIGINT else "terminated")
        return 128 + signum
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _quiet_stdout() -> None:
    """Point standard output at the null device, so the exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())

"""The ``coalsim`` command: a thin face over the library API (the cli layer, the top one).

The only package that knows about argparse, flags, exit statuses and terminal output; it
may import every layer (core ``sim/*.py``, :mod:`sim.experiment`, :mod:`sim.analysis`,
:mod:`sim.viz`) and nothing imports it. Each command group has its module:
:mod:`sim.cli.scenarios` (run, validate, list, params), :mod:`sim.cli.batches` (sweep,
check, sensitivity, tipping), :mod:`sim.cli.explore` (discover, robustness, optimize),
:mod:`sim.cli.calibration` (calibrate, score),
:mod:`sim.cli.what_it_takes`, :mod:`sim.cli.figures` (plot, compare, report) and
:mod:`sim.cli.app`. Library functions raise :class:`~sim.errors.InputError` naming their
own parameters; :func:`as_typed` renames them to the options the user typed.

Every mistake in a file or argument ends as one paragraph on stderr and exit status 2,
never a traceback (a path the system refuses in a way no check foresaw, too: the
``OSError`` is said in one paragraph naming the file); nothing is written before all
inputs have been checked. Ctrl-C ends
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from sim.errors import ARGUMENTS, InputError

#: Exit status for bad input (files, fields, arguments).
EXIT_BAD_INPUT = 2

#: Exit status when standard output was closed early (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141


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


def _whole(text: str) -> int:
    """An argparse type: a whole number of 64 bits (each command checks the range of its own counts)."""
    try:
        value = int(text)
    except ValueError:  # also for a number of more than 4,300 digits
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text[:40]!r}") from None
    if not -(2**63) < value < 2**63:
        raise argparse.ArgumentTypeError(f"expected a whole number below 2**63 in size, found {text[:40]!r}")
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


def file_path(text: str) -> str:
    """An argparse type of every file or folder argument: a path the system can use.

    Args:
        text: The argument as typed.

    Returns:
        It, unchanged.

    Raises:
        argparse.ArgumentTypeError: If it is empty or blank, holds a NUL byte, or a name in
            it or the whole is longer than the system takes.

    """
    from sim.files import unusable_path

    problem = unusable_path(text)
    if problem:
        raise argparse.ArgumentTypeError(f"expected a file or folder path, found {problem}")
    return text


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with status 2 and one paragraph.

    Every subcommand's parser is one of these, so the same checks hold for all options:
    a ``type=float`` option takes only finite numbers, a ``type=int`` one only a whole
    number of 64 bits (a count of 10**30 is refused here, not by an ``OverflowError`` deep
    in numpy), and every ``--seed`` only a seed that numpy accepts and the result tables
    can store. A ``type=file_path`` argument (every file or folder a command reads or writes)
    takes only a path the system can use, and every other text argument only a value, not
    ``''`` (which would silently mean the option's default). It is also the one place
    that keeps old option names working for a release: ``add_argument("--outcome",
    deprecated_names=["--output"])`` reads ``--output`` as ``--outcome``, says once on
    stderr that it is deprecated, and marks it in ``--help``.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.renamed: dict[str, str] = {}  # deprecated option name -> current name
        super().__init__(*args, **kwargs)
        self.register("type", float, _finite_float)
        self.register("type", int, _whole)

    def add_argument(self, *names, deprecated_names: Sequence[str] = (), **kwargs) -> argparse.Action:  # type: ignore[override]
        if "--seed" in names:
            kwargs["type"] = _seed
        if deprecated_names:
            kwargs["help"] = f"{kwargs.get('help', '')} (formerly {', '.join(deprecated_names)}, deprecated)"
        action = super().add_argument(*names, **kwargs)
        if deprecated_names:
            self.renamed.update(dict.fromkeys(deprecated_names, max(action.option_strings, key=len)))
        return action

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        listed = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(self._current_names(listed) if self.renamed else listed, namespace)

    def _current_names(self, args: list[str]) -> list[str]:
        """The arguments with deprecated option names replaced, each old name reported once."""
        current: list[str] = []
        reported: set[str] = set()
        for i, arg in enumerate(args):
            if arg == "--":
                return current + args[i:]
            name, sep, value = arg.partition("=")
            if name not in self.renamed and arg[:2] in self.renamed and not arg.startswith("--"):
                name, sep, value = arg[:2], "=", arg[2:]  # a short option with its value attached: -oFILE
            new = self.renamed.get(name)
            if new is None:
                current.append(arg)
                continue
            if name not in reported:
                reported.add(name)
                _say(f"{name} is deprecated, use {new}")
            current.append(new + sep + value)
        return current

    def _get_value(self, action: argparse.Action, arg_string: str) -> object:
        blank = not arg_string.strip()  # every text value (a command's own name is checked by _check_value)
        if blank and action.type is None and not isinstance(action, argparse._SubParsersAction):
            raise argparse.ArgumentError(action, f"expected a value, found {arg_string!r}")
        return super()._get_value(action, arg_string)

    def _check_value(self, action: argparse.Action, value: object) -> None:
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            from sim.errors import did_you_mean

            raise InputError("command line", "command", f"one of {', '.join(action.choices)}",
                             repr(value), did_you_mean(str(value), action.choices))  # fmt: skip
        super()._check_value(action, value)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"coalsim: command line: {message}. See '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``coalsim`` argument parser with all its subcommands."""
    parser = _Parser(
        prog="coalsim",
        description="Coalition formation in global AI governance: run, check and explore scenarios.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for register in _extensions():
        register(commands)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Each command group's ``register``, in the order ``coalsim --help`` lists them."""
    from sim.cli import app, batches, calibration, explore, figures, scenarios, what_it_takes

    groups = (scenarios, batches, explore, calibration, what_it_takes, figures, app)
    return [module.register for module in groups]


def as_typed(error: InputError, parser: argparse.ArgumentParser, args: argparse.Namespace) -> InputError:
    """A library call's mistake in its arguments, renamed to the options the user typed.

    Library functions name their own parameters (``InputError(ARGUMENTS, "low", ...)``);
    this is the one place that maps them to flags. The rule: parameter ``name`` is the
    option ``--name`` (underscores as hyphens: ``conf_level`` is ``--conf-level``), unless
    the command's ``flags`` default (``set_defaults(flags={"budgets": "--budget"})``) maps
    it otherwise; a field of several parameters (``low/high``) is renamed part by part. A
    parameter the command has no option for keeps its name. Errors about files, and those
    the CLI raises itself (``"command line"``), are returned unchanged.

    Args:
        error: The error raised by the command.
        parser: The ``coalsim`` parser.
        args: The parsed command line (its ``command`` and ``flags``).

    Returns:
        The error as the user should read it.

    """
    if error.where != ARGUMENTS:
        return error
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    command = commands.choices.get(getattr(args, "command", None))
    options = command._option_string_actions if command is not None else {}
    renames: Mapping[str, str] = getattr(args, "flags", {})

    def flag(name: str) -> str:
        typed = renames.get(name, "--" + name.replace("_", "-"))
        return typed if typed in options else name

    field = "/".join(flag(name) for name in error.field.split("/"))
    return InputError("command line", field, error.expected, error.found, error.hint)


#: The folder that holds the ``sim`` package: the project's own folder in a checkout.
PROJECT = Path(__file__).resolve().parents[2]


def shown(out: str | Path) -> str:
    """An output path as the user should read it, to find it again.

    As given when coalsim runs in the project's folder; absolute anywhere else, where a
    default ``results/...`` lands under the working folder rather than the project.

    Args:
        out: The path written.

    Returns:
        The path to print.

    """
    out = Path(out)
    return str(out) if out.is_absolute() or Path.cwd().resolve() == PROJECT else str(out.resolve())


def write_output(out: Path, files: Mapping[str, bytes], kind: str, sources: Sequence[str | Path]) -> None:
    """Write an output folder atomically under the one output rule and say on stderr where.

    Args:
        out: The output folder (``--out``, or the command's default under ``results/``).
        files: File contents by name.
        kind: The kind of output (see :func:`sim.atomic.check_output_folder`).
        sources: The command's inputs, whose folders are never replaced.

    Raises:
        InputError: If the folder may not be written, or the write fails (nothing is left).

    """
    from sim.atomic import write_folder_atomically

    with writing_to(out):
        write_folder_atomically(out, files, kind, sources=sources)
    print(f"Wrote {', '.join(sorted(files))} to {shown(out)}/", file=sys.stderr)


@contextmanager
def writing_to(out: Path) -> Iterator[None]:
    """Report a failed write of ``--out`` (a full disk, a folder that became read-only) as bad input.

    The library writes every output atomically, so a failure leaves nothing behind.

    Args:
        out: The output folder being written.

    Raises:
        InputError: Naming ``--out`` and the system's reason, instead of the ``OSError``.

    """
    try:
        yield
    except OSError as exc:
        raise InputError(
            "command line", "--out", "a writable folder with free space",
            f"'{out}': {exc.strerror or exc} (nothing was written)",
        ) from None  # fmt: skip


@contextmanager
def _signals_raise() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` while a command runs.

    Only in the main thread (elsewhere signals cannot be handled); the handlers that were
    there before are put back afterwards. After SIGTERM or SIGHUP further ones are ignored
    so that the cleanup finishes; a second Ctrl-C stops even the cleanup.

    A signal can land in code that does not pass the interruption on. Python only prints
    exceptions raised in a weak-reference callback or a ``__del__`` (which the garbage
    collector runs at any moment, e.g. while pydantic builds a model) and goes on: such an
    interruption is raised again in the main thread, in the code that was running.
    Compiled code that calls back into Python may turn it into an error of its own (an
    extension module's import fails with ``ImportError``, pandas' JSON writer with
    ``ValueError``): once a signal has arrived, an error ends the command as stopped by it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    before = {signum: signal.getsignal(signum) for signum in wanted}
    unraisable_before = sys.unraisablehook
    received: list[int] = []  # the signal that stopped the command, once one has arrived

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        for other in wanted:
            signal.signal(other, signal.default_int_handler if other == signal.SIGINT else signal.SIG_IGN)
        raise Stopped(signum)

    waiting: list[object] = []  # the profile function to put back while an interruption waits

    def raise_again(unraisable: sys.UnraisableHookArgs) -> None:
        """Raise a swallowed interruption again at the next call or return in the main thread."""
        exc = unraisable.exc_value
        main_thread = threading.current_thread() is threading.main_thread()
        if not isinstance(exc, KeyboardInterrupt) or not main_thread:
            unraisable_before(unraisable)
            return
        here = sys._getframe().f_code
        if not waiting:
            waiting.append(sys.getprofile())

        def at_next_event(frame: FrameType, event: str, arg: object) -> None:
            if frame.f_code is not here:  # out of this hook: in the code that was running
                sys.setprofile(waiting.pop())
                raise exc

        sys.setprofile(at_next_event)

    for signum in wanted:
        signal.signal(signum, stop)
    sys.unraisablehook = raise_again
    try:
        yield
    except Exception as exc:
        if received:
            raise Stopped(received[0]) from exc
        raise
    finally:
        sys.unraisablehook = unraisable_before
        if waiting:
            sys.setprofile(waiting.pop())
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
    parser, args = None, argparse.Namespace()
    try:
        with _signals_raise():  # before any import, so that Ctrl-C while importing is handled too
            parser = build_parser()
            args = parser.parse_args(argv)
            from sim.scenario import OverriddenParameterWarning

            with warnings.catch_warnings():  # a value an event sets again: one line each
                warnings.simplefilter("default", OverriddenParameterWarning)
                warnings.showwarning = lambda message, *_: _say(f"warning: {message}")
                status = int(args.handler(args) or 0)
            sys.stdout.flush()
            return status
    except InputError as exc:
        _say((exc if parser is None else as_typed(exc, parser, args)).message)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        _say("interrupted" if signum == signal.SIGINT else "terminated")
        return 128 + signum
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # the system refused a path no check foresaw: still one paragraph naming it
        where = f"{exc.filename}: " if exc.filename is not None else ""
        _say(f"{where}expected a file or folder the system lets coalsim use, found: {exc.strerror or exc}")
        return EXIT_BAD_INPUT


def _quiet_stdout() -> None:
    """Point standard output at the null device, so the exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

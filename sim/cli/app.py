"""``coalsim app``: serve the interactive app (:mod:`sim.viz.app`) with Solara.

It runs ``solara run sim/viz/app.py`` in a child process, so the app is the same whether
it is started by ``coalsim app`` or by ``solara run`` directly. The app module (and so
Solara) is imported only when the command runs, keeping every other ``coalsim`` command
quick to start. Inputs are checked first: a bad port, an address this machine cannot listen
on, or a folder without scenario files ends as one ``coalsim: ...`` line and exit status 2,
before any server starts.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.cli import file_path
from sim.errors import InputError

#: The app module that ``solara run`` serves.
APP_PATH = Path(__file__).parents[1] / "viz" / "app.py"

#: Solara's own default port.
DEFAULT_PORT = 8765


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``app`` to the ``coalsim`` subcommands.

    Args:
        commands: The subparsers object of the ``coalsim`` parser.

    """
    app = commands.add_parser(
        "app",
        help="step the model in your browser (a Mesa SolaraViz app)",
        description="Serve the interactive app: pick a scenario, move the incentive and rule "
        "sliders, step the model and look at the map, the membership plot and any country's "
        "reasons. Stop it with Ctrl+C.",
    )
    app.add_argument(
        "--host", default="localhost", help="address to listen on (default: localhost; 0.0.0.0: your network)"
    )
    app.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)"
    )
    app.add_argument(
        "--scenarios", type=file_path, metavar="FOLDER",
        help="folder whose *.yaml files the scenario picker lists (default: the project's scenarios/, "
        "or $COALSIM_SCENARIOS, wherever coalsim runs)",
    )  # fmt: skip
    app.add_argument("--open", action="store_true", help="open the app in your web browser")
    app.set_defaults(handler=cmd_app)


def solara_command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The command line that serves the app.

    Args:
        host: Address to listen on.
        port: Port to listen on (0: a free one).
        open_browser: Whether Solara opens a browser tab.

    Returns:
        ``python -m solara run .../app.py`` with its options, run by this interpreter, with
        Solara's update check off.

    """
    return [
        sys.executable, "-m", "solara", "run", str(APP_PATH),
        "--host", host, "--port", str(port), "--open" if open_browser else "--no-open",
        # Solara would check PyPI at start and advise an upgrade that breaks the pinned app.
        "--no-check-version",
    ]  # fmt: skip


def check_app_options(port: int, scenarios: Path, host: str = "localhost") -> None:
    """Check the options before a server starts.

    Args:
        port: The requested port.
        scenarios: The scenario folder.
        host: The address to listen on.

    Raises:
        InputError: If the port is not in 0..65535, this machine cannot listen on the host
            (a name that does not resolve, another machine's address: the server's own
            error was a log line and exit status 3), or the folder has no ``*.yaml`` file.

    """
    import socket

    from sim.viz.app import scenario_files  # the app imports Solara: only when it is served

    if not 0 <= port <= 65535:
        raise InputError("command line", "--port", "a port number from 0 to 65535", str(port))
    try:  # on a free port (0), so only the address is tested
        family, kind, protocol, _, address = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.bind(address)
    except (OSError, UnicodeError) as exc:  # a name that does not resolve, too long, not this machine's
        reason = getattr(exc, "strerror", None) or exc
        raise InputError("command line", "--host", "an address of this machine to listen on, e.g. localhost "
                         "or 0.0.0.0", f"{host!r} ({reason})") from None  # fmt: skip
    if not scenarios.is_dir():
        raise InputError("command line", "--scenarios", "a folder of scenario files (*.yaml)",
                         f"'{scenarios}', which is not a folder")  # fmt: skip
    if not scenario_files(scenarios):
        raise InputError("command line", "--scenarios", "a folder of scenario files (*.yaml)",
                         f"'{scenarios}', which has none", hint="pass --scenarios FOLDER")  # fmt: skip


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the app until the user stops it.

    Args:
        args: ``host``, ``port``, ``scenarios`` and ``open`` from the command line.

    Returns:
        The server's exit status (0 after Ctrl+C; SIGTERM or SIGHUP end as the CLI reports them).

    Raises:
        InputError: If an option is invalid (see :func:`check_app_options`).

    """
    from sim.scenario import scenarios_folder
    from sim.viz.app import SCENARIO_DIR_VARIABLE

    scenarios = Path(args.scenarios) if args.scenarios else scenarios_folder()
    check_app_options(args.port, scenarios, args.host)
    environment = {**os.environ, SCENARIO_DIR_VARIABLE: str(scenarios.resolve())}
    try:
        return subprocess.run(solara_command(args.host, args.port, args.open), env=environment).returncode
    except KeyboardInterrupt as stop:
        if getattr(stop, "signum", signal.SIGINT) != signal.SIGINT:
            raise  # SIGTERM or SIGHUP (raised as a KeyboardInterrupt by the CLI): not a normal stop
        return 0


__all__ = ["check_app_options", "cmd_app", "register", "solara_command"]

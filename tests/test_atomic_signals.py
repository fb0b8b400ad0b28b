"""Signals and closed pipes: one line, the right exit status, no traceback, no staging left.

Ctrl-C (SIGINT) ends any command with ``coalsim: interrupted`` and status 130; SIGTERM
runs the cleanup of a half-written output (status 143); staging left by a killed writer
is removed by the next write of the same output; ``coalsim ... | head`` ends quietly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest
from coalsim_testing import SCENARIOS

import sim
import sim.atomic
import sim.cli
from sim.cli import main

BASELINE = str(SCENARIOS / "baseline.yaml")
LONG_RUN = ("run", BASELINE, "--steps", "10000", "--seeds", "8", "--seed", "3", "--out")  # several seconds


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *args]


def staging(folder, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


@pytest.mark.parametrize(("signum", "status", "line"), [
    (signal.SIGINT, 130, "coalsim: interrupted"),
    (signal.SIGTERM, 143, "coalsim: terminated"),
])  # fmt: skip
def test_a_signal_at_a_random_moment_ends_in_one_line_and_no_staging(signum, status, line, tmp_path):
    """Signal `coalsim run` at random moments; each ends in one line (or finished), nothing half-made.

    A SIGTERM may also land while Python starts or shuts down, outside coalsim's handling:
    the process then ends silently by the signal, with nothing written or all of it.
    """
    rng = np.random.default_rng(17 + signum)
    handled = 0
    for trial in range(4):
        out = tmp_path / f"trial{trial}"
        process = subprocess.Popen(command(*LONG_RUN, str(out)), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(float(rng.uniform(1.0, 4.0)))
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        if process.returncode == status:
            handled += 1
            assert err.strip().splitlines() == [line], err
            assert not out.exists() or sim.RunResult.load(out).metadata["steps"] == 10000
        elif process.returncode == -signum == -signal.SIGTERM:
            assert err == ""
            assert not out.exists() or sim.RunResult.load(out).metadata["steps"] == 10000
        else:
            assert process.returncode == 0, err  # it had finished before the signal
        assert staging(tmp_path, out.name) == []
    assert handled, "no trial was signalled while the command ran"


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_write_removes_the_staging_folder(signum, status, tmp_path, monkeypatch, capsys):
    """The signal arrives while the output is flushed: no result, no hidden staging folder."""
    flush = sim.atomic.fsync_tree

    def flush_then_signal(folder):
        flush(folder)
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler raises before this ends

    monkeypatch.setattr(sim.atomic, "fsync_tree", flush_then_signal)
    out, before = tmp_path / "out", signal.getsignal(signal.SIGTERM)
    assert main(["run", BASELINE, "--steps", "3", "--out", str(out)]) == status
    assert capsys.readouterr().err.startswith(("coalsim: interrupted", "coalsim: terminated"))
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored after the command


@pytest.mark.parametrize(("signum", "status", "line"), [
    (signal.SIGINT, 130, "coalsim: interrupted"),
    (signal.SIGTERM, 143, "coalsim: terminated"),
])  # fmt: skip
def test_a_signal_inside_a_weakref_callback_still_stops_the_command(signum, status, line, tmp_path,
                                                                   monkeypatch, capsys):  # fmt: skip
    """The signal lands in code whose exceptions Python only prints, then goes on: a weak-reference
    callback, run when the garbage collector frees an object (as while pydantic builds a model
    on import). The command still ends in one line and its status, and writes nothing."""
    build = sim.cli.build_parser

    def build_with_a_signal_in_a_callback():
        model = type("Model", (), {})()
        watch = weakref.ref(model, lambda _: (os.kill(os.getpid(), signum), time.sleep(5)))
        del model  # the callback runs here; the handler raises inside it, during the sleep
        assert watch() is None
        return build()

    monkeypatch.setattr(sim.cli, "build_parser", build_with_a_signal_in_a_callback)
    out, hook = tmp_path / "out", sys.unraisablehook
    assert main(["run", BASELINE, "--steps", "3", "--out", str(out)]) == status
    assert capsys.readouterr().err.splitlines() == [line]
    assert list(tmp_path.iterdir()) == []
    assert sys.unraisablehook is hook and sys.getprofile() is None  # put back after the command


@pytest.mark.parametrize(("signum", "status", "line"), [
    (signal.SIGINT, 130, "coalsim: interrupted"),
    (signal.SIGTERM, 143, "coalsim: terminated"),
])  # fmt: skip
def test_a_signal_turned_into_an_import_error_still_stops_the_command(signum, status, line, tmp_path,
                                                                      monkeypatch, capsys):  # fmt: skip
    """An extension module whose import the signal lands in fails with ImportError from it (as
    scipy's HiGHS wrapper does); pandas' JSON writer turns it into a ValueError. The command
    still ends in one line and its status."""
    build = sim.cli.build_parser

    def build_importing_an_extension():
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc
        return build()

    monkeypatch.setattr(sim.cli, "build_parser", build_importing_an_extension)
    assert main(["run", BASELINE, "--steps", "3", "--out", str(tmp_path / "out")]) == status
    assert capsys.readouterr().err.splitlines() == [line]
    assert list(tmp_path.iterdir()) == []


def test_staging_left_by_a_killed_run_is_removed_by_the_next_run(tmp_path):
    """SIGKILL cannot be caught: its staging stays, and the next run of that output removes it."""
    out = tmp_path / "out"
    maker = (
        "import sys, pathlib; from sim.atomic import staging_path; "
        "p = staging_path(pathlib.Path(sys.argv[1]), 'partial'); p.mkdir(); (p / 'half').write_bytes(b'x')"
    )
    subprocess.run([sys.executable, "-c", maker, str(out)], check=True)
    assert len(staging(tmp_path, "out")) == 1
    done = subprocess.run(command("run", BASELINE, "--steps", "2", "--out", str(out)), capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert staging(tmp_path, "out") == []


def test_a_closed_stdout_ends_quietly(tmp_path):
    """`coalsim run ... | head`: the reader has gone; no BrokenPipeError traceback."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before coalsim writes a line
    try:
        done = subprocess.run(command("run", BASELINE, "--steps", "2", "--out", str(tmp_path / "out")),
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=180)  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""
    assert sim.RunResult.load(tmp_path / "out").metadata["steps"] == 2  # the results were written first


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 0), (signal.SIGTERM, 143)])
def test_the_app_stops_quietly_on_ctrl_c_and_reports_sigterm(signum, status, monkeypatch, capsys):
    """Ctrl-C is how the app is meant to stop (status 0); SIGTERM is not a normal stop."""
    import sim.cli.app
    from sim.cli import Stopped

    def serve(*args, **kwargs):
        raise Stopped(signum)

    monkeypatch.setattr(sim.cli.app.subprocess, "run", serve)
    assert main(["app", "--scenarios", str(SCENARIOS)]) == status
    assert "Traceback" not in capsys.readouterr().err

"""One writer per store: a second sweep or resume on the same folder exits 2 and writes nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

import sim.cli
from sim.atomic import atomic_write
from sim.errors import InputError
from sim.experiment import load_results, sweep
from sim.experiment.store import inspect_store, lock_path, store_lock

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def long_spec(tmp_path: Path) -> Path:
    """A sweep of a few seconds (30 points x 2 replications of 60 steps)."""
    spec = tmp_path / "long.yaml"
    content = {
        "scenario": str(REPO / "scenarios" / "baseline.yaml"),
        "design": "random",
        "samples": 30,
        "replications": 2,
        "seed": 8,
        "steps": 60,
        "parameters": {"frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5}},
    }
    spec.write_text(yaml.safe_dump(content), encoding="utf-8")
    return spec


def test_a_second_writer_is_refused_and_writes_nothing(write_spec, tmp_path, capsys):
    out = tmp_path / "out"
    with store_lock(out):
        with pytest.raises(
            InputError, match=rf"being written by another coalsim process \(pid {os.getpid()}\)"
        ):
            sweep(write_spec(), out)
        assert sim.cli.main(["sweep", str(write_spec()), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {out}: ") and f"(pid {os.getpid()})" in err and err.count("\n") == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_a_sweep_meeting_a_store_being_created_names_the_other_writer(write_spec, tmp_path, capsys):
    # The first sweep holds the lock and has written part of its store, no manifest yet: the
    # second must say who is writing it, not that the folder holds files coalsim did not write.
    out = tmp_path / "out"
    with store_lock(out):
        out.mkdir()
        (out / "design.parquet").write_bytes(b"half")
        assert sim.cli.main(["sweep", str(write_spec()), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"being written by another coalsim process (pid {os.getpid()})" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["design.parquet"]


def test_a_lock_file_left_by_a_killed_sweep_does_not_block(write_spec, tmp_path):
    out = tmp_path / "out"
    lock_path(out).write_text("999999\n")
    sweep(write_spec(samples=1, replications=1), out)
    assert not lock_path(out).exists()


def _link_to_a_users_file(lock: Path) -> None:
    (lock.parent / "precious.txt").write_text("my notes\n")
    lock.symlink_to(lock.parent / "precious.txt")


#: What a user may have at the lock file's path: the lock is written and removed, so none may be used.
NOT_A_LOCK = {
    "a link to a user's file": (_link_to_a_users_file, "a link"),
    "a dangling link": (lambda lock: lock.symlink_to(lock.parent / "elsewhere.txt"), "a link"),
    "a user's file of that name": (lambda lock: lock.write_text("my notes\n"), "coalsim did not write"),
    "a named pipe": (lambda lock: os.mkfifo(lock), "a pipe or device"),
    "a folder": (lambda lock: lock.mkdir(), "Is a directory"),
}


@pytest.mark.parametrize("case", sorted(NOT_A_LOCK))
@pytest.mark.parametrize("resume", [False, True])
def test_a_lock_path_that_is_not_a_lock_is_refused_and_kept(case, resume, write_spec, tmp_path, capsys):
    make, found = NOT_A_LOCK[case]
    out, spec = tmp_path / "out", write_spec()
    make(lock_path(out))
    before = {path: (path.is_symlink(), path.is_file() and path.read_bytes()) for path in tmp_path.iterdir()}
    argv = ["sweep", str(spec), "--out", str(out), "--quiet", *(["--resume"] if resume else [])]
    assert sim.cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {lock_path(out)}: ") and found in err and err.count("\n") == 1, err
    after = {path: (path.is_symlink(), path.is_file() and path.read_bytes()) for path in tmp_path.iterdir()}
    assert after == before and not (tmp_path / "elsewhere.txt").exists()


def _layouts(path: Path) -> tuple[bytes, bytes]:
    """The file's table written twice, compressed and not: same content, other byte offsets."""
    table = pq.read_table(path)
    layouts = []
    for compression in ("zstd", "none"):
        sink = io.BytesIO()
        pq.write_table(table, sink, compression=compression)
        layouts.append(sink.getvalue())
    return layouts[0], layouts[1]


def test_readers_see_whole_files_while_a_sweep_replaces_them(write_spec, tmp_path):
    """A writer replaces the run table and design while a reader opens the store 200 times.

    pyarrow reads a file given by path through two opens (footer, then pages): a
    replace between them handed the reader the footer of one version and the pages of
    the next, a whole file read as a half-written one. Same content, other layouts, so
    every read, whichever version it gets, must load the same store.
    """
    out = tmp_path / "out"
    sweep(write_spec(), out, executor="serial")
    expected = load_results(out)
    versions = {name: _layouts(out / name) for name in ("runs.parquet", "design.parquet")}
    done = threading.Event()

    def replace_until_done() -> None:
        while not done.is_set():
            for layout in (0, 1):
                for name, data in versions.items():
                    atomic_write(out / name, data[layout])

    writer = threading.Thread(target=replace_until_done)
    writer.start()
    try:
        for _ in range(200):
            got = load_results(out)
            assert got.runs.equals(expected.runs) and got.design.equals(expected.design)
    finally:
        done.set()
        writer.join()


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _watch(processes: list[subprocess.Popen], out: Path) -> int:
    """Read the store while the processes write it; return how often it was readable."""
    readable = 0
    while any(process.poll() is None for process in processes):
        if out.is_dir() and (out / "manifest.json").exists():
            health = inspect_store(out)
            assert health.ok, health.report()
            readable += 1
        time.sleep(0.05)
    return readable


def _outcomes(processes: list[subprocess.Popen]) -> list[tuple[int, str]]:
    results = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        results.append((process.returncode, err))
    return sorted(results)


def _assert_complete(out: Path) -> None:
    results = load_results(out)
    assert set(results.runs["status"]) == {"succeeded"}
    for dataset in ("aggregates", "countries"):
        assert {p.name for p in (out / dataset).iterdir()} == set(results.runs["part"])
    assert not list(out.rglob(".*")) and not lock_path(out).exists()


@pytest.mark.slow
def test_two_sweeps_started_at_once_on_one_folder(long_spec, tmp_path):
    out = tmp_path / "out"
    processes = [_start("sweep", str(long_spec), "--out", str(out), "--quiet") for _ in range(2)]
    _watch(processes, out)
    (first, _), (second, err) = _outcomes(processes)
    assert (first, second) == (0, 2)
    pids = {process.pid for process in processes}
    assert "being written by another coalsim process (pid " in err or "already holds files" in err
    assert any(f"(pid {pid})" in err for pid in pids) or "already holds files" in err
    _assert_complete(out)


@pytest.mark.slow
def test_two_resumes_at_once_leave_one_complete_store(long_spec, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError):  # a store left half-done: the spec's runs, two of them finished
        sweep(long_spec, out, chunk_size=1, progress=lambda done, *_: _raise_after(done, 2))
    processes = [_start("sweep", str(long_spec), "--out", str(out), "--resume", "--quiet") for _ in range(2)]
    readable = _watch(processes, out)
    codes = [code for code, _ in _outcomes(processes)]
    assert codes in ([0, 0], [0, 2])
    assert readable > 0
    _assert_complete(out)


def _raise_after(done: int, runs: int) -> None:
    if done >= runs:
        raise InputError("test", "", "a stop", "one")

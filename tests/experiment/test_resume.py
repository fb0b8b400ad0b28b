"""Resuming and extending sweeps of every design, whether their runs settle or not.

The sweeps here run on the default executor (ensembles, see :mod:`sim.experiment.runner`)
and are compared with uninterrupted sweeps run one run at a time (``serial``), so each
test also checks that both executors store the same runs.

Runs of 10 steps never settle (the convergence window is 12 steps), so ``converged_at``
is missing in every row; most runs of 100 steps settle, so the column holds numbers, often mixed with
missing values. The resume crash of issue 15 (a pandas KeyError) needed the second kind
and a run table whose row order changes, which the 10-step tests never had.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas.testing as pdt
import pytest
import yaml

from sim.errors import InputError
from sim.experiment import load_results, runner, sweep
from sim.experiment.runner import simulate
from sim.experiment.store import inspect_store

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "open_models_global_south.yaml"

LEVERS = {
    "events.0.set.frameworks.waico.levers.capacity_building": {"low": 0.0, "high": 1.5},
    "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
}
GRID = {path: {"values": [0.2, 1.0]} for path in LEVERS}

#: Per design: its fields, the fields of a spec with more points, and whether the
#: stored points stay the first points of the bigger design (so the sweep can grow).
DESIGNS: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    "grid": (
        {"parameters": GRID},
        {"parameters": {path: {"values": [0.2, 1.0, 1.4]} for path in LEVERS}},
        False,
    ),
    "random": ({"samples": 3}, {"samples": 4}, True),
    "lhs": ({"samples": 3}, {"samples": 4}, False),
    "sobol": ({"samples": 2}, {"samples": 4}, True),
    "morris": ({"samples": 2}, {"samples": 3}, True),
}
#: Steps per run: settling (mostly) or never settling.
STEPS = {"settle": 100, "never": 10}


class Killed(BaseException):
    """Stands for a kill: nothing in the sweep catches it, so the store stops mid-way."""


def dies_after(runs: int):
    """A run callable that lets ``runs`` runs finish, then kills the sweep."""
    counter = itertools.count()

    def run(scenario, task, settings):
        if next(counter) == runs:
            raise Killed
        return simulate(scenario, task, settings)

    return run


def ensembles_die_after(chunks: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let ``chunks`` ensemble chunks finish, then kill the sweep (in its next ensemble)."""
    counter = itertools.count()
    run_many = runner.run_many

    def run(*args, **kwargs):
        if next(counter) == chunks:
            raise Killed
        return run_many(*args, **kwargs)

    monkeypatch.setattr(runner, "run_many", run)


def write(folder: Path, name: str, design: str, steps: int, **fields: Any) -> Path:
    content = {
        "scenario": str(SCENARIO),
        "design": design,
        "replications": 2,
        "seed": 5,
        "steps": steps,
        "parameters": LEVERS,
        **DESIGNS[design][0],
        **fields,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def assert_same_store(out: Path, reference: Path) -> None:
    """Every run succeeded and the store holds what an uninterrupted sweep holds."""
    got, expected = load_results(out), load_results(reference)
    assert set(got.runs["status"]) == {"succeeded"}
    columns = ["run_id", "seed", "converged_at", "is_nash"]
    pdt.assert_frame_equal(got.runs[columns], expected.runs[columns])
    pdt.assert_frame_equal(got.aggregates, expected.aggregates)
    pdt.assert_frame_equal(got.countries, expected.countries)


CASES = list(itertools.product(DESIGNS, STEPS))


@pytest.mark.parametrize(("design", "settling"), CASES)
def test_resume_of_a_finished_sweep_runs_nothing(tmp_path, design, settling):
    spec, out = write(tmp_path, "spec", design, STEPS[settling]), tmp_path / "out"
    first = sweep(spec, out)
    if settling == "settle":
        converged = load_results(out).runs["converged_at"]
        assert converged.notna().any(), "the case needs runs that settle"
    again = sweep(spec, out, resume=True)
    assert (again.total, again.skipped, again.succeeded, again.failed) == (first.total, first.total, 0, 0)
    assert_same_store(out, out)


@pytest.mark.parametrize("killed", ["one run at a time", "ensemble"])
@pytest.mark.parametrize(("design", "settling"), CASES)
def test_resume_after_a_kill_ends_as_an_uninterrupted_sweep(tmp_path, monkeypatch, design, settling, killed):
    spec, out = write(tmp_path, "spec", design, STEPS[settling]), tmp_path / "out"
    with pytest.raises(Killed), monkeypatch.context() as patch:
        if killed == "ensemble":
            ensembles_die_after(2, patch)
            sweep(spec, out, executor="ensemble", chunk_size=2)
        else:
            sweep(spec, out, chunk_size=1, run_callable=dies_after(5))
    stopped = load_results(out)
    assert 0 < len(stopped.succeeded) < len(stopped.runs)
    sweep(spec, out, resume=True)
    sweep(spec, tmp_path / "reference", executor="serial")
    assert_same_store(out, tmp_path / "reference")


@pytest.mark.parametrize(("design", "settling"), CASES)
def test_more_replications_extend_a_finished_sweep(tmp_path, design, settling):
    out = tmp_path / "out"
    sweep(write(tmp_path, "two", design, STEPS[settling]), out)
    more = write(tmp_path, "three", design, STEPS[settling], replications=3)
    summary = sweep(more, out, resume=True)
    assert summary.skipped == 2 * summary.total // 3
    sweep(more, tmp_path / "reference", executor="serial")
    assert_same_store(out, tmp_path / "reference")


@pytest.mark.parametrize(("design", "settling"), CASES)
def test_more_samples_extend_a_finished_sweep_or_are_refused(tmp_path, design, settling):
    out = tmp_path / "out"
    sweep(write(tmp_path, "few", design, STEPS[settling]), out)
    _, grown, extends = DESIGNS[design]
    more = write(tmp_path, "more", design, STEPS[settling], **grown)
    if not extends:
        with pytest.raises(InputError, match=r"cannot be extended|different spec"):
            sweep(more, out, resume=True)
        assert_same_store(out, out)
        return
    summary = sweep(more, out, resume=True)
    assert summary.skipped > 0 and summary.succeeded == summary.total - summary.skipped
    sweep(more, tmp_path / "reference", executor="serial")
    assert_same_store(out, tmp_path / "reference")


#: A writer killed inside ``atomic_write``: its temporary files, named after its process, stay.
KILLED_WRITER = (
    "import sys, pathlib; from sim.atomic import staging_path; "
    "[staging_path(pathlib.Path(p), 'tmp').write_bytes(b'half') for p in sys.argv[1:]]"
)


def test_resume_removes_the_temporary_files_of_a_killed_writer(tmp_path):
    """SIGKILL inside a write leaves its temporary file, named after its process; the resume removes it.

    The files are made by a process that has ended, as a killed sweep leaves them: the run
    table's and a part file's.
    """
    spec, out = write(tmp_path, "spec", "random", STEPS["never"]), tmp_path / "out"
    sweep(spec, out)
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(out / "runs.parquet"),
                    str(out / "aggregates" / f"part-{'0' * 32}.parquet")], check=True)  # fmt: skip
    assert sorted(p.parent.name for p in out.rglob(".*")) == ["aggregates", "out"]
    assert sorted(p.parent.name for p in inspect_store(out).orphans) == ["aggregates", "out"]
    sweep(spec, out, resume=True)
    assert not list(out.rglob(".*"))
    assert_same_store(out, out)

"""Crash safety and determinism of single runs across processes.

SIGKILL at random moments during ``coalsim run`` never leaves a result folder that loads
as valid but incomplete; results do not depend on PYTHONHASHSEED; a full disk
gives a clear error and writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from coalsim_testing import SCENARIOS

import sim

BASELINE = str(SCENARIOS / "baseline.yaml")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *args]


def coalsim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the CLI to completion in a fresh process."""
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=180, check=False,
                          env={**os.environ, **(env or {})})  # fmt: skip


def folder_digest(folder) -> str:
    result = sim.RunResult.load(folder)
    digest = hashlib.sha256()
    for frame in (result.aggregates, result.countries, result.dynamics):
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


@pytest.mark.slow
def test_sigkill_during_run_never_leaves_a_valid_looking_partial_result(tmp_path):
    """Kill `coalsim run` at 12 random moments; each folder is absent or complete and right."""
    expected_dir = tmp_path / "expected"
    run_args = ("run", BASELINE, "--steps", "60", "--seed", "9", "--out")
    assert coalsim(*run_args, str(expected_dir)).returncode == 0
    expected = folder_digest(expected_dir)
    rng = np.random.default_rng(2026)
    outcomes = {"absent": 0, "complete": 0}
    for trial in range(12):
        out = tmp_path / f"trial{trial}"
        process = subprocess.Popen(command(*run_args, str(out)),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(float(rng.uniform(0.5, 4.0)))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        if out.exists():
            assert folder_digest(out) == expected
            outcomes["complete"] += 1
        else:
            with pytest.raises(FileNotFoundError):
                sim.RunResult.load(out)
            outcomes["absent"] += 1
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(f".trial{trial}.")]
        assert all(".partial-" in name for name in leftovers), leftovers
    assert sum(outcomes.values()) == 12


def test_results_do_not_depend_on_pythonhashseed(tmp_path):
    digests = set()
    for hash_seed in ("0", "1", "12345"):
        out = tmp_path / f"h{hash_seed}"
        done = coalsim("run", BASELINE, "--steps", "20", "--seed", "4", "--out", str(out),
                       env={"PYTHONHASHSEED": hash_seed})  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.add(folder_digest(out))
    assert len(digests) == 1


def test_full_disk_is_a_clear_error_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """A write failing half-way (ENOSPC) leaves no result folder and no staging folder."""
    import errno

    import pandas as pd

    from sim.cli import main

    calls = {"n": 0}
    original = pd.DataFrame.to_parquet

    def fail_on_second(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_second)
    assert main(["run", BASELINE, "--steps", "5", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was written" in err
    assert list(tmp_path.iterdir()) == []


def test_full_disk_during_a_sweep_is_a_clear_error_and_resume_finishes(tmp_path, monkeypatch, capsys):
    """A part file that cannot be written (ENOSPC) stops the sweep with exit 2.

    The store keeps the runs stored before, passes its check, and a resume finishes it.
    """
    import errno

    import pandas.testing as pdt
    import yaml

    import sim.experiment.store as store
    from sim.cli import main
    from sim.experiment import load_results, sweep
    from sim.experiment.store import inspect_store, lock_path

    spec = tmp_path / "spec.yaml"
    entry_cost = {"frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5}}
    content = {"scenario": BASELINE, "design": "random", "samples": 4, "replications": 2, "seed": 2,
               "steps": 30, "parameters": entry_cost}  # fmt: skip
    spec.write_text(yaml.safe_dump(content))
    real, calls = store.atomic_write, {"n": 0}

    def disk_fills(path, data):
        calls["n"] += 1
        if path.parent.name == "aggregates" and calls["n"] > 12:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(store, "atomic_write", disk_fills)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {out}: ") and "No space left on device" in err and "Traceback" not in err
    health = inspect_store(out)
    assert health.ok and 0 < health.counts()["succeeded"] < 8
    assert not lock_path(out).exists()
    monkeypatch.setattr(store, "atomic_write", real)
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--resume"]) == 0
    sweep(spec, tmp_path / "reference")
    pdt.assert_frame_equal(load_results(out).aggregates, load_results(tmp_path / "reference").aggregates)

"""How fast sweeps are: figures and ratios measured in one run of this script.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sweep.py              # 2,000 runs (several minutes on 2 cores)
    .venv/bin/python benchmarks/bench_sweep.py --runs 200   # a quick check
    .venv/bin/python benchmarks/bench_sweep.py --sobol-only # only measurement 5 (about a minute)

It sweeps the baseline (100 steps; aggregates and final per-country states stored) over
two levers with a random design, and prints, each measured here and now:

0. a machine check: two plain loops side by side against one alone, which says what
   speed-up two processes can get on this machine at this moment (a shared machine's
   other work takes its share);
1. the sweep on 1 and on 2 spawned worker processes, and the speed-up of 2 over 1
   (goal: at least 1.7 on a 2-core machine). Beside it: how many cores the workers kept
   busy (their CPU time over the wall time) and how long a run took in each, which tell
   a slow sweep from a busy machine. It goes first, while the machine is likeliest quiet;
2. the runs' own compute (the same run callable in a plain loop, nothing stored) and
   the serial sweep's machinery overhead (goal: at most 20%): its wall time against the
   time its runs spent inside the run callable, both measured in that same sweep, so
   other work on a shared machine does not skew the ratio (the ratio to the plain loop,
   timed at another moment, is printed beside it);
3. a check that the serial, 1-worker and 2-worker stores hold identical aggregates;
4. reloading the aggregates of a 10,000-run store (goal: under 2 s). That store is built
   by the real chunk writer from a pool of real baseline runs reused across run ids, so
   its files have the real format and size;
5. issue 13's goal: the shipped Sobol sweep of the baseline (scenarios/sweeps/baseline_sobol.yaml:
   four levers, 64 base samples, 384 design points) with 3 replications, 1,152 runs of 100
   steps, stored (final per-country states) in under 10 s wall on 2 cores. Timed whole
   (start-up, runs, store) with the serial executor (one model per run), the ensemble
   executor (this process) and 2 worker processes running ensembles, each as a ratio to
   serial, with the CPU time they used (wall time far above CPU time means other work
   held the cores), and the three stores checked identical.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas.testing as pdt
import yaml

import sim
from sim.experiment import load_experiment, load_results, sweep
from sim.experiment.executors import THREAD_LIMITS, default_workers
from sim.experiment.runner import Chunk, RunSettings, chunk_size_for, run_chunk, simulate
from sim.experiment.spec import Experiment, RunTask
from sim.experiment.store import ResultStore
from sim.results import RunResult
from sim.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"

#: The issues' goals, printed next to each figure.
GOALS = {"overhead": 0.20, "speedup": 1.7, "reload_seconds": 2.0, "sobol_seconds": 10.0}

#: The shipped Sobol sweep of the baseline (measurement 5), and its replications there.
SOBOL = REPO / "scenarios" / "sweeps" / "baseline_sobol.yaml"
SOBOL_REPLICATIONS = 3

#: Repeats of the reload timing (the best is reported: the machine may be shared).
REPEATS = 3

#: Runs in each plain loop of the machine check.
CEILING_RUNS = 100

#: Distinct real runs the synthetic store cycles through.
POOL = 16
_pool: list[RunResult] = []


def write_spec(folder: Path, runs: int, name: str) -> Path:
    spec = {
        "name": name,
        "scenario": str(BASELINE),
        "design": "random",
        "samples": runs,
        "replications": 1,
        "seed": 2025,
        "parameters": {
            "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.2},
            "penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0},
        },
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def own_compute(experiment: Experiment) -> float:
    """Seconds to call the run callable for every task in a plain loop (no store, no chunks)."""
    settings = RunSettings(experiment.spec.steps, experiment.spec.countries)
    start = time.perf_counter()
    for task in experiment.tasks():
        simulate(experiment.scenario, task, settings)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Timing:
    """One timed sweep.

    Attributes:
        wall: Wall seconds of the whole sweep (start-up, runs, store).
        inside: Seconds its runs spent inside the run callable, summed over runs.
        worker_cpu: CPU seconds used by its worker processes (0 for serial).

    """

    wall: float
    inside: float
    worker_cpu: float

    @property
    def cores(self) -> float:
        """Cores the worker processes kept busy on average."""
        return self.worker_cpu / self.wall


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_sweep(experiment: Experiment, out: Path, executor: str, workers: int | None = None) -> Timing:
    cpu = children_cpu()
    start = time.perf_counter()
    summary = sweep(experiment, out, executor=executor, workers=workers)
    wall = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"bench_sweep: {summary.failed} runs failed in {out}")
    return Timing(wall, float(load_results(out).runs["seconds"].sum()), children_cpu() - cpu)


def pooled_run(scenario: Scenario, task: RunTask, settings: RunSettings) -> RunResult:
    """A run callable that returns one of a few real runs (for building a large store fast)."""
    if not _pool:
        _pool.extend(simulate(scenario, RunTask("pool", 0, r, r, ()), settings) for r in range(POOL))
    return _pool[task.sample % POOL]


def build_store(experiment: Experiment, out: Path) -> None:
    """Fill a store with the real chunk writer, from pooled real runs."""
    store = ResultStore.create(out, experiment)
    tasks = experiment.tasks()
    size = chunk_size_for(len(tasks), default_workers())
    settings = RunSettings(experiment.spec.steps, experiment.spec.countries)
    for i in range(0, len(tasks), size):
        store.write_chunk(
            run_chunk(Chunk(experiment.scenario, tuple(tasks[i : i + size]), settings, pooled_run))
        )


def verdict(ok: bool) -> str:
    return "meets the goal" if ok else "MISSES the goal"


def report(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<44}{seconds:8.2f} s  {note}".rstrip())


def plain_loop_ms(runs: int) -> float:
    """Milliseconds per baseline run in a plain loop in this process."""
    scenario = sim.load_scenario(BASELINE)
    world = sim.World.load()
    sim.run(scenario, seed=0, world=world, record="final")
    start = time.perf_counter()
    for seed in range(runs):
        sim.run(scenario, seed=seed, world=world, record="final")
    return 1000 * (time.perf_counter() - start) / runs


def plain_loops_side_by_side(processes: int, runs: int) -> list[float]:
    """Run ``processes`` plain loops at once, each in its own single-threaded process."""
    env = {**os.environ, **dict.fromkeys(THREAD_LIMITS, "1")}
    command = [sys.executable, __file__, "--plain-loop", str(runs)]
    started = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(processes)
    ]
    return [float(process.communicate()[0]) for process in started]


def measure_ceiling(runs: int) -> None:
    """What the machine gives two processes now: two plain loops side by side against one alone."""
    alone = plain_loops_side_by_side(1, runs)[0]
    pair = plain_loops_side_by_side(2, runs)
    ceiling = 2 * alone / max(pair)
    print(
        f"  machine check: plain loops ran at {alone:.1f} ms/run alone, {pair[0]:.1f} and {pair[1]:.1f} "
        f"side by side, so 2 processes can reach about {ceiling:.2f}x here and now"
    )


def measure_speedup(experiment: Experiment, folder: Path, runs: int) -> None:
    """The sweep on 1 and on 2 worker processes (first, while the machine is likeliest quiet)."""
    one = timed_sweep(experiment, folder / "one", "processes", 1)
    report(
        "processes, 1 worker",
        one.wall,
        f"overhead incl. process start-up {one.wall / one.inside - 1:+.1%}; "
        f"worker kept {one.cores:.2f} cores busy",
    )
    two = timed_sweep(experiment, folder / "two", "processes", 2)
    speedup = one.wall / two.wall
    goal = GOALS["speedup"]
    report(
        "processes, 2 workers",
        two.wall,
        f"speed-up over 1 worker {speedup:.2f}x "
        f"(goal >= {goal}: {verdict(speedup >= goal)}); workers kept {two.cores:.2f} cores busy",
    )
    per_run = [1000 * timing.inside / runs for timing in (one, two)]
    print(f"  {'':<56}(a run took {per_run[0]:.1f} ms in 1 worker, {per_run[1]:.1f} ms in each of 2)")


def measure_overhead(experiment: Experiment, folder: Path, runs: int) -> None:
    """The serial sweep against the time inside its runs, and against a plain loop."""
    compute = own_compute(experiment)
    report("own compute (plain loop, nothing stored)", compute, f"{1000 * compute / runs:.1f} ms/run")
    serial = timed_sweep(experiment, folder / "serial", "serial")
    overhead = serial.wall / serial.inside - 1
    goal = GOALS["overhead"]
    report(
        "serial sweep",
        serial.wall,
        f"machinery overhead {overhead:+.1%} of the time inside its runs "
        f"(goal <= {goal:.0%}: {verdict(overhead <= goal)})",
    )
    print(f"  {'':<56}({serial.wall / compute - 1:+.1%} against the plain loop, timed at another moment)")


def measure_reload(folder: Path, runs: int) -> None:
    """Build a store of ``runs`` runs with the real chunk writer, then time reloading it."""
    large = load_experiment(write_spec(folder, runs, "large"))
    start = time.perf_counter()
    build_store(large, folder / "large")
    built = time.perf_counter() - start
    reloads = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        rows = len(load_results(folder / "large").aggregates)
        reloads.append(time.perf_counter() - start)
    reload = min(reloads)
    size_mb = sum(p.stat().st_size for p in (folder / "large").rglob("*")) / 1e6
    print(f"Store of {runs} runs, {size_mb:.0f} MB (written by the chunk writer in {built:.0f} s):")
    goal = GOALS["reload_seconds"]
    report(
        f"reload of its aggregates (best of {REPEATS})",
        reload,
        f"{rows:,} rows with run and parameter columns (goal < {goal:g} s: {verdict(reload < goal)})",
    )
    lever = "penalties.us_export_controls.amount"
    start = time.perf_counter()
    subset = load_results(folder / "large").select({lever: (0.0, 0.2)}).aggregates
    report(
        f"filtered reload ({lever} <= 0.2)", time.perf_counter() - start, f"{subset['run_id'].nunique()} runs"
    )


def measure_sobol_goal(folder: Path) -> None:
    """The shipped Sobol sweep with more replications, on serial, ensemble and 2 processes."""
    spec = yaml.safe_load(SOBOL.read_text(encoding="utf-8"))
    spec.update(name="sobol_goal", scenario=str(BASELINE), replications=SOBOL_REPLICATIONS)
    path = folder / "sobol_goal.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    experiment = load_experiment(path)
    print(
        f"Sobol sweep of the baseline ({SOBOL.name}, {SOBOL_REPLICATIONS} replications): "
        f"{experiment.run_count} runs at {len(experiment.design)} design points, stored:"
    )
    serial = None
    for label, executor, workers in (
        ("serial (one model per run)", "serial", None),
        ("ensemble, this process", "ensemble", None),
        ("ensembles on 2 processes", "processes", 2),
    ):
        cpu = time.process_time() + children_cpu()
        wall = timed_sweep(experiment, folder / f"sobol_{executor}", executor, workers).wall
        cpu = time.process_time() + children_cpu() - cpu
        serial = serial or wall
        note = f"{1000 * wall / experiment.run_count:.1f} ms/run; CPU {cpu:.1f} s (this process and workers)"
        if executor != "serial":
            note = f"{serial / wall:.1f}x serial; " + note
        if workers == 2:
            goal = GOALS["sobol_seconds"]
            note += f"; goal < {goal:g} s on 2 cores: {verdict(wall < goal)}"
        report(label, wall, note)
    reference = load_results(folder / "sobol_serial")
    for executor in ("ensemble", "processes"):
        found = load_results(folder / f"sobol_{executor}")
        pdt.assert_frame_equal(found.aggregates, reference.aggregates)
        pdt.assert_frame_equal(found.countries, reference.countries)
        columns = ["run_id", "seed", "status", "converged_at", "is_nash"]
        pdt.assert_frame_equal(found.runs[columns], reference.runs[columns])
    print("  serial, ensemble and 2-process stores hold identical runs, aggregates and country states.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs in the timed sweeps (default 2000)")
    parser.add_argument(
        "--reload-runs", type=int, default=10_000, help="runs in the reloaded store (default 10000)"
    )
    parser.add_argument("--sobol-only", action="store_true", help="only the Sobol sweep goal (measurement 5)")
    parser.add_argument("--plain-loop", type=int, help=argparse.SUPPRESS)  # one side of measure_ceiling
    args = parser.parse_args()
    if args.plain_loop:
        print(plain_loop_ms(args.plain_loop))
        return
    if args.sobol_only:
        with tempfile.TemporaryDirectory(prefix="bench_sweep_") as temporary:
            print(f"{default_workers()} CPUs available; load average now {os.getloadavg()[0]:.1f}.")
            measure_sobol_goal(Path(temporary))
        return

    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as temporary:
        folder = Path(temporary)
        experiment = load_experiment(write_spec(folder, args.runs, "bench"))
        steps = experiment.scenario.steps
        print(f"Sweep of the baseline: {args.runs} runs x {steps} steps, aggregates and final country states")
        print(f"stored; {default_workers()} CPUs available; load average now {os.getloadavg()[0]:.1f}.")
        simulate(experiment.scenario, experiment.tasks()[0], RunSettings())  # load the world, warm caches
        measure_ceiling(CEILING_RUNS)
        measure_speedup(experiment, folder, args.runs)
        measure_overhead(experiment, folder, args.runs)
        reference = load_results(folder / "serial").aggregates
        pdt.assert_frame_equal(load_results(folder / "two").aggregates, reference)
        pdt.assert_frame_equal(load_results(folder / "one").aggregates, reference)
        print("  serial, 1-worker and 2-worker stores hold identical aggregates.")
        measure_reload(folder, args.reload_runs)
        measure_sobol_goal(folder)
        print(
            f"Load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine slows all figures)"
        )


if __name__ == "__main__":
    main()

"""How fast one run is, at every scale: figures and ratios measured in one run of this script.

Run from the repository root::

    .venv/bin/python benchmarks/bench_engine.py           # everything (2 to 3 minutes)
    .venv/bin/python benchmarks/bench_engine.py --quick   # smaller repeats, no 100k world

It prints, each measured here and now (never a stored figure):

1. the baseline run (193 countries, 100 steps, every step recorded) against a minimal
   pure-numpy loop doing the same utility and logit arithmetic (the floor, written below
   as :func:`reference_loop`), and against the readable per-agent engine;
2. synthetic worlds of 1k, 10k and 100k actors (mean degree 10, peer weight > 0 over the
   ``random`` and ``alignment`` ties), each in its own process so its peak memory is its
   own: time per step, the whole run, and peak resident memory;
3. the cost per step with k = 4, 6 and 8 frameworks (2**k portfolios), and the error
   beyond the schema's limit of :data:`sim.scenario.MAX_FRAMEWORKS`;
4. single-process throughput of ``sim.run(baseline, record="final")``;
5. proof that the world is loaded once per process.

Timings are the best of many short repeats, in wall time and in CPU time of this process:
the machine is shared (the load average is printed), so the best repeat is the one least
disturbed by other work, and CPU time leaves out the time spent waiting for a core. Ratios
compare timings taken in the same process, and the verdicts use CPU time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import sim
from sim.errors import InputError
from sim.model import CoalitionModel
from sim.scenario import MAX_FRAMEWORKS, Rule, validate_scenario
from sim.utility import Parameters
from sim.world import _load_world

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
STEPS = 100
SIZES = (1_000, 10_000, 100_000)

#: The issue's goals, for the verdicts printed next to each figure.
GOALS = {
    "baseline_vs_reference": 3.0,
    "agents_vs_vectorized": 10.0,
    "step_growth_10k_to_100k": 12.0,
    "seconds_100k": 15.0,
    "peak_mb_100k": 2048.0,
    "runs_per_second": 80.0,
}


def best_time(action: Callable[[], object], repeats: int, number: int = 1) -> tuple[float, float]:
    """Best wall and best CPU time of ``repeats`` repeats of ``number`` calls.

    Args:
        action: What to time.
        repeats: How many repeats to take the best of.
        number: Calls per repeat.

    Returns:
        Seconds per call: (wall, CPU).

    """
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            action()
        wall = min(wall, (time.perf_counter() - start) / number)
        cpu = min(cpu, (time.process_time() - start_cpu) / number)
    return wall, cpu


def both(seconds: tuple[float, float], scale: float = 1e3, unit: str = "ms") -> str:
    """Format a (wall, CPU) pair."""
    return f"{seconds[0] * scale:9.2f} {unit} wall {seconds[1] * scale:9.2f} {unit} CPU"


def reference_loop(params: Parameters, start: np.ndarray, rule: Rule, steps: int, seed: int) -> np.ndarray:
    """The floor: a minimal numpy loop with the model's utility and logit arithmetic.

    Every step, for every country: club and peer shares from the current memberships,
    framework utilities (static terms precomputed), portfolio utilities with pair and
    switching costs, logit choice from one uniform draw, activation from another. No
    events, no agents, no bookkeeping beyond the ``(steps + 1, n)`` history.

    Args:
        params: The model's parameter arrays.
        start: ``(n,)`` initial portfolio indices.
        rule: The logit rule (temperature and activation rate).
        steps: Number of steps.
        seed: Seed of the draws.

    Returns:
        ``(steps + 1, n)`` portfolio indices.

    """
    rng = np.random.default_rng(seed)
    held = params.portfolios.astype(float)
    n, options = len(start), np.arange(len(held))
    history = np.empty((steps + 1, n), dtype=np.int64)
    history[0] = portfolio = start
    weight = params.club_share_weight
    for t in range(steps):
        draws = rng.random((2, n))
        holds = held[portfolio]
        others = np.maximum(weight @ holds - weight[:, None] * holds, 0.0)
        u = (params.static_total + params.club_coef * others**params.club_exponent
             + params.peer_coef * (params.peers @ holds))  # fmt: skip
        utilities = u @ held.T - params.pair_cost - params.switching_cost * (options != portfolio[:, None])
        utilities = np.where(params.available, utilities, -np.inf)
        weights = np.exp((utilities - utilities.max(axis=1, keepdims=True)) / rule.temperature)
        cumulative = np.cumsum(weights, axis=1)
        choice = (cumulative <= draws[1][:, None] * cumulative[:, -1:]).sum(axis=1)
        portfolio = np.where(draws[0] < rule.activation_rate, choice, portfolio)
        history[t + 1] = portfolio
    return history


def synthetic_scenario(frameworks: int = 3, steps: int = STEPS) -> sim.Scenario:
    """A scenario for synthetic worlds: peer weight 0.5 over random and alignment ties.

    Args:
        frameworks: How many frameworks (the first two exclude each other when k = 3,
            none do otherwise, so the portfolio count is ``2**k``).
        steps: Steps per run.

    Returns:
        The validated scenario.

    """
    levers = ("open_models", "compute_access", "capacity_building", "market_access")
    raw_frameworks = {
        f"f{j}": {
            "name": f"Framework {j}",
            "lead": [f"A{j:04d}"],
            "levers": {levers[j % len(levers)]: 0.5},
            "entry_cost": 0.2 + 0.05 * j,
        }
        for j in range(frameworks)
    }
    raw = {
        "name": f"synthetic-k{frameworks}",
        "question": "how fast is one step?",
        "steps": steps,
        "seed": 5,
        "frameworks": raw_frameworks,
        "compatibility": {"exclusive": [["f0", "f1"]] if frameworks == 3 else [], "dual_cost": 0.1},
        "utility": {"peer": 0.5},
        "peers": {"ties": {"random": 1.0, "alignment": 1.0}},
        "rule": {"temperature": 0.2, "activation_rate": 0.3, "switching_cost": 0.05},
    }
    return validate_scenario(raw, where="benchmark")


def verdict(value: float, goal: float, higher_is_better: bool = False) -> str:
    """``meets`` or ``MISSES`` a goal, with the margin."""
    ok = value >= goal if higher_is_better else value <= goal
    return f"{'meets' if ok else 'MISSES'} goal {'>=' if higher_is_better else '<='} {goal:g}"


def bench_baseline(repeats: int) -> None:
    """Section 1: the baseline run against the floor and against the per-agent engine."""
    baseline = sim.load_scenario(BASELINE)
    world = sim.World.load()
    model = CoalitionModel(baseline, world, rng=1)
    model.run_for(STEPS)  # the parameters after every event, for the floor's arithmetic
    start = model.history[0]

    def full_run() -> object:
        return sim.run(baseline, seed=1)

    def floor() -> object:
        return reference_loop(model.params, start, baseline.rule, STEPS, 1)

    def stepping() -> object:
        return CoalitionModel(baseline, world, rng=1).run_for(STEPS)

    full_run()
    run_time = best_time(full_run, repeats)
    floor_time = best_time(floor, repeats)
    step_time = best_time(stepping, repeats)
    agents_time = best_time(lambda: sim.run(baseline, seed=1, engine="agents"), 2)
    ratio = run_time[1] / floor_time[1]
    speedup = agents_time[1] / run_time[1]
    print("\n1. Baseline run: 193 countries, 100 steps, aggregates and per-country states recorded")
    print(f"   sim.run(baseline)                   {both(run_time)}")
    print(f"     of which model build + 100 steps  {both(step_time)}")
    print(f"   reference numpy loop (the floor)    {both(floor_time)}")
    print(f"   engine='agents' (readable path)     {both(agents_time)}")
    print(f"   run / floor   = {ratio:6.2f}x CPU, {run_time[0] / floor_time[0]:6.2f}x wall"
          f"  ({verdict(ratio, GOALS['baseline_vs_reference'])})")  # fmt: skip
    print(f"   agents / run  = {speedup:6.1f}x CPU, {agents_time[0] / run_time[0]:6.1f}x wall"
          f"  ({verdict(speedup, GOALS['agents_vs_vectorized'], True)})")  # fmt: skip


def measure_size(n: int) -> dict[str, float]:
    """Time one synthetic world of ``n`` actors (meant to run in its own process).

    Args:
        n: Number of actors.

    Returns:
        Seconds for the world, the model, 100 steps and the result; the floor's time per
        step; the whole run's wall time; peak resident memory in MB.

    """
    start = time.perf_counter()
    world = sim.World.synthetic(n, rng=1, mean_degree=10)
    built, built_cpu = time.perf_counter(), time.process_time()
    scenario = synthetic_scenario()
    model = CoalitionModel(scenario, world, rng=1)
    made, made_cpu = time.perf_counter(), time.process_time()
    model.run_for(STEPS)
    stepped, stepped_cpu = time.perf_counter(), time.process_time()
    sim.RunResult.from_model(model, 1)
    done, done_cpu = time.perf_counter(), time.process_time()
    reference_loop(model.params, model.history[0], scenario.rule, STEPS, 1)
    floor_cpu = time.process_time() - done_cpu
    return {
        "world": built - start,
        "model": made - built,
        "step": (stepped - made) / STEPS,
        "step_cpu": (stepped_cpu - made_cpu) / STEPS,
        "result": done - stepped,
        "run": done - built,
        "run_cpu": done_cpu - built_cpu,
        "floor_step_cpu": floor_cpu / STEPS,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bench_scaling(sizes: tuple[int, ...]) -> None:
    """Section 2: synthetic worlds, one fresh process per size."""
    print("\n2. Synthetic worlds (mean degree 10, peer weight 0.5 over random + alignment ties),")
    print("   one process per size; 'run' = model build + 100 steps + all per-country states")
    print(f"   {'actors':>8} {'world s':>8} {'model s':>8} {'ms/step':>8} {'CPU ms/step':>11}"
          f" {'floor CPU':>9} {'result s':>8} {'run s':>6} {'run CPU s':>9} {'peak MB':>8}")  # fmt: skip
    figures = {}
    for n in sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--size", str(n)], capture_output=True, text=True, check=True, cwd=REPO
        )
        figures[n] = f = json.loads(child.stdout)
        print(f"   {n:>8} {f['world']:8.2f} {f['model']:8.2f} {f['step'] * 1e3:8.2f}"
              f" {f['step_cpu'] * 1e3:11.2f} {f['floor_step_cpu'] * 1e3:9.2f} {f['result']:8.2f}"
              f" {f['run']:6.2f} {f['run_cpu']:9.2f} {f['peak_mb']:8.0f}")  # fmt: skip
    for small, large in itertools.pairwise(sizes):
        growth = figures[large]["step_cpu"] / figures[small]["step_cpu"]
        wall = figures[large]["step"] / figures[small]["step"]
        note = f"  ({verdict(growth, GOALS['step_growth_10k_to_100k'])})" if large == 100_000 else ""
        ratio = f"t({large // 1000}k) / t({small // 1000}k) per step"
        print(f"   {ratio} = {growth:5.2f} CPU, {wall:5.2f} wall{note}")
    if 100_000 in figures:
        big = figures[100_000]
        print(f"   100k: run {big['run']:.2f} s wall ({verdict(big['run'], GOALS['seconds_100k'])}); "
              f"with the world's construction {big['run'] + big['world']:.2f} s; "
              f"peak {big['peak_mb']:.0f} MB ({verdict(big['peak_mb'], GOALS['peak_mb_100k'])})")  # fmt: skip


def bench_frameworks(repeats: int) -> None:
    """Section 3: cost per step against the number of portfolios, and the limit."""
    world = sim.World.synthetic(10_000, rng=1, mean_degree=10)
    print("\n3. Frameworks: 10k actors, 2**k portfolios, time per step")
    base = None
    for k in (4, 6, 8):
        scenario = synthetic_scenario(frameworks=k, steps=20)
        model = CoalitionModel(scenario, world, rng=1)
        model.run_for(2)
        per_step = best_time(model.step, repeats)
        base = base or (per_step[1], 2**4)
        print(f"   k={k}: {2**k:4d} portfolios {both(per_step)} per step   cost x{per_step[1] / base[0]:5.2f}"
              f" (CPU) for portfolios x{2**k / base[1]:3.0f}")  # fmt: skip
    try:
        synthetic_scenario(frameworks=MAX_FRAMEWORKS + 1)
    except InputError as error:
        print(f"   k={MAX_FRAMEWORKS + 1}: coalsim: {error}")
    else:
        raise AssertionError(f"a scenario with {MAX_FRAMEWORKS + 1} frameworks must be refused")


def bench_throughput(runs: int) -> None:
    """Section 4: single-process runs per second with only the final state recorded."""
    baseline = sim.load_scenario(BASELINE)
    seeds = iter(range(10**9))
    sim.run(baseline, seed=0, record="final")
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(runs):
        sim.run(baseline, seed=next(seeds), record="final")
    overall = runs / (time.perf_counter() - start), runs / (time.process_time() - start_cpu)
    best = best_time(lambda: sim.run(baseline, seed=next(seeds), record="final"), runs)
    rate = 1 / best[1]
    print("\n4. Throughput of sim.run(baseline, record='final') in one process, each run a new seed")
    print(f"   {runs} runs back to back: {overall[0]:6.1f} runs/s wall, {overall[1]:6.1f} runs/s of CPU")
    print(f"   best single run: {both(best)} -> {rate:6.1f} runs/s per core")
    print(
        f"   two processes on the 2 cores: at most {2 * rate:6.1f} runs/s before storing results "
        f"({verdict(2 * rate, GOALS['runs_per_second'], True)})"
    )


def bench_world_cache() -> None:
    """Section 5: the world is read once per process."""
    _load_world.cache_clear()
    start = time.perf_counter()
    first = sim.World.load()
    load_time = time.perf_counter() - start
    start = time.perf_counter()
    again = sim.World.load()
    cached_time = time.perf_counter() - start
    info = _load_world.cache_info()
    print("\n5. World.load: read once per process")
    print(
        f"   first call {load_time * 1e3:8.2f} ms, second call {cached_time * 1e6:6.2f} us, "
        f"same object: {first is again}, cache hits {info.hits}, misses {info.misses}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark sections (or measure one world size for the parent process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 100k world")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.size:
        print(json.dumps(measure_size(args.size)))
        return 0
    repeats = 10 if args.quick else 30
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"coalsim engine benchmark: {os.cpu_count()} cores, load average {load}, numpy {np.__version__}")
    bench_baseline(repeats)
    bench_scaling(SIZES[:2] if args.quick else SIZES)
    bench_frameworks(repeats)
    bench_throughput(20 if args.quick else 100)
    bench_world_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())

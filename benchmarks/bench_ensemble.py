"""Many baseline runs in one ensemble against one run at a time: ratios measured in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_ensemble.py           # 1, 10, 100, 1000 runs (about 1 minute)
    .venv/bin/python benchmarks/bench_ensemble.py --quick   # 1, 10, 100 runs

It prints, each measured here and now:

1. runs per CPU-second of ``sim.run(baseline, record="final")`` one run at a time (each
   run builds its model, steps it and makes its RunResult, equilibrium check included);
2. for 1, 10, 100 and 1000 baseline runs in one ``sim.run_many`` call (different seeds;
   1000 runs make ensembles of about 240, see :data:`sim.ensemble.DEFAULT_MAX_BYTES`):
   runs per CPU-second of the ensemble alone (the runs' trajectories, every RunResult
   ready to be built), with every run's aggregates (``aggregates()``), and with
   every RunResult built; each as a ratio to one run at a time;
3. two floors, timed over 10 steps and scaled to 100, with one generator for all runs, no
   events and no history: one numpy step over the whole ``(runs, countries)`` state with
   the model's utility and logit arithmetic (:func:`ensemble_floor`, the ensemble form of
   ``bench_engine.reference_loop``), and the same arithmetic on the revising rows only, as
   the engine does it (:func:`revising_floor`, a tenth of the rows in the baseline); the
   floors run all the runs as one batch, the engine in ensembles of
   :data:`sim.ensemble.DEFAULT_MAX_BYTES`;
4. memory per run: the peak traced by ``tracemalloc`` while the ensemble runs, divided by
   the runs, beside :func:`sim.ensemble.run_bytes`;
5. runs that each have their own parameter values (one scenario per run, as in a sweep
   of one replication), in one ensemble and one at a time.

CPU time is this process's; the machine is shared, so the load average is printed and
each figure is the best of a few repeats.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
from bench_engine import best_time, verdict
from scipy import sparse

import sim
from sim.ensemble import run_bytes
from sim.model import CoalitionModel
from sim.scenario import Rule
from sim.utility import Parameters

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
STEPS = 100
FLOOR_STEPS = 10

#: The issue's goals: runs per CPU-second against one at a time, and time per run against the floor.
GOALS = {"speedup_1000": 10.0, "vs_floor": 2.0}


def ensemble_floor(params: Parameters, start: np.ndarray, rule: Rule, steps: int, runs: int) -> np.ndarray:
    """The floor: every country of every run, every step, in a few numpy calls.

    Club and peer shares of each run from its memberships, framework and portfolio
    utilities, logit choice and activation from one draw each; one generator for all runs;
    no events, no history, no per-run streams.

    Args:
        params: The model's parameter arrays.
        start: ``(n,)`` initial portfolio indices.
        rule: The logit rule.
        steps: Steps.
        runs: Runs.

    Returns:
        ``(runs, n)`` final portfolio indices.

    """
    rng = np.random.default_rng(1)
    held = params.portfolios.astype(float)
    n, k, options = len(start), held.shape[1], np.arange(len(held))
    portfolio = np.repeat(start[None, :], runs, axis=0)
    weight = params.club_share_weight
    for _ in range(steps):
        draws = rng.random((2, runs, n))
        holds = held[portfolio]  # (runs, n, k)
        others = np.maximum((weight @ holds)[:, None, :] - weight[None, :, None] * holds, 0.0)
        by_column = holds.transpose(1, 0, 2).reshape(n, runs * k)
        peer = (params.peers @ by_column).reshape(n, runs, k).transpose(1, 0, 2)
        u = params.static_total + params.club_coef * others**params.club_exponent + params.peer_coef * peer
        utilities = u @ held.T - params.pair_cost - params.switching_cost * (options != portfolio[..., None])
        utilities = np.where(params.available, utilities, -np.inf)
        weights = np.exp((utilities - utilities.max(axis=2, keepdims=True)) / rule.temperature)
        cumulative = np.cumsum(weights, axis=2)
        choice = (cumulative <= draws[1][..., None] * cumulative[..., -1:]).sum(axis=2)
        portfolio = np.where(draws[0] < rule.activation_rate, choice, portfolio)
    return portfolio


def revising_floor(params: Parameters, start: np.ndarray, rule: Rule, steps: int, runs: int) -> np.ndarray:
    """The floor on the revising rows only, as the engine computes them.

    As :func:`ensemble_floor`, but utilities and choices only for the (run, country) pairs
    that revise this step, with peer shares from the same block-sparse product as
    :mod:`sim.ensemble`; one generator, no events, no history.

    Args:
        params: The model's parameter arrays.
        start: ``(n,)`` initial portfolio indices.
        rule: The logit rule.
        steps: Steps.
        runs: Runs.

    Returns:
        ``(runs, n)`` final portfolio indices.

    """
    rng = np.random.default_rng(1)
    held = params.portfolios.astype(float)
    n, k, options = len(start), held.shape[1], np.arange(len(held))
    portfolio = np.repeat(start[None, :], runs, axis=0)
    weight, peers = params.club_share_weight, params.peers
    for _ in range(steps):
        draws = rng.random((2, runs * n))
        revising = np.flatnonzero(draws[0] < rule.activation_rate)
        run_of, rows = np.divmod(revising, n)
        holds = held.take(portfolio, axis=0)  # (runs, n, k)
        flat = holds.reshape(runs * n, k)
        mine = flat.take(revising, axis=0)
        picked = peers[rows]
        columns = picked.indices + np.repeat(run_of * n, np.diff(picked.indptr))
        peer = sparse.csr_array((picked.data, columns, picked.indptr), shape=(len(rows), runs * n)) @ flat
        others = np.maximum((weight @ holds).take(run_of, axis=0) - weight[rows, None] * mine, 0.0)
        u = (
            params.static_total[rows]
            + params.club_coef * others**params.club_exponent
            + params.peer_coef * peer
        )
        current = portfolio.reshape(-1).take(revising)
        utilities = u @ held.T - params.pair_cost - params.switching_cost * (options != current[:, None])
        utilities = np.where(params.available[rows], utilities, -np.inf)
        weights = np.exp((utilities - utilities.max(axis=1, keepdims=True)) / rule.temperature)
        cumulative = np.cumsum(weights, axis=1)
        choice = (cumulative <= draws[1][revising, None] * cumulative[:, -1:]).sum(axis=1)
        portfolio = portfolio.copy()
        portfolio.reshape(-1)[revising] = choice
    return portfolio


def bench_distinct(baseline: sim.Scenario, world: sim.World, runs: int) -> None:
    """Section 3: runs that each have their own parameter values (a sweep of one replication).

    Temperature, club and peer weights drawn uniformly around the baseline's, one draw per
    run: one ensemble of ``runs`` scenarios against each run on its own.
    """
    rng = np.random.default_rng(7)
    parameters = [
        {
            "rule.temperature": float(rng.uniform(0.05, 0.3)),
            "utility.club": float(rng.uniform(0.5, 1.5)),
            "utility.peer": float(rng.uniform(0.0, 3.0)),
        }
        for _ in range(runs)
    ]
    seeds = list(range(runs))
    start = time.process_time()
    sim.run_many(baseline, seeds, parameters, world=world)
    ensemble = (time.process_time() - start) / runs
    start = time.process_time()
    for seed, changes in zip(seeds[:50], parameters[:50], strict=True):
        sim.run(baseline.with_overrides(changes), seed=seed, world=world, record="final")
    alone = (time.process_time() - start) / 50
    print(
        f"\n3. {runs} runs, each with its own temperature, club and peer weights (a sweep of one replication)"
    )
    print(f"   one ensemble: {1 / ensemble:6.0f} runs per CPU-second; one at a time (50 runs): "
          f"{1 / alone:6.0f}; ratio {alone / ensemble:4.1f}x")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Print the ensemble's throughput against one run at a time and against the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 100 runs, fewer repeats")
    args = parser.parse_args(argv)
    sizes = (1, 10, 100) if args.quick else (1, 10, 100, 1000)
    baseline = sim.load_scenario(BASELINE)
    world = sim.World.load()
    print(f"load average (1, 5, 15 min): {os.getloadavg()}, {os.cpu_count()} CPUs")

    seeds = iter(range(10**9))
    sim.run(baseline, seed=0, world=world, record="final")
    single = best_time(lambda: sim.run(baseline, seed=next(seeds), world=world, record="final"), 20)
    print("\n1. One run at a time, sim.run(baseline, record='final'):"
          f" best of 20 {single[1] * 1e3:.2f} ms CPU -> {1 / single[1]:.1f} runs per CPU-second")  # fmt: skip

    model = CoalitionModel(baseline, world, rng=1)
    model.run_for(STEPS)  # the parameters after every event, for the floor's arithmetic
    start = model.history[0]
    frameworks, rule = model.params.k, baseline.rule

    print("\n2. Runs in one ensemble: runs per CPU-second, and (x) the ratio to one run at a time")
    header = ["runs", "ensemble", "+ aggregates", "+ RunResults", "floor, revising rows", "floor, all rows"]
    widths = [5, 13, 13, 13, 21, 16]
    print(
        "   "
        + " ".join(f"{name:>{width}}" for name, width in zip(header, widths, strict=True))
        + "  MB/run run_bytes"
    )
    for runs in sizes:
        repeats = 1 if runs >= 1000 else 3
        seeds = list(range(runs))
        stepped = best_time(lambda seeds=seeds: sim.run_many(baseline, seeds, world=world), repeats)[1] / runs
        results = sim.run_many(baseline, seeds, world=world)
        tables = stepped + best_time(results.aggregates, repeats)[1] / runs
        built = stepped + best_time(lambda r=results: list(r), 1)[1] / runs if runs <= 100 else None
        floors = []
        for floor in (revising_floor, ensemble_floor):
            seconds = best_time(
                lambda f=floor, runs=runs: f(model.params, start, rule, FLOOR_STEPS, runs), repeats
            )
            floors.append(seconds[1] * STEPS / FLOOR_STEPS / runs)
        tracemalloc.start()
        sim.run_many(baseline, seeds, world=world)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        cells = [
            f"{1 / t:6.0f} {single[1] / t:5.1f}x" if t else f"{'(not run)':>13}"
            for t in (stepped, tables, built)
        ]
        cells += [
            f"{1 / floors[0]:7.0f} (engine {stepped / floors[0]:4.2f}x)",
            f"{1 / floors[1]:7.0f} ({stepped / floors[1]:4.2f}x)",
        ]
        print(f"   {runs:>5} {' '.join(cells)} {peak / runs / 2**20:7.3f} "
              f"{run_bytes(world.n, STEPS, frameworks) / 2**20:9.3f}")  # fmt: skip
        if runs == 1000:
            speedup, vs_floor = single[1] / stepped, stepped / floors[0]
            first = verdict(speedup, GOALS["speedup_1000"], True)
            second = verdict(vs_floor, GOALS["vs_floor"])
            print(f"   1000 runs: {speedup:.1f}x one at a time ({first}); "
                  f"{vs_floor:.2f}x the revising-rows floor ({second})")  # fmt: skip
    bench_distinct(baseline, world, 50 if args.quick else 200)
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

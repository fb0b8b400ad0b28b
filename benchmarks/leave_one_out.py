"""Each calibration target, forecast by a calibration that did not see it.

A target the calibration was fitted to is reproduced by construction; whether the model
*predicts* it is another question. For every target of the calibration spec in turn, this
runs the whole ABC-SMC calibration on the other targets (same priors, budget and seed) and
draws the left-out target from that posterior's predictive distribution (each draw a run
with its own seed). It prints, per target: the observation, the prediction (median and 90%
interval) of the calibration without it, the fit of the calibration with every target, and
whether each interval covers the observation. Measured here and now, never a stored
figure; at the spec's default budget one calibration takes a few minutes on 2 cores.

Run from the repository root::

    .venv/bin/python benchmarks/leave_one_out.py                    # the baseline's spec
    .venv/bin/python benchmarks/leave_one_out.py --quick            # the spec's quick budget
    .venv/bin/python benchmarks/leave_one_out.py --spec SPEC --draws 200 --only waico_founding_count
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.analysis import abc
from sim.errors import InputError
from sim.world import World

SPEC = Path(__file__).resolve().parent.parent / "scenarios" / "calibration" / "baseline.yaml"


def predicted(spec: abc.CalibrationSpec, targets: list[abc.Target], left_out: abc.Target, budget: abc.Budget,
              draws: int, world: World, folder: Path) -> pd.Series:
    """The left-out target's predictive summary under a calibration on ``targets``."""
    database = folder / f"{left_out.name}.db"
    posterior = abc.calibrate(spec.scenario, spec.priors, targets, database, budget=budget, seed=spec.seed,
                              world=world)  # fmt: skip
    predictive = abc.posterior_predictive(spec.scenario, posterior, draws=draws, seed=spec.seed, world=world,
                                          targets=[left_out])  # fmt: skip
    return abc.predictive_summary(predictive).iloc[0]


def interval(row: pd.Series) -> str:
    covered = "covers" if row["covered"] else "MISSES"
    return f"{row['median']:g} [{row['q05']:g}, {row['q95']:g}] {covered}"


def calibration_arguments(doc: str, draws: int) -> argparse.ArgumentParser:
    """The options of the scripts that rerun a calibration: ``--spec``, ``--quick``, ``--draws``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=SPEC, help="calibration spec (default: the baseline's)")
    parser.add_argument("--quick", action="store_true", help="use the spec's quick budget")
    parser.add_argument("--draws", type=int, default=draws, help="draws (default: %(default)s)")
    return parser


def load_spec(args: argparse.Namespace, script: str) -> abc.CalibrationSpec | None:
    """The spec ``--spec`` names, or ``None`` after printing why it cannot be read."""
    try:
        return abc.load_calibration_spec(args.spec)
    except InputError as exc:
        print(f"{script}: {exc.message}", file=sys.stderr)
        return None


def main() -> int:
    parser = calibration_arguments(__doc__, draws=100)
    parser.add_argument("--only", action="append", metavar="TARGET", help="leave out only these targets")
    args = parser.parse_args()
    spec = load_spec(args, "leave_one_out")
    if spec is None:
        return 2
    budget = spec.quick_budget if args.quick else spec.budget
    world = World.load()
    names = [target.name for target in spec.targets]
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        print(f"leave_one_out: --only names no target of {args.spec}: {', '.join(unknown)} "
              f"(targets: {', '.join(names)})", file=sys.stderr)  # fmt: skip
        return 2
    print(f"{spec.scenario.name}: {len(spec.targets)} targets, {len(spec.priors)} parameters, up to "
          f"{budget.generations} generations of {budget.population} particles per calibration, "
          f"{args.draws} predictive draws, seed {spec.seed}.", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        everything = abc.calibrate(spec.scenario, spec.priors, spec.targets, folder / "all.db", budget=budget,
                                   seed=spec.seed, world=world)  # fmt: skip
        fitted = abc.predictive_summary(
            abc.posterior_predictive(spec.scenario, everything, draws=args.draws, seed=spec.seed, world=world)
        ).set_index("target")
        print(f"calibration on every target: {time.perf_counter() - started:.0f} s", flush=True)
        lines = []
        for left_out in spec.targets:
            if args.only and left_out.name not in args.only:
                continue
            started = time.perf_counter()
            others = [target for target in spec.targets if target is not left_out]
            row = predicted(spec, others, left_out, budget, args.draws, world, folder)
            lines.append(
                f"{left_out.name} (observed {row['observed']:g}): predicted without it "
                f"{interval(row)}; fitted with it {interval(fitted.loc[left_out.name])}"
            )
            print(f"  {lines[-1]} ({time.perf_counter() - started:.0f} s)", flush=True)
    print("\nEach target: median [90% interval] of the posterior predictive; 'covers' when the "
          "interval holds the observation.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

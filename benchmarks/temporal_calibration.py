"""Temporal splits with the calibration that could have been run at each cutoff.

``benchmarks/validation.py`` scores each temporal split with the shipped calibration, which
was fitted to observations dated after the cutoffs (the WAICO founding count, the convention's
count in January 2026, ...): the model's magnitudes have then seen the future, though not the
names scored. Here each split is scored as a forecaster at the cutoff could have made it: the
calibration spec is rerun on the targets whose observations are dated on or before the cutoff
(same priors, budget and seed), the scenario is cut at the cutoff (its later observed events
dropped, :func:`sim.analysis.scoring.known_at`), and the split is scored over draws of that
posterior, every draw with its own seeds; with no target known by the cutoff the posterior is
the prior. It prints, per split: the targets known then, the model's AUC, Brier score and log
loss against every naive baseline's (fitted on observations up to the cutoff), and the AUC
difference to the best baseline with its 90% interval. Measured here and now.

Run from the repository root::

    .venv/bin/python benchmarks/temporal_calibration.py            # the baseline's spec
    .venv/bin/python benchmarks/temporal_calibration.py --quick    # the spec's quick budget
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leave_one_out import calibration_arguments, load_spec

from sim.analysis import abc
from sim.analysis.scoring import FOUNDING_STEP, SPLITS, known_at, score_temporal
from sim.observations import load_observations, month_step
from sim.world import World


def observation_dates(spec_path: Path, spec: abc.CalibrationSpec, observations) -> dict[str, date]:
    """Each target's date: the latest date of the observation it is built from."""
    ids = [item["observation"] for item in yaml.safe_load(spec_path.read_text(encoding="utf-8"))["targets"]]
    latest = observations.groupby("observation_id")["date"].max()
    return {target.name: latest[observation] for target, observation in zip(spec.targets, ids, strict=True)}


def prior_draws(priors: tuple[abc.Prior, ...], k: int, seed: int) -> list[dict[str, float]]:
    """``k`` parameter sets drawn from the priors (uniform on each prior's own scale)."""
    rng = np.random.default_rng(seed)
    return [
        {p.path: p.from_internal(rng.uniform(p.to_internal(p.low), p.to_internal(p.high))) for p in priors}
        for _ in range(k)
    ]


def main() -> int:
    parser = calibration_arguments(__doc__, draws=20)
    parser.add_argument("--seeds", type=int, default=10, help="seeds per draw (default: %(default)s)")
    args = parser.parse_args()
    spec = load_spec(args, "temporal_calibration")
    if spec is None:
        return 2
    observations = load_observations()
    dated = observation_dates(args.spec, spec, observations)
    budget = spec.quick_budget if args.quick else spec.budget
    world = World.load()
    with tempfile.TemporaryDirectory() as scratch:
        for number, (framework, cutoff) in enumerate(SPLITS):
            known = [target for target in spec.targets if dated[target.name] <= cutoff]
            key = tuple(target.name for target in known)
            if known:  # the scenario as written at the cutoff, fitted to what was known then
                scenario = known_at(spec.scenario, month_step(cutoff))
                posterior = abc.calibrate(scenario, spec.priors, known, Path(scratch) / f"{number}.db",
                                          budget=budget, seed=spec.seed, world=world)  # fmt: skip
                draws = posterior.sample(args.draws, np.random.default_rng(spec.seed))
            else:
                draws = prior_draws(spec.priors, args.draws, spec.seed)
            step = FOUNDING_STEP if framework == "waico" else None
            result = score_temporal(spec.scenario, observations, cutoff, framework, step=step,
                                    seeds=args.seeds, draws=draws, world=world)  # fmt: skip
            print(f"\ntemporal split {framework} at {cutoff} (step {result.step}): calibrated on "
                  f"{', '.join(key) or 'no target (the prior)'}; {len(result.members)} later members "
                  f"among {len(result.scored)} scored")  # fmt: skip
            for name, figures in {"model": result.model, **result.baselines}.items():
                print(f"  {name:22s} AUC {figures['auc']:.3f}  Brier {figures['brier']:.4f}  "
                      f"log loss {figures['log_loss']:.4f}")  # fmt: skip
            best = max((name for name in result.baselines if name != "base_rate"),
                       key=lambda name: result.baselines[name]["auc"])  # fmt: skip
            d = result.auc_difference[best]
            print(f"  model - {best}: AUC {d['difference']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tipping points: where an outcome crosses a level as one parameter moves.

:func:`tipping` bisects a parameter's interval. At each probe it runs the scenario
``replications`` times and takes the mean outcome; the replications use the same
spawned seeds at every probe (common random numbers, as in sweeps), so differences
between probes are differences of the parameter, not of luck. Bisection keeps the
half whose ends lie on opposite sides of the level, until the bracket is narrower than
``tolerance``.

The report says how sure it is: the mean and standard error of the outcome at both
bracket ends, the bracket width, a linear-interpolation estimate of the crossing with
its delta-method standard error (using the covariance of the paired replications at the
two ends), and every probe whose mean lies within two standard errors of the level (its
side of the level, and so the bracket, is uncertain; more replications settle it).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import batched
from sim.errors import ARGUMENTS, InputError
from sim.experiment.executors import Backend, open_backend
from sim.experiment.runner import Chunk, RunCallable, RunSettings, chunk_size_for, run_chunk
from sim.experiment.spec import RunTask, check_value, replication_seeds
from sim.experiment.store import Outcome
from sim.scenario import Scenario, load_scenario
from sim.schema import check_runs
from sim.vocabulary import NON_ALIGNED_ID

#: A probe is "ambiguous" when its mean lies within this many standard errors of the level.
AMBIGUITY_SE = 2.0

#: Bisection stops after this many probes even if the bracket is still wide.
MAX_PROBES = 60


@dataclass(frozen=True)
class Probe:
    """The outcome at one parameter value.

    Attributes:
        value: The parameter value.
        outcomes: The outcome of each replication (in replication order).

    """

    value: float
    outcomes: np.ndarray

    @property
    def mean(self) -> float:
        """Mean outcome over replications."""
        return float(self.outcomes.mean())

    @property
    def se(self) -> float:
        """Standard error of the mean (0 with one replication)."""
        n = len(self.outcomes)
        return float(self.outcomes.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0


@dataclass(frozen=True)
class TippingPoint:
    """Where an outcome crosses a level, with the evidence.

    Attributes:
        parameter: The dotted parameter path.
        outcome: The outcome name.
        level: The level crossed.
        low_end: The bracket end at the lower parameter value.
        high_end: The bracket end at the higher parameter value.
        probes: Every probe, in the order made.

    """

    parameter: str
    outcome: str
    level: float
    low_end: Probe
    high_end: Probe
    probes: tuple[Probe, ...]

    @property
    def bracket(self) -> tuple[float, float]:
        """The interval in which the crossing lies."""
        return self.low_end.value, self.high_end.value

    @property
    def width(self) -> float:
        """Width of the bracket."""
        return self.high_end.value - self.low_end.value

    @property
    def rises(self) -> bool:
        """Whether the outcome rises through the level as the parameter grows."""
        return self.high_end.mean > self.low_end.mean

    @property
    def estimate(self) -> float:
        """Linear interpolation of the crossing between the bracket ends."""
        a, b = self.bracket
        ya, yb = self.low_end.mean, self.high_end.mean
        return a if yb == ya else a + (self.level - ya) * (b - a) / (yb - ya)

    @property
    def estimate_se(self) -> float:
        """Delta-method standard error of :attr:`estimate`, using the paired replications."""
        a, b = self.bracket
        ya, yb = self.low_end.mean, self.high_end.mean
        if yb == ya or len(self.low_end.outcomes) < 2:
            return math.nan
        gradient = np.array([(self.level - yb), -(self.level - ya)]) * (b - a) / (yb - ya) ** 2
        paired = np.cov(np.vstack([self.low_end.outcomes, self.high_end.outcomes])) / len(
            self.low_end.outcomes
        )
        return float(math.sqrt(max(gradient @ paired @ gradient, 0.0)))

    def table(self) -> pd.DataFrame:
        """Every probe: value, mean, standard error, replications, and whether it is ambiguous."""
        return pd.DataFrame(
            {
                "value": [p.value for p in self.probes],
                "mean": [p.mean for p in self.probes],
                "se": [p.se for p in self.probes],
                "replications": [len(p.outcomes) for p in self.probes],
                "ambiguous": [abs(p.mean - self.level) < AMBIGUITY_SE * p.se for p in self.probes],
            }
        )

    def replicates(self) -> pd.DataFrame:
        """Every run's outcome as a tidy frame: param_value, outcome, replicate.

        This is the frame :func:`sim.viz.plots.tipping_figure` draws.
        """
        return pd.DataFrame(
            {
                "param_value": np.repeat(
                    [p.value for p in self.probes], [len(p.outcomes) for p in self.probes]
                ),
                "outcome": np.concatenate([p.outcomes for p in self.probes]),
                "replicate": np.concatenate([np.arange(len(p.outcomes)) for p in self.probes]),
            }
        )

    def summary(self) -> dict[str, Any]:
        """The crossing and its evidence as plain values (for a JSON file).

        Returns:
            ``parameter``, ``outcome``, ``level``, ``rises``, ``bracket``, ``width``,
            ``estimate`` and ``estimate_se`` (``None`` when undefined), the mean and
            standard error at both bracket ends, the replications per probe and the
            number of probes.

        """
        se = self.estimate_se
        return {
            "parameter": self.parameter,
            "outcome": self.outcome,
            "level": self.level,
            "rises": self.rises,
            "bracket": list(self.bracket),
            "width": self.width,
            "estimate": self.estimate,
            "estimate_se": None if math.isnan(se) else se,
            "low_end": {"value": self.low_end.value, "mean": self.low_end.mean, "se": self.low_end.se},
            "high_end": {"value": self.high_end.value, "mean": self.high_end.mean, "se": self.high_end.se},
            "replications": len(self.low_end.outcomes),
            "probes": len(self.probes),
        }

    def report(self) -> str:
        """A plain-text summary of the crossing and its uncertainty."""
        a, b = self.bracket
        direction = "rises" if self.rises else "falls"
        lines = [
            f"{self.outcome} {direction} through {self.level:g} as {self.parameter} grows.",
            f"Crossing bracketed in [{a:.6g}, {b:.6g}] (width {self.width:.3g}), "
            f"linear estimate {self.estimate:.6g} (standard error {self.estimate_se:.2g}).",
            f"  at {a:.6g}: {self.low_end.mean:.4f} +/- {self.low_end.se:.4f} (mean +/- SE, "
            f"{len(self.low_end.outcomes)} replications)",
            f"  at {b:.6g}: {self.high_end.mean:.4f} +/- {self.high_end.se:.4f}",
        ]
        table = self.table()
        unsure = table[table["ambiguous"]]
        if len(unsure):
            values = ", ".join(f"{v:.6g}" for v in unsure["value"])
            lines.append(
                f"Uncertain: the mean at {values} lies within {AMBIGUITY_SE:g} standard errors of the level, "
                "so the bracket may be off there; more replications would settle it."
            )
        return "\n".join(lines)


def _default_bounds(scenario: Scenario, parameter: str) -> tuple[float, float]:
    """From zero to twice the scenario's value (or to 1 when the value is zero)."""
    current = scenario.parameters().get(parameter)
    if not isinstance(current, int | float) or isinstance(current, bool):
        raise InputError(
            ARGUMENTS,
            "parameter",
            "a numeric parameter (see `coalsim params`)",
            f"{parameter!r} = {current!r}",
        )
    return 0.0, (2.0 * current if current > 0 else 1.0)


class _Prober:
    """Runs the replications of one parameter value on a backend.

    With no ``run_callable``, they run as ensembles (:func:`sim.analysis.batched.outcomes`);
    with one, one task at a time in chunks, as a sweep runs them.
    """

    def __init__(
        self,
        scenario: Scenario,
        parameter: str,
        outcome: Outcome,
        seeds: list[int],
        settings: RunSettings,
        backend: Backend,
        run_callable: RunCallable | None,
    ) -> None:
        self.scenario, self.parameter, self.outcome = scenario, parameter, outcome
        self.seeds, self.settings, self.backend, self.run_callable = seeds, settings, backend, run_callable
        self.integer = isinstance(scenario.parameters().get(parameter), int)

    def __call__(self, value: float) -> Probe:
        setting = int(value) if self.integer else float(value)
        tasks = [
            RunTask(f"r{r}", 0, r, seed, ((self.parameter, setting),)) for r, seed in enumerate(self.seeds)
        ]
        if self.run_callable is None:
            try:
                values = batched.outcomes(
                    self.backend, self.scenario, tasks, self.settings.steps, self.outcome
                )
            except RuntimeError as exc:
                raise RuntimeError(f"runs at {self.parameter}={setting} failed: {exc}") from exc
            return Probe(float(setting), values.to_numpy())
        size = chunk_size_for(len(tasks), self.backend.workers)
        chunks = [
            Chunk(self.scenario, tuple(tasks[i : i + size]), self.settings, self.run_callable)
            for i in range(0, len(tasks), size)
        ]
        outputs = [future.result() for future in [self.backend.executor.submit(run_chunk, c) for c in chunks]]
        failed = [record for output in outputs for record in output.records if record.status == "failed"]
        if failed:
            raise RuntimeError(
                f"{len(failed)} run(s) at {self.parameter}={setting} failed: {failed[0].error}"
            )
        frames = [pd.read_parquet(io.BytesIO(output.tables["aggregates"])) for output in outputs]
        values = self.outcome.evaluate(pd.concat(frames, ignore_index=True))
        return Probe(float(setting), values.to_numpy())


def tipping(
    scenario: Scenario | str | Path,
    parameter: str,
    outcome: str,
    level: float,
    *,
    low: float | None = None,
    high: float | None = None,
    replications: int = 8,
    tolerance: float | None = None,
    seed: int | None = None,
    steps: int | None = None,
    executor: str | Executor = "serial",
    workers: int | None = None,
    address: str | None = None,
    run_callable: RunCallable | None = None,
    on_probe: Callable[[Probe], None] | None = None,
) -> TippingPoint:
    """Find where an outcome crosses a level as one parameter moves, by bisection.

    Args:
        scenario: A scenario or its file.
        parameter: Dotted path of a numeric parameter (e.g. ``frameworks.waico.levers.open_models``).
        outcome: e.g. ``"final_share_population:waico"``.
        level: The level to cross (e.g. 0.5).
        low: Low end of the search (default 0).
        high: High end (default twice the scenario's value, or 1 if that is 0).
        replications: Runs per probe (same seeds at every probe).
        tolerance: Stop when the bracket is at most this wide (default 1% of the
            interval; whole-number parameters stop at width 1).
        seed: Root seed of the replications (default: the scenario's).
        steps: Steps per run (default: the scenario's).
        executor: ``"serial"``, ``"processes"``, ``"dask"`` or an executor instance.
        workers: Worker processes.
        address: A Dask scheduler to join.
        run_callable: Runs one task (e.g. :func:`sim.experiment.runner.simulate`); by default
            each probe's replications run as ensembles (:func:`sim.run_many`), with the
            same outcomes.
        on_probe: Called with each probe as it is made (for progress output).

    Returns:
        The bracket, its ends' statistics and every probe.

    Raises:
        InputError: For a bad parameter, outcome, interval or option, or an interval
            over which the mean outcome does not cross the level.

    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    found = Outcome.parse(outcome, [*scenario.active_frameworks, NON_ALIGNED_ID])
    default_low, default_high = _default_bounds(scenario, parameter)
    low = default_low if low is None else low
    high = default_high if high is None else high
    if not low < high:
        raise InputError(ARGUMENTS, "low", f"a value below high ({high:g})", f"{low:g}")
    check_runs(replications, ARGUMENTS, "replications")
    tolerance = (high - low) / 100 if tolerance is None else tolerance
    if tolerance <= 0:
        raise InputError(ARGUMENTS, "tolerance", "a positive width", f"{tolerance:g}")
    integer = isinstance(scenario.parameters().get(parameter), int)
    for end, field in ((low, "low"), (high, "high")):
        check_value(scenario, parameter, int(end) if integer else end, ARGUMENTS, field)
    seeds = replication_seeds(scenario.seed if seed is None else seed, replications)
    settings = RunSettings(steps=steps)

    def bisect(backend: Backend) -> TippingPoint:
        probe_at = _Prober(scenario, parameter, found, seeds, settings, backend, run_callable)
        probes: list[Probe] = []

        def measure(value: float) -> Probe:
            probe = probe_at(value)
            probes.append(probe)
            if on_probe is not None:
                on_probe(probe)
            return probe

        lower, upper = measure(low), measure(high)
        if (lower.mean >= level) == (upper.mean >= level):
            raise InputError(
                ARGUMENTS,
                "low/high",
                f"an interval over which {outcome} crosses {level:g}",
                f"a mean of {lower.mean:.4g} at {lower.value:g} and {upper.mean:.4g} at {upper.value:g}",
                "Widen the interval or choose another level.",
            )
        stop = max(tolerance, 1.0) if integer else tolerance
        while upper.value - lower.value > stop and len(probes) < MAX_PROBES:
            middle = (lower.value + upper.value) / 2
            probe = measure(math.floor(middle) if integer else middle)
            if (probe.mean >= level) == (lower.mean >= level):
                lower = probe
            else:
                upper = probe
        return TippingPoint(parameter, found.name, level, lower, upper, tuple(probes))

    if isinstance(executor, Executor):
        return bisect(Backend(executor, workers or 1, type(executor).__name__))
    with open_backend(executor, workers, address) as backend:
        return bisect(backend)

"""Robust incentive design: the cheapest package of levers that reaches a goal in most scenarios.

An optimisation spec names levers with ranges (budgets, offers, penalties), what each unit
of each lever costs, an outcome with a goal (``final_share_count:us_led`` ``>= 0.4``) and
a reliability (the goal must hold in at least this share of scenarios). Every candidate
package is run in the same fixed sample of scenarios (the uncertainties drawn once from
the spec's seed, with common random numbers across candidates), and scored on two
objectives:

- **cost**: the sum over levers of ``cost[lever] * value`` (the weights are the user's: an
  ASSUMPTION unless sourced);
- **robust outcome**: the value the outcome reaches (or stays below, for ``<=`` goals) in at
  least ``reliability`` of the scenarios: the ``ceil(reliability * scenarios)``-th best
  scenario's outcome. The goal holds in that share of scenarios exactly when the robust
  outcome meets it, so a package is *feasible* when it does.

NSGA-II (Deb et al. 2002, doi:10.1109/4235.996017), from pymoo (Blank and Deb 2020,
doi:10.1109/ACCESS.2020.2990567), searches the Pareto front of cost against robust
outcome, once per optimiser seed; the answer is the front of every package evaluated and
its cheapest feasible package (which is always on the front). pymoo is used rather than
an NSGA-II of our own because the algorithm's details (crowding distance, binary
tournament, SBX crossover, polynomial mutation, the ask-and-tell loop that lets us
evaluate on our own executors) are easy to get subtly wrong and pymoo's are tested.
Convergence is shown by each seed's hypervolume per generation.

**Resumable.** Evaluations are cached by lever values and written, after each batch, to a
checkpoint file (atomically, :func:`sim.atomic.atomic_write`). NSGA-II is deterministic
given its seed and the objective values, so a resumed search replays the same candidates
and runs only those not in the cache: the result is the one an uninterrupted search gives.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, Strict, model_validator

from sim.analysis import batched
from sim.analysis.robustness import Goal
from sim.atomic import atomic_write
from sim.errors import ARGUMENTS, InputError
from sim.experiment.executors import Backend, open_backend
from sim.experiment.spec import (
    Experiment,
    ExperimentSpec,
    ParameterRange,
    experiment_from_spec,
    resolve_axes,
)
from sim.experiment.store import Outcome
from sim.files import read_json, read_yaml_mapping
from sim.scenario import Scenario, find_scenario, load_scenario
from sim.schema import NonNegative, SafeName, Seed, StepCount, StrictModel, inconsistent, validate
from sim.vocabulary import NON_ALIGNED_ID

#: Checkpoint format.
CHECKPOINT_FORMAT = "coalsim-optimize-checkpoint"

#: A batch evaluator: candidates (rows of lever values) -> outcomes (candidates x scenarios).
Evaluate = Callable[[np.ndarray], np.ndarray]


class OptimizationSpec(StrictModel):
    """A validated optimisation spec (the YAML file's content)."""

    name: SafeName | None = None
    description: str = ""
    scenario: str
    design: Literal["random", "lhs"] = Field(default="lhs", description="how the scenarios are sampled")
    samples: Annotated[int, Strict(), Field(ge=1, le=1000)] = Field(
        default=8, description="scenarios every candidate runs in"
    )
    replications: Annotated[int, Strict(), Field(ge=1, le=100)] = 1
    seed: Seed = 0
    steps: StepCount | None = None
    uncertainties: dict[str, ParameterRange] = Field(default_factory=dict)
    levers: dict[str, ParameterRange] = Field(min_length=1, max_length=20)
    cost: dict[str, NonNegative] = Field(min_length=1, description="cost per unit of each lever")
    outcome: str
    goal: str
    reliability: Annotated[float, Strict(), Field(gt=0, le=1, allow_inf_nan=False)] = 0.8
    population: Annotated[int, Strict(), Field(ge=4, le=500)] = 12
    generations: Annotated[int, Strict(), Field(ge=1, le=1000)] = 5
    seeds: tuple[Seed, ...] = Field(default=(1, 2), min_length=1, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for path, lever in self.levers.items():
            if lever.values is not None:
                raise inconsistent(
                    f"levers.{path}", "a range {low: x, high: y} to search", "a list of values"
                )
        for path in self.cost:
            if path not in self.levers:
                raise inconsistent(f"cost.{path}", f"a lever ({', '.join(self.levers)})", repr(path))
        if not any(self.cost.values()):
            raise inconsistent("cost", "at least one lever with a cost above 0", "every cost 0")
        if len(set(self.seeds)) != len(self.seeds):
            raise inconsistent("seeds", "different optimiser seeds", f"{list(self.seeds)}")
        try:
            Goal.parse(self.goal)
        except InputError as exc:
            raise inconsistent("goal", exc.expected, exc.found) from None
        return self

    @property
    def parsed_goal(self) -> Goal:
        """The goal."""
        return Goal.parse(self.goal)

    def sweep_spec(self, policies: dict[str, dict[str, Any]]) -> ExperimentSpec:
        """The sweep of some candidate packages (as policies) in the fixed scenarios."""
        sampled = bool(self.uncertainties)
        return ExperimentSpec(
            scenario=self.scenario,
            uncertainties=self.uncertainties,
            levers=self.levers,
            policies=policies,
            design=self.design if sampled else "grid",
            samples=self.samples if sampled else None,
            replications=self.replications,
            seed=self.seed,
            steps=self.steps,
        )

    def evaluation_key(self, scenario: Scenario) -> str:
        """A digest of what decides an evaluation's outcomes (not the goal, costs or budgets)."""
        fields = ("design", "samples", "replications", "seed", "steps", "uncertainties", "levers", "outcome")
        content = {name: value for name, value in self.model_dump(mode="json").items() if name in fields}
        content["scenario"] = scenario.digest()
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    """An optimisation resolved against its scenario.

    Attributes:
        spec: The validated spec.
        source: The spec file.
        scenario: The base scenario.
        outcome: The outcome to reach.
        integer: Per lever, whether it takes whole numbers.

    """

    spec: OptimizationSpec
    source: str
    scenario: Scenario
    outcome: Outcome
    integer: tuple[bool, ...]

    @property
    def levers(self) -> list[str]:
        """Lever paths, in spec order."""
        return list(self.spec.levers)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends of the levers."""
        ranges = list(self.spec.levers.values())
        return np.array([r.low for r in ranges], float), np.array([r.high for r in ranges], float)

    @property
    def weights(self) -> np.ndarray:
        """Cost per unit of each lever (0 when the spec gives none)."""
        return np.array([self.spec.cost.get(path, 0.0) for path in self.levers], float)

    def experiment(self, candidates: np.ndarray) -> Experiment:
        """The sweep of these candidates (policies ``c0``, ``c1``, ...) in the fixed scenarios."""
        policies = {
            f"c{i}": {path: _lever_value(value, whole) for path, value, whole in zip(
                self.levers, row, self.integer, strict=True)}
            for i, row in enumerate(candidates)
        }  # fmt: skip
        spec = self.spec.sweep_spec(policies)
        return experiment_from_spec(spec, self.scenario, self.source, "")


def _lever_value(value: float, whole: bool) -> float | int:
    return round(value) if whole else float(value)


def load_problem(path: str | Path) -> Problem:
    """Read, validate and resolve an optimisation spec file.

    Args:
        path: The YAML file; its ``scenario`` is relative to it or a scenario's name.

    Returns:
        The problem.

    Raises:
        InputError: For any problem in the spec or its scenario, naming the field.

    """
    path = Path(path)
    where = str(path)
    _, raw = read_yaml_mapping(
        path, "optimisation spec", "optimisation fields (scenario, levers, cost, goal, ...)"
    )
    spec = validate(OptimizationSpec, raw, where)
    scenario_path = find_scenario(spec.scenario, relative_to=path.parent)
    if scenario_path is None:
        raise InputError(
            where, "scenario", "a scenario file path relative to this spec, or a scenario's name",
            f"'{spec.scenario}', which does not exist",
        )  # fmt: skip
    scenario = load_scenario(scenario_path)
    frameworks = [*scenario.active_frameworks, NON_ALIGNED_ID]
    outcome = Outcome.parse(spec.outcome, frameworks, where, "outcome")
    levers = resolve_axes(spec.levers, scenario, where, "levers")
    problem = Problem(spec, where, scenario, outcome, tuple(axis.integer for axis in levers))
    low, high = problem.bounds
    problem.experiment(np.array([low, high]))  # checks the uncertainties and both lever corners
    return problem


def run_candidates(problem: Problem, candidates: np.ndarray, backend: Backend) -> np.ndarray:
    """Run every candidate in every scenario on a backend (any executor), as ensembles.

    Args:
        problem: The resolved problem.
        candidates: Rows of lever values.
        backend: An open backend (:func:`sim.experiment.open_backend`).

    Returns:
        Candidates x scenarios: the outcome, averaged over replications.

    Raises:
        RuntimeError: If a run fails (the evaluations before are in the checkpoint).
            Runs are done by :func:`sim.analysis.batched.outcomes` (:func:`sim.run_many`).

    """
    experiment = problem.experiment(candidates)
    tasks = experiment.tasks()
    outcome = batched.outcomes(backend, experiment.scenario, tasks, experiment.spec.steps, problem.outcome)
    points = experiment.points
    samples = {task.run_id: task.sample for task in tasks}
    sample = np.array([samples[run] for run in outcome.index])
    frame = pd.DataFrame(
        {"policy": points["policy"].to_numpy()[sample], "scenario": points["scenario"].to_numpy()[sample],
         "value": outcome.to_numpy()}
    )  # fmt: skip
    table = frame.groupby(["policy", "scenario"])["value"].mean().unstack()
    return table.reindex([f"c{i}" for i in range(len(candidates))]).to_numpy(float)


def robust_value(outcomes: np.ndarray, goal: Goal, reliability: float) -> np.ndarray:
    """The outcome each candidate reaches in at least ``reliability`` of the scenarios.

    Args:
        outcomes: Candidates x scenarios.
        goal: Its direction (``>=``: the k-th largest; ``<=``: the k-th smallest).
        reliability: The share of scenarios, in (0, 1].

    Returns:
        One value per candidate: the ``ceil(reliability * scenarios)``-th best outcome.

    """
    count = outcomes.shape[1]
    k = max(1, math.ceil(reliability * count - 1e-9))
    ordered = np.sort(outcomes, axis=1)
    return ordered[:, count - k] if goal.larger_is_better else ordered[:, k - 1]


@dataclass(frozen=True)
class Search:
    """What a robust optimisation found.

    Attributes:
        levers: Lever paths.
        evaluations: One row per candidate asked for, per seed and generation: the lever
            values, cost, robust outcome, satisficing share and whether it is feasible.
        front: The non-dominated packages among all evaluated (cost up, outcome better), by cost.
        convergence: Per seed and generation: the hypervolume of the seed's front so far
            (objectives scaled to [0, 1] over all evaluations) and its cheapest feasible cost.
        best: The cheapest feasible package (a row of ``front``), or None if none is feasible.
        goal: The goal.
        reliability: The share of scenarios the goal must hold in.
        new_evaluations: Candidates evaluated in this call (not taken from the checkpoint).

    """

    levers: list[str]
    evaluations: pd.DataFrame
    front: pd.DataFrame
    convergence: pd.DataFrame
    best: pd.Series | None
    goal: Goal
    reliability: float
    new_evaluations: int

    def summary(self) -> dict[str, Any]:
        """The answer as plain JSON types."""
        best = None
        if self.best is not None:
            best = {
                "levers": {path: _plain(self.best[path]) for path in self.levers},
                "cost": float(self.best["cost"]),
                "robust_outcome": float(self.best["robust_outcome"]),
                "satisficing": float(self.best["satisficing"]),
            }
        return {
            "goal": str(self.goal),
            "reliability": self.reliability,
            "cheapest_feasible": best,
            "front_size": len(self.front),
            "evaluated": int(self.evaluations[self.levers].drop_duplicates().shape[0]),
        }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class Cache:
    """Outcomes of evaluated candidates by lever values, kept in a checkpoint file.

    Args:
        path: The checkpoint file (None: kept in memory only).
        key: What the evaluations depend on; a checkpoint with another key is refused.
        resume: Read the checkpoint if it exists (otherwise start empty and overwrite it).

    Raises:
        InputError: If resuming from a checkpoint made for another problem, or unreadable.

    """

    def __init__(self, path: Path | None, key: str, resume: bool) -> None:
        self.path, self.key = path, key
        self.outcomes: dict[tuple[float, ...], list[float]] = {}
        if path is None or not resume or not path.exists():
            return
        try:
            content = read_json(path)
            stored_key, rows = content["key"], content["evaluations"]
            if content["format"] != CHECKPOINT_FORMAT:
                raise ValueError(content["format"])
            entries = {tuple(float(v) for v in x): [float(v) for v in y] for x, y in rows}
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(
                str(path), "", "a checkpoint written by coalsim optimize", "an unreadable or damaged file",
                "Start again without resume (the checkpoint is then replaced).",
            ) from None  # fmt: skip
        if stored_key != key:
            raise InputError(
                str(path), "",
                "a checkpoint of the same problem (scenario, uncertainties, levers, outcome, runs)",
                "one made for a different problem", "Start again without resume, or name another output.",
            )  # fmt: skip
        self.outcomes = entries

    def missing(self, candidates: Iterable[tuple[float, ...]]) -> list[tuple[float, ...]]:
        """The candidates not yet evaluated, each once, in order."""
        return [c for c in dict.fromkeys(candidates) if c not in self.outcomes]

    def add(self, candidates: list[tuple[float, ...]], outcomes: np.ndarray) -> None:
        """Record evaluations and write the checkpoint."""
        for candidate, row in zip(candidates, outcomes, strict=True):
            self.outcomes[candidate] = [float(v) for v in row]
        if self.path is not None:
            rows = [[list(x), y] for x, y in self.outcomes.items()]
            content = {"format": CHECKPOINT_FORMAT, "key": self.key, "evaluations": rows}
            atomic_write(self.path, json.dumps(content).encode("utf-8"))


def require_pymoo() -> None:
    """Check that pymoo (the optional ``explore`` extra) can be imported.

    Raises:
        InputError: If it is not installed.

    """
    try:
        import pymoo  # noqa: F401
    except ImportError:
        raise InputError(
            ARGUMENTS, "optimizer", "pymoo installed for NSGA-II", "no module named pymoo",
            "Install the extra: pip install 'coalsim[explore]'.",
        ) from None  # fmt: skip


def pareto_search(
    evaluate: Evaluate,
    *,
    levers: list[str],
    low: np.ndarray,
    high: np.ndarray,
    integer: tuple[bool, ...],
    weights: np.ndarray,
    goal: Goal,
    reliability: float,
    population: int,
    generations: int,
    seeds: Iterable[int],
    cache: Cache,
    progress: Callable[[int, int], None] | None = None,
) -> Search:
    """Search the Pareto front of cost against robust outcome with NSGA-II, once per seed.

    Args:
        evaluate: Runs candidates (rows of lever values) and returns candidates x scenarios outcomes.
        levers: Lever names.
        low: Lower ends of the levers.
        high: Upper ends.
        integer: Per lever, whether it takes whole numbers (candidates are rounded).
        weights: Cost per unit of each lever.
        goal: The goal on the outcome.
        reliability: Share of scenarios the goal must hold in.
        population: NSGA-II's population.
        generations: Generations per seed.
        seeds: Optimiser seeds.
        cache: Evaluations already made (and where to record new ones).
        progress: Called as ``progress(batches done, batches in all)``.

    Returns:
        The search.

    """
    require_pymoo()
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.problems.static import StaticProblem

    seeds = list(seeds)
    whole = np.array(integer, dtype=bool)
    rows: list[dict[str, Any]] = []
    new = 0
    done = 0
    for seed in seeds:
        space = PymooProblem(n_var=len(levers), n_obj=2, xl=low, xu=high)
        algorithm = NSGA2(pop_size=population)
        algorithm.setup(space, termination=("n_gen", generations), seed=seed, verbose=False)
        generation = 0
        while algorithm.has_next():
            infills = algorithm.ask()
            x = np.array(infills.get("X"), dtype=float)
            x[:, whole] = np.round(x[:, whole])
            keys = [tuple(float(v) for v in row) for row in x]
            missing = cache.missing(keys)
            if missing:
                cache.add(missing, np.asarray(evaluate(np.array(missing)), dtype=float))
                new += len(missing)
            outcomes = np.array([cache.outcomes[key] for key in keys])
            cost = x @ weights
            robust = robust_value(outcomes, goal, reliability)
            satisficing = goal.met(outcomes).mean(axis=1)
            objectives = np.column_stack([cost, -robust if goal.larger_is_better else robust])
            Evaluator().eval(StaticProblem(space, F=objectives), infills)
            algorithm.tell(infills=infills)
            for row, c, r, s in zip(x, cost, robust, satisficing, strict=True):
                rows.append({"seed": seed, "generation": generation, **dict(zip(levers, row, strict=True)),
                             "cost": c, "robust_outcome": r, "satisficing": s})  # fmt: skip
            generation += 1
            done += 1
            if progress is not None:
                progress(done, generations * len(seeds))
    evaluations = pd.DataFrame(rows)
    evaluations["feasible"] = goal.met(evaluations["robust_outcome"])
    front = pareto_front(evaluations, levers, goal)
    feasible = front[front["feasible"]]
    best = feasible.iloc[0] if len(feasible) else None
    return Search(levers, evaluations, front, convergence(evaluations, goal), best, goal, reliability, new)


def _objectives(frame: pd.DataFrame, goal: Goal) -> np.ndarray:
    """Both objectives to minimise: cost, and the robust outcome turned to a loss."""
    robust = frame["robust_outcome"].to_numpy(float)
    return np.column_stack([frame["cost"].to_numpy(float), -robust if goal.larger_is_better else robust])


def pareto_front(evaluations: pd.DataFrame, levers: list[str], goal: Goal) -> pd.DataFrame:
    """The non-dominated packages among those evaluated, cheapest first.

    Args:
        evaluations: Rows with the lever values, cost, robust_outcome and feasible.
        levers: The lever columns (a package evaluated twice counts once).
        goal: Its direction.

    Returns:
        The front: every package no other is at least as good as on both objectives and
        better on one, sorted by cost then by outcome.

    """
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    unique = evaluations.drop_duplicates(subset=levers).reset_index(drop=True)
    keep = NonDominatedSorting().do(_objectives(unique, goal), only_non_dominated_front=True)
    front = unique.iloc[np.sort(keep)].drop(columns=["seed", "generation"])
    order = ["cost", "robust_outcome"]
    return front.sort_values(order, ascending=[True, not goal.larger_is_better]).reset_index(drop=True)


def convergence(evaluations: pd.DataFrame, goal: Goal) -> pd.DataFrame:
    """Each seed's hypervolume and cheapest feasible cost after each generation.

    Objectives are scaled to [0, 1] over all evaluations (so seeds compare), and the
    hypervolume is taken against the reference point (1.1, 1.1).

    Args:
        evaluations: :attr:`Search.evaluations`.
        goal: Its direction.

    Returns:
        Rows of seed, generation, hypervolume and cheapest_feasible (NaN before any).

    """
    from pymoo.indicators.hv import HV

    objectives = _objectives(evaluations, goal)
    low, high = objectives.min(axis=0), objectives.max(axis=0)
    scaled = (objectives - low) / np.where(high > low, high - low, 1.0)
    indicator = HV(ref_point=np.array([1.1, 1.1]))
    rows = []
    for (seed, generation), _ in evaluations.groupby(["seed", "generation"], sort=True):
        so_far = ((evaluations["seed"] == seed) & (evaluations["generation"] <= generation)).to_numpy()
        feasible = evaluations.loc[so_far & evaluations["feasible"].to_numpy(), "cost"]
        rows.append({
            "seed": seed, "generation": generation, "hypervolume": float(indicator(scaled[so_far])),
            "cheapest_feasible": float(feasible.min()) if len(feasible) else float("nan"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def optimize(
    problem: Problem | str | Path,
    *,
    executor: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    checkpoint: Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Search:
    """Find the cheapest lever package reaching the goal in the required share of scenarios.

    Args:
        problem: A resolved problem or an optimisation spec file.
        executor: Where runs go: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes.
        address: A Dask scheduler.
        checkpoint: File that keeps evaluations between calls (None: memory only).
        resume: Start from the checkpoint's evaluations.
        progress: Called as ``progress(batches done, batches in all)``.

    Returns:
        The search.

    Raises:
        InputError: For a bad spec or executor option, or a checkpoint of another problem.

    """
    require_pymoo()
    problem = problem if isinstance(problem, Problem) else load_problem(problem)
    spec = problem.spec
    cache = Cache(checkpoint, spec.evaluation_key(problem.scenario), resume)
    low, high = problem.bounds
    with open_backend(executor, workers, address) as backend:
        return pareto_search(
            partial(run_candidates, problem, backend=backend), levers=problem.levers, low=low, high=high,
            integer=problem.integer,
            weights=problem.weights, goal=spec.parsed_goal, reliability=spec.reliability,
            population=spec.population, generations=spec.generations, seeds=spec.seeds,
            cache=cache, progress=progress,
        )  # fmt: skip


def search_files(search: Search) -> dict[str, bytes]:
    """The tables of a search as files: front, evaluations, convergence (CSV), summary (JSON)."""
    return {
        "front.csv": search.front.to_csv(index=False).encode(),
        "evaluations.csv": search.evaluations.to_csv(index=False).encode(),
        "convergence.csv": search.convergence.to_csv(index=False).encode(),
        "summary.json": (json.dumps(search.summary(), indent=2) + "\n").encode(),
    }

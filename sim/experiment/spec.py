"""Experiment specs: which scenario, which parameters, which design, how many runs.

A sweep spec is a YAML file::

    name: baseline_sobol
    scenario: ../baseline.yaml          # relative to this file
    design: sobol                       # grid | random | lhs | sobol | morris
    samples: 64                         # sobol: base samples N, a power of two
    replications: 4
    seed: 7
    parameters:                         # dotted paths, as in `coalsim params`
      frameworks.waico.levers.open_models: {low: 0.0, high: 1.2}
      rule.kind: {values: [logit, best_response]}

For exploratory modelling a spec separates what nobody controls from what a sponsor or
government chooses: ``uncertainties`` (sampled by the design, written like
``parameters``, which they replace) and ``levers`` with named ``policies``, each a set of
lever values::

    design: lhs
    samples: 50
    uncertainties:
      rule.temperature: {low: 0.05, high: 0.3}
    levers:
      penalties.us_export_controls.amount: {low: 0.0, high: 2.0}
    policies:
      status_quo: {}                                        # levers keep the scenario's values
      hard_controls: {penalties.us_export_controls.amount: 1.6}

Its experiments are every policy in every sampled scenario: design point ``sample =
scenario * len(policies) + policy``, so adding samples appends scenarios and keeps the runs
that exist; the run table gains ``policy`` (its name) and ``scenario`` columns.

It is validated like a scenario file: every mistake is an :class:`~sim.errors.InputError`
naming the file and field. :func:`load_experiment` also checks every parameter value
against the scenario (each listed value and both ends of each range must give a valid
scenario), so a sweep fails before its first run, not in its thousandth. The number of
runs and the memory of the plan are counted from the spec (:func:`design_points`,
:func:`plan_bytes`) and checked against :data:`MAX_RUNS` and :data:`MAX_PLAN_BYTES`
before the design is drawn.

Designs live in a *problem space* that SALib understands: a range ``{low, high}`` is
the interval itself (``[low, high + 1)`` for whole-number parameters, which are then
floored), and a list ``{values: [...]}`` is ``[0, len)`` floored to an index. The
design matrix in that space is stored beside the results, so sensitivity analysis
reads exactly the points that were run.

Seeds: replication ``r`` of every design point runs with the seed of
``numpy.random.SeedSequence(seed).spawn(...)`` child ``r`` of the runs branch (see
:func:`replication_seeds`). The same seeds at every point are common random numbers,
which sharpen comparisons between points; and since a seed depends only on ``(seed,
r)``, adding replications or samples never changes a run that exists. The grid,
random, sobol and morris designs are prefix-stable too (more samples append points);
an LHS design is not (its strata depend on the number of samples).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, Strict, model_validator

from sim.errors import InputError, describe, did_you_mean
from sim.files import is_digits, read_yaml_mapping
from sim.scenario import Scenario, find_scenario, get_dotted, load_scenario, warn_overridden
from sim.schema import Identifier, SafeName, Seed, StepCount, StrictModel, inconsistent, validate

Design = Literal["grid", "random", "lhs", "sobol", "morris"]

#: Designs whose points SALib analyses for sensitivity.
SENSITIVITY_DESIGNS = ("sobol", "morris")

#: Largest number of runs one spec may ask for (a guard against a typo in samples): the
#: plan (tasks and run table) takes about a kilobyte per run.
MAX_RUNS = 1_000_000

#: Largest memory the plan of a sweep may take before any run (ASSUMPTION: a laptop's
#: share), estimated by :func:`plan_bytes`.
MAX_PLAN_BYTES = 1 << 30

#: Estimated bytes per planned run (a RunTask, its seed and parameters, a run-table row).
RUN_BYTES = 1_000

#: Most listed values of one parameter.
MAX_VALUES = 10_000

#: A count of samples, replications or trajectories.
Count = Annotated[int, Strict(), Field(ge=1, le=MAX_RUNS)]
#: A finite end of a range (the field's own limits are checked against the scenario).
RangeEnd = Annotated[float, Strict(), Field(allow_inf_nan=False)]

#: Spawn keys of the two random streams derived from the spec's seed.
DESIGN_STREAM, RUNS_STREAM = 0, 1

#: Parameters a sweep may not vary: the runner owns the seed.
RESERVED_PATHS = ("seed",)

#: Run-table columns of a sweep with policies: the policy's name and the scenario's index.
POLICY_COLUMNS = ("policy", "scenario")

#: Most policies of one spec.
MAX_POLICIES = 1_000


class ParameterRange(StrictModel):
    """One swept parameter: a list of ``values`` or a range from ``low`` to ``high``."""

    values: tuple[Any, ...] | None = Field(default=None, min_length=1, max_length=MAX_VALUES)
    low: RangeEnd | None = None
    high: RangeEnd | None = None

    @model_validator(mode="after")
    def _values_or_range(self) -> Self:
        has_range = self.low is not None or self.high is not None
        if self.values is not None and has_range:
            raise ValueError("give either 'values' or 'low' and 'high', not both")
        if self.values is None:
            if self.low is None or self.high is None:
                raise ValueError("give 'values: [...]' or both 'low' and 'high'")
            if not self.low < self.high:
                raise ValueError(f"'low' ({self.low}) must be below 'high' ({self.high})")
            return self
        kinds = {_value_kind(v) for v in self.values}
        if None in kinds:
            raise ValueError("values must be numbers, strings or booleans (one kind per parameter)")
        if len(kinds) > 1:
            raise ValueError(f"values must all be of one kind, found {sorted(kinds)}")
        if len(set(self.values)) != len(self.values):
            raise ValueError("values must not repeat")
        return self

    def admits(self, value: Any) -> bool:
        """Whether a value is one of the listed values or a finite number in the range."""
        if self.values is not None:
            return any(value == v and _value_kind(value) == _value_kind(v) for v in self.values)
        assert self.low is not None and self.high is not None
        return _value_kind(value) == "number" and self.low <= value <= self.high

    def describe(self) -> str:
        """What a value must be, for messages."""
        if self.values is not None:
            return f"one of {list(self.values)}"
        return f"a number from {self.low} to {self.high}"


def _value_kind(value: Any) -> str | None:
    """The kind of a listed value: 'boolean', 'number', 'string', or None if unsupported."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float) and math.isfinite(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


class ExperimentSpec(StrictModel):
    """A validated, immutable sweep spec (the YAML file's content)."""

    name: SafeName | None = Field(
        default=None,
        description="defaults to the file name; also the default store folder results/<name>, so no "
        "path separators or leading dot (it must not escape results/)",
    )
    description: str = ""
    scenario: str
    parameters: dict[str, ParameterRange] = {}
    uncertainties: dict[str, ParameterRange] = Field(
        default={}, description="parameters nobody controls, sampled by the design (instead of 'parameters')"
    )
    levers: dict[str, ParameterRange] = Field(
        default={}, description="parameters a sponsor or government sets: the values 'policies' may take"
    )
    policies: dict[Identifier, dict[str, Any]] = Field(
        default={},
        max_length=MAX_POLICIES,
        description="named sets of lever values, each run in every scenario",
    )
    design: Design = "grid"
    samples: Count | None = Field(default=None, description="design points (sobol: base samples N)")
    levels: Annotated[int, Strict(), Field(ge=2, le=1000)] | None = None
    replications: Count = 1
    seed: Seed = 0
    steps: StepCount | None = Field(
        default=None, description="steps per run; the scenario's steps when omitted"
    )
    countries: Literal["final", "all"] = Field(
        default="final", description="store each run's final per-country states, or every step's"
    )

    @property
    def sampled(self) -> dict[str, ParameterRange]:
        """The parameters the design samples: ``uncertainties``, or else ``parameters``."""
        return self.uncertainties or self.parameters

    @model_validator(mode="after")
    def _policies_fit_levers(self) -> Self:
        if self.uncertainties and self.parameters:
            raise ValueError("give 'uncertainties' or 'parameters' (the same thing), not both")
        if bool(self.levers) != bool(self.policies):
            raise ValueError(
                "'levers' and 'policies' go together: name the levers, then policies setting them"
            )
        if self.policies and self.design in SENSITIVITY_DESIGNS:
            raise ValueError(
                f"the {self.design} design is for sensitivity analysis of one configuration, not policies; "
                "sample the uncertainties with random or lhs (or sweep each policy separately)"
            )
        sampled = {canonical_path(path): path for path in self.sampled}
        for path in self.levers:
            if canonical_path(path) in sampled:
                raise inconsistent(
                    f"levers.{path}", "a lever that is not also an uncertainty", "the same path in both"
                )
        for name, values in self.policies.items():
            for path, value in values.items():
                lever = self.levers.get(path)
                if lever is None:
                    raise inconsistent(
                        f"policies.{name}.{path}",
                        f"a lever named under 'levers' ({', '.join(self.levers)})",
                        repr(path),
                        did_you_mean(path, self.levers),
                    )
                if not lever.admits(value):
                    raise inconsistent(f"policies.{name}.{path}", lever.describe(), repr(value))
        return self

    @model_validator(mode="after")
    def _fields_fit_design(self) -> Self:
        sampled = self.design != "grid"
        if sampled and self.samples is None:
            raise ValueError(f"the {self.design} design needs 'samples'")
        if not sampled and self.samples is not None:
            raise ValueError(
                "the grid design runs every combination and takes no 'samples'; "
                "split ranges with 'levels' instead"
            )
        if sampled and not self.sampled:
            raise ValueError(f"the {self.design} design needs at least one parameter or uncertainty")
        if self.levels is not None and self.design not in ("grid", "morris"):
            raise ValueError(f"'levels' is used by the grid and morris designs, not {self.design}")
        if self.design == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            lower = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"sobol 'samples' must be a power of two (Saltelli's scheme keeps its balance only "
                f"then), found {self.samples}; try {lower} or {lower * 2}"
            )
        if self.design == "morris" and self.levels is not None and self.levels % 2:
            raise ValueError(f"morris 'levels' must be even, found {self.levels}")
        if ("steps" in self.sampled or "steps" in self.levers) and self.steps is not None:
            raise ValueError("'steps' is swept as a parameter, so the spec's own 'steps' would override it")
        for group, entries in (("uncertainties" if self.uncertainties else "parameters", self.sampled),
                               ("levers", self.levers)):  # fmt: skip
            seen: dict[str, str] = {}
            for path in entries:
                first = seen.setdefault(canonical_path(path), path)
                if first != path:
                    raise inconsistent(
                        f"{group}.{path}", "each parameter once", f"the same parameter as '{first}'"
                    )
                if path in RESERVED_PATHS:
                    raise ValueError(
                        f"{group}.{path}: the seed is not a parameter; each run's seed is spawned "
                        "from the spec's 'seed' (set 'replications' for more seeds)"
                    )
        return self

    def digest(self, ignore: Sequence[str] = ()) -> str:
        """A sha256 of the spec's content, independent of key order and comments.

        Args:
            ignore: Top-level fields to leave out (e.g. samples and replications, to ask
                whether two specs describe the same, possibly extended, sweep).

        Returns:
            The hex digest.

        """
        content = {k: v for k, v in self.model_dump(mode="json").items() if k not in ignore}
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_path(path: str) -> str:
    """A dotted path with list indices written plainly (``events.01.step`` -> ``events.1.step``)."""
    return ".".join(str(int(part)) if is_digits(part) else part for part in path.strip().split("."))


@dataclass(frozen=True)
class Axis:
    """One swept parameter resolved against the scenario.

    Attributes:
        path: Dotted path of the parameter.
        values: The listed values, or ``None`` for a range.
        low: Lower end of a range.
        high: Upper end of a range.
        integer: Whether a range takes whole numbers (the scenario's value is an int).

    """

    path: str
    values: tuple[Any, ...] | None
    low: float | None
    high: float | None
    integer: bool

    @property
    def bounds(self) -> tuple[float, float]:
        """The axis in SALib's problem space."""
        if self.values is not None:
            return 0.0, float(len(self.values))
        assert self.low is not None and self.high is not None
        return (self.low, self.high + 1.0) if self.integer else (self.low, self.high)

    def grid(self, levels: int) -> np.ndarray:
        """Problem-space points of a full-factorial grid along this axis."""
        if self.values is not None:
            return np.arange(len(self.values), dtype=float)
        points = np.linspace(self.low, self.high, levels)
        return np.unique(np.round(points)) if self.integer else points

    def encode(self, value: Any) -> float:
        """The problem-space point of one value (a listed value's index, or the number)."""
        return float(self.values.index(value)) if self.values is not None else float(value)

    def decode(self, points: np.ndarray) -> list[Any]:
        """Turn problem-space points into parameter values."""
        if self.values is not None:
            index = np.minimum(np.floor(points).astype(int), len(self.values) - 1)
            return [self.values[i] for i in index]
        if self.integer:
            return np.minimum(np.floor(points), self.high).astype(int).tolist()
        return points.astype(float).tolist()


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of replications ``0 .. replications - 1``, spawned from ``seed``.

    Replication ``r`` gets child ``r`` of the runs branch of ``SeedSequence(seed)``
    (``SeedSequence(seed).spawn(2)[1].spawn(replications)[r]``), turned into a 63-bit
    integer. Seed ``r`` does not depend on how many replications there are.

    Args:
        seed: The root seed.
        replications: How many seeds.

    Returns:
        One integer seed per replication.

    """
    runs_branch = np.random.SeedSequence(seed).spawn(RUNS_STREAM + 1)[RUNS_STREAM]
    return [
        int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
        for child in runs_branch.spawn(replications)
    ]


def _design_seed(seed: int) -> int:
    """An integer seed for the design's sampler, independent of the run seeds."""
    branch = np.random.SeedSequence(seed).spawn(DESIGN_STREAM + 1)[DESIGN_STREAM]
    return int(branch.generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class RunTask:
    """Everything that makes one run different from another: immutable and picklable.

    Attributes:
        run_id: Stable identifier, ``"s<sample>-r<replication>"``.
        sample: Index of the design point.
        replication: Index of the replication (its seed is the same at every point).
        seed: The run's seed.
        parameters: ``(dotted path, value)`` pairs applied to the scenario.

    """

    run_id: str
    sample: int
    replication: int
    seed: int
    parameters: tuple[tuple[str, Any], ...]


def run_id(sample: int, replication: int) -> str:
    """The identifier of a run: ``"s<sample>-r<replication>"``."""
    return f"s{sample}-r{replication}"


@dataclass(frozen=True, eq=False)
class Experiment:
    """A spec resolved against its scenario: the design, the runs and their seeds.

    Attributes:
        spec: The validated spec.
        source: The spec file (or a description when built in memory).
        text: The spec file's text as written (kept in the result store).
        scenario: The base scenario the parameters change.
        axes: The sampled parameters (uncertainties), in spec order.
        levers: The levers, in spec order (empty without policies).
        policies: Each policy's name and its value of every lever (a lever a policy does
            not set keeps the scenario's value).

    """

    spec: ExperimentSpec
    source: str
    text: str
    scenario: Scenario
    axes: tuple[Axis, ...]
    levers: tuple[Axis, ...] = ()
    policies: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    @property
    def name(self) -> str:
        """The sweep's name (the spec's ``name`` or its file name)."""
        return self.spec.name or Path(self.source).stem

    @property
    def parameter_names(self) -> list[str]:
        """Dotted paths of the parameters each run sets: the sampled ones, then the levers."""
        return [axis.path for axis in (*self.axes, *self.levers)]

    @property
    def uncertainty_names(self) -> list[str]:
        """Dotted paths of the sampled parameters."""
        return [axis.path for axis in self.axes]

    @property
    def policy_names(self) -> list[str]:
        """The policies' names, in spec order (empty for a sweep without policies)."""
        return [name for name, _ in self.policies]

    @property
    def problem(self) -> dict[str, Any]:
        """The design space as a SALib problem (names and problem-space bounds)."""
        return salib_problem((*self.axes, *self.levers))

    @property
    def levels(self) -> int:
        """Levels per range (grid) or grid levels of the morris design."""
        return design_levels(self.spec)

    @cached_property
    def design(self) -> np.ndarray:
        """``(points, parameters)`` design matrix in problem space.

        With policies, point ``scenario * len(policies) + policy`` is that policy's lever
        values in that sampled scenario.
        """
        scenarios = sample_design(self.spec, self.axes)
        if not self.policies:
            return scenarios
        chosen = np.array(
            [
                [lever.encode(v) for lever, v in zip(self.levers, values, strict=True)]
                for _, values in self.policies
            ]
        )
        count = len(self.policies)
        return np.hstack([np.repeat(scenarios, count, axis=0), np.tile(chosen, (len(scenarios), 1))])

    @cached_property
    def points(self) -> pd.DataFrame:
        """Parameter values of each design point (one row per sample, one column per path).

        With policies, ``policy`` (its name) and ``scenario`` (the sampled scenario's
        index) columns follow.
        """
        axes = (*self.axes, *self.levers)
        columns: dict[str, Any] = {axis.path: axis.decode(self.design[:, j]) for j, axis in enumerate(axes)}
        if self.policies:
            sample = np.arange(len(self.design))
            columns["policy"] = [self.policy_names[i] for i in sample % len(self.policies)]
            columns["scenario"] = sample // len(self.policies)
        return pd.DataFrame(columns, index=pd.RangeIndex(len(self.design), name="sample"))

    @property
    def run_count(self) -> int:
        """Number of runs: design points times replications (counted, not drawn)."""
        return design_points(self.spec, self.axes) * max(1, len(self.policies)) * self.spec.replications

    def tasks(self) -> list[RunTask]:
        """Every run of the sweep, sample by sample, replication by replication."""
        seeds = replication_seeds(self.spec.seed, self.spec.replications)
        rows = self.points[self.parameter_names].to_dict(orient="records")
        return [
            RunTask(run_id(sample, rep), sample, rep, seeds[rep], tuple(values.items()))
            for sample, values in enumerate(rows)
            for rep in range(self.spec.replications)
        ]


def require_salib(purpose: str, where: str = "sweep spec") -> None:
    """Check that SALib (the optional ``sensitivity`` extra) can be imported.

    Args:
        purpose: What needs it, for the message (e.g. "the sobol design").
        where: The file or command that needs it, for the message.

    Raises:
        InputError: If SALib is not installed.

    """
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise InputError(
            where,
            "design",
            f"SALib installed for {purpose}",
            "no module named SALib",
            "Install the extra: pip install 'coalsim[sensitivity]'.",
        ) from None


def salib_problem(axes: Sequence[Axis]) -> dict[str, Any]:
    """The design space of some axes as a SALib problem (names and problem-space bounds)."""
    return {
        "num_vars": len(axes),
        "names": [axis.path for axis in axes],
        "bounds": [list(a.bounds) for a in axes],
    }


def design_levels(spec: ExperimentSpec) -> int:
    """Levels per range of a grid design (default 3) or grid levels of a morris design (default 4)."""
    return spec.levels or (4 if spec.design == "morris" else 3)


def design_points(spec: ExperimentSpec, axes: Sequence[Axis]) -> int:
    """The number of points a design will have, computed without drawing it.

    Args:
        spec: The validated spec.
        axes: The swept parameters.

    Returns:
        Grid: the product of each axis's levels; random and lhs: ``samples``; sobol (first
        order and total indices): ``samples * (parameters + 2)``; morris: ``samples *
        (parameters + 1)`` (one trajectory per sample).
    """
    if spec.design == "grid":
        return math.prod(len(axis.grid(design_levels(spec))) for axis in axes)
    assert spec.samples is not None
    per_sample = {"random": 1, "lhs": 1, "sobol": len(axes) + 2, "morris": len(axes) + 1}
    return spec.samples * per_sample[spec.design]


def plan_bytes(points: int, replications: int, parameters: int) -> int:
    """Estimated memory of a sweep's plan: design matrices and one task per run.

    Args:
        points: Design points.
        replications: Replications per point.
        parameters: Swept parameters.

    Returns:
        Bytes: the design in problem space and decoded (about four float copies while it
        is sampled and decoded) plus :data:`RUN_BYTES` per run.
    """
    return points * parameters * 8 * 4 + points * replications * RUN_BYTES


def sample_design(spec: ExperimentSpec, axes: Sequence[Axis]) -> np.ndarray:
    """Draw the design matrix of a spec in problem space.

    Args:
        spec: The validated spec (design, samples, levels, seed).
        axes: The swept parameters.

    Returns:
        A ``(points, parameters)`` float array.

    """
    problem = salib_problem(axes)
    seed = _design_seed(spec.seed)
    levels = design_levels(spec)
    if spec.design == "grid":
        combinations = list(itertools.product(*(axis.grid(levels) for axis in axes)))
        return np.array(combinations, dtype=float).reshape(len(combinations), len(axes))
    assert spec.samples is not None
    low, high = np.array(problem["bounds"]).T
    if spec.design == "random":
        unit = np.random.default_rng(seed).random((spec.samples, len(axes)))
        return low + unit * (high - low)
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(axes), rng=np.random.default_rng(seed)).random(spec.samples)
        return low + unit * (high - low)
    require_salib(f"the {spec.design} design")
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, spec.samples, num_levels=levels, seed=seed)


def validate_spec(raw: dict[str, Any], where: str = "sweep spec") -> ExperimentSpec:
    """Validate raw spec data against the schema.

    Args:
        raw: The parsed YAML mapping.
        where: The file name, for messages.

    Returns:
        The validated spec.

    Raises:
        InputError: For the first schema violation, naming the field.

    """
    parameters = raw.get("parameters")
    if isinstance(parameters, dict):
        for path, entry in parameters.items():
            if not isinstance(entry, dict):
                raise InputError(
                    where, f"parameters.{path}", "{values: [...]} or {low: x, high: y}", describe(entry)
                )
    return validate(ExperimentSpec, raw, where)


def resolve_axes(
    entries: dict[str, ParameterRange], scenario: Scenario, where: str, group: str = "parameters"
) -> tuple[Axis, ...]:
    """Check every parameter against the scenario and resolve it to an :class:`Axis`.

    Each listed value and both ends of each range are applied to the scenario and
    validated, so a bad path or value fails here, naming the spec field.

    Args:
        entries: The spec's ranges by dotted path (its parameters, uncertainties or levers).
        scenario: The base scenario.
        where: The spec file, for messages.
        group: The spec field holding them, for messages.

    Returns:
        One axis per parameter.

    Raises:
        InputError: If a path or value does not give a valid scenario.

    """
    current = scenario.parameters()
    raw = scenario.model_dump(mode="json")  # for paths into lists, e.g. events.0.step
    axes = []
    for path, entry in entries.items():
        field = f"{group}.{path}"
        existing = current[path] if path in current else get_dotted(raw, path, where)
        mapping = any(key.startswith(f"{path}.") for key in current)
        if mapping or (isinstance(existing, list) and existing):
            kind = "mapping" if mapping else "list"
            raise InputError(
                where,
                field,
                "the path of a single value (see `coalsim params`)",
                f"a path to a {kind} of values",
            )
        integer = isinstance(existing, int) and not isinstance(existing, bool)
        probes = entry.values if entry.values is not None else (entry.low, entry.high)
        for value in probes:
            check_value(scenario, path, int(value) if integer else value, where, field)
        axes.append(Axis(path, entry.values, entry.low, entry.high, integer))
    return tuple(axes)


def check_value(scenario: Scenario, path: str, value: Any, where: str, field: str) -> Scenario:
    """Apply one parameter value to a scenario, turning a failure into a clear error.

    Args:
        scenario: The base scenario.
        path: Dotted parameter path.
        value: The value to try.
        where: The file or ``"command line"``, for messages.
        field: The field to name in the message.

    Returns:
        The changed scenario.

    Raises:
        InputError: If the path is unknown or the value invalid there.

    """
    try:
        changed = scenario.with_overrides({path: value})
    except InputError as exc:
        known = scenario.parameters()
        hint = exc.hint or (did_you_mean(path, known) if path not in known else "")
        raise InputError(
            where, field, f"a value the scenario accepts at '{exc.field}' ({exc.expected})", exc.found, hint
        ) from None
    warn_overridden(scenario, [path])
    return changed


def experiment_from_spec(spec: ExperimentSpec, scenario: Scenario, source: str, text: str) -> Experiment:
    """Resolve a validated spec against an already loaded scenario.

    Args:
        spec: The validated spec.
        scenario: Its base scenario.
        source: Where the spec came from (for messages and the store).
        text: The spec's text (kept in the result store).

    Returns:
        The experiment.

    Raises:
        InputError: If a parameter does not fit the scenario or the sweep is too large.

    """
    if spec.design in SENSITIVITY_DESIGNS:
        require_salib(f"the {spec.design} design", source)
    axes = resolve_axes(
        spec.sampled, scenario, source, "uncertainties" if spec.uncertainties else "parameters"
    )
    levers = resolve_axes(spec.levers, scenario, source, "levers")
    policies = resolve_policies(spec, levers, scenario, source)
    points = design_points(spec, axes) * max(1, len(policies))
    field = "parameters" if spec.design == "grid" else "samples"
    size = f"{points:,} design points x {spec.replications:,} replications"
    if points * spec.replications > MAX_RUNS:
        raise InputError(source, field, f"a sweep of at most {MAX_RUNS:,} runs", size)
    memory = plan_bytes(points, spec.replications, len(axes))
    if memory > MAX_PLAN_BYTES:
        raise InputError(
            source, field, f"a sweep whose plan fits in {MAX_PLAN_BYTES / 2**30:.0f} GiB of memory",
            f"{size} x {len(axes)} parameters, about {memory / 2**30:.1f} GiB",
        )  # fmt: skip
    return Experiment(spec, source, text, scenario, axes, levers, policies)


def resolve_policies(
    spec: ExperimentSpec, levers: Sequence[Axis], scenario: Scenario, where: str
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Each policy's value of every lever, checked against the scenario.

    Args:
        spec: The validated spec (its policies set only its levers, within their ranges).
        levers: The resolved levers.
        scenario: The base scenario (a lever a policy leaves out keeps its value there).
        where: The spec file, for messages.

    Returns:
        ``(name, values)`` per policy, the values in lever order.

    Raises:
        InputError: If a policy's combination of lever values is not a valid scenario.

    """
    current = scenario.parameters()
    resolved = []
    for name, chosen in spec.policies.items():
        values = []
        for lever in levers:
            field = f"policies.{name}.{lever.path}"
            value = chosen.get(lever.path, current.get(lever.path))
            if lever.path not in chosen and not spec.levers[lever.path].admits(value):
                raise InputError(
                    where, field, f"a value for this lever: the scenario's {value!r} is not "
                    f"{spec.levers[lever.path].describe()}", "none",
                )  # fmt: skip
            if lever.integer:
                if not float(value).is_integer():
                    raise InputError(
                        where, field, "a whole number (the scenario's value is one)", repr(value)
                    )
                value = int(value)
            values.append(value)
        values = tuple(values)
        if chosen:
            check_overrides(scenario, dict(zip([lever.path for lever in levers], values, strict=True)),
                            where, f"policies.{name}")  # fmt: skip
        resolved.append((name, values))
    return tuple(resolved)


def check_overrides(scenario: Scenario, values: dict[str, Any], where: str, field: str) -> Scenario:
    """Apply several parameter values to a scenario at once, naming ``field`` on failure.

    Args:
        scenario: The base scenario.
        values: Dotted paths and their values.
        where: The file, for messages.
        field: The field to name in the message.

    Returns:
        The changed scenario.

    Raises:
        InputError: If the values do not give a valid scenario together.

    """
    try:
        return scenario.with_overrides(values)
    except InputError as exc:
        raise InputError(
            where,
            field,
            f"a value the scenario accepts at '{exc.field}' ({exc.expected})",
            exc.found,
            exc.hint,
        ) from None


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and resolve a sweep spec file.

    Args:
        path: The spec YAML file; its ``scenario`` is a path relative to it or a
            scenario's name (see :func:`sim.scenario.find_scenario`).

    Returns:
        The experiment, with its design drawn lazily.

    Raises:
        InputError: For any problem in the spec or its scenario.

    """
    path = Path(path)
    where = str(path)
    text, raw = read_yaml_mapping(path, "sweep spec file", "sweep fields (scenario, parameters, design, ...)")
    spec = validate_spec(raw, where)
    scenario_path = find_scenario(spec.scenario, relative_to=path.parent)
    if scenario_path is None:
        raise InputError(
            where,
            "scenario",
            "a scenario file path relative to this spec, or a scenario's name (baseline)",
            f"'{spec.scenario}', which does not exist",
        )
    scenario = load_scenario(scenario_path)
    return experiment_from_spec(spec, scenario, where, text)

"""The strict schema base, the limits of every user-given number, and the error translator.

Scenario files (:mod:`sim.scenario`) and sweep specs (:mod:`sim.experiment.spec`) are both
validated by pydantic models built on :class:`StrictModel` and the field types below, and
both turn pydantic's errors into one :class:`~sim.errors.InputError` with :func:`validate`.

Types are strict where a silent conversion would change meaning: a boolean is never read as
0 or 1, a number never as a boolean, a fraction never as a whole number. Every number has a
finite, documented range (the generated table in ``docs/model.md``), so a value such as
``1e308`` cannot overflow into ``inf`` and NaN utilities. The bounds are sanity limits
(ASSUMPTION: no meaningful scenario needs more), not estimates of anything.

Ids that become column names of the result tables must be plain identifiers that are not
already a column: :data:`RESERVED_NAMES` lists every column coalsim writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError
from pydantic_core import PydanticCustomError

from sim.errors import InputError, describe, did_you_mean

#: Largest magnitude of a cost, weight, lever, amount, budget or threshold (utility or
#: budget units; shipped scenarios use values below 10).
MAX_MAGNITUDE = 1_000_000

#: Largest number of steps a run may take (one step is a month in the shipped scenarios,
#: so this is over 800 years; a run of this length takes minutes, not days).
MAX_STEPS = 10_000

#: Largest seed: seeds are stored as 64-bit signed integers.
MAX_SEED = 2**63 - 1

#: Most runs one command holds in memory (``--seeds``, times ``--draws`` over a posterior).
#: A run of the baseline keeps about 0.2 MB and takes about 15 ms, so this is about 2 GB and
#: a few minutes; a sweep, which stores its runs as it goes, may make more.
MAX_RUNS_IN_MEMORY = 10_000

#: Most worker processes: each imports numpy, pandas and the model (about 150 MB), so more
#: than this exhausts memory before it speeds anything up.
MAX_WORKERS = 256

#: Columns of the tables coalsim writes (a run's aggregates, countries, dynamics and offers
#: in :mod:`sim.results` and :mod:`sim.metrics`, a sweep store's run table and parts in
#: :mod:`sim.experiment.store`), and names used as values beside framework ids. A framework
#: id becomes a column of the countries table, so it may not be one of these.
RESERVED_NAMES = frozenset({
    # countries, aggregates, dynamics, offers (sim/metrics.py, sim/results.py, sim/sponsors.py)
    "step", "iso3", "portfolio", "changed", "framework", "members", "share", "share_count",
    "share_gdp", "share_population", "share_ai_capacity", "switches", "dual_members",
    "non_aligned", "effective_portfolios", "sponsor_spend", "sponsor", "lever", "units", "cost",
    # sweep stores (sim/experiment/store.py, sim/experiment/runner.py)
    "run_id", "sample", "replication", "seed", "status", "error", "seconds", "finished_at",
    "worker", "converged_at", "is_nash", "part", "policy",
    # names of scenarios, runs and outcomes beside which framework ids are listed
    "name", "scenario", "index", "outcome", "value", "measure", "level",
})  # fmt: skip


def _not_reserved(value: str) -> str:
    if value in RESERVED_NAMES:
        raise PydanticCustomError(
            "inconsistent",
            "{field}: expected {expected}, found {found}",
            {
                "field": "",
                "expected": "an id that is not a column of the result tables "
                f"({', '.join(sorted(RESERVED_NAMES))})",
                "found": f"'{value}'",
                "hint": "",
            },
        )
    return value


IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"
SAFE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

#: What each pattern means, for messages.
PATTERN_WORDS = {
    IDENTIFIER_PATTERN: "a plain id: lower-case letters, digits and underscores, starting with a letter",
    SAFE_NAME_PATTERN: "a name usable as a folder name: letters, digits, '_', '.' and '-', starting "
    "with a letter or digit (no path separators)",
}

#: A plain identifier (lower case, digits, underscores) that is not a reserved column name.
Identifier = Annotated[
    str, Strict(), Field(pattern=IDENTIFIER_PATTERN, max_length=40), AfterValidator(_not_reserved)
]
#: A name that may become a file or folder name: no path separators, no leading dot.
SafeName = Annotated[str, Strict(), Field(pattern=SAFE_NAME_PATTERN, max_length=80)]

#: true or false, never 0/1 or "yes".
Flag = Annotated[bool, Strict()]
#: A cost, weight or amount that may be negative.
Signed = Annotated[float, Strict(), Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]
#: A cost, weight or amount of at least zero.
NonNegative = Annotated[float, Strict(), Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
#: A cost or price above zero.
Positive = Annotated[float, Strict(), Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
#: A share, rate or tolerance in [0, 1].
Share = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
#: A step of a run (0 is the initial state).
Step = Annotated[int, Strict(), Field(ge=0, le=MAX_STEPS)]
#: A step at which something happens during a run.
LaterStep = Annotated[int, Strict(), Field(ge=1, le=MAX_STEPS)]
#: A number of steps.
StepCount = Annotated[int, Strict(), Field(ge=1, le=MAX_STEPS)]
#: A random seed.
Seed = Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)]


class StrictModel(BaseModel):
    """Base for every schema part: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def inconsistent(field: str, expected: str, found: str, hint: str = "") -> PydanticCustomError:
    """An error for a rule that spans fields, carrying what the user should be told.

    Args:
        field: Dotted path of the offending field, relative to where the validator runs.
        expected: What a valid value looks like.
        found: What was there.
        hint: An optional extra sentence.

    Returns:
        An error to raise inside a pydantic validator; :func:`validate` turns it into an
        :class:`~sim.errors.InputError`.
    """
    return PydanticCustomError(
        "inconsistent",
        "{field}: expected {expected}, found {found}",
        {"field": field, "expected": expected, "found": found, "hint": hint},
    )


def check_whole(value: object, low: int, high: int, where: str, field: str) -> int:
    """Check that a value is a whole number (not a boolean) from ``low`` to ``high``.

    Args:
        value: The value given.
        low: The least value allowed.
        high: The largest value allowed.
        where: Who gave it, for messages (e.g. ``"run()"``).
        field: The parameter's name, for messages.

    Returns:
        The value, as an int.

    Raises:
        InputError: If it is not a whole number in range.
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        expected = f"a whole number of at least {low:,} and at most {high:,}"
        raise InputError(where, field, expected, describe(value))
    return int(value)


def check_steps(steps: object, where: str, field: str = "steps") -> int:
    """Check a number of steps against the limit of a scenario's ``steps`` (1 to :data:`MAX_STEPS`)."""
    return check_whole(steps, 1, MAX_STEPS, where, field)


def check_runs(seeds: object, where: str, field: str = "seeds", draws: int = 1) -> int:
    """Check a number of seeds (per posterior draw) against :data:`MAX_RUNS_IN_MEMORY`.

    Args:
        seeds: The number of seeds given.
        where: Who gave it, for messages.
        field: The parameter's name, for messages.
        draws: The posterior draws each seed runs under (1 without a posterior).

    Returns:
        The number of seeds, as an int.

    Raises:
        InputError: If it is not a whole number of at least 1, or seeds times draws is
            more than :data:`MAX_RUNS_IN_MEMORY`.
    """
    seeds = check_whole(seeds, 1, MAX_RUNS_IN_MEMORY, where, field)
    if seeds * draws > MAX_RUNS_IN_MEMORY:
        raise InputError(
            where, field, f"at most {MAX_RUNS_IN_MEMORY:,} runs in all (seeds times posterior draws)",
            f"{seeds:,} seeds x {draws:,} draws = {seeds * draws:,} runs",
        )  # fmt: skip
    return seeds


def check_seed(seed: object, where: str, field: str = "seed") -> int:
    """Check a seed against the limit of a scenario's ``seed`` (0 to :data:`MAX_SEED`)."""
    return check_whole(seed, 0, MAX_SEED, where, field)


def validate[M: BaseModel](model: type[M], raw: Mapping[str, Any], where: str) -> M:
    """Validate raw data against a schema, turning the first error into an InputError.

    Args:
        model: The schema class.
        raw: Parsed YAML.
        where: The file, for messages.

    Returns:
        The validated model.

    Raises:
        InputError: For the first schema violation, naming the field.
    """
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        raise translate(exc.errors()[0], model, where) from None


def translate(error: Mapping[str, Any], root: type[BaseModel], where: str) -> InputError:
    """Turn one pydantic error into an InputError with a readable expectation.

    Args:
        error: One item of ``ValidationError.errors()``.
        root: The schema class that was validated (to name the keys an unknown key could be).
        where: The file, for messages.

    Returns:
        The error to raise.
    """
    loc = [
        p for p in error["loc"] if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    ]
    field = ".".join(str(p) for p in loc)
    kind = error["type"]
    found = describe(error.get("input"))
    if kind == "extra_forbidden":
        schema = _schema_at(root, loc)
        names = list(schema.model_fields) if schema else []
        expected = f"one of the keys {', '.join(names)}" if names else "a known key"
        hint = did_you_mean(str(loc[-1]), names)
        return InputError(where, field, expected, f"unknown key '{loc[-1]}'", hint)
    if kind == "missing":
        return InputError(where, field, "this required field", "nothing")
    if kind == "inconsistent":
        context = error["ctx"]
        path = ".".join(p for p in (field, context["field"]) if p)
        path = path or "(top level)"
        return InputError(where, path, context["expected"], context["found"], context["hint"])
    message = str(error["msg"])
    if message.startswith("Value error, "):
        found = message.removeprefix("Value error, ")
        return InputError(where, field or "(top level)", "consistent values", found)
    expected = message.removeprefix("Input should be ").removeprefix("Value should be ")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        expected = f"a value {expected}"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        expected = PATTERN_WORDS.get(pattern, f"text matching {pattern}")
    if kind in ("enum", "literal_error"):
        options = [o.strip("' ") for o in expected.replace(" or ", ",").split(",")]
        return InputError(where, field, expected, found, did_you_mean(str(error.get("input")), options))
    return InputError(where, field, expected, found)


def _schema_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """Find the schema class whose fields an error location points into."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        info = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if info is None:
            continue  # a dict key or list index: stay with the value type below
        model = _model_in(info.annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None

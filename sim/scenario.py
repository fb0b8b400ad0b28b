"""Scenario files: the schema, YAML loading, ``extends:`` inheritance and overrides.

A scenario is everything a run needs besides the world and the seed's randomness:
frameworks with their levers and costs, which frameworks exclude each other, utility
weights, the decision rule, peer ties, penalties a rival applies, and a timeline of
events. It is validated by pydantic (unknown keys are errors) and immutable.

Loading goes: read YAML -> merge with the file it ``extends`` (mappings merge key by
key, anything else is replaced) -> apply ``--set dotted.path=value`` overrides ->
validate the schema -> check every country, bloc and framework id against the world.
Every failure is an :class:`~sim.errors.InputError` naming the file and field.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from sim.errors import InputError, describe, did_you_mean
from sim.files import read_yaml_mapping
from sim.world import World

#: Largest number of frameworks: portfolios grow as 2**k, and 2**10 options per
#: country is where memory and time stop being interactive (see docs/model.md).
MAX_FRAMEWORKS = 10

#: Largest number of steps a scenario may ask for.
MAX_STEPS = 100_000

FrameworkId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Attribute = Literal["uniform", "ai_capacity", "low_ai_capacity", "absorptive_gap"]


class Lever(StrEnum):
    """Incentives a framework can offer its members."""

    OPEN_MODELS = "open_models"
    CAPACITY_BUILDING = "capacity_building"
    INFRASTRUCTURE = "infrastructure"
    COMPUTE_ACCESS = "compute_access"
    MARKET_ACCESS = "market_access"


def inconsistent(field: str, expected: str, found: str, hint: str = "") -> PydanticCustomError:
    """An error for a rule that spans fields, carrying what the user should be told.

    Args:
        field: Dotted path of the offending field, relative to where the validator runs.
        expected: What a valid value looks like.
        found: What was there.
        hint: An optional extra sentence.

    Returns:
        An error to raise inside a pydantic validator; :func:`validate_scenario` turns it
        into an :class:`~sim.errors.InputError`.
    """
    return PydanticCustomError(
        "inconsistent",
        "{field}: expected {expected}, found {found}",
        {"field": field, "expected": expected, "found": found, "hint": hint},
    )


class _Strict(BaseModel):
    """Base for all schema parts: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CountrySet(_Strict):
    """A set of countries named directly, by bloc, or by AI-governance affiliation.

    A plain list in YAML is read as ``countries``. ``exclude`` is itself a set (a plain
    list of codes, or a mapping such as ``{affiliations: [us_diffusion_rule:tier1]}``)
    removed at the end.
    """

    all: bool = Field(default=False, description="every country")
    countries: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = Field(
        default=(),
        description="affiliation ids from sim/data/ai_affiliations.csv, "
        "optionally 'framework:relation'",
    )
    as_of: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    exclude: CountrySet | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_list_means_countries(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return {"countries": value}
        return value

    @property
    def is_empty(self) -> bool:
        """True when the set names nothing."""
        return not (self.all or self.countries or self.blocs or self.affiliations)


class Framework(_Strict):
    """One governance framework countries may join."""

    name: str
    lead: CountrySet = CountrySet()
    committed: CountrySet = Field(
        default=CountrySet(), description="members from step 0 that never leave"
    )
    initial: CountrySet = Field(
        default=CountrySet(), description="members at step 0 that may leave"
    )
    eligible: CountrySet | None = Field(default=None, description="who may join; all if omitted")
    enabled: bool = True
    launch_step: Annotated[int, Field(ge=0)] = 0
    levers: dict[Lever, NonNegative] = {}
    entry_cost: Finite = 0.0
    sovereignty_cost: NonNegative = 0.0
    entry_cost_overrides: dict[str, Finite] = Field(
        default={}, description="entry cost for named countries, replacing entry_cost"
    )
    founding_round: bool = Field(
        default=False,
        description="at its launch every country revises (a founding conference where states sign at once)",
    )
    universal: bool = Field(
        default=False,
        description="every eligible country is a member from launch and never leaves (no choice)",
    )


class PairCost(_Strict):
    """The cost of holding two particular frameworks together."""

    pair: tuple[FrameworkId, FrameworkId]
    cost: NonNegative


class Compatibility(_Strict):
    """Which frameworks may be held together, and at what cost."""

    exclusive: tuple[tuple[FrameworkId, FrameworkId], ...] = ()
    dual_cost: NonNegative = 0.0
    pair_costs: tuple[PairCost, ...] = ()


class Utility(_Strict):
    """Weights of the utility components (see docs/model.md)."""

    alignment: Finite = 1.0
    club: Finite = 1.0
    club_exponent: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 0.5
    club_weighting: Literal["count", "gdp", "population", "ai_capacity"] = "gdp"
    peer: Finite = 0.0
    levers: dict[Lever, Finite] = {lever: 1.0 for lever in Lever}
    lever_need: dict[Lever, Attribute] = {
        Lever.OPEN_MODELS: "low_ai_capacity",
        Lever.CAPACITY_BUILDING: "low_ai_capacity",
        Lever.INFRASTRUCTURE: "low_ai_capacity",
        Lever.COMPUTE_ACCESS: "ai_capacity",
        Lever.MARKET_ACCESS: "uniform",
    }
    autonomy: Attribute = "uniform"
    alignment_measure: Literal["ideal_point", "bilateral"] = Field(
        default="ideal_point",
        description="'ideal_point': distance to the lead's UNGA ideal point; 'bilateral': UNGA "
        "agreement with the lead minus with rival frameworks' leads, where the data have it",
    )


class Peers(_Strict):
    """How strongly each tie layer of the world counts in peer influence."""

    ties: dict[str, NonNegative] = {"blocs": 1.0, "region": 1.0, "alignment": 1.0}


class Rule(_Strict):
    """The decision rule that maps utilities to choices."""

    kind: Literal["logit", "best_response", "threshold"] = "logit"
    temperature: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 0.1
    activation_rate: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.2
    switching_cost: NonNegative = 0.0
    threshold: NonNegative = Field(
        default=0.0, description="for kind=threshold: the least utility gain that makes a move"
    )


class Penalty(_Strict):
    """A cost a framework's lead imposes on members of a rival framework."""

    imposed_by: FrameworkId
    on_members_of: FrameworkId
    amount: NonNegative
    scaled_by: Attribute = "uniform"
    targets: CountrySet | None = Field(default=None, description="who is exposed; all if omitted")
    exempt: CountrySet | None = Field(
        default=None, description="already under comprehensive controls: no marginal penalty"
    )


class Commit(_Strict):
    """Countries that join a framework for good."""

    framework: FrameworkId
    countries: CountrySet


class Event(_Strict):
    """Something that happens at a step: a parameter change, a launch or a commitment."""

    step: Annotated[int, Field(ge=1)]
    note: str = ""
    set: dict[str, Any] | None = None
    launch: FrameworkId | None = None
    commit: Commit | None = None

    @model_validator(mode="after")
    def _exactly_one_action(self) -> Self:
        actions = [a for a in ("set", "launch", "commit") if getattr(self, a) is not None]
        if len(actions) != 1:
            raise inconsistent("", "exactly one of 'set', 'launch' or 'commit'", str(actions or "none"))
        return self


class Convergence(_Strict):
    """When a run counts as settled: shares moved at most ``tolerance`` for ``window`` steps."""

    window: Annotated[int, Field(ge=1)] = 12
    tolerance: Annotated[float, Field(ge=0, le=1)] = 0.0


#: What a sponsor may spend on: a direct side payment (1 utility unit per unit) or a lever.
OFFER_LEVERS = ("side_payment", *(lever.value for lever in Lever))

OfferLever = Literal[OFFER_LEVERS]  # type: ignore[valid-type]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class OfferCost(_Strict):
    """What one unit of a sponsor's lever costs it."""

    cost: Positive = Field(description="budget units per unit offered")
    cost_overrides: dict[str, Positive] = Field(
        default={}, description="cost per unit for named countries, replacing cost"
    )


class Sponsor(_Strict):
    """A framework's sponsor: courts countries with offers paid from a budget (see docs/model.md)."""

    budget: NonNegative
    budget_period: Literal["step", "total"] = Field(
        default="step", description="'step': the budget renews every step; 'total': for the whole run"
    )
    strategy: Literal["fixed", "greedy", "value_weighted"] = "greedy"
    value: Literal["gdp", "population", "count", "ai_capacity"] = Field(
        default="gdp", description="for value_weighted: how targets are weighted"
    )
    levers: dict[OfferLever, OfferCost]
    units: dict[OfferLever, NonNegative] = Field(
        default={}, description="for fixed: units of each lever offered to every target each step"
    )
    margin: NonNegative = Field(
        default=0.1, description="utility offered beyond a country's gap to joining (greedy strategies)"
    )
    targets: CountrySet = CountrySet(all=True)
    start_step: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _levers_consistent(self) -> Self:
        if not self.levers:
            raise inconsistent("levers", f"at least one of {', '.join(OFFER_LEVERS)} with its cost", "none")
        for lever in self.units:
            if lever not in self.levers:
                raise inconsistent(
                    f"units.{lever}", f"a lever listed under 'levers' ({', '.join(self.levers)})",
                    f"'{lever}', which has no cost",
                )  # fmt: skip
        if self.strategy == "fixed" and not any(self.units.values()):
            raise inconsistent(
                "units", "the units of at least one lever offered to each target (strategy fixed)",
                "none", "A fixed sponsor offers 'units' to every target each step.",
            )  # fmt: skip
        return self


class Scenario(_Strict):
    """A validated, immutable scenario."""

    name: str
    question: str
    description: str = ""
    sources: tuple[str, ...] = ()
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] = 100
    seed: Annotated[int, Field(ge=0)] = 0
    frameworks: dict[FrameworkId, Framework]
    compatibility: Compatibility = Compatibility()
    utility: Utility = Utility()
    peers: Peers = Peers()
    rule: Rule = Rule()
    penalties: dict[FrameworkId, Penalty] = {}
    events: tuple[Event, ...] = ()
    convergence: Convergence = Convergence()
    sponsors: dict[FrameworkId, Sponsor] = Field(
        default={}, description="sponsors by the framework they court for, acting in this order"
    )

    _source: str = PrivateAttr(default="scenario")

    @field_validator("frameworks")
    @classmethod
    def _frameworks_bounded(cls, value: dict[str, Framework]) -> dict[str, Framework]:
        if not value:
            raise inconsistent("", "at least one framework", "none")
        if len(value) > MAX_FRAMEWORKS:
            raise inconsistent(
                "", f"at most {MAX_FRAMEWORKS} frameworks (each country weighs 2**k portfolios)",
                str(len(value)), "Past 10 frameworks that is too slow and too large to be useful.",
            )  # fmt: skip
        return value

    @model_validator(mode="after")
    def _references_known(self) -> Self:
        known = set(self.frameworks)

        def check(fid: str, where: str) -> None:
            if fid not in known:
                raise inconsistent(
                    where, f"a framework id of this scenario ({', '.join(self.frameworks)})", f"'{fid}'",
                    did_you_mean(fid, known),
                )  # fmt: skip

        for a, b in self.compatibility.exclusive:
            check(a, "compatibility.exclusive")
            check(b, "compatibility.exclusive")
            if a == b:
                raise inconsistent(
                    "compatibility.exclusive", "two different frameworks",
                    f"'{a}' paired with itself (a framework cannot exclude itself)",
                )  # fmt: skip
            for fid in (a, b):
                if self.frameworks[fid].universal:
                    raise inconsistent(
                        f"frameworks.{fid}.universal", "false for a framework in compatibility.exclusive",
                        "true", "Every eligible country holds a universal framework, so none could "
                        "hold its rival.",
                    )  # fmt: skip
        for pc in self.compatibility.pair_costs:
            for fid in pc.pair:
                check(fid, "compatibility.pair_costs")
        for pid, penalty in self.penalties.items():
            check(penalty.imposed_by, f"penalties.{pid}.imposed_by")
            check(penalty.on_members_of, f"penalties.{pid}.on_members_of")
        for i, event in enumerate(self.events):
            if event.step > self.steps:
                raise inconsistent(
                    f"events.{i}.step", f"a step from 1 to {self.steps} (the last step)",
                    f"{event.step}, so the event would never happen",
                )  # fmt: skip
            if event.launch is not None:
                check(event.launch, f"events.{i}.launch")
            if event.commit is not None:
                check(event.commit.framework, f"events.{i}.commit.framework")
        for fid, sponsor in self.sponsors.items():
            check(fid, f"sponsors.{fid}")
            if sponsor.start_step > self.steps:
                raise inconsistent(
                    f"sponsors.{fid}.start_step", f"a step from 1 to {self.steps} (the last step)",
                    f"{sponsor.start_step}, so the sponsor would never act",
                )  # fmt: skip
        return self

    @property
    def source(self) -> str:
        """The file this scenario was loaded from (for messages)."""
        return self._source

    @property
    def active_frameworks(self) -> list[str]:
        """Ids of the enabled frameworks, in file order."""
        return [fid for fid, fw in self.frameworks.items() if fw.enabled]

    def digest(self) -> str:
        """A sha256 of the scenario's content, independent of key order and comments."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with dotted-path overrides applied and validated again.

        Args:
            overrides: Values by dotted path, e.g. ``{"rule.temperature": 0.2}``.

        Returns:
            A new, validated :class:`Scenario`.

        Raises:
            InputError: If a path or value is invalid.

        """
        raw = self.model_dump(mode="json")
        for path, value in overrides.items():
            set_dotted(raw, path, value, where=self.source)
        return validate_scenario(raw, where=self.source)

    def parameters(self) -> dict[str, Any]:
        """Every tunable leaf parameter, by dotted path (what ``coalsim params`` shows)."""
        return dict(_flatten(self.model_dump(mode="json")))


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Turn nested mappings into (dotted path, leaf) pairs; lists stay leaves."""
    if isinstance(value, dict) and value:
        items: list[tuple[str, Any]] = []
        for key, sub in value.items():
            items.extend(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return items
    return [(prefix, value)]


def set_dotted(raw: dict[str, Any], path: str, value: Any, where: str) -> None:
    """Set ``raw[a][b][c] = value`` for ``path == "a.b.c"``, creating mappings as needed.

    A numeric part indexes into a list (``events.0.step``).

    Args:
        raw: The nested data to change in place.
        path: A dotted path.
        value: The new value.
        where: Where the override came from, for error messages.

    Raises:
        InputError: If the path is empty or runs through a value that is not a mapping
            or list.

    """
    parts = path.split(".")
    if not path or any(p == "" for p in parts):
        raise InputError(where, path, "a dotted path such as 'rule.temperature'", repr(path))
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _list_item(node, part, here, where)
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise InputError(where, here, "a mapping to descend into", describe(node))
    last = parts[-1]
    if isinstance(node, list):
        _list_item(node, last, path, where)
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise InputError(where, path, "a mapping to set a key in", describe(node))


def _list_item(items: list[Any], part: str, here: str, where: str) -> Any:
    if not part.isdigit() or int(part) >= len(items):
        raise InputError(where, here, f"a list index from 0 to {len(items) - 1}", repr(part))
    return items[int(part)]


def parse_override(text: str, where: str = "command line") -> tuple[str, Any]:
    """Parse ``dotted.path=value``; the value is read as YAML (numbers, lists, ...).

    Args:
        text: The override as typed.
        where: Where it came from, for error messages.

    Returns:
        The path and the parsed value.

    Raises:
        InputError: If there is no ``=`` or the value is not valid YAML.

    """
    path, sep, value_text = text.partition("=")
    if not sep or not path.strip():
        raise InputError(where, "--set", "dotted.path=value", repr(text))
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else ""
    except yaml.YAMLError as exc:
        raise InputError(where, path.strip(), "a YAML value", repr(value_text), str(exc)) from None
    return path.strip(), value


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base``: mappings merge key by key, the rest is replaced.

    Args:
        base: The inherited values.
        override: The values that win.

    Returns:
        A new nested dict.

    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def read_with_extends(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, merged (child wins).

    Args:
        path: The scenario file.

    Returns:
        The merged raw mapping, without the ``extends`` key.

    Raises:
        InputError: On unreadable files, cycles or missing parents.

    """
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, resolved))
        raise InputError(str(path), "extends", "a chain of files without cycles", cycle)
    _, data = read_yaml_mapping(path, "scenario file", "scenario fields")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise InputError(str(path), "extends", "a path to another scenario file", describe(parent))
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise InputError(
            str(path), "extends", "a path (relative to this file) to an existing scenario",
            f"'{parent}', which does not exist",
        )  # fmt: skip
    return deep_merge(read_with_extends(parent_path, (*_chain, resolved)), data)


def _field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _schema_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """Find the schema class whose fields an error location points into."""
    model: type[BaseModel] | None = Scenario
    for part in loc[:-1]:
        if model is None:
            return None
        info = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if info is None:
            continue  # a dict key or list index: stay with the value type below
        annotation = info.annotation
        model = _model_in(annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _translate(error: dict[str, Any], where: str) -> InputError:
    """Turn one pydantic error into an InputError with a readable expectation."""
    loc = [
        p for p in error["loc"] if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    ]
    field = ".".join(str(p) for p in loc)
    kind = error["type"]
    found = describe(error.get("input"))
    if kind == "extra_forbidden":
        schema = _schema_at(loc)
        names = _field_names(schema) if schema else []
        expected = f"one of the keys {', '.join(names)}" if names else "a known key"
        hint = did_you_mean(str(loc[-1]), names)
        return InputError(where, field, expected, f"unknown key '{loc[-1]}'", hint)
    if kind == "missing":
        return InputError(where, field, "this required field", "nothing")
    if kind == "inconsistent":
        context = error["ctx"]
        path = ".".join(p for p in (field, context["field"]) if p)
        return InputError(where, path, context["expected"], context["found"], context["hint"])
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
        return InputError(where, field or "(top level)", "consistent values", message)
    if kind == "enum" or kind == "literal_error":
        expected = message.removeprefix("Input should be ")
        name = str(error.get("input"))
        options = [o.strip("' ") for o in expected.replace(" or ", ",").split(",")]
        return InputError(where, field, expected, found, did_you_mean(name, options))
    expected = message.removeprefix("Input should be ").removeprefix("Value should be ")
    return InputError(where, field, expected, found)


def validate_scenario(raw: Mapping[str, Any], where: str = "scenario") -> Scenario:
    """Validate raw scenario data against the schema.

    Args:
        raw: Parsed YAML (after ``extends`` and overrides).
        where: The file name, for error messages.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        InputError: For the first schema violation, naming the field.

    """
    try:
        scenario = Scenario.model_validate(dict(raw))
    except ValidationError as exc:
        raise _translate(exc.errors()[0], where) from None
    scenario._source = where
    return scenario


def check_against_world(scenario: Scenario, world: World) -> None:
    """Check that every country, bloc and affiliation the scenario names exists.

    Also rejects a country committed to two frameworks that exclude each other.

    Args:
        scenario: A validated scenario.
        world: The world it will run on.

    Raises:
        InputError: Naming the field with the unknown id.

    """
    where = scenario.source
    sets: list[tuple[str, CountrySet]] = []
    codes: list[tuple[str, str]] = []  # (field, ISO3 code) pairs used as mapping keys
    for fid, fw in scenario.frameworks.items():
        for part in ("lead", "committed", "initial", "eligible"):
            value = getattr(fw, part)
            if value is not None:
                sets.append((f"frameworks.{fid}.{part}", value))
        codes += [(f"frameworks.{fid}.entry_cost_overrides", code) for code in fw.entry_cost_overrides]
    for pid, penalty in scenario.penalties.items():
        for part in ("targets", "exempt"):
            if getattr(penalty, part) is not None:
                sets.append((f"penalties.{pid}.{part}", getattr(penalty, part)))
    for i, event in enumerate(scenario.events):
        if event.commit is not None:
            sets.append((f"events.{i}.commit.countries", event.commit.countries))
    for fid, sponsor in scenario.sponsors.items():
        sets.append((f"sponsors.{fid}.targets", sponsor.targets))
        for lever, price in sponsor.levers.items():
            field = f"sponsors.{fid}.levers.{lever}.cost_overrides"
            codes += [(field, code) for code in price.cost_overrides]
    for field, code in codes:
        if code not in world.index:
            raise InputError(
                where, field, "a known country code", f"'{code}'", did_you_mean(code, world.index)
            )
    for field, country_set in sets:
        resolve(country_set, world, where, field)
    unknown_layers = set(scenario.peers.ties) - set(world.ties)
    if unknown_layers and scenario.utility.peer != 0:
        layer = sorted(unknown_layers)[0]
        raise InputError(
            where, f"peers.ties.{layer}", f"a tie layer of this world ({', '.join(sorted(world.ties))})",
            f"'{layer}'", did_you_mean(layer, world.ties),
        )  # fmt: skip
    _check_commitments(scenario, world)
    _check_event_changes(scenario, world)


#: Paths an event may not change: they fix the set of portfolios (or of sponsors, who are
#: created with the model) for the whole run.
FROZEN_DURING_RUN = ("compatibility.exclusive", "steps", "seed", "events", "sponsors")


def _check_event_changes(scenario: Scenario, world: World) -> None:
    """Dry-run every ``set`` event in order, so a bad path fails at load, not mid-run."""
    current = scenario
    for i, event in enumerate(scenario.events):
        if event.set is None:
            continue
        for path in event.set:
            frozen = path.startswith(FROZEN_DURING_RUN) or path.endswith(".enabled")
            if frozen:
                raise InputError(
                    scenario.source, f"events.{i}.set.{path}",
                    "a parameter that may change during a run (not exclusivity, enabled, steps, "
                    "seed, events or sponsors)", f"'{path}'",
                )  # fmt: skip
        try:
            current = current.with_overrides(event.set)
        except InputError as exc:
            raise InputError(
                scenario.source, f"events.{i}.set.{exc.field}", exc.expected, exc.found, exc.hint
            ) from None
        check_against_world(current.model_copy(update={"events": ()}), world)


def resolve(country_set: CountrySet, world: World, where: str, field: str) -> np.ndarray:
    """Resolve a :class:`CountrySet` to a boolean mask, with a clear error on unknown ids.

    Args:
        country_set: The set to resolve.
        world: The world whose countries it names.
        where: The file, for messages.
        field: The field path, for messages.

    Returns:
        A boolean numpy mask of shape ``(world.n,)``.

    Raises:
        InputError: If an id is unknown.

    """
    try:
        mask = world.members(
            countries=country_set.countries,
            blocs=country_set.blocs,
            affiliations=country_set.affiliations,
            as_of=country_set.as_of,
            everyone=country_set.all,
        )
    except KeyError as exc:
        bad = str(exc.args[0])
        if bad in country_set.countries:
            choices, kind = world.index, "a known country code (ISO3)"
        elif bad in country_set.blocs:
            choices, kind = world.blocs.columns, f"a bloc id ({', '.join(world.blocs.columns)})"
        else:
            choices = set(world.affiliations["framework"])
            kind = "an affiliation id from sim/data/ai_affiliations.csv (framework[:relation])"
        raise InputError(where, field, kind, f"'{bad}'", did_you_mean(bad, choices)) from None
    if country_set.exclude is not None:
        mask &= ~resolve(country_set.exclude, world, where, f"{field}.exclude")
    return mask


def _check_commitments(scenario: Scenario, world: World) -> None:
    """Reject commitments that contradict exclusivity or eligibility."""
    committed = {
        fid: resolve(fw.committed, world, scenario.source, f"frameworks.{fid}.committed")
        for fid, fw in scenario.frameworks.items()
    }
    for fid, fw in scenario.frameworks.items():
        if fw.eligible is None:
            continue
        barred = committed[fid] & ~resolve(fw.eligible, world, scenario.source, f"frameworks.{fid}.eligible")
        if barred.any():
            raise InputError(
                scenario.source, f"frameworks.{fid}.committed",
                f"committed members who are also eligible for '{fid}'",
                f"'{world.iso3[barred.argmax()]}', committed but excluded by frameworks.{fid}.eligible",
            )  # fmt: skip
    for a, b in scenario.compatibility.exclusive:
        both = committed[a] & committed[b]
        if both.any():
            code = world.iso3[both.argmax()]
            raise InputError(
                scenario.source, f"frameworks.{b}.committed",
                f"no country committed to both '{a}' and '{b}', which exclude each other",
                f"'{code}' in both",
            )  # fmt: skip


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    world: World | None = None,
) -> Scenario:
    """Load, merge, override, validate and check a scenario file.

    Args:
        path: The YAML file.
        overrides: ``{"dotted.path": value}`` or a list of ``"dotted.path=value"`` strings.
        world: The world to check ids against; the shipped world by default.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        InputError: For any problem, naming the file and the field.

    """
    path = Path(path)
    raw = read_with_extends(path)
    pairs = (
        [parse_override(text) for text in overrides]
        if isinstance(overrides, Sequence) and not isinstance(overrides, str)
        else list((overrides or {}).items())
    )
    for dotted, value in pairs:
        set_dotted(raw, dotted, value, where="command line --set")
    scenario = validate_scenario(raw, where=str(path))
    check_against_world(scenario, world if world is not None else World.load())
    return scenario

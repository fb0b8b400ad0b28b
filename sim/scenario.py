"""Scenario files: the schema, YAML loading, ``extends:`` inheritance and overrides.

A scenario is everything a run needs besides the world and the seed's randomness:
frameworks with their levers and costs, which frameworks exclude each other, utility
weights, the decision rule, peer ties, penalties a rival applies, and a timeline of
events. It is validated by pydantic (unknown keys are errors) and immutable.

Loading goes: read YAML -> merge with the file it ``extends`` (mappings merge key by
key, anything else is replaced) -> apply ``dotted.path=value`` overrides (``coalsim --set``) ->
validate the schema -> check every country, bloc and framework id against the world.
Every failure is an :class:`~sim.errors.InputError` naming the file and field.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import Field, PrivateAttr, Strict, field_validator, model_validator

from sim.errors import ARGUMENTS, InputError, describe, did_you_mean
from sim.files import MAX_DEPTH, is_digits, parse_yaml, read_yaml_mapping
from sim.schema import (
    MAX_MAGNITUDE,
    Flag,
    Identifier,
    LaterStep,
    NonNegative,
    Positive,
    SafeName,
    Seed,
    Share,
    Signed,
    Step,
    StepCount,
    StrictModel,
    inconsistent,
    validate,
)
from sim.vocabulary import Attribute
from sim.world import World

#: Largest number of frameworks: portfolios grow as 2**k, and 2**10 options per
#: country is where memory and time stop being interactive (see docs/model.md).
MAX_FRAMEWORKS = 10

#: Lowest logit temperature: utilities (at most about 1e7 in size) divided by it stay finite.
MIN_TEMPERATURE = 1e-6

#: The key of a scenario file that adds events after those it inherits (``events`` itself,
#: a list, replaces the parent's whole).
MORE_EVENTS = "more_events"

#: Longest chain of ``extends:`` (a file, its parent, its parent's parent, ...).
MAX_EXTENDS = 16

#: Earliest and latest ``as_of`` dates: the affiliation data cover recent decades only.
EARLIEST_DATE, LATEST_DATE = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)

FrameworkId = Identifier


class Lever(StrEnum):
    """Incentives a framework can offer its members."""

    OPEN_MODELS = "open_models"
    CAPACITY_BUILDING = "capacity_building"
    INFRASTRUCTURE = "infrastructure"
    COMPUTE_ACCESS = "compute_access"
    MARKET_ACCESS = "market_access"


class CountrySet(StrictModel):
    """A set of countries named directly, by bloc, or by AI-governance affiliation.

    A plain list in YAML is read as ``countries``. ``exclude`` is itself a set (a plain
    list of codes, or a mapping such as ``{affiliations: [us_diffusion_rule:tier1]}``)
    removed at the end.
    """

    all: Flag = Field(default=False, description="every country")
    countries: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = Field(
        default=(),
        description="affiliation ids from sim/data/ai_affiliations.csv, "
        "optionally 'framework:relation'",
    )
    as_of: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    exclude: CountrySet | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        """An unquoted YAML date arrives as a date: read it as the ISO text it was."""
        return value.isoformat() if isinstance(value, datetime.date) else value

    @field_validator("as_of")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise inconsistent("", "a real date YYYY-MM-DD", f"'{value}' ({exc})") from None
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise inconsistent("", f"a date from {EARLIEST_DATE} to {LATEST_DATE}", f"'{value}'")
        return value

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


class Framework(StrictModel):
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
    supporters: CountrySet = Field(
        default=CountrySet(),
        description="countries that have declared support at step 0 (not membership; see utility.support)",
    )
    enabled: Flag = True
    launch_step: Step = Field(default=0, description="not after the scenario's steps")
    levers: dict[Lever, NonNegative] = {}
    entry_cost: Signed = 0.0
    sovereignty_cost: NonNegative = 0.0
    entry_cost_overrides: dict[str, Signed] = Field(
        default={}, description="entry cost for named countries, replacing entry_cost"
    )
    partners: CountrySet = Field(
        default=CountrySet(),
        description="the lead's partners, whose entry cost is lower by partner_discount (channels in place)",
    )
    partner_discount: NonNegative = Field(
        default=0.0, description="how much lower the entry cost of the lead's partners is, in utility units"
    )
    founding_round: Flag = Field(
        default=False,
        description="at its launch every country revises (a founding conference where states sign at once)",
    )
    universal: Flag = Field(
        default=False,
        description="every eligible country is a member from launch and never leaves (no choice)",
    )


class PairCost(StrictModel):
    """The cost of holding two particular frameworks together."""

    pair: tuple[FrameworkId, FrameworkId]
    cost: NonNegative


class Compatibility(StrictModel):
    """Which frameworks may be held together, and at what cost."""

    exclusive: tuple[tuple[FrameworkId, FrameworkId], ...] = ()
    dual_cost: NonNegative = 0.0
    pair_costs: tuple[PairCost, ...] = ()


class Utility(StrictModel):
    """Weights of the utility components (see docs/model.md)."""

    alignment: Signed = 1.0
    club: Signed = 1.0
    club_exponent: Annotated[float, Strict(), Field(gt=0, le=10, allow_inf_nan=False)] = 0.5
    club_weighting: Literal["count", "gdp", "population", "ai_capacity"] = "gdp"
    peer: Signed = 0.0
    support: Signed = Field(
        default=0.0,
        description="utility a country gets from holding a framework it has declared support for "
        "(the cost of going back on a public declaration)",
    )
    levers: dict[Lever, Signed] = {lever: 1.0 for lever in Lever}
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

    @field_validator("levers", "lever_need")
    @classmethod
    def _unnamed_levers_keep_their_defaults(cls, value: dict, info: Any) -> dict:
        """A mapping that names some levers leaves the others at their defaults (not 0 or missing)."""
        return {**cls.model_fields[info.field_name].default, **value}


class Peers(StrictModel):
    """How strongly each tie layer of the world counts in peer influence."""

    ties: dict[Identifier, NonNegative] = {"blocs": 1.0, "region": 1.0, "alignment": 1.0}


class Rule(StrictModel):
    """The decision rule that maps utilities to choices."""

    kind: Literal["logit", "best_response", "threshold"] = "logit"
    temperature: Annotated[
        float, Strict(), Field(ge=MIN_TEMPERATURE, le=MAX_MAGNITUDE, allow_inf_nan=False)
    ] = 0.1
    activation_rate: Annotated[float, Strict(), Field(gt=0, le=1, allow_inf_nan=False)] = 0.2
    switching_cost: NonNegative = 0.0
    threshold: NonNegative = Field(
        default=0.0, description="for kind=threshold: the least utility gain that makes a move"
    )


class Penalty(StrictModel):
    """A cost a framework's lead imposes on members of a rival framework."""

    imposed_by: FrameworkId
    on_members_of: FrameworkId
    amount: NonNegative
    scaled_by: Attribute = "uniform"
    targets: CountrySet | None = Field(default=None, description="who is exposed; all if omitted")
    exempt: CountrySet | None = Field(
        default=None, description="already under comprehensive controls: no marginal penalty"
    )


class Commit(StrictModel):
    """Countries that join a framework for good."""

    framework: FrameworkId
    countries: CountrySet


class Support(StrictModel):
    """Countries that declare support for a framework (possibly before it can be joined)."""

    framework: FrameworkId
    countries: CountrySet


#: What an event may do, exactly one per event.
EVENT_ACTIONS = ("set", "launch", "commit", "support")


class Event(StrictModel):
    """Something that happens at a step: a parameter change, a launch, a commitment or declared support."""

    step: LaterStep
    note: str = ""
    set: dict[str, Any] | None = None
    launch: FrameworkId | None = None
    commit: Commit | None = None
    support: Support | None = None

    @model_validator(mode="after")
    def _exactly_one_action(self) -> Self:
        actions = [a for a in EVENT_ACTIONS if getattr(self, a) is not None]
        if len(actions) != 1:
            expected = "exactly one of " + ", ".join(f"'{a}'" for a in EVENT_ACTIONS[:-1])
            raise inconsistent("", f"{expected} or '{EVENT_ACTIONS[-1]}'", str(actions or "none"))
        return self


class Convergence(StrictModel):
    """When a run counts as settled: shares moved at most ``tolerance`` for ``window`` steps."""

    window: StepCount = 12
    tolerance: Share = 0.0


#: What a sponsor may spend on: a direct side payment (1 utility unit per unit) or a lever.
OFFER_LEVERS = ("side_payment", *(lever.value for lever in Lever))

OfferLever = Literal[OFFER_LEVERS]  # type: ignore[valid-type]


class OfferCost(StrictModel):
    """What one unit of a sponsor's lever costs it."""

    cost: Positive = Field(description="budget units per unit offered")
    cost_overrides: dict[str, Positive] = Field(
        default={}, description="cost per unit for named countries, replacing cost"
    )


class SponsorSpec(StrictModel):
    """A framework's sponsor as a scenario declares it (the agent: :class:`sim.sponsors.Sponsor`)."""

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
    start_step: LaterStep = 1

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


class Scenario(StrictModel):
    """A validated, immutable scenario."""

    name: SafeName = Field(description="a short id; also the default output folder results/<name>")
    question: str
    description: str = ""
    sources: tuple[str, ...] = ()
    steps: StepCount = 100
    seed: Seed = 0
    frameworks: dict[FrameworkId, Framework]
    compatibility: Compatibility = Compatibility()
    utility: Utility = Utility()
    peers: Peers = Peers()
    rule: Rule = Rule()
    penalties: dict[FrameworkId, Penalty] = {}
    events: tuple[Event, ...] = ()
    convergence: Convergence = Convergence()
    sponsors: dict[FrameworkId, SponsorSpec] = Field(
        default={}, description="sponsors by the framework they court for, acting in this order"
    )
    posterior: Annotated[str, Strict(), Field(min_length=1, max_length=4096)] | None = Field(
        default=None,
        description="a coalsim calibrate folder whose posterior draws `coalsim run` and `coalsim score` "
        "run over by default (relative to the file that names it; null for none)",
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
        if not any(fw.enabled for fw in value.values()):
            raise inconsistent("", "at least one enabled framework", "every framework disabled")
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

        for fid, fw in self.frameworks.items():
            if fw.launch_step > self.steps:
                raise inconsistent(
                    f"frameworks.{fid}.launch_step", f"a step from 0 to {self.steps} (the last step)",
                    f"{fw.launch_step}, so the framework would never open",
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
            for action in ("commit", "support"):
                if getattr(event, action) is not None:
                    check(getattr(event, action).framework, f"events.{i}.{action}.framework")
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

    def posterior_folder(self) -> Path | None:
        """The calibration folder the scenario names (``posterior``), or ``None``.

        The field is kept relative to the scenario's own file (:func:`read_with_extends`
        rewrites a parent's path so), so a scenario loaded from a file finds it beside that
        file, wherever the tree was moved; one built in memory resolves it from the working
        folder.
        """
        if self.posterior is None:
            return None
        source = Path(self.source)
        try:
            here = Path.cwd()
        except OSError:  # the working folder was removed: absolute paths still hold
            here = None
        base = source.resolve().parent if source.suffix in (".yaml", ".yml") else here or Path()
        folder = Path(os.path.normpath(base / self.posterior))
        return folder.relative_to(here) if here is not None and folder.is_relative_to(here) else folder

    @property
    def active_frameworks(self) -> list[str]:
        """Ids of the enabled frameworks, in file order."""
        return [fid for fid, fw in self.frameworks.items() if fw.enabled]

    def digest(self) -> str:
        """A sha256 of the scenario's content, independent of key order and comments."""
        return scenario_digest(self.model_dump(mode="json"))

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
        scenario = validate_scenario(raw, where=self.source)
        if any(path.startswith("events.") for path in overrides):
            _check_event_changes(scenario)
        return scenario

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

    A numeric part indexes into a list (``events.0.step``). The keys of an event's ``set``
    are dotted paths themselves, so ``events.<i>.set.<path>`` names the value that event
    ``i`` gives ``<path>`` (it must be one the event sets).

    Args:
        raw: The nested data to change in place.
        path: A dotted path.
        value: The new value.
        where: Where the override came from, for error messages.

    Raises:
        InputError: If the path is empty or runs through a value that is not a mapping
            or list.

    """
    parts = _path_parts(raw, path, where)
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


def get_dotted(raw: dict[str, Any], path: str, where: str) -> Any:
    """The value at a dotted path, read as :func:`set_dotted` would set it, or ``None``.

    Args:
        raw: The nested data.
        path: A dotted path (a numeric part indexes into a list).
        where: Where the path came from, for error messages.

    Returns:
        The value, or ``None`` where the path leads nowhere (a missing key or index).

    Raises:
        InputError: If the path is malformed (see :func:`set_dotted`).

    """
    node: Any = raw
    for part in _path_parts(raw, path, where):
        if isinstance(node, list) and is_digits(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _path_parts(raw: dict[str, Any], path: str, where: str) -> list[str]:
    """A dotted path's parts; the path an event's ``set`` names stays one part."""
    parts = path.split(".")
    if not path or any(p == "" for p in parts) or len(parts) > MAX_DEPTH:
        raise InputError(
            where, path, f"a dotted path of at most {MAX_DEPTH} parts such as 'rule.temperature'", repr(path)
        )
    if len(parts) > 3 and parts[0] == "events" and parts[2] == "set":
        _check_event_sets(raw, parts, where)
        parts = [*parts[:3], ".".join(parts[3:])]
    return parts


def _check_event_sets(raw: dict[str, Any], parts: list[str], where: str) -> None:
    """Check that ``events.<i>.set.<path>`` names a path that event ``i`` sets."""
    event = _list_item(raw.get("events") or [], parts[1], ".".join(parts[:2]), where)
    changes = event.get("set") if isinstance(event, dict) else None
    key = ".".join(parts[3:])
    if not isinstance(changes, dict) or key not in changes:
        sets = ", ".join(changes) if isinstance(changes, dict) else "nothing (it is not a 'set' event)"
        raise InputError(
            where, ".".join(parts), f"a path that event {parts[1]} sets ({sets})", f"'{key}'",
            did_you_mean(key, changes or ()),
        )  # fmt: skip


def _list_item(items: list[Any], part: str, here: str, where: str) -> Any:
    if not is_digits(part) or int(part) >= len(items):
        raise InputError(where, here, f"a list index from 0 to {len(items) - 1}", repr(part))
    return items[int(part)]


def parse_override(text: str, where: str = ARGUMENTS) -> tuple[str, Any]:
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
        raise InputError(where, "overrides", "dotted.path=value", repr(text))
    try:
        value = parse_yaml(value_text, where) if value_text.strip() else ""
    except InputError as exc:
        raise InputError(where, path.strip(), f"a YAML value ({exc.expected})", exc.found) from None
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


def read_with_extends(path: Path) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, merged (child wins).

    The chain is followed in a loop (not by recursion), at most :data:`MAX_EXTENDS` files
    long; a path that cannot be resolved (a symlink loop) or a file met twice is an error.

    Args:
        path: The scenario file.

    Each file's ``more_events`` list is appended to the events merged so far (its parent's,
    or its own ``events`` when it lists both), so a variant can add to the inherited
    timeline without repeating it.

    Returns:
        The merged raw mapping, without the ``extends`` and ``more_events`` keys.

    Raises:
        InputError: On unreadable files, cycles, symlink loops, missing parents or a chain
            longer than :data:`MAX_EXTENDS`.

    """
    chain: list[Path] = []
    layers: list[dict[str, Any]] = []
    current, named_by, written = path, None, str(path)
    while True:
        resolved = _resolved(current, named_by, written)
        if resolved in chain:
            cycle = " -> ".join(p.name for p in (*chain, resolved))
            raise InputError(str(named_by), "extends", "a chain of files without cycles", cycle)
        if len(chain) == MAX_EXTENDS:
            raise InputError(
                str(named_by), "extends", f"a chain of at most {MAX_EXTENDS} files", "a longer chain"
            )
        chain.append(resolved)
        _, data = read_yaml_mapping(current, "scenario file", "scenario fields")
        layers.append(data)
        parent = data.pop("extends", None)
        if parent is None:
            break
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(str(current), "extends", "a path to another scenario file", describe(parent))
        current, named_by, written = current.parent / parent, current, parent
    merged: dict[str, Any] = {}
    for data, file in zip(reversed(layers), reversed(chain), strict=True):
        _relocate_posterior(data, file, chain[0])
        more = data.pop(MORE_EVENTS, [])
        if not isinstance(more, list):
            raise InputError(str(file), MORE_EVENTS, "a list of events added after the inherited ones",
                             describe(more))  # fmt: skip
        merged = deep_merge(merged, data)
        if more:
            inherited = merged.get("events", [])
            if not isinstance(inherited, list):
                raise InputError(str(file), "events", "a list of events", describe(inherited))
            merged["events"] = [*inherited, *copy.deepcopy(more)]
    return merged


def _relocate_posterior(data: dict[str, Any], file: Path, top: Path) -> None:
    """Rewrite a file's ``posterior`` path, written relative to that file, relative to ``top``'s folder.

    A variant in another folder that extends the baseline inherits the baseline's posterior:
    the path must keep naming the same folder from the variant's file. Anything but a
    non-empty string is left for the schema to refuse.
    """
    value = data.get("posterior")
    if isinstance(value, str) and value.strip():
        data["posterior"] = os.path.relpath(os.path.normpath(file.parent / value), top.parent)


def _resolved(path: Path, named_by: Path | None, written: str) -> Path:
    """Resolve a scenario file's path, turning a missing file or a symlink loop into an error.

    Args:
        path: The path to resolve.
        named_by: The file whose ``extends`` names it, or ``None`` for the file asked for.
        written: The path as the user wrote it, for messages.
    """
    where, field = (str(named_by), "extends") if named_by is not None else (str(path), "")
    what = "a path (relative to this file) to an existing scenario" if named_by else "an existing scenario"
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        found = f"'{written}', which does not exist" if named_by else "no such file"
        raise InputError(where, field, what, found) from None
    except (OSError, RuntimeError) as exc:  # a symlink loop: OSError ELOOP (RuntimeError before 3.13)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(where, field, what, f"'{written}', which cannot be resolved ({reason})") from None
    if not resolved.is_file():
        raise InputError(where, field, what, f"'{written}', which is not a file")
    return resolved


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
    scenario = validate(Scenario, raw, where)
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
        for part in ("lead", "committed", "initial", "eligible", "supporters", "partners"):
            value = getattr(fw, part)
            if value is not None:
                sets.append((f"frameworks.{fid}.{part}", value))
        codes += [(f"frameworks.{fid}.entry_cost_overrides", code) for code in fw.entry_cost_overrides]
    for pid, penalty in scenario.penalties.items():
        for part in ("targets", "exempt"):
            if getattr(penalty, part) is not None:
                sets.append((f"penalties.{pid}.{part}", getattr(penalty, part)))
    for i, event in enumerate(scenario.events):
        for action in ("commit", "support"):
            if getattr(event, action) is not None:
                sets.append((f"events.{i}.{action}.countries", getattr(event, action).countries))
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


def _check_event_changes(scenario: Scenario, world: World | None = None) -> None:
    """Dry-run every ``set`` event in order, so a bad path fails at load, not mid-run.

    With a ``world``, each changed scenario is also checked against it. The scenarios in
    between are checked without their events (no event may change ``events``), and the last
    one with them, so the dry run grows with the number of events, not with its square.
    """
    current = scenario.model_copy(update={"events": ()})
    changed = False
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
        changed = True
        if world is not None:
            check_against_world(current, world)
    if changed:  # the events themselves against the last changed scenario (their frameworks, steps)
        events = [event.model_dump(mode="json") for event in scenario.events]
        validate_scenario({**current.model_dump(mode="json"), "events": events}, scenario.source)


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


def scenario_digest(content: Mapping[str, Any]) -> str:
    """The digest :meth:`Scenario.digest` gives a scenario whose JSON dump is ``content``.

    A stored dump keeps its digest under later schemas (a result store checks its stored
    scenario with it, :mod:`sim.experiment.store`).

    Args:
        content: A scenario as ``model_dump(mode="json")`` gave it.

    Returns:
        The hex sha256 of its canonical JSON (sorted keys, no spaces).

    """
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class OverriddenParameterWarning(UserWarning):
    """A parameter the user set is set again by one of the scenario's events during the run."""


def events_setting(scenario: Scenario, path: str) -> list[tuple[int, str]]:
    """The ``set`` events that change ``path``, a value inside it, or a mapping holding it.

    Args:
        scenario: The scenario whose events to search.
        path: A dotted parameter path.

    Returns:
        ``(event index, the path as the event writes it)`` pairs, in timeline order.

    """
    return [
        (i, key)
        for i, event in enumerate(scenario.events)
        for key in (event.set or {})
        if key == path or key.startswith(f"{path}.") or path.startswith(f"{key}.")
    ]


def warn_overridden(scenario: Scenario, paths: Iterable[str]) -> None:
    """Warn for each path the user set that one of the scenario's events sets again.

    Such a value holds only until the event's step; the value after it is addressed as
    ``events.<i>.set.<path>``.

    Args:
        scenario: The scenario the values were set in.
        paths: The dotted paths the user set.

    Warns:
        OverriddenParameterWarning: Once per path and event.

    """
    for path in paths:
        for i, key in events_setting(scenario, path):
            event = scenario.events[i]
            note = f" ('{event.note}')" if event.note else ""
            what = "it" if key == path else key
            warnings.warn(
                f"{scenario.source}: the value you set for {path} holds only until step {event.step}, "
                f"when event {i}{note} sets {what} again; to change the value after that step, "
                f"set events.{i}.set.{key}",
                OverriddenParameterWarning,
                stacklevel=3,
            )


#: Environment variable naming another folder of named scenarios (see :func:`scenarios_folder`).
SCENARIOS_ENV = "COALSIM_SCENARIOS"


def scenarios_folder() -> Path:
    """The folder in which :func:`load_scenario` finds scenarios by name (``"baseline"``).

    It is ``$COALSIM_SCENARIOS`` when that is set; otherwise the project's ``scenarios/``
    beside the ``sim`` package, which is the project's own folder when coalsim runs from
    a clone or an editable install (``pip install -e .``, as ``./dev setup`` does). A
    wheel installs the package without the scenarios: there, set ``COALSIM_SCENARIOS``
    to a folder of scenario files, or pass file paths.

    Returns:
        The folder (which need not exist).

    """
    configured = os.environ.get(SCENARIOS_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "scenarios"


def find_scenario(name: str | Path, relative_to: Path | None = None) -> Path | None:
    """Where a scenario argument points: a file, or else a scenario named in :func:`scenarios_folder`.

    Args:
        name: A file path, or a bare name such as ``"baseline"`` or ``"baseline.yaml"``.
        relative_to: The folder a relative path is relative to (default: the working folder).

    Returns:
        The file, or ``None`` if there is none.

    """
    path = Path(name)
    given = path if relative_to is None else relative_to / path
    if given.is_file():
        return given
    if len(path.parts) != 1 or path.name in (".", ".."):
        return None
    named = scenarios_folder() / (path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml")
    return named if named.is_file() else None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    world: World | None = None,
) -> Scenario:
    """Load, merge, override, validate and check a scenario file.

    Args:
        path: The YAML file, or the name of a scenario in :func:`scenarios_folder`
            (``"baseline"``) when no such file exists. Files it ``extends`` are found
            relative to it, never to the working folder.
        overrides: ``{"dotted.path": value}`` or a list of ``"dotted.path=value"`` strings.
            ``events.<i>.set.<path>`` changes the value event ``i`` sets.
        world: The world to check ids against; the shipped world by default.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        InputError: For any problem, naming the file and the field.

    Warns:
        OverriddenParameterWarning: For an override that an event of the scenario sets
            again during the run.

    """
    found = find_scenario(path)
    if found is None and len(Path(path).parts) == 1:
        folder = scenarios_folder()
        names = sorted(file.stem for file in folder.glob("*.yaml"))
        raise InputError(
            str(path), "",
            f"a scenario file, or the name of one in {folder} ({', '.join(names) or 'none there'})",
            "neither", did_you_mean(Path(path).stem, names),
        )  # fmt: skip
    path = found or Path(path)
    raw = read_with_extends(path)
    pairs = (
        [parse_override(text) for text in overrides]
        if isinstance(overrides, Sequence) and not isinstance(overrides, str)
        else list((overrides or {}).items())
    )
    for dotted, value in pairs:
        set_dotted(raw, dotted, value, where=ARGUMENTS)
    scenario = validate_scenario(raw, where=str(path))
    check_against_world(scenario, world if world is not None else World.load())
    warn_overridden(scenario, [dotted for dotted, _ in pairs])
    return scenario

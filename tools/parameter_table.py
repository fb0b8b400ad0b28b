"""Print the scenario parameter table of ``docs/model.md``, generated from the schema.

Usage::

    python tools/parameter_table.py > table.md

The table is built from :class:`sim.scenario.Scenario` and the models nested in it, not by
hand: one row per field, with its dotted path (``<id>``-style placeholders where a mapping
or list holds entries), the type and range from the field's annotation and constraints
(``ge``/``gt``/``le``/``lt``), the default, the unit (from :data:`UNITS`) and the field's
``description``. A country set is one row wherever it is used; its own keys are listed
once under ``<country set>``. ``tests/test_docs.py`` regenerates the table and fails when
the block between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->`` in
``docs/model.md`` differs, so the document stays true to the code.
"""

from __future__ import annotations

import sys
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.scenario import CountrySet, Scenario

#: Unit of every numeric field, by ``Model.field``. A numeric field missing here stops the
#: script, so a new parameter cannot reach the document without one.
UNITS = {
    "Scenario.steps": "steps",
    "Scenario.seed": "none (random seed)",
    "Framework.launch_step": "step",
    "Framework.levers": "offer size (utility units at lever weight 1 and need 1)",
    "Framework.entry_cost": "utility units",
    "Framework.sovereignty_cost": "utility units at autonomy 1",
    "Framework.entry_cost_overrides": "utility units",
    "Framework.partner_discount": "utility units",
    "PairCost.cost": "utility units",
    "Compatibility.dual_cost": "utility units",
    "Utility.alignment": "utility units per sd of the alignment measure",
    "Utility.club": "utility units at a club share of 1",
    "Utility.club_exponent": "dimensionless",
    "Utility.peer": "utility units at a tie share of 1",
    "Utility.support": "utility units for a declared supporter",
    "Utility.levers": "multiplier (dimensionless)",
    "Peers.ties": "relative weight (dimensionless)",
    "Rule.temperature": "utility units",
    "Rule.activation_rate": "share of countries per step",
    "Rule.switching_cost": "utility units",
    "Rule.threshold": "utility units",
    "Penalty.amount": "utility units at attribute 1",
    "Event.step": "step",
    "Convergence.window": "steps",
    "Convergence.tolerance": "share",
    "OfferCost.cost": "budget units per unit offered",
    "OfferCost.cost_overrides": "budget units per unit offered",
    "SponsorSpec.budget": "budget units (per step or in total)",
    "SponsorSpec.units": "units of the lever",
    "SponsorSpec.margin": "utility units",
    "SponsorSpec.start_step": "step",
}

#: Units of non-numeric fields whose values are codes of a kind.
CODE_UNITS = {
    "CountrySet.countries": "ISO3 codes",
    "CountrySet.blocs": "bloc ids (sim/data/blocs.csv)",
    "CountrySet.affiliations": "affiliation ids",
    "CountrySet.as_of": "ISO date",
    "Compatibility.exclusive": "framework ids",
    "PairCost.pair": "framework ids",
    "Penalty.imposed_by": "framework id",
    "Penalty.on_members_of": "framework id",
    "Commit.framework": "framework id",
    "Support.framework": "framework id",
    "Event.launch": "framework id",
}

#: Placeholder for the keys of mapping fields, by ``Model.field``.
KEY_NAMES = {
    "Framework.entry_cost_overrides": "<ISO3>",
    "OfferCost.cost_overrides": "<ISO3>",
    "Peers.ties": "<layer>",
    "Event.set": "<dotted.path>",
}

HEADER = "| path | type, range | default | unit | description |\n|---|---|---|---|---|"


def _strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """Split ``Annotated[T, ...]`` into ``T`` and its constraint objects."""
    constraints: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        base, *extras = typing.get_args(annotation)
        for extra in extras:
            constraints.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        annotation = base
    return annotation, constraints


def _optional(annotation: Any) -> tuple[Any, bool]:
    """Split ``T | None`` into ``T`` and whether ``None`` is allowed."""
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0], True
    return annotation, False


def _range(constraints: list[Any]) -> str:
    """Write ``ge``/``gt``/``le``/``lt`` constraints as ``>= 0``, ``in (0, 1]`` and so on."""
    low = high = None
    for item in constraints:
        if isinstance(item, annotated_types.Ge):
            low = f"[{item.ge}"
        elif isinstance(item, annotated_types.Gt):
            low = f"({item.gt}"
        elif isinstance(item, annotated_types.Le):
            high = f"{item.le}]"
        elif isinstance(item, annotated_types.Lt):
            high = f"{item.lt})"
    if low and high:
        return f" in {low}, {high}"
    if low:
        return f" {'>=' if low[0] == '[' else '>'} {low[1:]}"
    if high:
        return f" {'<=' if high[-1] == ']' else '<'} {high[:-1]}"
    return ""


def _type_text(annotation: Any, constraints: list[Any]) -> str:
    """Describe a (stripped) annotation with its constraints in words."""
    annotation, more = _strip_annotated(annotation)
    constraints = [*constraints, *more]
    annotation, nullable = _optional(annotation)
    annotation, more = _strip_annotated(annotation)
    constraints = [*constraints, *more]
    origin = typing.get_origin(annotation)
    if annotation is bool:
        text = "true or false"
    elif annotation is int:
        text = "integer" + _range(constraints)
    elif annotation is float:
        finite = any(getattr(item, "allow_inf_nan", True) is False for item in constraints)
        text = ("finite number" if finite else "number") + _range(constraints)
    elif annotation is str:
        text = "text"
    elif annotation is CountrySet:
        text = "country set"
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        text = "one of " + ", ".join(f"`{member.value}`" for member in annotation)
    elif origin is Literal:
        text = "one of " + ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    elif origin is tuple:
        text = "list of " + _type_text(typing.get_args(annotation)[0], [])
    elif origin is dict:
        value = typing.get_args(annotation)[1]
        value_text = "values" if value is Any else _type_text(value, [])
        text = f"mapping of {value_text}"
    else:
        raise TypeError(f"no wording for the annotation {annotation!r}")
    return f"{text}, or omitted" if nullable else text


def _value_text(value: Any) -> str:
    """A default value as it would be written in YAML."""
    if isinstance(value, CountrySet):
        given = value.model_dump(mode="json", exclude_defaults=True)
        return "all countries" if given == {"all": True} else "no countries" if not given else str(given)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "omitted"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, str):
        return f"`{value}`" if value else "empty"
    if isinstance(value, tuple | list):
        return "[]" if not value else "[" + ", ".join(_value_text(item) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "none"
        if len(set(value.values())) == 1:
            return f"{_value_text(next(iter(value.values())))} each"
        return "; ".join(f"{_value_text(key).strip('`')}: {_value_text(item)}" for key, item in value.items())
    return str(value)


def _key_placeholder(owner: str, key: Any) -> str:
    """The placeholder for the keys of a mapping field."""
    if owner in KEY_NAMES:
        return KEY_NAMES[owner]
    key, _ = _strip_annotated(key)
    if (isinstance(key, type) and issubclass(key, Enum)) or typing.get_origin(key) is Literal:
        return "<lever>"
    return "<id>"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The schema model an annotation holds directly (country sets count as values)."""
    annotation, _ = _optional(_strip_annotated(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation is not CountrySet:
        return annotation
    return None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_rows(model: type[BaseModel], prefix: str) -> list[str]:
    """Table rows for every field of a schema model, descending into nested models.

    Args:
        model: A schema model (e.g. :class:`~sim.scenario.Scenario`).
        prefix: The dotted path of the model's fields (empty at the top).

    Returns:
        Markdown table rows, one per leaf field, in schema order.

    Raises:
        KeyError: If a numeric field has no unit in :data:`UNITS`.

    """
    rows: list[str] = []
    for name, info in model.model_fields.items():
        owner = f"{model.__name__}.{name}"
        path = f"{prefix}.{name}" if prefix else name
        annotation, _ = _strip_annotated(info.annotation)
        origin = typing.get_origin(annotation)
        if origin is dict and _model_of(typing.get_args(annotation)[1]) is not None:
            key, entry = typing.get_args(annotation)
            rows.extend(parameter_rows(_model_of(entry), f"{path}.{_key_placeholder(owner, key)}"))
            continue
        if origin is tuple and _model_of(typing.get_args(annotation)[0]) is not None:
            rows.extend(parameter_rows(_model_of(typing.get_args(annotation)[0]), f"{path}.<n>"))
            continue
        nested = _model_of(annotation)
        if nested is not None:
            rows.extend(parameter_rows(nested, path))
            continue
        type_text = _type_text(info.annotation, list(info.metadata))
        if origin is dict:
            key, value = typing.get_args(annotation)
            path = f"{path}.{_key_placeholder(owner, key)}"
            type_text = _type_text(value, [])
            if _key_placeholder(owner, key) == "<lever>":
                type_text += f"; `<lever>` is {_type_text(key, [])}"
        numeric = any(word in type_text for word in ("number", "integer"))
        if numeric and owner not in UNITS:
            raise KeyError(f"{owner} is numeric but has no unit in UNITS (tools/parameter_table.py)")
        unit = UNITS.get(owner) or CODE_UNITS.get(owner, "")
        default = "required" if info.is_required() else _value_text(info.default)
        description = info.description or ""
        rows.append(f"| `{path}` | {_cell(type_text)} | {_cell(default)} | {unit} | {_cell(description)} |")
    return rows


def parameter_table() -> str:
    """The whole table: every scenario parameter, then the keys of a country set.

    Returns:
        Markdown text, ending with a newline.

    """
    rows = [*parameter_rows(Scenario, ""), *parameter_rows(CountrySet, "<country set>")]
    return "\n".join([HEADER, *rows]) + "\n"


def main() -> int:
    sys.stdout.write(parameter_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

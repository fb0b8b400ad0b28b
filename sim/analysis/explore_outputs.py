"""Exploration outputs on disk, read back: the folders of ``discover``, ``robustness`` and ``optimize``.

Each folder holds the marker of :mod:`sim.atomic` whose ``kind`` says which of the three it
is; :func:`load_explore_output` checks the marker and the files that kind must hold and
returns their tables, headline numbers and figures (PNG bytes), for the report
(:func:`sim.viz.report.build_report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.atomic import MARKER
from sim.errors import InputError
from sim.files import read_csv_table, read_json

#: Output kinds (what may replace what, see :func:`sim.atomic.check_output_folder`).
DISCOVERY_KIND, ROBUSTNESS_KIND, OPTIMIZATION_KIND = "discovery", "robustness", "optimization"

#: Per kind: the JSON file of headline numbers (or None), the CSV tables (stem: index column)
#: and the figures the folder must hold; the commands write them (see :mod:`sim.cli.explore`).
#: A discovery without boxes or trajectory has no figure and no trajectory (the marker says so).
_LAYOUT: dict[str, tuple[str | None, dict[str, str | None], tuple[str, ...]]] = {
    DISCOVERY_KIND: ("discovery.json", {"trajectory": None}, ("tradeoff.png", "box_limits.png")),
    ROBUSTNESS_KIND: (
        None, {"robustness": "policy", "outcomes": "scenario", "regret": "scenario"}, ("robustness.png",)
    ),
    OPTIMIZATION_KIND: (
        "summary.json", {"front": None, "evaluations": None, "convergence": None},
        ("pareto.png", "convergence.png"),
    ),
}  # fmt: skip

#: Files a kind needs whatever it found (the others are optional when the marker does not list them).
_ALWAYS = {
    DISCOVERY_KIND: {"discovery.json"},
    ROBUSTNESS_KIND: {"robustness.csv", "outcomes.csv", "regret.csv", "robustness.png"},
    OPTIMIZATION_KIND: {"summary.json", "front.csv", "evaluations.csv", "convergence.csv", "pareto.png",
                        "convergence.png"},
}  # fmt: skip

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: Headline fields each kind's JSON file must hold (see ``Discovery.to_json`` and ``Search.summary``).
_HEADLINE_FIELDS = {
    DISCOVERY_KIND: ("method", "condition", "cases", "of_interest", "boxes"),
    OPTIMIZATION_KIND: ("goal", "reliability", "cheapest_feasible", "front_size", "evaluated"),
}
_BEST_FIELDS = ("levers", "cost", "robust_outcome", "satisficing")


@dataclass(frozen=True)
class ExploreOutput:
    """A folder written by ``coalsim discover``, ``robustness`` or ``optimize``.

    Attributes:
        kind: :data:`DISCOVERY_KIND`, :data:`ROBUSTNESS_KIND` or :data:`OPTIMIZATION_KIND`.
        folder: Where it was read from.
        headline: ``discovery.json`` (without its trajectory) or the optimisation's
            ``summary.json``; for robustness, ``scenarios`` and ``policies`` counted from its tables.
        tables: The CSV tables by stem (e.g. ``robustness``, ``front``); for discovery also
            ``boxes``: one row per box and limit, with the box's coverage, density and mass.
        figures: The PNG files by name.

    """

    kind: str
    folder: Path
    headline: dict
    tables: dict[str, pd.DataFrame]
    figures: dict[str, bytes]


def _boxes_table(content: dict, where: str) -> pd.DataFrame:
    """One row per box and limit of a discovery's ``boxes``."""
    rows = []
    try:
        for number, box in enumerate(content["boxes"], start=1):
            for name, limit in box["limits"].items():
                rows.append(
                    {
                        "box": number, "parameter": name, "limit": limit,
                        "quasi_p": box["significance"].get(name), "coverage": float(box["coverage"]),
                        "density": float(box["density"]), "mass": float(box["mass"]),
                    }
                )  # fmt: skip
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(
            where, "boxes", "boxes with coverage, density, mass, limits and significance",
            f"{type(exc).__name__}: {exc}",
        ) from None  # fmt: skip
    columns = ["box", "parameter", "limit", "quasi_p", "coverage", "density", "mass"]
    return pd.DataFrame(rows, columns=columns)


def _check_fields(content: object, fields: tuple[str, ...], where: str, field: str) -> None:
    """Raise if ``content`` is not a JSON object with all of ``fields``."""
    missing = [name for name in fields if not isinstance(content, dict) or name not in content]
    if missing:
        raise InputError(where, field, f"an object with {', '.join(fields)}", f"no {missing[0]}")


def load_explore_output(folder: str | Path) -> ExploreOutput:
    """Read a folder written by ``coalsim discover``, ``robustness`` or ``optimize``.

    Args:
        folder: The output folder.

    Returns:
        Its kind, headline numbers, tables and figures.

    Raises:
        InputError: If the folder does not exist, has no readable marker of one of the three
            kinds, or misses or holds a damaged file that kind needs.

    """
    root = Path(folder)
    expected = "an output folder of coalsim discover, robustness or optimize"
    if not root.is_dir():
        raise InputError(str(root), "", expected, "no such folder")
    try:
        marker = read_json(root / MARKER)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(str(root), MARKER, expected, f"no readable marker ({type(exc).__name__})") from None
    kind = marker.get("kind") if isinstance(marker, dict) else None
    listed = marker.get("files") if isinstance(marker, dict) else None
    if kind not in _LAYOUT or not isinstance(listed, list):
        raise InputError(str(root / MARKER), "kind", f"one of {sorted(_LAYOUT)}", repr(kind))
    summary, stems, pictures = _LAYOUT[kind]
    optional = {f"{stem}.csv" for stem in stems} | set(pictures)
    needed = _ALWAYS[kind] | (set(map(str, listed)) & optional)
    absent = sorted(name for name in needed if not (root / name).is_file())
    if absent:
        raise InputError(str(root), absent[0], f"the {kind} output's file", "no such file")
    headline: dict = {}
    if summary is not None:
        try:
            headline = read_json(root / summary)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(
                str(root / summary), "", "readable JSON", f"{type(exc).__name__}: {exc}"
            ) from None
        if not isinstance(headline, dict):
            raise InputError(str(root / summary), "", "a JSON object", type(headline).__name__)
        _check_fields(headline, _HEADLINE_FIELDS[kind], str(root / summary), "")
        best = headline.get("cheapest_feasible")
        if kind == OPTIMIZATION_KIND and best is not None:
            _check_fields(best, _BEST_FIELDS, str(root / summary), "cheapest_feasible")
    tables = {}
    for stem, index in stems.items():
        if f"{stem}.csv" not in needed:
            continue
        try:
            tables[stem] = read_csv_table(root / f"{stem}.csv", index)
        except (OSError, ValueError) as exc:
            raise InputError(
                str(root), f"{stem}.csv", f"the {kind} output's table", f"{type(exc).__name__}: {exc}"
            ) from None
    figures = {name: (root / name).read_bytes() for name in sorted(needed & set(pictures))}
    damaged = [name for name, data in figures.items() if not data.startswith(_PNG_MAGIC)]
    if damaged:
        raise InputError(str(root), damaged[0], "a PNG image", "other bytes")
    if kind == DISCOVERY_KIND:
        tables["boxes"] = _boxes_table(headline, str(root / summary))
        headline = {key: value for key, value in headline.items() if key != "trajectory"}
    elif kind == ROBUSTNESS_KIND:
        headline = {"scenarios": len(tables["outcomes"]), "policies": len(tables["robustness"])}
    return ExploreOutput(kind, root, headline, tables, figures)


__all__ = ["DISCOVERY_KIND", "OPTIMIZATION_KIND", "ROBUSTNESS_KIND", "ExploreOutput", "load_explore_output"]

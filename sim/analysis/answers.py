"""What-it-takes answers on disk: :func:`save_answer` writes an answer's folder, :func:`load_answer` reads it.

An answer's folder (``coalsim what-it-takes --out``) holds ``answer.json`` (the question
and the headline numbers), its CSV tables and any figure drawn for it; the computation is
in :mod:`sim.analysis.what_it_takes`, the figure in :func:`sim.viz.plots.budget_curve_figure`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.what_it_takes import MAX_OFFER, BudgetCurve, OfferThreshold
from sim.errors import InputError
from sim.files import read_csv_table, read_json
from sim.scenario import Scenario
from sim.world import World

#: The kind of output folder an answer is (see :func:`sim.atomic.check_output_folder`).
ANSWER_KIND = "what-it-takes"

#: Files of a saved answer, by kind (besides ``answer.json``); tables are CSV, by stem.
ANSWER_TABLES = {
    "offer": {"what_it_takes": "lever", "thresholds_per_seed": None},
    "budget": {"budget_curve": "budget", "budget_runs": None},
}

#: The figure a budget answer carries.
BUDGET_FIGURE = "budget_curve.png"


@dataclass(frozen=True)
class Answer:
    """A saved what-it-takes answer, read back by :func:`load_answer`.

    Attributes:
        kind: ``"offer"`` (smallest offer that wins a country) or ``"budget"`` (what a budget buys).
        folder: Where it was read from.
        metadata: ``answer.json``: ``question`` (what was asked, scenario, seeds, levers and
            costs) and ``headline`` (the numbers a reader wants first).
        tables: The CSV tables by name (see :data:`ANSWER_TABLES`).

    """

    kind: str
    folder: Path
    metadata: dict
    tables: dict[str, pd.DataFrame]

    @property
    def question(self) -> dict:
        """What was asked: scenario, country, framework, seeds, steps and levers."""
        return self.metadata["question"]

    @property
    def headline(self) -> dict:
        """The headline numbers (see :func:`save_answer`)."""
        return self.metadata["headline"]

    def result(self) -> OfferThreshold | BudgetCurve:
        """Rebuild the answer object, so its tables, report and figure come out as when it was made."""
        question = self.question
        if self.kind == "offer":
            levers = pd.DataFrame.from_dict(question["levers"], orient="index", dtype=float)
            levers.index.name = "lever"
            return OfferThreshold(
                question["country"], question["framework"], question["share"], question["stay"],
                question["steps"], tuple(question["run_seeds"]),
                self.tables["thresholds_per_seed"]["threshold"].to_numpy(dtype=float), levers,
                question["tolerance"], question["root_seed"],
            )  # fmt: skip
        return BudgetCurve(
            question["framework"], question["country"], self.tables["budget_runs"],
            question["budget_period"], question["steps"], question["root_seed"], question["levers"],
        )  # fmt: skip


def _json_number(value: float) -> float | None:
    """A float for JSON: None where it is not finite (JSON has no inf or NaN)."""
    return float(value) if math.isfinite(value) else None


def _question(answer: OfferThreshold | BudgetCurve, scenario: Scenario, world: World) -> dict:
    """What was asked, with everything needed to ask it again."""
    country = answer.country
    common = {
        "scenario": {
            "path": scenario.source, "name": scenario.name, "hash": scenario.digest(),
            "question": scenario.question,
        },
        "country": country,
        "country_name": None if country is None else str(world.names[world.index[country]]),
        "framework": answer.framework,
        "framework_name": scenario.frameworks[answer.framework].name,
        "steps": answer.steps,
        "root_seed": int(answer.root_seed),
    }  # fmt: skip
    if isinstance(answer, OfferThreshold):
        levers = {
            str(lever): {"worth": float(row["worth"]), "cost": _json_number(row["cost"])}
            for lever, row in answer.levers.iterrows()
        }
        return {
            "mode": "offer", **common, "seeds": len(answer.seeds), "run_seeds": list(answer.seeds),
            "share": answer.share, "stay": answer.stay, "tolerance": answer.tolerance,
            "max_offer": MAX_OFFER, "levers": levers,
        }  # fmt: skip
    return {
        "mode": "budget", **common, "seeds": int(answer.runs["seed"].nunique()),
        "run_seeds": [int(s) for s in answer.runs.drop_duplicates("replicate")["seed"]],
        "budgets": sorted(float(b) for b in answer.runs["budget"].unique()),
        "budget_period": answer.budget_period, "strategy": "greedy", "levers": answer.levers,
    }  # fmt: skip


def _headline(answer: OfferThreshold | BudgetCurve) -> dict:
    """The numbers a reader wants first (utility units for offers, countries for budgets)."""
    if isinstance(answer, BudgetCurve):
        summary = answer.summary().reset_index()
        return {
            "per_budget": [{k: _json_number(v) for k, v in row.items()} for row in summary.to_dict("records")]
        }
    spread = answer.spread
    cheapest = answer.cheapest
    table = answer.table()
    finite = math.isfinite(answer.required)
    return {
        "required_utility": _json_number(answer.required),
        "median_utility": _json_number(spread[0.5]),
        "p05_utility": _json_number(spread[0.05]),
        "p95_utility": _json_number(spread[0.95]),
        "seeds_won": int(np.isfinite(answer.thresholds).sum()),
        "seeds_without_offer": int((answer.thresholds == 0).sum()),
        "cheapest_lever": cheapest,
        "cheapest_units": _json_number(table.loc[cheapest, "units"]) if cheapest and finite else None,
        "cheapest_cost": _json_number(table.loc[cheapest, "cost"]) if cheapest and finite else None,
    }


def answer_files(
    answer: OfferThreshold | BudgetCurve,
    scenario: Scenario,
    world: World | None = None,
    figures: Mapping[str, bytes] | None = None,
) -> dict:
    """Every file of an answer's folder, by name, as bytes (encoded in memory).

    Args:
        answer: The answer.
        scenario: The scenario it answers (recorded by path, name and hash).
        world: The world it ran in (for the country's name; default: the shipped one).
        figures: Drawn figures to keep with it, by file name (the CLI adds
            :data:`BUDGET_FIGURE` to a budget curve; figures are the viz layer's).

    Returns:
        ``answer.json``, the CSV tables and the figures.

    """
    from sim.results import package_version

    world = World.load() if world is None else world
    metadata = {
        "kind": "offer" if isinstance(answer, OfferThreshold) else "budget",
        "question": _question(answer, scenario, world),
        "headline": _headline(answer),
        "coalsim_version": package_version(),
    }
    if isinstance(answer, OfferThreshold):
        tables = {"what_it_takes": answer.table(), "thresholds_per_seed": answer.per_seed()}
    else:
        tables = {"budget_curve": answer.summary(), "budget_runs": answer.runs}
    files = dict(figures or {})
    for stem, table in tables.items():
        keep_index = ANSWER_TABLES[metadata["kind"]][stem] is not None
        files[f"{stem}.csv"] = table.to_csv(index=keep_index).encode("utf-8")
    text = json.dumps(metadata, indent=2, sort_keys=True, allow_nan=False)
    return {"answer.json": (text + "\n").encode("utf-8"), **files}


def save_answer(
    answer: OfferThreshold | BudgetCurve,
    scenario: Scenario,
    folder: str | Path,
    world: World | None = None,
    sources: Sequence[str | Path] = (),
    figures: Mapping[str, bytes] | None = None,
) -> Path:
    """Write an answer's folder atomically, replacing only an older answer.

    Every file is drawn in memory, written into a hidden sibling folder, flushed to disk,
    and the folder is then renamed into place (:func:`sim.atomic.write_folder_atomically`):
    the folder holds the old complete answer or the new one, never a part.

    Args:
        answer: The answer.
        scenario: The scenario it answers.
        folder: Destination folder.
        world: The world it ran in (default: the shipped one).
        sources: Input files, whose folders are never replaced.
        figures: Drawn figures to keep with it, by file name (PNG bytes).

    Returns:
        The folder written.

    Raises:
        InputError: If ``folder`` holds anything but an earlier answer (nothing is changed).

    """
    from sim.atomic import write_folder_atomically

    files = answer_files(answer, scenario, world, figures)
    return write_folder_atomically(folder, files, ANSWER_KIND, sources=[scenario.source, *sources])


def load_answer(folder: str | Path) -> Answer:
    """Read a folder written by ``coalsim what-it-takes`` (:func:`save_answer`).

    Args:
        folder: The answer's folder.

    Returns:
        Its kind, metadata and tables.

    Raises:
        InputError: If the folder does not exist or is not a complete what-it-takes answer.

    """
    root = Path(folder)
    expected = "a what-it-takes result folder (written by coalsim what-it-takes)"
    if not root.is_dir():
        raise InputError(str(root), "", expected, "no such folder")
    path = root / "answer.json"
    if not path.is_file():
        raise InputError(
            str(root), "answer.json", expected, "no answer.json in it",
            hint="make one with: coalsim what-it-takes SCENARIO --country ISO3 --framework ID --out FOLDER",
        )  # fmt: skip
    try:
        metadata = read_json(path)
    except (OSError, ValueError) as exc:
        raise InputError(str(path), "", "readable JSON", f"{type(exc).__name__}: {exc}") from None
    kind = metadata.get("kind") if isinstance(metadata, dict) else None
    if kind not in ANSWER_TABLES or not {"question", "headline"} <= set(metadata):
        raise InputError(
            str(path), "kind", f"one of {sorted(ANSWER_TABLES)} with a question and a headline", repr(kind)
        )
    tables = {}
    for stem, index in ANSWER_TABLES[kind].items():
        try:
            tables[stem] = read_csv_table(root / f"{stem}.csv", index)
        except (OSError, ValueError) as exc:
            raise InputError(
                str(root), f"{stem}.csv", "the answer's table", f"{type(exc).__name__}: {exc}"
            ) from None
    return Answer(kind, root, metadata, tables)

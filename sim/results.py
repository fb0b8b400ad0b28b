"""One run's results: tidy tables, metadata, and saving them safely.

:func:`run` builds a :class:`~sim.model.CoalitionModel`, steps it, and returns a
:class:`RunResult`. :meth:`RunResult.save` writes Parquet files and ``metadata.json``
into a folder atomically: everything goes to a hidden sibling folder first, which is
renamed into place only when complete, so a crash never leaves a half-written result
under the final name.
"""

from __future__ import annotations

import io
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Literal

import mesa
import numpy as np
import pandas as pd

from sim import metrics
from sim.atomic import read_folder_once, write_folder_atomically
from sim.equilibrium import check_equilibrium, summary_lines
from sim.errors import describe
from sim.files import parse_json
from sim.model import CoalitionModel, Engine
from sim.scenario import Scenario
from sim.schema import check_seed, check_steps
from sim.sponsors import OFFER_COLUMNS, offers_frame
from sim.world import World

#: The tables a saved result holds, one Parquet file each.
TABLES = ("aggregates", "countries", "dynamics", "offers")

#: Files a saved result consists of (a plot, if any, is passed to save() as an extra).
RESULT_FILES = (*(f"{table}.parquet" for table in TABLES), "metadata.json")


@cache
def package_version() -> str:
    """The installed coalsim version."""
    try:
        return importlib_metadata.version("coalsim")
    except importlib_metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@dataclass(frozen=True, eq=False)
class RunResult:
    """Tidy outputs of one run.

    Attributes:
        aggregates: step, framework, members, share_count, share_gdp,
            share_population, share_ai_capacity (one row per framework and non-aligned).
        countries: step, iso3, portfolio, one boolean column per framework, changed.
        dynamics: step, switches, dual_members, non_aligned, effective_portfolios,
            sponsor_spend (what all sponsors spent at that step).
        offers: Every sponsor's offer: step, sponsor (the framework it courts for), iso3,
            lever, units, cost (empty without sponsors; see :mod:`sim.sponsors`).
        metadata: scenario name and hash, seed, steps, versions, convergence, and the
            equilibrium check of the final state (``equilibrium``: is it Nash in
            portfolios, who could gain, each framework's internal and external
            stability; see :mod:`sim.equilibrium`).

    """

    aggregates: pd.DataFrame
    countries: pd.DataFrame
    dynamics: pd.DataFrame
    metadata: dict[str, Any]
    offers: pd.DataFrame = field(default_factory=lambda: offers_frame([], np.array([], dtype=str)))

    @classmethod
    def from_model(
        cls, model: CoalitionModel, seed: int, record: Literal["all", "final"] = "all"
    ) -> RunResult:
        """Collect the tables of a model that has been stepped.

        Args:
            model: The stepped model.
            seed: The seed it was run with.
            record: ``"all"`` keeps every step's per-country state, ``"final"`` the last.

        Returns:
            The run's result.

        """
        history = np.asarray(model.history)
        params = model.params
        world = model.world
        aggregates = metrics.aggregates(history, params.portfolios, params.framework_ids, world)
        steps = None if record == "all" else np.array([len(history) - 1])
        countries = metrics.countries(
            history, params.portfolios, params.labels, params.framework_ids, world, steps
        )
        settle = model.spec.convergence
        equilibrium = check_equilibrium(model)
        meta = {
            "scenario": model.spec.name,
            "question": model.spec.question,
            "scenario_hash": model.spec.digest(),
            "scenario_source": model.spec.source,
            "seed": int(seed),
            "steps": len(history) - 1,
            "engine": model.engine,
            "frameworks": list(params.framework_ids),
            "sponsors": [sponsor.framework for sponsor in model.sponsors],
            "framework_names": {fid: model.spec.frameworks[fid].name for fid in params.framework_ids},
            "converged_at": metrics.converged_at(aggregates, settle.window, settle.tolerance),
            "equilibrium": equilibrium.to_dict(),
            "equilibrium_summary": summary_lines(equilibrium),
            "coalsim_version": package_version(),
            "data_version": world.data_version,
            "mesa_version": mesa.__version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
        }
        dynamics = metrics.dynamics(history, params.portfolios)
        dynamics["sponsor_spend"] = np.asarray(model.spend, dtype=float)
        return cls(aggregates, countries, dynamics, meta, model.offers())

    def final_shares(self, measure: str = "share_gdp") -> pd.Series:
        """Each framework's share at the last step, by the given measure."""
        last = self.aggregates[self.aggregates["step"] == self.aggregates["step"].max()]
        return last.set_index("framework")[measure]

    def save(self, folder: str | Path, extras: Mapping[str, bytes] | None = None) -> Path:
        """Write the result into ``folder`` atomically (replacing an older result).

        Args:
            folder: Destination folder.
            extras: More files to write into the same atomic folder, by name (e.g. a
                rendered plot), so they appear together with the data or not at all.

        Returns:
            The folder written.

        Raises:
            InputError: If ``folder`` holds anything but an earlier run's files (see
                :func:`sim.atomic.check_output_folder`); nothing is changed then.

        """
        files = {f"{table}.parquet": _parquet_bytes(getattr(self, table)) for table in TABLES}
        files["metadata.json"] = (json.dumps(self.metadata, indent=2, sort_keys=True) + "\n").encode()
        return write_folder_atomically(folder, {**files, **(extras or {})}, kind="run")

    @classmethod
    def load(cls, folder: str | Path) -> RunResult:
        """Read a result written by :meth:`save`.

        Args:
            folder: The result folder.

        Returns:
            The reloaded result.

        Raises:
            FileNotFoundError: If a result file is missing.
            ValueError: If ``metadata.json`` is not JSON, or lacks a key of
                :data:`METADATA_TYPES` or holds it with another type, or a table lacks a
                column of :data:`TABLE_COLUMNS`.

        """
        root = Path(folder)
        try:
            files = read_folder_once(root, RESULT_FILES)  # one version, even while a run replaces it
        except FileNotFoundError:
            missing = [name for name in RESULT_FILES if not (root / name).is_file()] or list(RESULT_FILES)
            raise FileNotFoundError(f"{root} is not a complete coalsim result: missing {missing}") from None
        read = {name: pd.read_parquet(io.BytesIO(files[f"{name}.parquet"])) for name in TABLES}
        tables = {name: _checked_table(name, table) for name, table in read.items()}
        metadata = _checked_metadata(parse_json(files["metadata.json"]))
        _check_agreement(tables, metadata)
        return cls(**tables, metadata=metadata)


#: The columns every reader of a stored run's tables uses, with whether they hold whole numbers
#: (a table of another kind, renamed or copied over one, is refused by name, not by a KeyError).
TABLE_COLUMNS: dict[str, dict[str, bool]] = {
    "aggregates": {"step": True, "framework": False, "members": True, "share_count": False},
    "countries": {"step": True, "iso3": False, "portfolio": False},
    "dynamics": {"step": True},
    "offers": {column: column == "step" for column in OFFER_COLUMNS},
}


def _checked_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """A stored run's table, or a ``ValueError`` naming the column that is missing or not whole numbers."""
    for column, whole in TABLE_COLUMNS[name].items():
        if column not in table.columns:
            raise ValueError(f"{name}.parquet has no '{column}' column: not a coalsim {name} table")
        if whole and not pd.api.types.is_integer_dtype(table[column]):
            raise ValueError(f"{name}.parquet's '{column}' holds {table[column].dtype}, not whole numbers")
    return table


#: What a stored run's ``metadata.json`` must hold for its readers, and of which types.
METADATA_TYPES: dict[str, tuple[type, ...]] = {
    "seed": (int,), "steps": (int,), "frameworks": (list,), "scenario_hash": (str,), "scenario": (str,),
    "converged_at": (int, type(None)),
}  # fmt: skip

#: Keys a stored run's ``metadata.json`` may lack, of which types when it has them.
OPTIONAL_METADATA_TYPES: dict[str, tuple[type, ...]] = {"question": (str,), "framework_names": (dict,)}


def _checked_metadata(metadata: Any) -> dict[str, Any]:
    """A stored run's metadata, or a ``ValueError`` naming what is missing or of the wrong type."""
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata.json holds {type(metadata).__name__}, not a JSON object")
    optional = {key: types for key, types in OPTIONAL_METADATA_TYPES.items() if key in metadata}
    for key, types in {**METADATA_TYPES, **optional}.items():
        value = metadata.get(key)
        if key not in metadata or isinstance(value, bool) or not isinstance(value, types):
            expected = " or ".join(t.__name__ for t in types)
            raise ValueError(f"metadata.json's '{key}' is {describe(value)}, not {expected}")
    if not all(isinstance(fid, str) for fid in metadata["frameworks"]):
        raise ValueError("metadata.json's 'frameworks' is not a list of framework ids")
    return metadata


def _check_agreement(tables: dict[str, pd.DataFrame], metadata: dict[str, Any]) -> None:
    """Raise a ``ValueError`` unless the tables hold the run ``metadata.json`` describes.

    The countries table has a column per framework, and the aggregates end at the recorded
    step count: a report asked why a country chose replays the run for that many steps (a
    count edited to 10**12 never ended), and reads each framework's column by name.
    """
    absent = [fid for fid in metadata["frameworks"] if fid not in tables["countries"].columns]
    if absent:
        raise ValueError(f"countries.parquet has no '{absent[0]}' column, a framework metadata.json names")
    last = tables["aggregates"]["step"].max()
    if len(tables["aggregates"]) and last != metadata["steps"]:
        raise ValueError(f"metadata.json's 'steps' is {metadata['steps']}, the tables' last step {last}")


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def run(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    *,
    world: World | None = None,
    engine: Engine = "vectorized",
    record: Literal["all", "final"] = "all",
) -> RunResult:
    """Run a scenario once.

    Args:
        scenario: A validated scenario (see :func:`sim.load_scenario`).
        seed: Random seed; the scenario's ``seed`` when omitted.
        steps: Number of steps; the scenario's ``steps`` when omitted.
        world: The world; the shipped 193 countries when omitted.
        engine: ``"vectorized"`` (fast) or ``"agents"`` (readable); same results.
        record: Per-country states at ``"all"`` steps or only the ``"final"`` one.

    Returns:
        The run's :class:`RunResult`.

    Raises:
        InputError: If ``steps`` or ``seed`` is outside the limits of a scenario's own
            (see :mod:`sim.schema`), before any work starts.

    """
    seed = check_seed(scenario.seed if seed is None else seed, "run()")
    if steps is not None:
        check_steps(steps, "run()")
    model = CoalitionModel(scenario, world if world is not None else World.load(), rng=seed, engine=engine)
    model.run_for(scenario.steps if steps is None else steps)
    return RunResult.from_model(model, seed, record)

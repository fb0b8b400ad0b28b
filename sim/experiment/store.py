"""The result store: a folder that a sweep fills run by run and that reloads in parts.

Layout of a store folder::

    manifest.json        format, spec (and its hash), scenario hash, versions, design
    spec.yaml            the spec file as written
    scenario.json        the base scenario, so the store explains itself
    design.parquet       the design matrix in problem space (sample, one column per parameter)
    runs.parquet         the run table: run_id, sample, replication, seed, parameters,
                         status (pending / succeeded / failed), error, seconds, finished_at,
                         worker, converged_at, is_nash, part
    aggregates/part-*.parquet   per-step aggregates of finished runs, one file per chunk
    countries/part-*.parquet    final (or every step's) per-country states, likewise

Every write is atomic: a file is written under a hidden temporary name, flushed to
disk and ``os.replace``-d into place; a new store is built in a hidden folder and
renamed. A chunk's part files are written before the run table that points to them,
so the run table is the one commit point: a run counts as done only once the table
says so, readers read only the parts the table names, and a resumed sweep deletes
part files no table names (left by a kill between the two writes) before it starts.
Readers read the files a sweep replaces through one open handle
(:func:`read_parquet_once`), so a replace while they read cannot mix two versions.

One process writes a store at a time (:func:`store_lock`, an OS lock beside it).
Every reader opens a store through :func:`check_store`, which names any file that is
missing or unreadable; a resume reruns the runs whose part files are damaged and
rewrites what the store shows it can rebuild (see :meth:`ResultStore.open_for_resume`).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.atomic import (
    atomic_write,
    fsync_folder,
    is_staging,
    remove_stale_staging,
    replace_folder,
    staging_path,
)
from sim.errors import ARGUMENTS, InputError, describe, did_you_mean
from sim.experiment.spec import POLICY_COLUMNS, Experiment, ExperimentSpec, validate_spec
from sim.files import read_json, read_yaml_mapping
from sim.results import package_version
from sim.scenario import scenario_digest
from sim.vocabulary import MEASURES, NON_ALIGNED_ID

try:
    import fcntl
except ImportError:  # Windows locks byte ranges with msvcrt instead
    fcntl = None  # type: ignore[assignment]

#: Identifies a store folder and the version of its layout.
STORE_FORMAT, STORE_VERSION = "coalsim-sweep", 1

#: The two datasets a sweep writes, one part file per finished chunk.
DATASETS = ("aggregates", "countries")

Status = Literal["pending", "succeeded", "failed"]

#: Columns every run-table row has besides the parameter columns.
RUN_COLUMNS = ("run_id", "sample", "replication", "seed")
#: Columns that record how each run ended, with their Arrow types.
OUTCOME_TYPES = {
    "status": pa.string(),
    "error": pa.string(),
    "seconds": pa.float64(),
    "finished_at": pa.timestamp("us", tz="UTC"),
    "worker": pa.string(),
    "converged_at": pa.int64(),
    "is_nash": pa.bool_(),
    "part": pa.string(),
}
OUTCOME_COLUMNS = tuple(OUTCOME_TYPES)

#: The spec fields a resume may increase.
GROWABLE = ("samples", "replications")

#: The files that describe a store (as opposed to the run table and the part files).
HEADER_FILES = ("manifest.json", "design.parquet", "spec.yaml", "scenario.json")

#: Names of the part files a sweep writes: the only files a resume deletes from a dataset folder.
PART_NAME = re.compile(r"part-[0-9a-f]{32}\.parquet")

#: The columns of each dataset's part files that readers use.
PART_COLUMNS = {
    "aggregates": ("run_id", "sample", "replication", "step", "framework"),
    "countries": ("run_id", "sample", "replication", "step", "iso3", "portfolio"),
}


@dataclass(frozen=True)
class RunRecord:
    """How one run ended, as reported by the worker that ran it.

    Attributes:
        run_id: The run.
        status: ``"succeeded"`` or ``"failed"``.
        error: The error text of a failed run (``type: message``), else ``None``.
        seconds: Wall time of the run.
        finished_at: When it ended (UTC).
        worker: ``host:pid`` of the process that ran it.
        converged_at: The step the run settled at, if it did.
        is_nash: Whether its final state is a Nash equilibrium in portfolios (see
            :mod:`sim.equilibrium`), if the run reported it.

    """

    run_id: str
    status: Status
    error: str | None
    seconds: float
    finished_at: datetime
    worker: str
    converged_at: int | None = None
    is_nash: bool | None = None


@dataclass(frozen=True)
class ChunkOutput:
    """What a worker sends back for one chunk of runs.

    Attributes:
        records: One record per run of the chunk.
        tables: Parquet bytes per dataset (``aggregates``, ``countries``) holding the
            succeeded runs' rows; empty when no run succeeded.

    """

    records: tuple[RunRecord, ...]
    tables: Mapping[str, bytes] = field(default_factory=dict)


def parquet_bytes(data: pd.DataFrame | pa.Table) -> bytes:
    """Serialise a frame or Arrow table as Parquet (zstd-compressed) in memory."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _json_bytes(content: Any) -> bytes:
    return (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")


def versions() -> dict[str, str]:
    """Versions of the packages and data that made a store."""
    import platform
    from importlib import metadata

    import mesa

    from sim.world import World

    found = {"coalsim": package_version(), "data": World.load().data_version, "mesa": mesa.__version__}
    for name in ("numpy", "pandas", "pyarrow", "scipy", "SALib"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    found["python"] = platform.python_version()
    return found


def plan_table(experiment: Experiment) -> pd.DataFrame:
    """The run table of an experiment with every run pending.

    Args:
        experiment: The resolved experiment.

    Returns:
        One row per run, in sample then replication order.

    """
    tasks = experiment.tasks()
    table = pd.DataFrame(
        {
            "run_id": [task.run_id for task in tasks],
            "sample": np.array([task.sample for task in tasks], dtype=np.int64),
            "replication": np.array([task.replication for task in tasks], dtype=np.int64),
            "seed": np.array([task.seed for task in tasks], dtype=np.int64),
        }
    )
    points = experiment.points.iloc[table["sample"].to_numpy()].reset_index(drop=True)
    table = pd.concat([table, points], axis=1)
    table["status"] = "pending"
    table["error"] = pd.Series([None] * len(table), dtype="str")
    table["seconds"] = np.nan
    table["finished_at"] = pd.Series(pd.NaT, index=table.index, dtype="datetime64[us, UTC]")
    table["worker"] = pd.Series([None] * len(table), dtype="str")
    table["converged_at"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    table["is_nash"] = pd.Series(pd.NA, index=table.index, dtype="boolean")
    table["part"] = pd.Series([None] * len(table), dtype="str")
    return table


class ResultStore:
    """The writing side of a store: create or reopen a folder, then add chunks.

    Only one process writes a store (the sweep driver); workers send their outputs
    back to it. Use :meth:`create` or :meth:`open_for_resume`.

    Args:
        folder: The store folder.
        runs: The run table as it stands.

    """

    def __init__(self, folder: Path, runs: pd.DataFrame) -> None:
        self.folder = folder
        fixed = runs.drop(columns=list(OUTCOME_COLUMNS))
        self._fixed = pa.Table.from_pandas(fixed, preserve_index=False)
        self._ids = pd.Index(fixed["run_id"])
        self._outcomes = {column: _object_values(runs[column]) for column in OUTCOME_COLUMNS}

    @property
    def runs(self) -> pd.DataFrame:
        """The run table as it stands."""
        return run_frame(self._table())

    def _table(self) -> pa.Table:
        table = self._fixed
        for column, kind in OUTCOME_TYPES.items():
            table = table.append_column(column, pa.array(self._outcomes[column], type=kind))
        return table

    @classmethod
    def create(cls, folder: str | Path, experiment: Experiment) -> ResultStore:
        """Make a new store for an experiment, all runs pending.

        The store is assembled in a hidden sibling folder and renamed into place; such
        folders left by a creation that was killed are removed first, and only those
        (the staging rule of :func:`sim.atomic.remove_stale_staging`: a staging folder
        whose writer is still running is left alone).

        Args:
            folder: Where the store goes; it must not exist or be empty.
            experiment: The resolved experiment.

        Returns:
            The open store.

        Raises:
            InputError: If the folder exists and is not empty.

        """
        target = Path(folder)
        check_new_store(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(target)
        staging = staging_path(target, "partial")
        staging.mkdir()
        try:
            for dataset in DATASETS:
                (staging / dataset).mkdir()
            store = cls(staging, plan_table(experiment))
            store._write_header(experiment)
            store._write_runs()
            if target.exists():
                target.rmdir()
            replace_folder(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        fsync_folder(target.parent)
        store.folder = target
        return store

    @classmethod
    def open_for_resume(cls, folder: str | Path, experiment: Experiment) -> ResultStore:
        """Reopen a store to continue (or extend) its sweep, repairing what can be repaired.

        The spec may differ from the stored one only in ``samples`` and
        ``replications``, and only upwards: the runs that exist must stay the same
        runs. Runs whose part files are damaged or missing become pending again (and
        run again); part files that the run table does not name are deleted. A
        damaged header file is rewritten from the spec when the store shows it is the
        same sweep; a damaged run table is rebuilt only when no part file exists
        (nothing it described would be lost).

        Args:
            folder: The store folder.
            experiment: The experiment to continue.

        Returns:
            The open store, with the new runs added as pending.

        Raises:
            InputError: If the folder is not a store, the spec changed its runs, or a
                damaged manifest or run table cannot be rebuilt safely.

        """
        folder = Path(folder)
        health = inspect_store(folder)
        _check_same_sweep(health, experiment)
        store = cls(folder, plan_table(experiment))
        stored = health.runs
        if stored is not None:
            store._check_runs_kept(stored, experiment)
            store._carry_over(stored)
            store._forget_parts(health.lost_parts)
        elif any(PART_NAME.fullmatch(path.name) for path in _own_files(folder)):
            raise InputError(
                str(folder / "runs.parquet"),
                "",
                "a readable run table",
                next(d.problem for d in health.damage if d.file == "runs.parquet"),
                "Only the run table says which runs the store's part files hold, so it cannot be "
                "rebuilt; move the store aside and sweep into a new folder.",
            )
        grown = stored is None or len(store.runs) != len(stored)
        for dataset in DATASETS:
            (folder / dataset).mkdir(exist_ok=True)
        if grown or any(damage.file in HEADER_FILES for damage in health.damage):
            store._write_header(experiment)
        if grown or health.lost_parts:
            store._write_runs()
        store._remove_orphans()
        return store

    def _check_runs_kept(self, stored: pd.DataFrame, experiment: Experiment) -> None:
        """Check that every stored run is a run of the experiment, with the same seed and parameters."""
        rows = self._ids.get_indexer(stored["run_id"])
        fixed = [name for name in self._fixed.column_names if name in stored.columns]
        planned = self._fixed.to_pandas().iloc[np.maximum(rows, 0)]
        kept = (rows >= 0).all() and len(fixed) == self._fixed.num_columns
        for name in fixed if kept else ():
            kept &= np.array_equal(planned[name].to_numpy(dtype=object), stored[name].to_numpy(dtype=object))
        if not kept:
            design = experiment.spec.design
            raise InputError(
                str(experiment.source),
                "samples",
                f"as many or more samples and replications as {self.folder} holds, "
                "with its design points unchanged",
                f"{len(experiment.design)} points x {experiment.spec.replications} replications "
                f"(stored: {stored['sample'].max() + 1} x {stored['replication'].max() + 1})",
                f"The points of a {design} design change when it grows, so a {design} design cannot "
                "be extended; sweep into a new folder."
                if design in ("lhs", "grid")
                else "",
            )

    def _forget_parts(self, parts: Iterable[str]) -> None:
        """Make the runs held by the given part files pending again (their files are lost)."""
        lost = np.isin(self._outcomes["part"].astype(str), list(parts))
        for column in OUTCOME_COLUMNS:
            self._outcomes[column][lost] = None
        self._outcomes["status"][lost] = "pending"

    def _carry_over(self, old: pd.DataFrame) -> None:
        """Copy how the runs of an older run table ended into this one, matching by run id.

        Runs are matched by position in object arrays, not by pandas label alignment:
        assigning a frame with nullable (``Int64``, ``boolean``) columns holding missing
        values through ``.loc`` re-reads the values by label and fails with a KeyError
        once the row order differs (more replications interleave new runs).
        """
        rows = self._ids.get_indexer(old["run_id"])
        for column in OUTCOME_COLUMNS:
            self._outcomes[column][rows] = _object_values(old[column])

    def _write_header(self, experiment: Experiment) -> None:
        """Write the spec, scenario, design and manifest (the manifest last)."""
        design = pd.DataFrame(experiment.design, columns=experiment.parameter_names)
        design.insert(0, "sample", np.arange(len(design), dtype=np.int64))
        atomic_write(self.folder / "design.parquet", parquet_bytes(design))
        atomic_write(self.folder / "spec.yaml", experiment.text.encode("utf-8"))
        atomic_write(self.folder / "scenario.json", _json_bytes(experiment.scenario.model_dump(mode="json")))
        manifest = {
            "format": STORE_FORMAT,
            "format_version": STORE_VERSION,
            "name": experiment.name,
            "spec": experiment.spec.model_dump(mode="json"),
            "spec_source": experiment.source,
            "spec_hash": experiment.spec.digest(),
            "resume_key": resume_key(experiment),
            "scenario": experiment.scenario.name,
            "scenario_hash": experiment.scenario.digest(),
            "frameworks": [*experiment.scenario.active_frameworks, NON_ALIGNED_ID],
            "parameters": experiment.parameter_names,
            "uncertainties": experiment.uncertainty_names,
            "policies": experiment.policy_names,
            "problem": experiment.problem,
            "levels": experiment.levels,
            "runs": experiment.run_count,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": versions(),
        }
        atomic_write(self.folder / "manifest.json", _json_bytes(manifest))

    def _write_runs(self) -> None:
        atomic_write(self.folder / "runs.parquet", parquet_bytes(self._table()))

    def _remove_orphans(self) -> None:
        """Delete our part and temporary files that the run table does not name (no other file)."""
        named = set(self._outcomes["part"]) - {None}
        for path in _own_files(self.folder):
            if path.name not in named:
                path.unlink()

    def pending(self) -> pd.Index:
        """Ids of the runs that have not succeeded (pending or failed), in plan order."""
        return self._ids[self._outcomes["status"] != "succeeded"]

    def write_chunk(self, output: ChunkOutput) -> None:
        """Store a finished chunk: its part files first, then the run table.

        Args:
            output: The chunk's records and tables.

        """
        part = None
        if output.tables:
            part = f"part-{uuid.uuid4().hex}.parquet"
            for dataset, data in output.tables.items():
                atomic_write(self.folder / dataset / part, data)
        self.record(output.records, part)

    def record(self, records: Iterable[RunRecord], part: str | None = None) -> None:
        """Update the run table with finished runs and write it.

        Args:
            records: How each run ended.
            part: The part file holding the succeeded runs' rows.

        """
        records = list(records)
        rows = self._ids.get_indexer([record.run_id for record in records])
        for column in OUTCOME_COLUMNS:
            if column == "part":
                values = [part if record.status == "succeeded" else None for record in records]
            else:
                values = [getattr(record, column) for record in records]
            self._outcomes[column][rows] = values
        self._write_runs()


def _object_values(column: pd.Series) -> np.ndarray:
    """A column's values as an object array, with ``None`` for every kind of missing value."""
    return np.array([None if pd.isna(value) else value for value in column], dtype=object)


def check_new_store(folder: Path) -> None:
    """Check that a new store may be made in ``folder`` (absent or an empty folder).

    Args:
        folder: The intended store folder.

    Raises:
        InputError: If it is a file or a folder that holds anything.

    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(
            ARGUMENTS,
            "out",
            "a new or empty folder for the sweep (or resume to continue the sweep stored there)",
            f"'{folder}', which already holds files",
        )


def _check_same_sweep(health: StoreHealth, experiment: Experiment) -> None:
    """Check that a spec continues the stored sweep (only samples and replications may grow).

    The manifest records what may not change; when it is damaged, the stored spec and
    scenario tell instead, and if they are damaged too nothing can vouch for the store.
    """
    if health.manifest is not None:
        stored_key = health.manifest["resume_key"]
    else:
        stored_key = _stored_resume_key(health.folder)
        if stored_key is None:
            raise InputError(
                str(health.folder / "manifest.json"),
                "",
                "a readable manifest (or a readable spec.yaml and scenario.json to rebuild it from)",
                "; ".join(str(damage) for damage in health.damage if damage.file in HEADER_FILES),
                "Nothing left in the store says which sweep it holds; sweep into a new folder.",
            )
    if stored_key != resume_key(experiment):
        written_by = (health.manifest or {}).get("versions", {}).get("coalsim")
        hint = "Sweep into a new folder for a different sweep."
        if written_by is not None and written_by != package_version():
            hint = (f"The store was written by coalsim {written_by}, this is {package_version()}, which may "
                    "read the same files as another scenario; sweep into a new folder to rerun it. " + hint)
        raise InputError(
            str(experiment.source),
            "",
            "the spec this store was made with (only samples and replications may grow)",
            f"a different spec or scenario than {health.folder}'s",
            hint,
        )


def _stored_resume_key(folder: Path) -> str | None:
    """The resume key of a store's own spec.yaml and scenario.json, or None if either is unusable."""
    try:
        return f"{_stored_key_part(folder, 'spec.yaml')}:{_stored_key_part(folder, 'scenario.json')}"
    except (ValueError, OSError):
        return None


def _stored_key_part(folder: Path, name: str) -> str:
    """The resume-key half of the store's spec.yaml or scenario.json.

    Raises:
        ValueError: If the file is unreadable or invalid (an InputError for the spec).
        OSError: If it cannot be read.

    """
    if name == "spec.yaml":
        _, raw = read_yaml_mapping(folder / name, "sweep spec", "sweep fields")
        return validate_spec(raw, str(folder / name)).digest(ignore=GROWABLE)
    # The scenario as stored, digested as Scenario.digest() digested it when it was written,
    # not re-validated: a later coalsim whose schema adds a field with a default would read
    # the same file into a different digest and call an intact store damaged.
    stored = read_json(folder / name)
    if not isinstance(stored, dict):
        raise ValueError("the stored scenario is not a JSON object")
    return scenario_digest(stored)


def resume_key(experiment: Experiment) -> str:
    """What must not change for a store to be resumed: the spec without its sizes, the scenario."""
    spec_part = experiment.spec.digest(ignore=GROWABLE)
    return f"{spec_part}:{experiment.scenario.digest()}"


# -- integrity -----------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """A store file that is missing or cannot be read.

    Attributes:
        file: The file, relative to the store folder (e.g. ``aggregates/part-....parquet``).
        problem: What is wrong with it.

    """

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file} ({self.problem})"


@dataclass(frozen=True)
class StoreHealth:
    """What :func:`inspect_store` found in a store folder.

    Attributes:
        folder: The store folder.
        damage: Every missing or unreadable file, header files first.
        manifest: The manifest, unless it is damaged.
        runs: The run table, unless it is damaged.
        lost_parts: Part names the run table names whose file is damaged or missing in
            some dataset; the runs they held must run again.
        orphans: Part and temporary files of ours that the run table does not name (left
            by a kill between a part and the run table, or written by a sweep now running).

    """

    folder: Path
    damage: tuple[Damage, ...]
    manifest: dict[str, Any] | None
    runs: pd.DataFrame | None
    lost_parts: frozenset[str]
    orphans: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        """Whether every file of the store is present and readable."""
        return not self.damage

    @property
    def lost_runs(self) -> list[str]:
        """Ids of the runs recorded as succeeded whose rows are in damaged or missing parts."""
        if self.runs is None:
            return []
        return list(self.runs.loc[self.runs["part"].isin(self.lost_parts), "run_id"])

    def counts(self) -> dict[str, int]:
        """Runs per status (empty when the run table is damaged)."""
        if self.runs is None:
            return {}
        return {str(k): int(v) for k, v in self.runs["status"].value_counts().sort_index().items()}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready account of the check."""
        return {
            "store": str(self.folder),
            "ok": self.ok,
            "damaged": [{"file": d.file, "problem": d.problem} for d in self.damage],
            "runs": self.counts(),
            "runs_to_rerun": self.lost_runs,
            "unnamed_part_files": [str(path.relative_to(self.folder)) for path in self.orphans],
        }

    def report(self) -> str:
        """A few lines for a terminal: OK with the run counts, or each damaged file."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        lines = [f"{self.folder}: {'OK' if self.ok else 'DAMAGED'}" + (f" ({counts})" if counts else "")]
        lines += [f"  damaged: {damage}" for damage in self.damage]
        if self.lost_runs:
            lines.append(f"  {len(self.lost_runs)} runs recorded as succeeded have lost rows")
        if self.orphans:
            lines.append(f"  {len(self.orphans)} part files the run table does not name (removed on resume)")
        return "\n".join(lines)

    def error(self) -> InputError:
        """The error that a reader of a damaged store raises."""
        shown = ", ".join(str(damage) for damage in self.damage[:4])
        more = len(self.damage) - 4
        found = f"damaged files: {shown}" + (f" and {more} more" if more > 0 else "")
        if self.runs is None:
            hint = "Without its run table the store cannot tell which runs its part files hold."
        elif self.lost_runs and all(d.file not in HEADER_FILES for d in self.damage):
            lost = len(self.lost_runs)
            hint = f"Resuming the sweep reruns the {lost} runs whose part files are damaged or missing."
        else:
            hint = "Resuming the sweep with the spec it was made with rewrites them where that is safe."
        return InputError(str(self.folder), "", "a complete sweep store", found, hint)


def _parquet_problem(path: Path, columns: Iterable[str] = ()) -> str | None:
    """Why a Parquet file cannot be read (its footer checked) as a table with ``columns``, or None.

    Of ``columns``, ``sample``, ``replication`` and ``step`` must hold whole numbers: a table
    of another kind copied over this one is damage, not a ``KeyError`` in a reader.
    """
    if not path.is_file():
        return "missing"
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        size = path.stat().st_size
        reason = str(exc).split(". ")[0].strip(". ") or type(exc).__name__
        return f"not readable as Parquet, {size} bytes, truncated or overwritten: {reason}"
    missing = [name for name in columns if name not in schema.names]
    if missing:
        return f"a table of another kind, without the columns {', '.join(missing)}"
    for name in ("sample", "replication", "step"):
        if name in columns and not pa.types.is_integer(schema.field(name).type):
            return f"its '{name}' column holds {schema.field(name).type}"
    return None


def read_parquet_once(path: Path) -> pa.Table:
    """Read a Parquet file that a writer may replace meanwhile, through one open handle.

    Given a path, pyarrow opens the file twice (once for its footer, once for its
    pages), so a writer's ``os.replace`` between the two opens hands it the footer of
    one version and the pages of the next: a complete file read as a broken one. An
    open handle keeps reading the version it opened, whatever replaces it. It is read in
    this thread: pyarrow's threads reading from a Python file, still alive when the process
    ends soon after (a command stopping at a damaged store), aborted it (status 134, "terminate
    called without an active exception") in most such exits.

    Args:
        path: The file (the run table or the design, which a sweep rewrites).

    Returns:
        Its content.

    """
    with path.open("rb") as handle:
        return pq.read_table(handle, use_threads=False)


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _text(value: Any) -> bool:
    return isinstance(value, str)


#: The manifest's keys that readers use, each with a test of the value a sweep writes there: a
#: hand-edited or copied-over value of another type is damage (which a resume rebuilds), not a
#: ``TypeError`` in whichever reader meets it first. The last three may be absent.
MANIFEST_FIELDS: dict[str, Callable[[Any], bool]] = {
    "spec": lambda value: isinstance(value, dict),
    "parameters": _names,
    "frameworks": lambda value: _names(value) and len(value) > 0,
    "resume_key": _text,
    "name": _text,
    "spec_hash": _text,
    "scenario_hash": _text,
    "problem": lambda value: isinstance(value, dict),
    "levels": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "uncertainties": _names,
    "policies": _names,
    "versions": lambda value: isinstance(value, dict),
}
OPTIONAL_MANIFEST_FIELDS = ("uncertainties", "policies", "versions")


def _read_manifest(folder: Path, damage: list[Damage]) -> dict[str, Any] | None:
    """The manifest, or None with its damage recorded; a manifest of another format is an error."""
    path = folder / "manifest.json"
    if not path.is_file():
        damage.append(Damage("manifest.json", "missing"))
        return None
    try:
        manifest = read_json(path)
    except UnicodeDecodeError:
        damage.append(Damage("manifest.json", "not UTF-8 text"))
        return None
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON, truncated or overwritten: {exc.msg} at line {exc.lineno}"
        damage.append(Damage("manifest.json", problem))
        return None
    except (OSError, ValueError) as exc:  # a pipe or device, too large, nested too deep
        damage.append(Damage("manifest.json", f"unreadable: {exc}"))
        return None
    if not isinstance(manifest, dict):
        damage.append(Damage("manifest.json", "not a JSON object"))
        return None
    if manifest.get("format") != STORE_FORMAT or manifest.get("format_version") != STORE_VERSION:
        raise InputError(
            str(path),
            "format",
            f"{STORE_FORMAT} version {STORE_VERSION}",
            f"{manifest.get('format')} version {manifest.get('format_version')}",
        )
    missing = [key for key in MANIFEST_FIELDS if key not in manifest and key not in OPTIONAL_MANIFEST_FIELDS]
    if missing:
        damage.append(Damage("manifest.json", f"lacks {', '.join(missing)}"))
        return None
    wrong = [key for key, fits in MANIFEST_FIELDS.items() if key in manifest and not fits(manifest[key])]
    if wrong:
        damage.append(Damage("manifest.json", f"its '{wrong[0]}' is {describe(manifest[wrong[0]])}"))
        return None
    try:
        ExperimentSpec.model_validate(manifest["spec"])
    except ValueError:
        damage.append(Damage("manifest.json", "its spec is not a valid sweep spec"))
        return None
    return manifest


def _read_run_table(folder: Path, parameters: list[str] | None, damage: list[Damage]) -> pd.DataFrame | None:
    """The run table, or None with its damage recorded."""
    path = folder / "runs.parquet"
    problem = _parquet_problem(path)
    if problem is None:
        try:
            table = read_parquet_once(path)
        except (pa.ArrowException, OSError) as exc:
            problem = f"not readable as Parquet: {str(exc).splitlines()[0]}"
    if problem is not None:
        damage.append(Damage("runs.parquet", problem))
        return None
    missing = [
        name
        for name in (*RUN_COLUMNS, *OUTCOME_COLUMNS, *(parameters or ()))
        if name not in table.column_names
    ]
    if missing:
        damage.append(Damage("runs.parquet", f"lacks the columns {', '.join(missing)}"))
        return None
    problem = _column_problem(table, parameters or ())
    if problem is not None:
        damage.append(Damage("runs.parquet", problem))
        return None
    runs = run_frame(table)
    succeeded = runs["status"] == "succeeded"
    if runs["run_id"].duplicated().any():
        problem = "names a run twice"
    elif not runs["status"].isin(["pending", "succeeded", "failed"]).all():
        problem = "holds a status other than pending, succeeded or failed"
    elif runs.loc[succeeded, "part"].isna().any():
        problem = "records a succeeded run without its part file"
    elif not runs.loc[succeeded, "part"].str.fullmatch(PART_NAME.pattern).all():
        problem = "names a part file that is not one a sweep writes (part-<32 hex digits>.parquet)"
    if problem is not None:
        damage.append(Damage("runs.parquet", problem))
        return None
    return runs


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _column_problem(table: pa.Table, parameters: Iterable[str]) -> str | None:
    """Why the run table's columns are not of the kinds a sweep writes, or None.

    Ids, statuses and part names are text, run numbers and seeds whole numbers, and a
    numeric parameter is never missing (every run sets every swept parameter).
    """
    kinds = {"run_id": _is_text, "status": _is_text, "part": _is_text,
             **dict.fromkeys(("sample", "replication", "seed"), pa.types.is_integer)}  # fmt: skip
    for name, fits in kinds.items():
        if not fits(table.schema.field(name).type):
            return f"its '{name}' column holds {table.schema.field(name).type}"
    for name in parameters:
        column = table.column(name)
        if not pa.types.is_floating(column.type):
            continue
        if column.null_count or not pc.all(pc.is_finite(column)).as_py():
            return f"its '{name}' column holds a value that is not a finite number"
    return None


def _header_damage(folder: Path, manifest: dict[str, Any] | None) -> list[Damage]:
    """Damage to the design, spec and scenario files (the manifest is read separately).

    The spec and scenario must parse and, when the manifest is readable, hash to the
    values it records (a cut-short YAML file may still parse).
    """
    damage = []
    parameters = manifest["parameters"] if manifest is not None else []
    problem = _parquet_problem(folder / "design.parquet", ["sample", *parameters])
    if problem is not None:
        damage.append(Damage("design.parquet", problem))
    for name in ("spec.yaml", "scenario.json"):
        problem = _text_problem(folder, name, manifest)
        if problem is not None:
            damage.append(Damage(name, problem))
    return damage


def _text_problem(folder: Path, name: str, manifest: dict[str, Any] | None) -> str | None:
    """Why the stored spec or scenario is unusable, or None.

    Each is compared with its half of the manifest's resume key, which a resume that
    grows the sweep leaves unchanged, so a reader never takes a store that a resume is
    extending for a damaged one.
    """
    path = folder / name
    if not path.is_file():
        return "missing"
    try:
        digest = _stored_key_part(folder, name)
    except (ValueError, OSError) as exc:
        return f"unreadable, truncated or overwritten: {type(exc).__name__}"
    spec_part, _, scenario_part = str(manifest["resume_key"]).partition(":") if manifest else ("", "", "")
    recorded = spec_part if name == "spec.yaml" else scenario_part
    if manifest is not None and digest != recorded:
        return "does not match the manifest: truncated or edited"
    return None


def _own_files(folder: Path) -> Iterator[Path]:
    """Our part files and temporary files (:func:`sim.atomic.staging_path`) in a store's folders.

    No other file is ever yielded. A resume deletes the unnamed ones while it holds the
    store's lock (:func:`store_lock`), so the writers of these temporary files have
    ended: every write to a store happens under that lock.
    """
    for path in folder.glob(".*"):
        if path.is_file() and is_staging(path):
            yield path
    for dataset in DATASETS:
        if (folder / dataset).is_dir():
            for path in (folder / dataset).iterdir():
                if PART_NAME.fullmatch(path.name) or (path.is_file() and is_staging(path)):
                    yield path


def holds_store(folder: Path) -> bool:
    """Whether a folder holds a store, complete or damaged (its manifest or its run table)."""
    return (folder / "manifest.json").exists() or (folder / "runs.parquet").exists()


def inspect_store(folder: str | Path) -> StoreHealth:
    """Check every file of a store: present, and readable as what it should be.

    Parquet files are checked through their footer (which a truncated file lacks),
    JSON and YAML files by parsing them, and the run table for its columns and
    statuses; each part file the run table names is checked in both datasets.

    Args:
        folder: The store folder.

    Returns:
        What was found; :attr:`StoreHealth.ok` says whether the store is complete.

    Raises:
        InputError: If the folder is not a sweep store at all, or one of another format.

    """
    folder = Path(folder)
    if not holds_store(folder):
        raise InputError(
            str(folder),
            "",
            "a sweep result folder (with manifest.json and runs.parquet)",
            "no manifest.json" if folder.is_dir() else "a file" if folder.exists() else "no such folder",
        )
    damage: list[Damage] = []
    manifest = _read_manifest(folder, damage)
    damage += _header_damage(folder, manifest)
    runs = _read_run_table(folder, None if manifest is None else list(manifest["parameters"]), damage)
    lost: set[str] = set()
    named: set[str] = set()
    if runs is not None:
        named = set(runs.loc[runs["status"] == "succeeded", "part"])
        for part in sorted(named):
            for dataset in DATASETS:
                problem = _parquet_problem(folder / dataset / part, PART_COLUMNS[dataset])
                if problem is not None:
                    damage.append(Damage(f"{dataset}/{part}", problem))
                    lost.add(part)
    orphans = tuple(path for path in _own_files(folder) if path.name not in named) if runs is not None else ()
    return StoreHealth(folder, tuple(damage), manifest, runs, frozenset(lost), orphans)


def check_store(folder: str | Path) -> StoreHealth:
    """Check a store on opening it, so no reader works on a damaged one.

    Args:
        folder: The store folder.

    Returns:
        The health of a complete store (its manifest and run table read).

    Raises:
        InputError: If the folder is not a store, or any of its files is missing or
            unreadable (the message names each damaged file and what is wrong).

    """
    health = inspect_store(folder)
    if not health.ok:
        raise health.error()
    return health


# -- the write lock ------------------------------------------------------------------


def lock_path(folder: Path) -> Path:
    """The lock file of a store: beside it, since a new store's folder appears only at the end."""
    return folder.parent / f".{folder.name}.lock"


def _try_lock(handle: int) -> bool:
    """Take an exclusive OS lock on an open file without waiting; False if another holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _holder(path: Path) -> str:
    """The pid recorded in a lock file, as text for a message."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "pid unknown"


#: What a lock file holds: nothing yet, or the pid of the sweep that held it (one killed left it).
_LOCK_CONTENT = re.compile(rb"\d{0,20}\n?")


def _open_lock(folder: Path, path: Path) -> int:
    """Open (or create) the lock file, never through a link and never a pipe, device or folder.

    The lock file is written and removed, so a symlink there to a user's file (or a file
    that is not a lock) must not be followed: it is refused instead.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(path, flags, 0o644)
    except OSError as exc:  # ELOOP for a symlink, EISDIR for a folder
        found = "a link" if path.is_symlink() else exc.strerror or str(exc)
        raise _not_a_lock(folder, path, found) from None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise _not_a_lock(folder, path, "a pipe or device")
    return handle


def _not_a_lock(folder: Path, path: Path, found: str) -> InputError:
    return InputError(
        str(path), "", f"the lock file of the store '{folder}' (a file coalsim writes beside it) or nothing",
        found, "Nothing was changed. Move it away, or write the store to another folder.",
    )  # fmt: skip


@contextmanager
def store_lock(folder: str | Path) -> Iterator[None]:
    """Hold a store's write lock: an OS-level exclusive lock on a file beside the store.

    The operating system releases the lock when the holder exits, even by SIGKILL, so
    a killed sweep never leaves a store locked. The file records the holder's pid and
    is removed, still locked, on release; a process that opened the file before that
    finds after locking that its file is no longer the one at the path, and tries again.

    Args:
        folder: The store folder (it may not exist yet).

    Yields:
        While the lock is held.

    Raises:
        InputError: If another process is writing the store.

    """
    folder = Path(folder)
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = _open_lock(folder, path)
        if not _try_lock(handle):
            os.close(handle)
            raise InputError(
                str(folder),
                "",
                "a store that no other process is writing",
                f"one being written by another coalsim process ({_holder(path)})",
                "Wait until that sweep ends, or write to another folder.",
            )
        try:
            same = os.path.samestat(os.fstat(handle), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)
    if not _LOCK_CONTENT.fullmatch(os.pread(handle, 64, 0)):  # a user's file of that name: keep it
        os.close(handle)
        raise _not_a_lock(folder, path, "a file coalsim did not write")
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        with suppress(OSError):  # Windows cannot remove an open file
            path.unlink()
        os.close(handle)


@dataclass(frozen=True)
class Outcome:
    """A number per run summarising one framework's membership.

    Written ``final_<measure>:<framework>`` (the value at the last step) or
    ``mean_<measure>:<framework>`` (the mean over steps), where measure is a share
    column of the aggregates (share_count, share_gdp, share_population,
    share_ai_capacity) or ``members``.

    Attributes:
        statistic: ``"final"`` or ``"mean"``.
        measure: The aggregates column.
        framework: A framework id or ``"non_aligned"``.

    """

    statistic: Literal["final", "mean"]
    measure: str
    framework: str

    @property
    def name(self) -> str:
        """The outcome as written."""
        return f"{self.statistic}_{self.measure}:{self.framework}"

    @classmethod
    def parse(
        cls, text: str, frameworks: Iterable[str], where: str = ARGUMENTS, field: str = "outcome"
    ) -> Outcome:
        """Read an outcome name, checking the measure and framework.

        Args:
            text: e.g. ``"final_share_gdp:waico"``.
            frameworks: The framework ids it may name (with ``non_aligned``).
            where: Where the name came from, for messages.
            field: The parameter or field, for messages.

        Returns:
            The outcome.

        Raises:
            InputError: If the name is malformed or names an unknown measure or framework.

        """
        frameworks = list(frameworks)
        expected = "final_<measure>:<framework> or mean_<measure>:<framework>"
        head, sep, framework = text.partition(":")
        statistic, _, measure = head.partition("_")
        if not sep or statistic not in ("final", "mean"):
            raise InputError(where, field, expected, repr(text), "For example final_share_gdp:waico.")
        if measure not in MEASURES:
            raise InputError(
                where,
                field,
                f"a measure among {', '.join(MEASURES)}",
                repr(measure),
                did_you_mean(measure, MEASURES),
            )
        if framework not in frameworks:
            raise InputError(
                where,
                field,
                f"a framework among {', '.join(frameworks)}",
                repr(framework),
                did_you_mean(framework, frameworks),
            )
        return cls(statistic, measure, framework)  # type: ignore[arg-type]

    def evaluate(self, aggregates: pd.DataFrame) -> pd.Series:
        """The outcome of each run in an aggregates frame.

        Args:
            aggregates: Rows with run_id, step, framework and the measure, sorted by
                step within each run.

        Returns:
            One value per run, indexed by run_id (in order of first appearance).

        """
        rows = aggregates[aggregates["framework"] == self.framework]
        grouped = rows.groupby("run_id", observed=True, sort=False)[self.measure]
        values = grouped.last() if self.statistic == "final" else grouped.mean()
        values.index = pd.Index(values.index.astype(str), name="run_id")
        return values.astype(float).rename(self.name)


def _selection_mask(runs: pd.DataFrame, where: Mapping[str, Any], folder: Path) -> np.ndarray:
    """Rows of the run table matching ``{column: value | [values] | (low, high)}``."""
    mask = np.ones(len(runs), dtype=bool)
    for column, wanted in where.items():
        if column not in runs.columns:
            raise InputError(
                str(folder),
                column,
                "a column of the run table (a parameter path, sample, replication, seed or status)",
                repr(column),
                did_you_mean(column, runs.columns),
            )
        values = runs[column]
        if isinstance(wanted, tuple):
            low, high = wanted
            mask &= ((values >= low) & (values <= high)).to_numpy()
        elif isinstance(wanted, list | set | frozenset):
            mask &= values.isin(list(wanted)).to_numpy()
        else:
            mask &= (values == wanted).to_numpy()
    return mask


class SweepResults:
    """A store opened for reading; the big tables load on first use, only the runs asked for.

    Attributes:
        folder: The store folder.
        manifest: The manifest (spec, hashes, versions, design problem).
        spec: The validated spec the sweep was made with.
        runs: The run table (every run, whatever its status, unless narrowed by
            :meth:`select`).
        design: The design matrix in problem space (sample, one column per parameter).

    """

    def __init__(
        self,
        folder: Path,
        manifest: dict[str, Any],
        runs: pd.DataFrame,
        design: pd.DataFrame,
        selection: np.ndarray | None = None,
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.spec = ExperimentSpec.model_validate(manifest["spec"])
        self._table = runs
        self._selection = np.ones(len(runs), dtype=bool) if selection is None else selection
        self.runs = runs[self._selection].reset_index(drop=True)
        self.design = design

    @property
    def parameters(self) -> list[str]:
        """Dotted paths of the swept parameters (the parameter columns)."""
        return list(self.manifest["parameters"])

    @property
    def uncertainties(self) -> list[str]:
        """Dotted paths of the sampled parameters (all parameters of a sweep without policies)."""
        return list(self.manifest.get("uncertainties", self.parameters))

    @property
    def policies(self) -> list[str]:
        """Names of the sweep's policies, in spec order (empty without policies)."""
        return list(self.manifest.get("policies", []))

    @property
    def frameworks(self) -> list[str]:
        """Framework ids in the aggregates, with ``non_aligned``."""
        return list(self.manifest["frameworks"])

    @property
    def succeeded(self) -> pd.DataFrame:
        """The run-table rows of the runs that succeeded."""
        return self.runs[self.runs["status"] == "succeeded"]

    def select(self, where: Mapping[str, Any]) -> SweepResults:
        """Narrow to the runs whose parameters match; nothing big is read.

        Args:
            where: Per run-table column: a value (equal), a list (any of) or a
                ``(low, high)`` tuple (inclusive range), e.g.
                ``{"rule.temperature": (0.1, 0.2), "replication": [0, 1]}``.

        Returns:
            A view of the same store holding only those runs.

        Raises:
            InputError: If a column is not in the run table.

        """
        mask = self._selection & _selection_mask(self._table, where, self.folder)
        return SweepResults(self.folder, self.manifest, self._table, self.design, mask)

    @cached_property
    def aggregates(self) -> pd.DataFrame:
        """Per-step aggregates of the succeeded runs, with run_id and parameter columns."""
        return self.read("aggregates")

    @cached_property
    def countries(self) -> pd.DataFrame:
        """Per-country states of the succeeded runs (final, or all steps if the spec asked)."""
        return self.read("countries")

    def read(
        self, dataset: str, columns: list[str] | None = None, filter: ds.Expression | None = None
    ) -> pd.DataFrame:
        """Read the succeeded runs' rows of a dataset, sorted by run then step.

        Only the part files holding the selected runs are opened, and rows are
        filtered by pyarrow before they reach pandas.

        Args:
            dataset: ``"aggregates"`` or ``"countries"``.
            columns: Data columns to read (all by default).
            filter: An extra pyarrow dataset filter, e.g. on ``framework``.

        Returns:
            The rows, with run_id, sample, replication and parameter columns in front.

        """
        runs = self.succeeded.sort_values(["sample", "replication"]).reset_index(drop=True)
        files = [str(self.folder / dataset / part) for part in runs["part"].unique()]
        if not files:
            return pd.DataFrame(columns=["run_id", "sample", "replication", *self.parameters])
        # Country columns follow the frameworks, which a swept 'enabled' flag can change.
        readers = files if dataset == "countries" else files[:1]
        schema = pa.unify_schemas([pq.read_schema(path) for path in readers])
        dictionaries = [name for name in ("framework", "iso3", "portfolio") if name in schema.names]
        for name in dictionaries:
            index = schema.get_field_index(name)
            schema = schema.set(index, pa.field(name, pa.dictionary(pa.int32(), pa.string())))
        file_format = ds.ParquetFileFormat(read_options={"dictionary_columns": dictionaries})
        dataset_parts = ds.dataset(files, schema=schema, format=file_format)
        every_run_in_files = len(runs) == int(self._table["part"].isin(runs["part"].unique()).sum())
        if not every_run_in_files:
            selected = ds.field("run_id").isin(pa.array(runs["run_id"].astype(str).to_numpy()))
            filter = selected if filter is None else filter & selected
        data_columns = [n for n in schema.names if n not in ("run_id",)] if columns is None else columns
        table = dataset_parts.to_table(
            columns=list(dict.fromkeys(["sample", "replication", *data_columns])), filter=filter
        )
        return self._with_run_columns(table, runs)

    def _with_run_columns(self, table: pa.Table, runs: pd.DataFrame) -> pd.DataFrame:
        """Order rows by run (keeping each run's step order) and put run and parameter columns in front."""
        width = int(runs["replication"].max()) + 1
        lookup = np.full((int(runs["sample"].max()) + 1) * width, -1, dtype=np.int64)
        lookup[runs["sample"].to_numpy() * width + runs["replication"].to_numpy()] = np.arange(len(runs))
        position = lookup[table.column("sample").to_numpy() * width + table.column("replication").to_numpy()]
        order = _run_order(position)
        if order is not None:
            table, position = table.take(pa.array(order)), position[order]
        codes = pa.array(position, type=pa.int32())
        front = {
            "run_id": pa.DictionaryArray.from_arrays(codes, pa.array(runs["run_id"].astype(str).to_numpy())),
            "sample": table.column("sample"),
            "replication": table.column("replication"),
        }
        for name in self.parameters:
            values = runs[name]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                front[name] = pa.array(values.to_numpy()[position])
            else:
                levels = pd.Categorical(values)
                categories = pa.array(levels.categories.to_numpy())
                front[name] = pa.DictionaryArray.from_arrays(pa.array(levels.codes[position]), categories)
        rest = {name: table.column(name) for name in table.column_names if name not in front}
        return pa.table({**front, **rest}).to_pandas(split_blocks=True)

    def outcome(self, outcome: str | Outcome) -> pd.Series:
        """One number per succeeded run, reading only the framework it concerns.

        Args:
            outcome: e.g. ``"final_share_gdp:waico"`` (see :class:`Outcome`).

        Returns:
            Values indexed by run_id, in sample then replication order.

        Raises:
            InputError: If the outcome name is invalid, or no run succeeded (a sweep whose
                runs all failed, or stopped before one finished, has no outcome to read).

        """
        if isinstance(outcome, str):
            outcome = Outcome.parse(outcome, self.frameworks)
        if self.succeeded.empty:
            raise InputError(
                str(self.folder), "runs.parquet", "at least one succeeded run",
                f"{len(self.runs)} runs, none succeeded",
                "Finish the sweep with 'coalsim sweep SPEC --resume'.",
            )  # fmt: skip
        rows = self.read(
            "aggregates",
            columns=["step", "framework", outcome.measure],
            filter=ds.field("framework") == outcome.framework,
        )
        return outcome.evaluate(rows)

    # -- One tidy table per run: parameters by short name, then outcomes ------------------

    def table(self, outcomes: Iterable[str | Outcome]) -> pd.DataFrame:
        """One row per succeeded run: its parameters (short names), seed, then the outcomes.

        Args:
            outcomes: Outcome names such as ``"final_share_gdp:waico"`` (see :class:`Outcome`).

        Returns:
            Indexed by run_id, in sample then replication order: a column per swept
            parameter, named by :func:`short_names`, then (with policies) ``policy`` and
            ``scenario``, then replication and seed, then one column per outcome, named as
            written.

        Raises:
            InputError: If an outcome name is invalid or none is given.

        """
        outcomes = list(outcomes)
        if not outcomes:
            raise InputError(str(self.folder), "outcomes", "at least one outcome name", "none")
        runs = self.succeeded.sort_values(["sample", "replication"]).set_index("run_id")
        runs.index = runs.index.astype(str)
        extra = list(POLICY_COLUMNS) if self.policies else []
        names = short_names(self.parameters, taken=(*extra, "replication", "seed"))
        frame = runs[[*self.parameters, *extra, "replication", "seed"]].rename(columns=names)
        for outcome in outcomes:
            values = self.outcome(outcome)
            frame[values.name] = values
        return frame


def short_names(paths: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """The shortest trailing part of each dotted path that tells it from the others.

    Args:
        paths: Dotted parameter paths, e.g. ``["rule.temperature", "penalties.us.amount"]``.
        taken: Names the short names must not clash with (other columns).

    Returns:
        Each path's short name, e.g. ``temperature`` and ``amount``; two paths ending
        alike keep as many parts as tell them apart (``waico.levers.open_models``).

    """
    paths, taken = list(paths), set(taken)
    names = {}
    for path in paths:
        parts = path.split(".")
        for size in range(1, len(parts) + 1):
            name = ".".join(parts[-size:])
            clashes = [other for other in paths if other != path and f".{other}".endswith(f".{name}")]
            if not clashes and name not in taken:
                break
        names[path] = name
    return names


def run_frame(table: pa.Table) -> pd.DataFrame:
    """The run table as pandas, with nullable integer and boolean outcome columns."""
    frame = table.to_pandas()
    frame["converged_at"] = frame["converged_at"].astype("Int64")
    frame["is_nash"] = frame["is_nash"].astype("boolean")
    return frame


def _run_order(position: np.ndarray) -> np.ndarray | None:
    """Row order that sorts contiguous per-run blocks by run position, or None if sorted.

    Each run's rows are contiguous in its part file, so the blocks are reordered
    whole (linear time) rather than every row sorted.
    """
    if len(position) == 0:
        return None
    starts = np.concatenate([[0], np.flatnonzero(position[1:] != position[:-1]) + 1])
    keys = position[starts]
    if np.all(keys[1:] > keys[:-1]):
        return None
    lengths = np.diff(np.append(starts, len(position)))
    block_order = np.argsort(keys, kind="stable")
    lengths, starts = lengths[block_order], starts[block_order]
    shift = starts - np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.arange(len(position)) + np.repeat(shift, lengths)


def load_results(folder: str | Path) -> SweepResults:
    """Open a sweep's result store for reading.

    Args:
        folder: The store folder (``coalsim sweep --out``).

    Returns:
        The results; ``.runs`` is read now, ``.aggregates`` and ``.countries`` on first use.

    Raises:
        InputError: If the folder is not a store, or any of its files is missing or
            unreadable (see :func:`check_store`).

    """
    health = check_store(folder)
    assert health.manifest is not None and health.runs is not None
    design = read_parquet_once(health.folder / "design.parquet").to_pandas()
    return SweepResults(health.folder, health.manifest, health.runs, design)

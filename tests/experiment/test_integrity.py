"""Damaged stores: every reader names the damaged file; a resume repairs what it safely can.

A disk that filled or a copy that stopped leaves files missing, empty or cut short. Each
file of a store is damaged in each of these ways, and the store is read by
``load_results``, ``coalsim check`` and ``coalsim sensitivity``, and resumed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.cli
from sim.errors import InputError
from sim.experiment import load_results, sweep
from sim.experiment.store import inspect_store
from sim.scenario import scenario_digest

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"

#: A Morris sweep (so `sensitivity` reads it) of 2 x 3 points x 2 replications, in chunks of 4.
SPEC = {
    "scenario": str(BASELINE),
    "design": "morris",
    "samples": 2,
    "replications": 2,
    "seed": 3,
    "steps": 8,
    "parameters": {
        "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.2},
        "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
    },
}


def missing(path: Path) -> None:
    path.unlink()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def overwritten(path: Path) -> None:
    path.write_bytes(b"\x00" * path.stat().st_size)


DAMAGES: dict[str, Callable[[Path], None]] = {
    "missing": missing,
    "empty": empty,
    "truncated": truncated,
    "overwritten": overwritten,
}
#: A file of each kind a store holds; "part" stands for the first part file of a dataset.
FILES = [
    "manifest.json",
    "runs.parquet",
    "design.parquet",
    "spec.yaml",
    "scenario.json",
    "aggregates/part",
    "countries/part",
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(spec file, a finished store) to copy and damage."""
    folder = tmp_path_factory.mktemp("pristine")
    spec = folder / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    sweep(spec, folder / "store", chunk_size=4)
    return spec, folder / "store"


def damaged_copy(pristine: tuple[Path, Path], tmp_path: Path, file: str, damage: str) -> tuple[Path, str]:
    """Copy the store, damage one file; return the copy and the damaged file's store-relative name."""
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    path = sorted((out / file.split("/")[0]).iterdir())[0] if file.endswith("/part") else out / file
    DAMAGES[damage](path)
    return out, str(path.relative_to(out))


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("file", FILES)
def test_every_reader_names_the_damaged_file(pristine, tmp_path, capsys, file, damage):
    out, name = damaged_copy(pristine, tmp_path, file, damage)
    with pytest.raises(InputError) as caught:
        load_results(out)
    assert name in caught.value.message
    health = inspect_store(out)
    assert not health.ok and [d.file for d in health.damage] == [name]
    assert sim.cli.main(["check", str(out)]) == 2
    captured = capsys.readouterr()
    assert "DAMAGED" in captured.out and f"damaged: {name}" in captured.out
    assert captured.err.startswith("coalsim: ") and name in captured.err and "Traceback" not in captured.err
    assert sim.cli.main(["sensitivity", str(out), "--outcome", "final_share_gdp:waico"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: ") and name in err and err.count("\n") == 1


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("file", [f for f in FILES if f not in ("manifest.json", "runs.parquet")])
def test_resume_repairs_damaged_parts_and_header_files(pristine, tmp_path, file, damage):
    spec, reference = pristine
    out, _ = damaged_copy(pristine, tmp_path, file, damage)
    lost = len(inspect_store(out).lost_runs)
    summary = sweep(spec, out, resume=True, chunk_size=4)
    assert summary.succeeded == lost and summary.failed == 0
    assert lost == (4 if file.endswith("/part") else 0)
    assert inspect_store(out).ok and not inspect_store(out).orphans
    repaired, expected = load_results(out), load_results(reference)
    pdt.assert_frame_equal(repaired.aggregates, expected.aggregates)
    pdt.assert_frame_equal(repaired.countries, expected.countries)
    pdt.assert_frame_equal(repaired.design, expected.design)
    assert repaired.manifest["resume_key"] == expected.manifest["resume_key"]
    assert not list(out.rglob(".*"))


@pytest.mark.parametrize("damage", DAMAGES)
def test_resume_rebuilds_a_damaged_manifest_from_the_stored_spec_and_scenario(pristine, tmp_path, damage):
    spec, reference = pristine
    out, _ = damaged_copy(pristine, tmp_path, "manifest.json", damage)
    assert sweep(spec, out, resume=True).succeeded == 0
    rebuilt = json.loads((out / "manifest.json").read_text())
    original = json.loads((reference / "manifest.json").read_text())
    assert {k: v for k, v in rebuilt.items() if k != "created"} == {
        k: v for k, v in original.items() if k != "created"
    }


def test_resume_refuses_a_manifest_nothing_can_vouch_for(pristine, tmp_path):
    spec, _ = pristine
    out, _ = damaged_copy(pristine, tmp_path, "manifest.json", "truncated")
    truncated(out / "spec.yaml")
    with pytest.raises(InputError, match=r"manifest\.json.*Nothing left in the store says which sweep"):
        sweep(spec, out, resume=True)


def test_resume_with_another_spec_does_not_rebuild_a_manifest(pristine, tmp_path):
    out, _ = damaged_copy(pristine, tmp_path, "manifest.json", "missing")
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({**SPEC, "steps": 9}), encoding="utf-8")
    with pytest.raises(InputError, match="different spec"):
        sweep(other, out, resume=True)
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_run_table_beside_part_files_is_a_clear_error(pristine, tmp_path, damage):
    spec, _ = pristine
    out, _ = damaged_copy(pristine, tmp_path, "runs.parquet", damage)
    parts = sorted(out.rglob("part-*"))
    with pytest.raises(InputError, match=r"runs\.parquet.*cannot be rebuilt"):
        sweep(spec, out, resume=True)
    assert sorted(out.rglob("part-*")) == parts


class Killed(BaseException):
    """Stands for a kill before any run finished."""


def killed_at_once(scenario, task, settings):
    raise Killed


def test_a_damaged_run_table_without_part_files_is_rebuilt(pristine, tmp_path):
    spec, reference = pristine
    out = tmp_path / "store"
    with pytest.raises(Killed):
        sweep(spec, out, run_callable=killed_at_once)
    truncated(out / "runs.parquet")
    summary = sweep(spec, out, resume=True, chunk_size=4)
    assert (summary.skipped, summary.succeeded) == (0, 12)
    pdt.assert_frame_equal(load_results(out).aggregates, load_results(reference).aggregates)


def test_a_copy_without_its_countries_folder_reruns_every_run(pristine, tmp_path):
    spec, reference = pristine
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    shutil.rmtree(out / "countries")
    with pytest.raises(InputError, match=r"countries/part-[0-9a-f]+\.parquet \(missing\)"):
        load_results(out)
    assert sweep(spec, out, resume=True).succeeded == 12
    pdt.assert_frame_equal(load_results(out).countries, load_results(reference).countries)


def test_check_reports_a_complete_store_as_json(pristine, capsys):
    assert sim.cli.main(["check", str(pristine[1]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["damaged"] == [] and report["runs"] == {"succeeded": 12}


def test_check_of_a_folder_that_is_not_a_store_exits_2(tmp_path, capsys):
    assert sim.cli.main(["check", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_resume_removes_only_our_own_unnamed_files(pristine, tmp_path):
    spec, _ = pristine
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    part = sorted((out / "aggregates").iterdir())[0]
    orphan = part.with_name("part-" + "0" * 32 + ".parquet")
    shutil.copy(part, orphan)
    temporary = out / "countries" / ".part-x.parquet.tmp-0123456789ab"
    temporary.write_bytes(b"half")
    foreign = [out / "aggregates" / "notes.txt", out / "countries" / "part-mine.parquet", out / "README"]
    for path in foreign:
        path.write_text("the user's own")
    assert {p.name for p in inspect_store(out).orphans} == {temporary.name, orphan.name}
    sweep(spec, out, resume=True)
    assert not orphan.exists() and not temporary.exists()
    assert all(path.read_text() == "the user's own" for path in foreign)


def test_a_store_being_extended_is_not_taken_for_a_damaged_one(pristine, tmp_path):
    """A resume that grows a sweep writes spec.yaml before the manifest; a reader in between sees both."""
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    (out / "spec.yaml").write_text(
        yaml.safe_dump({**SPEC, "samples": 3, "replications": 3}), encoding="utf-8"
    )
    assert inspect_store(out).ok
    (out / "spec.yaml").write_text(yaml.safe_dump({**SPEC, "steps": 9}), encoding="utf-8")
    assert [str(d) for d in inspect_store(out).damage] == [
        "spec.yaml (does not match the manifest: truncated or edited)"
    ]


def test_a_file_is_not_a_store(tmp_path):
    path = tmp_path / "store"
    path.write_text("x")
    with pytest.raises(InputError, match="found a file"):
        load_results(path)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_resume_reruns_exactly_the_runs_of_any_damaged_parts(pristine, data):
    spec, reference = pristine
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "store"
        shutil.copytree(reference, out)
        files = sorted(out.glob("*/part-*.parquet"))
        chosen = data.draw(st.lists(st.sampled_from(files), min_size=1, unique=True))
        for path in chosen:
            DAMAGES[data.draw(st.sampled_from(sorted(DAMAGES)))](path)
        runs = load_results(reference).runs
        expected = set(runs.loc[runs["part"].isin({path.name for path in chosen}), "run_id"])
        assert set(inspect_store(out).lost_runs) == expected
        summary = sweep(spec, out, resume=True, chunk_size=4)
        assert (summary.skipped, summary.succeeded) == (len(runs) - len(expected), len(expected))
        pdt.assert_frame_equal(load_results(out).aggregates, load_results(reference).aggregates)
        pdt.assert_frame_equal(load_results(out).countries, load_results(reference).countries)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda table: table.drop_columns(["converged_at"]), "lacks the columns converged_at"),
        (lambda table: pa.concat_tables([table, table.slice(0, 1)]), "names a run twice"),
        (
            lambda table: table.set_column(
                table.schema.get_field_index("status"), "status", pa.array(["done"] * table.num_rows)
            ),
            "a status other than",
        ),
        # columns of another type were a KeyError or ValueError in plot, report and sensitivity
        (lambda table: _set(table, "run_id", pa.array(range(table.num_rows))), "'run_id' column holds int64"),
        (lambda table: _set(table, "seed", pa.array(["1"] * table.num_rows)), "'seed' column holds string"),
        (lambda table: _set(table, "frameworks.waico.entry_cost", pa.array([float("nan")] * table.num_rows)),
         "'frameworks.waico.entry_cost' column holds a value that is not a finite number"),
        # a part named outside the dataset folder was read from wherever it pointed
        (lambda table: _set(table, "part", pa.array(["../../runs.parquet"] * table.num_rows)),
         "not one a sweep writes"),
    ],
)  # fmt: skip
def test_a_readable_run_table_that_does_not_hold_runs_is_damage(pristine, tmp_path, change, problem):
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    pq.write_table(change(pq.read_table(out / "runs.parquet")), out / "runs.parquet")
    with pytest.raises(InputError, match=rf"runs\.parquet \([^)]*{problem}"):
        load_results(out)


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _edit_manifest(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(out: Path) -> None:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        change(manifest)
        (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    return edit


def _other_table(name: str, table: pa.Table | None = None) -> Callable[[Path], None]:
    """Write ``table`` (by default a countries part) over a store file (``*/part``: the first part)."""

    def write(out: Path) -> None:
        path = next((out / name.split("/")[0]).iterdir()) if name.endswith("/part") else out / name
        other = next((out / "countries").iterdir()) if table is None else None
        pq.write_table(table if table is not None else pq.read_table(other), path)

    return write


#: Files readable as what they are (valid JSON, valid Parquet) holding values of another kind:
#: (damage, the file named, the problem). Each was a TypeError, KeyError or IndexError traceback
#: in whichever of plot, report, sensitivity, discover and robustness met it first.
WRONG_CONTENT = {
    "parameters a number": (_edit_manifest(lambda m: m.update(parameters=5)), "manifest.json",
                            "'parameters'"),
    "parameters not names": (_edit_manifest(lambda m: m.update(parameters=[1, 2])), "manifest.json",
                             "'parameters'"),
    "no frameworks": (_edit_manifest(lambda m: m.update(frameworks=[])), "manifest.json", "'frameworks'"),
    "no spec hash": (_edit_manifest(lambda m: m.pop("spec_hash")), "manifest.json", "lacks spec_hash"),
    "scenario hash null": (_edit_manifest(lambda m: m.update(scenario_hash=None)), "manifest.json",
                           "'scenario_hash'"),
    "versions a list": (_edit_manifest(lambda m: m.update(versions=[1])), "manifest.json", "'versions'"),
    "design of another table": (_other_table("design.parquet", pa.table({"x": [1]})), "design.parquet",
                                "without the columns sample"),
    "aggregates part holding countries": (_other_table("aggregates/part"), "aggregates/part-",
                                          "without the columns framework"),
    "countries part of another table": (_other_table("countries/part", pa.table({"x": [1]})),
                                        "countries/part-", "without the columns run_id"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(WRONG_CONTENT))
def test_a_readable_file_of_wrong_content_is_damage_every_reader_names(case, pristine, tmp_path, capsys):
    damage, name, problem = WRONG_CONTENT[case]
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    damage(out)
    with pytest.raises(InputError, match=problem) as caught:
        load_results(out)
    assert name in caught.value.message
    for argv in (["check", str(out)], ["plot", str(out), "--out", str(tmp_path / "figures")],
                 ["report", str(out), "--out", str(tmp_path / "report.html")],
                 ["sensitivity", str(out), "--outcome", "final_share_gdp:waico"]):  # fmt: skip
        assert sim.cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("coalsim: ") and name in err and err.count("\n") == 1, err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["store"]


def test_resume_rebuilds_a_manifest_of_wrong_content(pristine, tmp_path):
    spec, reference = pristine
    out = tmp_path / "store"
    shutil.copytree(reference, out)
    WRONG_CONTENT["parameters a number"][0](out)
    assert sweep(spec, out, resume=True).succeeded == 0
    assert load_results(out).manifest["parameters"] == load_results(reference).manifest["parameters"]


def test_a_command_stopping_at_a_damaged_store_exits_2_not_aborted(pristine, tmp_path):
    """pyarrow's threads, reading the run table from a Python file and alive at exit, aborted the
    process (status 134) in most exits just after reading it: here, a run table lacking a column."""
    import os
    import subprocess
    import sys

    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    pq.write_table(pq.read_table(out / "runs.parquet").drop_columns(["seed"]), out / "runs.parquet")
    script = "import sys; from sim.experiment.store import inspect_store; inspect_store(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(BASELINE.parents[1])}
    for _ in range(8):
        command = [sys.executable, "-c", script, str(out)]
        done = subprocess.run(command, capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-300:]


def test_a_store_written_before_a_schema_added_a_field_is_intact(small_store, tmp_path, capsys):
    """A later coalsim whose scenario schema adds fields with defaults still reads an old store.

    The old coalsim stored the scenario without the new fields and recorded the digest of
    that dump; re-validating it with the new schema fills the defaults in and changes the
    digest, which called the intact store damaged ("truncated or edited").
    """
    _, pristine = small_store
    old = tmp_path / "old"
    shutil.copytree(pristine, old)
    scenario = json.loads((old / "scenario.json").read_text(encoding="utf-8"))
    del scenario["utility"]["support"]  # fields this session added, with their defaults
    for framework in scenario["frameworks"].values():
        del framework["supporters"]
    for event in scenario["events"]:
        event.pop("support", None)
    (old / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    spec_part = manifest["resume_key"].partition(":")[0]
    manifest["resume_key"] = f"{spec_part}:{scenario_digest(scenario)}"  # as the old coalsim recorded it
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert not inspect_store(old).damage
    pdt.assert_frame_equal(load_results(old).runs, load_results(pristine).runs)
    assert sim.cli.main(["check", str(old)]) == 0
    assert "OK" in capsys.readouterr().out

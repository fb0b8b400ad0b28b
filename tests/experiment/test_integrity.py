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
    ],
)
def test_a_readable_run_table_that_does_not_hold_runs_is_damage(pristine, tmp_path, change, problem):
    out = tmp_path / "store"
    shutil.copytree(pristine[1], out)
    pq.write_table(change(pq.read_table(out / "runs.parquet")), out / "runs.parquet")
    with pytest.raises(InputError, match=rf"runs\.parquet \([^)]*{problem}"):
        load_results(out)


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

"""The result store: layout, reloading, filtering, resuming and extending."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.atomic import staging_path
from sim.errors import InputError
from sim.experiment import load_experiment, load_results, sweep
from sim.experiment.runner import RunSettings, simulate
from sim.experiment.store import Outcome, atomic_write
from sim.vocabulary import MEASURES

FRAMEWORKS = ["waico", "us_led", "un", "eu_coe", "non_aligned"]


def test_store_layout_and_manifest(small_store):
    spec, out = small_store
    names = {p.name for p in out.iterdir()}
    assert names == {
        "manifest.json",
        "spec.yaml",
        "scenario.json",
        "design.parquet",
        "runs.parquet",
        "aggregates",
        "countries",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    experiment = load_experiment(spec)
    assert manifest["spec_hash"] == experiment.spec.digest()
    assert manifest["scenario_hash"] == experiment.scenario.digest()
    assert manifest["versions"]["data"] == sim.World.load().data_version
    assert {"coalsim", "mesa", "numpy", "pandas", "pyarrow", "python"} <= set(manifest["versions"])
    assert (out / "spec.yaml").read_text() == spec.read_text()
    assert not list(out.rglob(".*"))


def test_run_table_records_every_run(small_store):
    _, out = small_store
    runs = load_results(out).runs
    assert len(runs) == 6
    assert set(runs["status"]) == {"succeeded"}
    assert runs["error"].isna().all()
    assert (runs["seconds"] > 0).all()
    assert runs["finished_at"].notna().all()
    assert runs["part"].notna().all()
    assert runs["is_nash"].dtype == "boolean" and runs["is_nash"].notna().all()
    assert list(runs.columns[:4]) == ["run_id", "sample", "replication", "seed"]
    assert {"frameworks.waico.levers.open_models", "rule.kind", "frameworks.un.launch_step"} <= set(
        runs.columns
    )


def test_aggregates_match_a_direct_run(small_store):
    spec, out = small_store
    results = load_results(out)
    experiment = load_experiment(spec)
    task = experiment.tasks()[3]
    direct = simulate(experiment.scenario, task, RunSettings(steps=10)).aggregates
    stored = results.aggregates[results.aggregates["run_id"] == task.run_id]
    pdt.assert_frame_equal(
        stored[direct.columns].reset_index(drop=True), direct, check_dtype=False, check_categorical=False
    )
    for path, value in task.parameters:
        assert (stored[path] == value).all()


def test_aggregates_are_sorted_by_run_then_step(small_store):
    _, out = small_store
    aggregates = load_results(out).aggregates
    assert len(aggregates) == 6 * 11 * len(FRAMEWORKS)
    order = aggregates[["sample", "replication", "step"]].to_numpy()
    assert (np.diff(order[:, 0] * 1_000_000 + order[:, 1] * 1000 + order[:, 2]) >= 0).all()
    assert list(aggregates["framework"].iloc[:5]) == FRAMEWORKS


def test_countries_hold_final_states(small_store):
    _, out = small_store
    countries = load_results(out).countries
    assert len(countries) == 6 * sim.World.load().n
    assert set(countries["step"]) == {10}
    assert {"iso3", "portfolio", "waico", "changed"} <= set(countries.columns)


def test_select_reads_only_matching_runs(small_store):
    _, out = small_store
    results = load_results(out)
    kinds = results.runs["rule.kind"]
    kind = kinds.iloc[0]
    chosen = results.select({"rule.kind": kind})
    assert set(chosen.runs["run_id"]) == set(results.runs.loc[kinds == kind, "run_id"])
    assert set(chosen.aggregates["run_id"].astype(str)) == set(chosen.runs["run_id"])
    both = results.select({"replication": [1], "frameworks.waico.levers.open_models": (0.0, 0.6)})
    expected = results.runs.query("replication == 1 and `frameworks.waico.levers.open_models` <= 0.6")
    assert sorted(both.aggregates["run_id"].astype(str).unique()) == sorted(expected["run_id"])


def test_select_unknown_column_is_an_input_error(small_store):
    _, out = small_store
    with pytest.raises(InputError, match=r"Did you mean 'rule\.kind'"):
        load_results(out).select({"rule.knd": "logit"})


def test_outcomes_final_and_mean(small_store):
    _, out = small_store
    results = load_results(out)
    aggregates = results.aggregates
    waico = aggregates[aggregates["framework"] == "waico"]
    final = results.outcome("final_share_gdp:waico")
    mean = results.outcome("mean_members:waico")
    expected_final = waico.groupby("run_id", observed=True)["share_gdp"].last()
    expected_mean = waico.groupby("run_id", observed=True)["members"].mean()
    pdt.assert_series_equal(
        final, expected_final.rename(final.name), check_index_type=False, check_categorical=False
    )
    pdt.assert_series_equal(
        mean, expected_mean.rename(mean.name), check_index_type=False, check_categorical=False
    )
    assert list(final.index) == list(results.runs["run_id"])


@given(
    statistic=st.sampled_from(["final", "mean"]),
    measure=st.sampled_from(MEASURES),
    framework=st.sampled_from(FRAMEWORKS),
)
def test_outcome_names_round_trip(statistic, measure, framework):
    name = f"{statistic}_{measure}:{framework}"
    assert Outcome.parse(name, FRAMEWORKS).name == name


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("share_gdp:waico", "'share_gdp:waico'"),
        ("final_share_gpd:waico", "'share_gpd'"),
        ("final_share_gdp:wacio", "'wacio'"),
        ("last_share_gdp:waico", "'last_share_gdp:waico'"),
    ],
)
def test_bad_outcome_names(name, found):
    with pytest.raises(InputError) as caught:
        Outcome.parse(name, FRAMEWORKS)
    assert caught.value.found == found


def test_load_results_of_a_folder_that_is_not_a_store(tmp_path):
    with pytest.raises(InputError, match=r"no manifest\.json"):
        load_results(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        load_results(tmp_path / "missing")


def test_sweep_refuses_a_folder_holding_files(small_store):
    spec, out = small_store
    with pytest.raises(InputError, match="already holds files"):
        sweep(spec, out)


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "table.json"
    atomic_write(target, b"old")
    atomic_write(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]


def test_extending_a_sweep_keeps_the_runs_it_has(write_spec, tmp_path):
    out = tmp_path / "out"
    sweep(write_spec("one.yaml", samples=2, replications=1), out)
    before = load_results(out).runs.set_index("run_id")
    summary = sweep(write_spec("two.yaml", samples=3, replications=2), out, resume=True)
    assert (summary.total, summary.skipped, summary.succeeded) == (6, 2, 4)
    after = load_results(out)
    kept = after.runs.set_index("run_id").loc[before.index]
    pdt.assert_frame_equal(kept, before)
    sweep(write_spec("direct.yaml", samples=3, replications=2), tmp_path / "direct")
    pdt.assert_frame_equal(after.aggregates, load_results(tmp_path / "direct").aggregates)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seed": 12}, "different spec"),
        ({"steps": 11}, "different spec"),
        ({"samples": 2}, "as many or more"),
        ({"replications": 1}, "as many or more"),
    ],
)
def test_resume_refuses_a_changed_or_shrunk_spec(write_spec, tmp_path, fields, message):
    out = tmp_path / "out"
    sweep(write_spec("one.yaml"), out)
    with pytest.raises(InputError, match=message):
        sweep(write_spec("two.yaml", **fields), out, resume=True)


def test_lhs_sweeps_cannot_be_extended(write_spec, tmp_path):
    out = tmp_path / "out"
    sweep(write_spec("one.yaml", design="lhs", samples=2, replications=1), out)
    with pytest.raises(InputError, match="lhs design cannot be extended"):
        sweep(write_spec("two.yaml", design="lhs", samples=3, replications=1), out, resume=True)


def test_resume_deletes_parts_the_run_table_does_not_name(write_spec, tmp_path):
    out = tmp_path / "out"
    spec = write_spec(samples=2, replications=1)
    sweep(spec, out)
    before = load_results(out).aggregates
    orphan = out / "aggregates" / "part-0123456789abcdef0123456789abcdef.parquet"
    orphan.write_bytes((out / "aggregates" / load_results(out).runs["part"].iloc[0]).read_bytes())
    (out / ".runs.parquet.tmp-0123456789ab").write_bytes(b"half")
    pdt.assert_frame_equal(load_results(out).aggregates, before)
    sweep(spec, out, resume=True)
    assert not orphan.exists() and not (out / ".runs.parquet.tmp-0123456789ab").exists()


def test_resume_without_a_store_starts_one(write_spec, tmp_path):
    summary = sweep(write_spec(samples=1, replications=1), tmp_path / "new", resume=True)
    assert (summary.total, summary.succeeded) == (1, 1)


def test_countries_all_steps_on_request(write_spec, tmp_path):
    sweep(write_spec(samples=1, replications=1, steps=3, countries="all"), tmp_path / "out")
    countries = load_results(tmp_path / "out").countries
    assert sorted(set(countries["step"])) == [0, 1, 2, 3]
    assert len(countries) == 4 * sim.World.load().n


def test_parameterless_grid_store(write_spec, tmp_path):
    sweep(write_spec(design="grid", samples=None, parameters={}, replications=2), tmp_path / "out")
    results = load_results(tmp_path / "out")
    assert results.parameters == []
    assert len(results.aggregates) == 2 * 11 * len(FRAMEWORKS)
    assert pq.read_table(tmp_path / "out" / "design.parquet").num_rows == 1


def test_empty_selection_reads_nothing(small_store):
    _, out = small_store
    none = load_results(out).select({"sample": 99})
    assert none.aggregates.empty and len(none.runs) == 0
    assert isinstance(none.countries, pd.DataFrame)


@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=30), seed=st.integers(0, 1000))
def test_run_order_sorts_whole_blocks(lengths, seed):
    from sim.experiment.store import _run_order

    shuffled = np.random.default_rng(seed).permutation(len(lengths))
    position = np.repeat(shuffled, np.array(lengths)[shuffled])
    within = np.concatenate([np.arange(lengths[run]) for run in shuffled])
    order = _run_order(position)
    if order is None:
        assert (np.diff(position) >= 0).all()
        return
    assert sorted(order) == list(range(len(position)))
    assert (np.diff(position[order]) >= 0).all()
    assert (within[order] == np.concatenate([np.arange(n) for n in lengths])).all()


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)  # fmt: skip
    return int(child.stdout)


def test_a_new_store_clears_staging_of_a_killed_creation_only(write_spec, tmp_path):
    """Staging of a writer that died goes; a live writer's (maybe creating it now) stays."""
    target = tmp_path / "out"
    dead = staging_path(target, "partial")
    dead = dead.with_name(dead.name.replace(f"-{os.getpid()}-", f"-{_dead_pid()}-"))
    live = staging_path(target, "partial")  # this process: alive
    for folder in (dead, live):
        (folder / "aggregates").mkdir(parents=True)
    sweep(write_spec(samples=1, replications=1), target)
    assert not dead.exists()
    assert live.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [live.name]

"""``results.table(outcomes=[...])``: one tidy row per run, parameters by short name, then outcomes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.experiment import RunSettings, load_experiment, simulate
from sim.experiment.store import short_names

OUTCOMES = ["final_share_gdp:waico", "mean_members:un"]


def test_table_has_a_row_per_run_with_short_names_and_outcomes(small_store):
    _, out = small_store
    table = sim.load_results(out).table(outcomes=OUTCOMES)
    assert list(table.columns) == ["open_models", "kind", "launch_step", "replication", "seed", *OUTCOMES]
    assert len(table) == 6 and table.index.name == "run_id"
    assert table.notna().all().all()


def test_table_rows_are_what_a_direct_run_gives(small_store):
    spec, out = small_store
    table = sim.load_results(out).table(outcomes=OUTCOMES)
    task = load_experiment(spec).tasks()[3]
    row = table.loc[task.run_id]
    parameters = dict(task.parameters)
    assert row["open_models"] == parameters["frameworks.waico.levers.open_models"]
    assert row["kind"] == parameters["rule.kind"]
    assert row["seed"] == task.seed
    aggregates = simulate(load_experiment(spec).scenario, task, RunSettings(steps=10)).aggregates
    waico = aggregates[aggregates["framework"] == "waico"]
    assert row["final_share_gdp:waico"] == pytest.approx(waico["share_gdp"].iloc[-1])
    un = aggregates[aggregates["framework"] == "un"]
    assert row["mean_members:un"] == pytest.approx(un["members"].mean())


def test_table_of_a_selection_holds_only_its_runs(small_store):
    _, out = small_store
    results = sim.load_results(out).select({"replication": 1})
    table = results.table(outcomes=OUTCOMES[:1])
    assert (table["replication"] == 1).all() and len(table) == 3


def test_table_needs_an_outcome(small_store):
    _, out = small_store
    results = sim.load_results(out)
    with pytest.raises(sim.InputError, match="field 'outcomes': expected at least one outcome name"):
        results.table(outcomes=[])
    with pytest.raises(sim.InputError, match="a framework among"):
        results.table(outcomes=["final_share_gdp:wiaco"])


def test_short_names_keep_enough_parts_to_differ():
    paths = ["frameworks.waico.levers.open_models", "frameworks.us_led.levers.open_models", "rule.seed"]
    assert short_names(paths, taken=["seed"]) == {
        "frameworks.waico.levers.open_models": "waico.levers.open_models",
        "frameworks.us_led.levers.open_models": "us_led.levers.open_models",
        "rule.seed": "rule.seed",
    }


PART = st.sampled_from(["a", "b", "c", "seed", "levers"])


@given(st.lists(st.lists(PART, min_size=1, max_size=4).map(".".join), unique=True, max_size=6))
def test_short_names_are_distinct_suffixes(paths):
    names = short_names(paths, taken=["seed"])
    assert len(set(names.values())) == len(paths)
    for path, name in names.items():
        assert f".{path}".endswith(f".{name}")
        assert name != "seed" or path == "seed"

"""Sweeps of levers against uncertainties: every named policy in every sampled scenario."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.experiment import load_experiment, load_results, sweep

PENALTY = "penalties.us_export_controls.amount"
TEMPERATURE = "rule.temperature"

#: Two policies (one leaving the lever at the scenario's value) in three sampled scenarios.
POLICIES = {
    "parameters": None,
    "samples": 3,
    "replications": 1,
    "steps": 4,
    "uncertainties": {TEMPERATURE: {"low": 0.05, "high": 0.3}},
    "levers": {PENALTY: {"low": 0.0, "high": 2.0}, "rule.kind": {"values": ["logit", "best_response"]}},
    "policies": {"status_quo": {}, "hard": {PENALTY: 1.6, "rule.kind": "best_response"}},
}


def test_experiments_are_policies_in_every_scenario(write_spec):
    experiment = load_experiment(write_spec(**POLICIES))
    points = experiment.points
    assert experiment.run_count == len(points) == 6
    assert list(points["policy"]) == ["status_quo", "hard"] * 3
    assert list(points["scenario"]) == [0, 0, 1, 1, 2, 2]
    # each scenario's uncertainty is the same under both policies, and differs between scenarios
    per_scenario = points.groupby("scenario")[TEMPERATURE].nunique()
    assert (per_scenario == 1).all() and points[TEMPERATURE].nunique() == 3
    hard = points[points["policy"] == "hard"]
    assert (hard[PENALTY] == 1.6).all() and (hard["rule.kind"] == "best_response").all()
    base = experiment.scenario.parameters()
    quo = points[points["policy"] == "status_quo"]
    assert (quo[PENALTY] == base[PENALTY]).all() and (quo["rule.kind"] == base["rule.kind"]).all()
    # a run's parameters are the scenario's paths only, never the policy's name
    assert {path for task in experiment.tasks() for path, _ in task.parameters} == {
        TEMPERATURE,
        PENALTY,
        "rule.kind",
    }


def test_policy_sweep_is_stored_and_grows_without_rerunning(write_spec, tmp_path):
    out = tmp_path / "store"
    sweep(write_spec(**POLICIES), out)
    results = load_results(out)
    assert results.policies == ["status_quo", "hard"]
    assert results.uncertainties == [TEMPERATURE]
    table = results.table(["final_share_count:waico"])
    assert list(table.columns[:5]) == ["temperature", "amount", "kind", "policy", "scenario"]
    before = results.runs.set_index("run_id")
    grown = sweep(write_spec(**{**POLICIES, "samples": 5}), out, resume=True)
    assert (grown.total, grown.skipped, grown.succeeded) == (10, 6, 4)
    after = load_results(out).runs.set_index("run_id")
    kept = after.loc[before.index, ["policy", "scenario", TEMPERATURE, "finished_at"]]
    pd.testing.assert_frame_equal(kept, before[["policy", "scenario", TEMPERATURE, "finished_at"]])
    assert list(after["scenario"].iloc[6:]) == [3, 3, 4, 4]


def test_policy_sweep_runs_on_processes(write_spec, tmp_path):
    spec = write_spec(**POLICIES)
    sweep(spec, tmp_path / "serial")
    sweep(spec, tmp_path / "processes", executor="processes", workers=2, chunk_size=2)
    outcome = "final_share_count:waico"
    serial, parallel = (load_results(tmp_path / n).table([outcome]) for n in ("serial", "processes"))
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"policies": {"hard": {"rule.temprature": 0.1}}}, "policies.hard.rule.temprature", "a lever named"),
        ({"policies": {"hard": {PENALTY: 3.0}}}, f"policies.hard.{PENALTY}", "from 0.0 to 2.0"),
        ({"policies": {"hard": {"rule.kind": "random"}}}, "policies.hard.rule.kind", "one of"),
        ({"policies": {}}, "", "go together"),
        ({"levers": {}}, "", "go together"),
        ({"parameters": {PENALTY: {"low": 0.0, "high": 1.0}}}, "", "not both"),
        (
            {"uncertainties": {PENALTY: {"low": 0.0, "high": 1.0}}},
            f"levers.{PENALTY}",
            "not also an uncertainty",
        ),
        ({"design": "sobol", "samples": 4}, "", "not policies"),
        ({"policies": {"Hard": {}}}, "policies.Hard", "lower-case"),
        ({"policies": {"policy": {}}}, "policies.policy", "not a column"),
    ],
)
def test_bad_policies_are_named(write_spec, fields, field, message):
    with pytest.raises(InputError) as caught:
        load_experiment(write_spec(**{**POLICIES, **fields}))
    assert caught.value.field.startswith(field)
    assert message in str(caught.value)


def test_lever_missing_from_a_policy_must_fit_the_lever(write_spec):
    levers = {PENALTY: {"low": 1.0, "high": 2.0}}  # the baseline's penalty lies below 1.0
    spec = write_spec(**{**POLICIES, "levers": levers, "policies": {"quo": {}, "hard": {PENALTY: 1.5}}})
    with pytest.raises(InputError, match="the scenario's") as caught:
        load_experiment(spec)
    assert caught.value.field == f"policies.quo.{PENALTY}"


def test_whole_number_lever_takes_whole_numbers(write_spec):
    levers = {"frameworks.un.launch_step": {"low": 0, "high": 5}}
    spec = write_spec(
        **{**POLICIES, "levers": levers, "policies": {"late": {"frameworks.un.launch_step": 2.5}}}
    )
    with pytest.raises(InputError, match="whole number"):
        load_experiment(spec)


def test_second_parameter_is_named_with_its_group(write_spec):
    uncertainties = {TEMPERATURE: {"low": 0.05, "high": 0.3}, "weights.peer": {"low": 0.1, "high": 0.8}}
    with pytest.raises(InputError) as caught:
        load_experiment(write_spec(**{**POLICIES, "uncertainties": uncertainties}))
    assert caught.value.field == "uncertainties.weights.peer"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.integers(1, 6),
    more=st.integers(0, 6),
    count=st.integers(1, 4),
    design=st.sampled_from(["random", "grid"]),
)
def test_more_samples_append_whole_scenarios(write_spec, first, more, count, design):
    policies = {f"p{i}": {PENALTY: i * 0.5} for i in range(count)}
    fields = {**POLICIES, "policies": policies, "design": design}
    if design == "grid":
        fields |= {
            "samples": None,
            "uncertainties": {TEMPERATURE: {"values": [0.1, 0.2, 0.3][: 1 + first % 3]}},
        }
    small = load_experiment(write_spec("a.yaml", **{**fields, "samples": fields["samples"] and first})).points
    large = load_experiment(
        write_spec("b.yaml", **{**fields, "samples": fields["samples"] and first + more})
    ).points
    pd.testing.assert_frame_equal(large.iloc[: len(small)], small)
    assert list(large["policy"]) == [f"p{i % count}" for i in range(len(large))]
    assert (large["scenario"] == large.index // count).all()
    assert (large.groupby("scenario")[TEMPERATURE].nunique() == 1).all()

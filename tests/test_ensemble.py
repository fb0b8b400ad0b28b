"""The ensemble engine: run_many gives, run for run, what sim.run gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from coalsim_testing import SCENARIOS, synthetic_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
import sim.model
from sim.ensemble import run_bytes, run_many
from sim.model import CoalitionModel
from sim.results import RunResult
from sim.schema import MAX_SEED

TABLES = ("aggregates", "countries", "dynamics", "offers")


def assert_same_runs(results, scenario, seeds, parameters=None, **kwargs):
    """Each result equals sim.run's for its seed and overrides: every table, all metadata."""
    parameters = parameters or [{}] * len(seeds)
    assert len(results) == len(seeds)
    for result, seed, changes in zip(results, seeds, parameters, strict=True):
        alone = sim.run(scenario.with_overrides(changes), seed=seed, **kwargs)
        for table in TABLES:
            pd.testing.assert_frame_equal(getattr(result, table), getattr(alone, table), check_exact=True)
        assert result.metadata == alone.metadata


def assert_same_offered_runs(results, scenario, seeds, offers, parameters=None, *, steps, world, record):
    """Each result equals one model's with its standing offer, reported as sim.run reports a run."""
    parameters = parameters or [{}] * len(seeds)
    for i, (seed, offer, changes) in enumerate(zip(seeds, offers, parameters, strict=True)):
        model = CoalitionModel(scenario.with_overrides(changes), world, rng=seed, standing_offers=offer)
        model.run_for(steps)
        alone = RunResult.from_model(model, seed, record)
        for table in TABLES:
            pd.testing.assert_frame_equal(getattr(results[i], table), getattr(alone, table), check_exact=True)
        assert results[i].metadata == alone.metadata
        summary = results.summary(i)
        assert summary.is_nash == alone.metadata["equilibrium"]["is_nash"]
        if results.engines[i] == "ensemble":
            np.testing.assert_array_equal(results.history(i), np.asarray(model.history))


def standing_offers(world: sim.World, frameworks: int, runs: int, seed: int) -> list[np.ndarray | None]:
    """Offers that move runs: large ones to a third of the countries, differing by run; None in some runs."""
    rng = np.random.default_rng(seed)
    offers: list[np.ndarray | None] = []
    for r in range(runs):
        if r % 3 == 2:
            offers.append(None)
            continue
        offer = rng.uniform(0.0, 2.0, (world.n, frameworks)) * (rng.random((world.n, 1)) < 1 / 3)
        offers.append(offer)
    return offers


#: A rule under which runs move every few steps (any kind given on top of it).
MOVING_RULE = {"activation_rate": 0.4, "threshold": 0.05, "switching_cost": 0.05, "temperature": 0.3}


def events_scenario(**changes) -> sim.Scenario:
    """The synthetic scenario with a set, a launch and a commit event, and a late launch step."""
    raw = {
        "events": [
            {"step": 3, "set": {"utility.club": 2.0, "rule.activation_rate": 0.6}},
            {"step": 4, "launch": "d"},
            {"step": 6, "commit": {"framework": "b", "countries": ["A0003", "A0004", "A0005"]}},
            {"step": 9, "commit": {"framework": "a", "countries": ["A0001", "A0007"]}},
        ],
        "frameworks": {
            "a": {"name": "A", "lead": ["A0000"], "levers": {"open_models": 0.5}, "entry_cost": 0.2},
            "b": {"name": "B", "lead": ["A0001"], "levers": {"compute_access": 0.5}, "entry_cost": 0.2},
            "c": {"name": "C", "entry_cost": 0.4, "launch_step": 5},
            "d": {"name": "D", "entry_cost": 0.1, "launch_step": 30},
        },
    }
    raw.update(changes)
    return synthetic_scenario(**raw)


@pytest.fixture(scope="module")
def small_world() -> sim.World:
    return sim.World.synthetic(60, rng=4)


def test_baseline_replications_equal_single_runs(baseline, world):
    seeds = [0, 1, 2, 3, 4, 5]
    results = run_many(baseline, seeds, steps=30, world=world, record="all")
    assert results.engines == ("ensemble",) * len(seeds)
    assert_same_runs(results, baseline, seeds, steps=30, world=world, record="all")
    finals = [results.history(i)[-1] for i in range(len(seeds))]
    assert any((final != finals[0]).any() for final in finals[1:]), "seeds must give different runs"
    assert (results.history(0)[-1] != results.history(0)[0]).any(), "the runs must move"


@pytest.mark.parametrize("kind", ["logit", "best_response", "threshold"])
def test_every_rule_with_events_launches_and_peers(kind, small_world):
    scenario = events_scenario(rule={**MOVING_RULE, "kind": kind})
    seeds = [11, 12, 13, 14]
    results = run_many(scenario, seeds, steps=20, world=small_world, record="all")
    assert_same_runs(results, scenario, seeds, steps=20, world=small_world, record="all")
    moved = [(results.history(i)[-1] != results.history(i)[0]).sum() for i in range(len(seeds))]
    assert min(moved) > 0


def test_commit_events_move_every_run_as_a_single_run_would(small_world):
    scenario = events_scenario(rule={"kind": "logit", "activation_rate": 0.5, "temperature": 1.0})
    results = run_many(scenario, list(range(8)), steps=12, world=small_world)
    b = results[0].metadata["frameworks"].index("b")
    for i in range(8):
        holds = sim.model.CoalitionModel(scenario, small_world).params.portfolios[results.history(i)]
        assert holds[6:, [3, 4, 5], b].all(), "committed at step 6, members for good"
    assert_same_runs(results, scenario, list(range(8)), steps=12, world=small_world, record="final")


def test_peer_rows_sliced_or_not_give_the_same_runs(small_world, monkeypatch):
    scenario = events_scenario()
    seeds = [3, 4]
    results = run_many(scenario, seeds, steps=15, world=small_world, record="all")
    monkeypatch.setattr(sim.model, "PEER_SLICE_MIN_TIES", 0)  # the model slices peer rows too
    assert_same_runs(results, scenario, seeds, steps=15, world=small_world, record="all")


def test_per_run_parameters_and_structures_are_grouped(small_world):
    scenario = events_scenario()
    parameters = [
        {"rule.temperature": 0.5},
        {},
        {"frameworks.c.enabled": False},  # three frameworks: another structure
        {"rule.temperature": 0.5},
        {"compatibility.exclusive": []},  # more portfolios
        {"utility.peer": 0.0},  # no peer effects
        {},
    ]
    seeds = [1, 2, 3, 4, 5, 6, 7]
    results = run_many(scenario, seeds, parameters, steps=12, world=small_world, record="all")
    assert_same_runs(results, scenario, seeds, parameters, steps=12, world=small_world, record="all")
    assert results[2].metadata["frameworks"] == ["a", "b", "d"]
    batches = [id(entry[0]) for entry in results._runs]
    assert len(set(batches)) == 3, "three structures: as given, without c, without the exclusive pair"
    assert len({batches[i] for i in (0, 1, 3, 5, 6)}) == 1, "magnitudes share one ensemble"


def test_magnitudes_share_one_ensemble(small_world):
    scenario = events_scenario()
    parameters = [
        {},
        {"rule.temperature": 0.05},
        {"rule.temperature": 2.0, "rule.activation_rate": 0.9},
        {"utility.club": 3.0, "utility.club_exponent": 0.7},  # another exponent: its own pass
        {"utility.club_exponent": 2.0},
        {"utility.peer": 0.0},
        {"utility.peer": 1.5, "peers.ties": {"random": 1.0}},  # another peer matrix
        {"rule.kind": "threshold", "rule.threshold": 0.2},
        {"rule.kind": "threshold", "rule.threshold": 0.01},
        {"rule.kind": "best_response"},
        {"frameworks.c.launch_step": 2, "frameworks.a.entry_cost": 0.9},
        {"compatibility.dual_cost": 0.4, "rule.switching_cost": 0.3},
        {"utility.alignment": 2.0, "frameworks.b.levers.compute_access": 1.5},
        {"events": []},
        {"frameworks.c.founding_round": True, "rule.activation_rate": 0.05},  # all decide at step 5
        {"frameworks.d.universal": True},  # every country joins d at its launch event, for good
        {"utility.alignment_measure": "bilateral"},
    ] * 2
    seeds = list(range(100, 100 + len(parameters)))
    results = run_many(scenario, seeds, parameters, steps=14, world=small_world, record="all")
    assert len({id(entry[0]) for entry in results._runs}) == 1, "one ensemble"
    assert_same_runs(results, scenario, seeds, parameters, steps=14, world=small_world, record="all")


def test_splitting_by_memory_changes_nothing(small_world):
    scenario = events_scenario()
    seeds = [5, 6, 7, 8, 9]
    whole = run_many(scenario, seeds, steps=10, world=small_world)
    one_each = run_many(scenario, seeds, steps=10, world=small_world, max_bytes=1)
    two_each = run_many(scenario, seeds, steps=10, world=small_world, max_bytes=2 * run_bytes(60, 10, 4))
    assert len({id(entry[0]) for entry in two_each._runs}) == 3
    for i in range(len(seeds)):
        np.testing.assert_array_equal(one_each.history(i), whole.history(i))
        np.testing.assert_array_equal(two_each.history(i), whole.history(i))
    pd.testing.assert_frame_equal(one_each.aggregates(), whole.aggregates(), check_exact=True)


def test_sponsors_fall_back_to_one_model_per_run(world):
    courting = sim.load_scenario(SCENARIOS / "waico_courting.yaml")
    seeds = [1, 2]
    parameters = [{}, {"sponsors": {}}]
    results = run_many(courting, seeds, parameters, steps=15, world=world)
    assert results.engines == ("per-run", "ensemble")
    assert len(results[0].offers) > 0
    assert_same_runs(results, courting, seeds, parameters, steps=15, world=world, record="final")
    with pytest.raises(ValueError, match="per-run"):
        results.history(0)


def test_sponsored_runs_refuse_the_seeds_sim_run_refuses(world):
    courting = sim.load_scenario(SCENARIOS / "waico_courting.yaml")
    with pytest.raises(sim.InputError) as single:
        sim.run(courting, seed=MAX_SEED + 1, steps=2, world=world)
    with pytest.raises(sim.InputError) as many:
        run_many(courting, [1, MAX_SEED + 1], steps=2, world=world)
    assert str(many.value) == str(single.value)


def test_aggregates_of_all_runs_equal_each_runs_aggregates(small_world):
    scenario = events_scenario()
    parameters = [{}, {"frameworks.c.enabled": False}] * 20 + [{}]
    seeds = list(range(len(parameters)))
    results = run_many(scenario, seeds, parameters, steps=6, world=small_world)
    expected = pd.concat(
        [result.aggregates.assign(run=i) for i, result in enumerate(results)], ignore_index=True
    )
    got = results.aggregates()
    assert list(got.columns) == ["run", *results[0].aggregates.columns]
    pd.testing.assert_frame_equal(got, expected[got.columns], check_exact=True)


def test_slices_of_results(small_world):
    results = run_many(events_scenario(), [1, 2, 3], steps=4, world=small_world)
    assert [r.metadata["seed"] for r in results[1:]] == [2, 3]
    assert [r.metadata["seed"] for r in results] == [1, 2, 3]


def test_the_same_error_as_a_single_run(small_world):
    # Committing a member of a to b, which excludes a, is refused at step 2 in every run.
    scenario = events_scenario(
        events=[{"step": 2, "commit": {"framework": "b", "countries": ["A0000"]}}],
        frameworks={
            "a": {"name": "A", "lead": ["A0000"], "committed": ["A0000"]},
            "b": {"name": "B", "lead": ["A0001"]},
        },
    )
    with pytest.raises(sim.InputError) as single:
        sim.run(scenario, seed=1, world=small_world)
    with pytest.raises(sim.InputError) as many:
        run_many(scenario, list(range(30)), world=small_world)  # more runs than held portfolios
    assert str(many.value) == str(single.value)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"seeds": []}, "seeds"),
        ({"seeds": [1, -1]}, "seeds"),
        ({"seeds": [True]}, "seeds"),
        ({"seeds": 3}, "seeds"),
        ({"seeds": [1.5]}, "seeds"),
        ({"parameters": [{}]}, "parameters"),
        ({"parameters": {"rule.temperature": 1}}, "parameters"),
        ({"parameters": [{}, 3]}, "parameters"),
        ({"steps": 0}, "steps"),
        ({"record": "some"}, "record"),
        ({"max_bytes": 0}, "max_bytes"),
        ({"offers": [None]}, "offers"),
        ({"offers": np.zeros((60, 4))}, "offers"),
        ({"offers": [None, np.zeros((60, 3))]}, "offers"),
        ({"offers": [np.full((60, 4), np.nan), None]}, "offers"),
        ({"offers": [None, "much"]}, "offers"),
    ],
)
def test_bad_arguments_name_their_parameter(arguments, field, small_world):
    call = {"seeds": [1, 2], "world": small_world, **arguments}
    with pytest.raises(sim.InputError) as error:
        run_many(events_scenario(), **call)
    assert error.value.field == field
    assert "run_many()" in str(error.value)


@pytest.mark.parametrize("kind", ["logit", "best_response", "threshold"])
def test_standing_offers_per_run_equal_a_model_with_them(kind, small_world):
    scenario = events_scenario(rule={**MOVING_RULE, "kind": kind})
    seeds = [21, 22, 23, 21, 22, 23]  # the same seeds with other offers: the offers must tell
    offers = standing_offers(small_world, 4, len(seeds), seed=7)
    results = run_many(scenario, seeds, steps=14, world=small_world, record="all", offers=offers)
    assert len({id(entry[0]) for entry in results._runs}) == 1, "one ensemble"
    assert_same_offered_runs(results, scenario, seeds, offers, steps=14, world=small_world, record="all")
    plain = run_many(scenario, seeds, steps=14, world=small_world)
    for i, offer in enumerate(offers):
        moved = (results.history(i) != plain.history(i)).any()
        assert moved == (offer is not None), "an offer changes its run, and only its run"


def test_standing_offers_in_an_ensemble_of_several_scenarios_and_rules(small_world):
    scenario = events_scenario()
    parameters = [
        {},
        {"rule.temperature": 0.05},
        {"utility.club_exponent": 2.0},  # its own pass
        {"rule.kind": "threshold", "rule.threshold": 0.1},  # its own pass
        {"utility.peer": 0.0},
        {"rule.kind": "best_response"},
        {"frameworks.c.enabled": False},  # another structure: three frameworks
    ]
    seeds = list(range(40, 40 + len(parameters)))
    offers = standing_offers(small_world, 4, len(parameters), seed=8)
    offers[-1] = np.full((small_world.n, 3), 0.25)
    results = run_many(
        scenario, seeds, parameters, steps=12, world=small_world, record="final", offers=offers
    )
    assert len({id(entry[0]) for entry in results._runs}) == 2
    assert_same_offered_runs(
        results, scenario, seeds, offers, parameters, steps=12, world=small_world, record="final"
    )


def test_standing_offers_with_sponsors_go_to_the_runs_own_model(world):
    courting = sim.load_scenario(SCENARIOS / "waico_courting.yaml")
    k = len(courting.active_frameworks)
    # A standing offer to the first country the sponsor courts on its own, so that the
    # sponsor has a reason to court differently (whoever that is at this calibration).
    courted = run_many(courting, [1], [{}], steps=20, world=world, record="final")[0].offers["iso3"].iloc[0]
    offer = np.zeros((world.n, k))
    offer[world.index[courted], courting.active_frameworks.index("waico")] = 6.0
    seeds, offers, parameters = [1, 1, 2], [offer, None, offer], [{}, {}, {"sponsors": {}}]
    results = run_many(courting, seeds, parameters, steps=20, world=world, record="final", offers=offers)
    assert results.engines == ("per-run", "per-run", "ensemble")
    assert not results[0].offers.equals(results[1].offers), "the sponsor must see the standing offer"
    assert_same_offered_runs(
        results, courting, seeds, offers, parameters, steps=20, world=world, record="final"
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(8, 40),
    runs=st.integers(1, 5),
    kind=st.sampled_from(["logit", "best_response", "threshold"]),
    temperature=st.floats(0.01, 5.0),
    activation=st.floats(0.05, 1.0),
)
def test_random_worlds_and_rules_match_single_runs(seed, n, runs, kind, temperature, activation):
    world = sim.World.synthetic(n, rng=seed)
    scenario = synthetic_scenario(
        rule={"kind": kind, "temperature": temperature, "activation_rate": activation, "threshold": 0.1},
    )
    seeds = [seed + r for r in range(runs)]
    results = run_many(scenario, seeds, steps=8, world=world)
    for i, s in enumerate(seeds):
        model = sim.CoalitionModel(scenario, world, rng=s)
        model.run_for(8)
        np.testing.assert_array_equal(results.history(i), np.asarray(model.history))


run_parameters = st.fixed_dictionaries(
    {
        "rule.kind": st.sampled_from(["logit", "best_response", "threshold"]),
        "rule.temperature": st.floats(0.01, 3.0),
        "rule.activation_rate": st.floats(0.05, 1.0),
        "utility.club": st.floats(0.0, 3.0),
        "utility.club_exponent": st.sampled_from([0.5, 1.0, 0.8, 2.0]),
        "utility.peer": st.sampled_from([0.0, 0.5, 2.0]),
        "frameworks.c.launch_step": st.integers(0, 6),
        "frameworks.c.founding_round": st.booleans(),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(8, 40),
    parameters=st.lists(run_parameters, min_size=1, max_size=5),
)
def test_random_parameters_in_one_ensemble_match_single_runs(seed, n, parameters):
    world = sim.World.synthetic(n, rng=seed)
    scenario = events_scenario()
    seeds = [seed + r for r in range(len(parameters))]
    results = run_many(scenario, seeds, parameters, steps=10, world=world)
    for i, (s, changes) in enumerate(zip(seeds, parameters, strict=True)):
        model = sim.CoalitionModel(scenario.with_overrides(changes), world, rng=s)
        model.run_for(10)
        np.testing.assert_array_equal(results.history(i), np.asarray(model.history))


def test_a_model_without_agents_applies_events_alike_and_refuses_the_agents_engine(baseline, world):
    bare, full = CoalitionModel(baseline, world, agents=False), CoalitionModel(baseline, world)
    assert len(bare.agents) == 0 and len(full.agents) == world.n
    for step in sorted(full.event_steps()):
        bare.apply_events(step)
        full.apply_events(step)
        assert np.array_equal(bare.portfolio, full.portfolio) and bare.params is full.params
    with pytest.raises(ValueError, match="agents=True"):
        CoalitionModel(baseline, world, engine="agents", agents=False)


@pytest.mark.parametrize("record", ["all", "final"])
def test_a_runs_summary_holds_what_its_run_result_holds(baseline, world, record):
    """What a sweep stores of a run, from the ensemble or from a sponsored run's own model."""
    courting = sim.load_scenario(SCENARIOS / "waico_courting.yaml")
    cases = [
        (baseline, [{"rule.temperature": t} for t in (0.05, 0.2, 0.5, 1.0, 0.05)]
         + [{"rule.kind": "best_response", "rule.switching_cost": 0.0}], 100),  # the last: Nash
        (courting, [{}], 30),
    ]
    nash, settled = set(), set()
    for scenario, parameters, steps in cases:
        seeds = list(range(len(parameters)))
        results = run_many(scenario, seeds, parameters, steps=steps, world=world, record=record)
        for i, seed in enumerate(seeds):
            varied = scenario.with_overrides(parameters[i])
            single = sim.run(varied, seed=seed, steps=steps, world=world, record=record)
            summary = results.summary(i)
            pd.testing.assert_frame_equal(summary.aggregates, single.aggregates)
            pd.testing.assert_frame_equal(summary.countries, single.countries)
            assert summary.converged_at == single.metadata["converged_at"]
            assert summary.is_nash == single.metadata["equilibrium"]["is_nash"]
            nash.add(summary.is_nash)
            settled.add(summary.converged_at is None)
        assert set(results.engines) == {"per-run" if scenario.sponsors else "ensemble"}
    assert nash == {True, False} and settled == {True, False}, "the runs must differ in both"

"""ABC-SMC calibration of the simulation: recovery of a known truth, identification, resume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from coalsim_testing import SCENARIOS, synthetic_scenario
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.analysis import abc
from sim.errors import InputError

pytest.importorskip("pyabc")

WORLD = sim.World.synthetic(60, rng=11)
TRUE_ENTRY_COST = 0.25
STEP = 8


def observed_count(entry_cost: float, seeds=range(20)) -> float:
    """The mean member count of framework 'a' at STEP, simulated with a known entry cost."""
    scenario = synthetic_scenario().with_overrides({"frameworks.a.entry_cost": entry_cost})
    target = [abc.Target("a_count", "a", STEP, "count", 0.0, 1.0)]
    return float(np.mean([abc.simulate_statistics(scenario, WORLD, target, s)["a_count"] for s in seeds]))


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    scenario = synthetic_scenario()
    observed = observed_count(TRUE_ENTRY_COST)
    targets = [abc.Target("a_count", "a", STEP, "count", observed, 1.0)]
    priors = [
        abc.Prior("frameworks.a.entry_cost", 0.0, 2.0),
        abc.Prior("frameworks.c.entry_cost", 0.0, 3.0),  # c launches at step 5: barely matters
    ]
    database = tmp_path_factory.mktemp("abc") / "abc.db"
    budget = abc.Budget(population=60, generations=4, min_epsilon=0.0)
    posterior = abc.calibrate(scenario, priors, targets, database, budget=budget, seed=3, world=WORLD)
    return scenario, priors, targets, database, budget, posterior


def test_the_posterior_recovers_a_known_entry_cost(recovered):
    *_, posterior = recovered
    table = posterior.identification().set_index("parameter")
    row = table.loc["frameworks.a.entry_cost"]
    assert row["q05"] <= TRUE_ENTRY_COST <= row["q95"]
    assert row["identified"], row
    assert np.isclose(posterior.draws["weight"].sum(), 1.0)


def test_a_parameter_the_targets_do_not_see_is_reported_as_not_identified(recovered):
    # Framework c's entry cost only acts after its launch at step 5, through three steps of
    # a 0.3 activation rate, on a framework the target does not count: the data cannot pin it.
    *_, posterior = recovered
    row = posterior.identification().set_index("parameter").loc["frameworks.c.entry_cost"]
    assert not row["identified"], row


def test_posterior_predictive_covers_the_observation_it_was_fitted_to(recovered):
    scenario, *_, posterior = recovered
    predictive = abc.posterior_predictive(scenario, posterior, draws=30, seed=1, world=WORLD)
    summary = abc.predictive_summary(predictive).set_index("target")
    assert summary.loc["a_count", "covered"], summary


def test_resume_continues_the_stored_generations(recovered):
    scenario, priors, targets, database, budget, posterior = recovered
    longer = abc.Budget(population=budget.population, generations=budget.generations + 1, min_epsilon=0.0)
    resumed = abc.calibrate(
        scenario, priors, targets, database, budget=longer, seed=3, world=WORLD, resume=True
    )
    assert len(resumed.generations) == len(posterior.generations) + 1
    assert resumed.generations["epsilon"].iloc[:-1].tolist() == posterior.generations["epsilon"].tolist()


def test_resume_refuses_a_database_of_another_calibration(recovered):
    scenario, priors, _, database, budget, _ = recovered
    other = [abc.Target("a_count", "a", STEP, "count", 1.0, 2.0)]
    with pytest.raises(InputError, match="same scenario, priors, targets"):
        abc.calibrate(scenario, priors, other, database, budget=budget, seed=3, world=WORLD, resume=True)


def test_save_and_load_give_the_same_posterior(recovered, tmp_path):
    *_, posterior = recovered
    for name, data in posterior.save(tmp_path).items():
        (tmp_path / name).write_bytes(data)
    again = abc.Posterior.load(tmp_path)
    assert again.median() == pytest.approx(posterior.median())
    assert again.priors == posterior.priors and again.targets == posterior.targets


def test_distance_is_the_root_of_summed_squared_misfits_in_tolerance_units():
    targets = [
        abc.Target("x", "a", 1, "count", 10, 2.0),
        abc.Target("y", "a", 1, "coverage", 0.5, 0.25, ("A0000",)),
    ]
    # (16 - 10) / 2 = 3 and (0.5 - 0.5) / 0.25 = 0 -> 3; (10, 1.5) -> 0 and 4 -> 4
    assert abc.distance({"x": 16, "y": 0.5}, targets) == pytest.approx(3.0)
    assert abc.distance({"x": 10, "y": 1.5}, targets) == pytest.approx(4.0)


def test_coverage_counts_the_share_of_the_named_countries_that_hold_the_framework():
    scenario = synthetic_scenario()
    leads = ("A0000", "A0001")
    target = [abc.Target("leads_in_a", "a", 0, "coverage", 1.0, 0.1, leads)]
    # At step 0 nobody holds anything unless committed: synthetic leads are not committed.
    model = sim.CoalitionModel(scenario, WORLD, rng=0)
    expected = model.holds[[WORLD.index[c] for c in leads], 0].mean()
    assert abc.simulate_statistics(scenario, WORLD, target, 0)["leads_in_a"] == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: abc.Prior("rule.temperature", 1.0, 1.0), "'high': expected a bound above low"),
        (lambda: abc.Prior("rule.temperature", 0.0, 1.0, log=True), "'low': expected a bound above 0"),
        (lambda: abc.Prior("rule.temperature", 0.0, float("inf")), "'high': expected a finite number"),
        (lambda: abc.Prior("rule.temperature", 0.1, 1.0, log=1), "'log': expected a valid boolean"),
        (lambda: abc.Target("t", "a", 1, "count", 1.0, 0.0), "tolerance above 0"),
        (lambda: abc.Target("t", "a", 1, "coverage", 1.0, 1.0), "countries"),
        (lambda: abc.Budget(population=1), "'population': expected a value greater than or equal to 2"),
        (lambda: abc.Budget(generations=2.0), "'generations': expected a valid integer"),
        (lambda: abc.Budget(min_epsilon=float("nan")), "'min_epsilon'"),
        (lambda: abc.Budget(populaton=30), "Did you mean 'population'"),
    ],
)  # fmt: skip
def test_bad_priors_targets_and_budgets_are_input_errors(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_priors_and_budgets_are_values():
    prior = abc.Prior("rule.temperature", 0.02, 0.5, log=True)
    assert prior == abc.Prior("rule.temperature", 0.02, 0.5, True) != abc.Prior("rule.temperature", 0.02, 0.5)
    assert abc.Budget(population=30) == abc.Budget(population=30) != abc.Budget()
    with pytest.raises(ValueError, match="frozen"):
        abc.Budget().population = 3


def test_targets_are_checked_against_the_scenario_before_any_simulation(tmp_path):
    scenario = synthetic_scenario()
    priors = [abc.Prior("frameworks.a.entry_cost", 0.0, 1.0)]
    for target, message in [
        (abc.Target("t", "nope", 1, "count", 1.0, 1.0), "frameworks"),
        (abc.Target("t", "a", 999, "count", 1.0, 1.0), "within 0..30"),
        (abc.Target("t", "a", 1, "coverage", 1.0, 1.0, ("XXX",)), "ISO3"),
        (abc.Target("t", "c", 3, "count", 5.0, 1.0), "from 5, when 'c' opens"),  # c launches at 5
    ]:
        with pytest.raises(InputError, match=message):
            abc.calibrate(scenario, priors, [target], tmp_path / "abc.db", world=WORLD)
    assert not (tmp_path / "abc.db").exists()


def test_a_prior_bound_outside_the_parameter_range_is_refused_before_any_simulation(tmp_path):
    scenario = synthetic_scenario()
    target = [abc.Target("t", "a", 1, "count", 1.0, 1.0)]
    with pytest.raises(InputError, match="activation_rate"):
        abc.calibrate(
            scenario, [abc.Prior("rule.activation_rate", 0.5, 2.0)], target, tmp_path / "abc.db", world=WORLD
        )


# -- calibration specs ------------------------------------------------------------------
SPEC = """\
scenario: SCENARIO
seed: 2
priors:
  frameworks.waico.entry_cost: {low: 0.0, high: 2.0}
  rule.temperature: {low: 0.02, high: 0.5, log: true}
targets:
  - observation: waico_founding_count
  - observation: sco_ai_statement_2025
    name: sco_in_waico
    step: 12
    observed: 0.5
    tolerance: 0.25
    exclude: [CHN]
"""


def write_spec(folder, text=SPEC):
    path = folder / "calibration.yaml"
    path.write_text(text.replace("SCENARIO", str(SCENARIOS / "baseline.yaml")), encoding="utf-8")
    return path


def test_a_spec_builds_count_and_coverage_targets_from_the_observations(tmp_path):
    spec = abc.load_calibration_spec(write_spec(tmp_path))
    count, coverage = spec.targets
    # waico_founding_count: 29 states, range 20-40 -> tolerance (40 - 20) / 4
    assert (count.statistic, count.observed, count.tolerance, count.step) == ("count", 29.0, 5.0, 12)
    # the SCO statement's signatories that count as support, without the excluded proposer
    # and without India, which the file records as a non-signatory
    assert coverage.statistic == "coverage" and "CHN" not in coverage.countries
    assert "IND" not in coverage.countries and {"RUS", "KAZ", "PAK"} <= set(coverage.countries)
    assert spec.priors[1] == abc.Prior("rule.temperature", 0.02, 0.5, log=True)
    assert spec.seed == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            (
                "frameworks.waico.entry_cost: {low: 0.0, high: 2.0}",
                "frameworks.waico.entry_kost: {low: 0, high: 2}",
            ),
            "priors.frameworks.waico.entry_kost",
        ),
        (("{low: 0.0, high: 2.0}", "{low: 2.0, high: 0.0}"), "priors.frameworks.waico.entry_cost.high"),
        (("{low: 0.02, high: 0.5, log: true}", "{low: 0.0, high: 0.5, log: true}"),
         "priors.rule.temperature.low"),
        (("seed: 2", "seed: 2\nbudget: {population: 1}"), "budget.population"),
        (("seed: 2", "seed: 2\nquick_budget: {generations: 0}"), "quick_budget.generations"),
        (
            ("{low: 0.02, high: 0.5, log: true}", "{low: 0.02, high: 0.5, log: 1}"),
            "priors.rule.temperature.log",
        ),
        (
            ("- observation: waico_founding_count", "- observation: waico_foundng_count"),
            "targets.0.observation",
        ),
        (("    observed: 0.5\n", ""), "targets.1"),
        (("    tolerance: 0.25\n", "    tolerance: -1\n"), "targets.1.tolerance"),
        (("seed: 2", "seed: -2"), "seed"),
        (("seed: 2", "seed: 2\nunknown: 1"), "unknown"),
        # a prior on a parameter that takes no real numbers: the spec's mistake, not the scenario's
        (("rule.temperature: {low: 0.02", "steps: {low: 1, high: 5}\n  rule.temperature: {low: 0.02"),
         "priors.steps"),
        (("rule.temperature: {low: 0.02", "frameworks.un.universal: {low: 0, high: 1}\n"
          "  rule.temperature: {low: 0.02"), "priors.frameworks.un.universal"),
        (("    step: 12\n", "    step: 5000\n"), "targets.1"),  # beyond the scenario's steps
        # a code the observation does not list excluded nothing, silently (a typo of CHN)
        (("exclude: [CHN]", "exclude: [CHM]"), "targets.1.exclude"),
        (("exclude: [CHN]", "exclude: [CHN, IND]"), "targets.1.exclude"),  # IND: listed as non-member
    ],
)
def test_bad_specs_name_the_field(tmp_path, change, field):
    old, new = change
    assert old in SPEC
    path = write_spec(tmp_path, SPEC.replace(old, new))
    with pytest.raises(InputError) as raised:
        abc.load_calibration_spec(path)
    assert raised.value.field.startswith(field), raised.value.message
    assert raised.value.where == str(path)


def test_the_shipped_baseline_spec_loads():
    spec = abc.load_calibration_spec(SCENARIOS / "calibration" / "baseline.yaml")
    assert spec.scenario.name == "baseline" and spec.targets and spec.priors


def posterior_of(values: dict[str, list[float]], weights: list[float] | None = None,
                 log: tuple[str, ...] = ()) -> abc.Posterior:  # fmt: skip
    """A posterior of the given particles, each parameter with the prior U(0, 10) (or log-U(0.01, 10))."""
    n = len(next(iter(values.values())))
    draws = pd.DataFrame({**values, "weight": weights or [1 / n] * n})
    priors = tuple(abc.Prior(path, 0.01 if path in log else 0.0, 10.0, log=path in log) for path in values)
    return abc.Posterior(priors, (), draws, pd.DataFrame(), "test", 0)


def test_the_point_estimate_is_the_most_central_particle():
    # One parameter: the medoid of 1, 2, 3, 4, 100 is 3, whatever the outlier's size.
    assert abc.point_estimate(posterior_of({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})) == {"x": 3.0}
    assert abc.point_estimate(posterior_of({"x": [1.0, 2.0, 3.0, 4.0, 9.9]})) == {"x": 3.0}
    # Weight counts: a particle holding most of the weight is the point.
    heavy = posterior_of({"x": [1.0, 2.0, 3.0, 4.0, 9.0]}, [0.1, 0.1, 0.1, 0.1, 0.6])
    assert abc.point_estimate(heavy) == {"x": 9.0}


def test_the_effective_sample_size_counts_equally_weighted_particles():
    assert posterior_of({"x": [1.0, 2.0, 3.0, 4.0]}).effective_sample_size == pytest.approx(4.0)
    assert posterior_of({"x": [1.0, 2.0]}, [1.0, 0.0]).effective_sample_size == pytest.approx(1.0)
    uneven = posterior_of({"x": [1.0, 2.0, 3.0]}, [0.5, 0.25, 0.25])
    assert uneven.effective_sample_size == pytest.approx(8 / 3)


def test_the_recovered_posterior_is_not_carried_by_a_few_particles(recovered):
    *_, posterior = recovered
    assert posterior.effective_sample_size > len(posterior.draws) / 4


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=1, max_size=12))
def test_the_point_estimate_is_a_particle_of_the_posterior(rows):
    posterior = posterior_of({"a": [r[0] for r in rows], "b": [r[1] for r in rows]})
    point = abc.point_estimate(posterior)
    assert (point["a"], point["b"]) in rows


def one_model_statistics(scenario, world, targets, seed):
    """Each target measured on one CoalitionModel stepped to its step (the per-run path)."""
    model = sim.CoalitionModel(scenario, world, rng=seed)
    ids, values = model.params.framework_ids, {}
    for step in range(max(t.step for t in targets) + 1):
        if step > 0:
            model.step()
        for target in (t for t in targets if t.step == step):
            column = model.holds[:, ids.index(target.framework)]
            rows = [world.index[c] for c in target.countries]
            values[target.name] = float(column.sum() if target.statistic == "count" else column[rows].mean())
    return values


def test_runs_simulated_together_measure_what_one_model_per_run_does():
    scenario = synthetic_scenario()
    targets = [
        abc.Target("early", "a", 3, "count", 0.0, 1.0),
        abc.Target("late", "a", STEP, "count", 0.0, 1.0),
        abc.Target("leads", "a", STEP, "coverage", 1.0, 0.1, ("A0000", "A0001", "A0002", "A0003")),
    ]
    runs = [({"frameworks.a.entry_cost": cost, "rule.temperature": temperature}, seed)
            for cost, temperature in ((0.1, 0.1), (0.6, 0.3), (0.25, 0.05)) for seed in (4, 9)]  # fmt: skip
    expected = [one_model_statistics(scenario.with_overrides(v), WORLD, targets, s) for v, s in runs]
    assert len({tuple(e.values()) for e in expected}) > 2  # the runs differ
    assert abc.simulate_runs(scenario, WORLD, targets, runs) == expected


def test_runs_of_a_scenario_with_sponsors_measure_what_one_model_per_run_does():
    scenario = sim.load_scenario(SCENARIOS / "courting_and_counter.yaml")
    world = sim.World.load()
    targets = [abc.Target("waico", "waico", 12, "count", 29.0, 5.0),
               abc.Target("us", "us_led", 8, "coverage", 1.0, 0.5, ("QAT", "ARE", "IND"))]  # fmt: skip
    runs = [({"rule.temperature": 0.1}, 3), ({"rule.temperature": 0.3}, 5)]
    expected = [one_model_statistics(scenario.with_overrides(v), world, targets, s) for v, s in runs]
    assert abc.simulate_runs(scenario, world, targets, runs) == expected


def test_the_predictive_check_equals_one_model_per_run(recovered):
    scenario, *_, posterior = recovered
    predictive = abc.posterior_predictive(scenario, posterior, draws=12, seed=5, world=WORLD)
    rng = np.random.default_rng(5)
    picked = posterior.sample(12, rng)
    expected = [one_model_statistics(scenario.with_overrides(values), WORLD, posterior.targets,
                                     int(rng.integers(2**31)))["a_count"] for values in picked]  # fmt: skip
    assert predictive["simulated"].tolist() == expected

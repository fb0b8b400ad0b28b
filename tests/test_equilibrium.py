"""Tests for sim.equilibrium: Nash check and coalition stability on known states."""

from __future__ import annotations

import json

import numpy as np
import pytest
from coalsim_testing import SCENARIOS, synthetic_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.agents import Country
from sim.equilibrium import check_equilibrium, state_utilities, summary_lines, toggle_table
from sim.scenario import validate_scenario
from sim.utility import enumerate_portfolios

N = 10


def club_scenario(entry_cost: float, *, start_in: bool, **extra) -> sim.Scenario:
    """One framework ``x`` whose utility is (others' count share) - entry cost, exactly."""
    framework = {"name": "X", "entry_cost": entry_cost, **extra}
    if start_in:
        framework["initial"] = {"all": True}
    raw = {
        "name": "club",
        "question": "test",
        "frameworks": {"x": framework},
        "utility": {
            "alignment": 0.0,
            "club": 1.0,
            "club_exponent": 1.0,
            "club_weighting": "count",
            "peer": 0.0,
        },
        "rule": {"kind": "best_response", "switching_cost": 0.3},
    }
    return validate_scenario(raw, where="test")


def model_for(scenario: sim.Scenario, n: int = N) -> sim.CoalitionModel:
    return sim.CoalitionModel(scenario, sim.World.from_arrays(ideal_point=np.zeros(n)), rng=0)


def test_everyone_out_with_a_cheap_club_is_not_nash_and_gains_are_exact() -> None:
    """Nobody in, entry cost -0.2: each country gains exactly 0.2 by joining (others' share 0)."""
    report = check_equilibrium(model_for(club_scenario(-0.2, start_in=False)))
    assert not report.is_nash
    assert len(report.deviations) == N
    assert report.deviations["gain"].to_numpy() == pytest.approx(np.full(N, 0.2))
    assert set(report.deviations["best"]) == {"x"}
    (x,) = report.frameworks
    assert x.members == 0 and x.internally_stable and len(x.joiners) == N


def test_gains_below_the_switching_cost_still_break_nash() -> None:
    """The 0.2 gain is below the switching cost of 0.3, yet the state is not Nash: the
    check judges states, not the adjustment friction."""
    scenario = club_scenario(-0.2, start_in=False)
    assert scenario.rule.switching_cost > 0.2
    assert not check_equilibrium(model_for(scenario)).is_nash


def test_everyone_in_with_a_costly_club_is_internally_unstable() -> None:
    """All in, entry cost 1.5: a member's club value is 9/10, so leaving gains 0.6."""
    report = check_equilibrium(model_for(club_scenario(1.5, start_in=True)))
    (x,) = report.frameworks
    assert x.members == N and len(x.leavers) == N and x.externally_stable
    assert report.deviations["gain"].to_numpy() == pytest.approx(np.full(N, 1.5 - (N - 1) / N))


def test_both_coordination_states_are_nash() -> None:
    """Entry cost 0.5 between 0 and (n-1)/n: all-in and all-out are both equilibria."""
    for start_in in (True, False):
        report = check_equilibrium(model_for(club_scenario(0.5, start_in=start_in)))
        assert report.is_nash and report.max_gain == 0.0
        (x,) = report.frameworks
        assert x.internally_stable and x.externally_stable


def test_committed_members_are_not_counted_as_leavers() -> None:
    scenario = club_scenario(1.5, start_in=True, committed=["A0000"])
    (x,) = check_equilibrium(model_for(scenario)).frameworks
    assert "A0000" not in x.leavers
    assert len(x.leavers) == N - 1


def test_exclusive_and_ineligible_joins_are_not_external_threats() -> None:
    """Two exclusive free frameworks: members of one may not add the other."""
    raw = {
        "name": "two",
        "question": "test",
        "frameworks": {
            "a": {"name": "A", "entry_cost": -1.0, "initial": ["A0000", "A0001"]},
            "b": {"name": "B", "entry_cost": -1.0, "eligible": ["A0000", "A0001", "A0002"]},
        },
        "compatibility": {"exclusive": [["a", "b"]]},
        "utility": {"alignment": 0.0, "club": 0.0, "peer": 0.0},
        "rule": {"kind": "best_response"},
    }
    report = check_equilibrium(model_for(validate_scenario(raw, where="test"), n=4))
    a, b = report.frameworks
    assert b.joiners == ("A0002",)  # A0000, A0001 hold a; A0003 is not eligible
    assert a.joiners == ("A0002", "A0003")
    assert set(report.deviations["iso3"]) == {"A0002", "A0003"}


def test_a_converged_best_response_run_is_nash() -> None:
    """Best response without switching cost, run until nothing moved for 30 steps."""
    world = sim.World.synthetic(60, rng=3)
    scenario = synthetic_scenario(
        rule={"kind": "best_response", "activation_rate": 0.5, "switching_cost": 0.0}, steps=200
    )
    model = sim.CoalitionModel(scenario, world, rng=3)
    model.run_for(200)
    assert sum(model.switches[-30:]) == 0, "the run must have settled for the test to mean anything"
    assert (model.history[0] != model.history[-1]).any(), "and it must have moved to get there"
    report = check_equilibrium(model)
    assert report.is_nash
    assert all(fs.internally_stable and fs.externally_stable for fs in report.frameworks)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 8))
def test_gains_agree_with_the_per_agent_utilities(seed: int, steps: int) -> None:
    """Each country's gain is its best available utility minus its current one, read from
    the readable per-agent rule (adding back the switching cost it charges for moves)."""
    world = sim.World.synthetic(25, rng=seed)
    model = sim.CoalitionModel(synthetic_scenario(), world, rng=seed)
    model.run_for(steps)
    report = check_equilibrium(model)
    gains = dict(zip(report.deviations["iso3"], report.deviations["gain"], strict=True))
    switching = model.params.switching_cost
    for country in model.agents:
        utilities = country.portfolio_utilities()
        current = model.portfolio[country.index]
        state_value = utilities + switching * (np.arange(len(utilities)) != current)
        gain = state_value.max() - state_value[current]
        assert gains.get(country.iso3, 0.0) == pytest.approx(
            gain if gain > report.tolerance else 0.0, abs=1e-9
        )
    assert report.is_nash == (report.max_gain == 0.0)


def test_toggle_table_adds_and_drops_one_framework() -> None:
    portfolios = enumerate_portfolios(("a", "b", "c"), (("a", "b"),))
    table = toggle_table(portfolios)
    for p, row in enumerate(table):
        for j, target in enumerate(row):
            flipped = portfolios[p].copy()
            flipped[j] = not flipped[j]
            if target < 0:
                assert flipped[0] and flipped[1]  # only the exclusive pair is missing
            else:
                assert np.array_equal(portfolios[target], flipped)


def test_report_serialises_and_summarises() -> None:
    report = check_equilibrium(model_for(club_scenario(-0.2, start_in=False)))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["is_nash"] is False and data["countries_that_could_gain"] == N
    assert data["frameworks"]["x"]["externally_stable"] is False
    lines = summary_lines(report)
    assert "not Nash" in lines[0] and "and 5 more" in lines[1]
    assert lines[-1].startswith("  x: 0 members")
    nash = summary_lines(check_equilibrium(model_for(club_scenario(0.5, start_in=True))))
    assert "Nash in portfolios" in nash[0]


def test_state_utilities_include_sponsor_offers():
    """The check judges the state with the offers countries actually see (a fixed bug)."""
    scenario = sim.load_scenario(SCENARIOS / "courting_and_counter.yaml")
    model = sim.CoalitionModel(scenario, sim.World.load(), rng=4)
    model.run_for(6)
    assert np.abs(model.side_payment).sum() > 0, "the scenario must make offers for this test"
    utilities = state_utilities(model)
    for country in model.agents_by_type[Country]:
        table = country.explain()
        state = table["total"] - table["switching"]
        columns = [model.params.labels.index(label) for label in table.index]
        np.testing.assert_allclose(utilities[country.index, columns], state.to_numpy(), atol=1e-12)

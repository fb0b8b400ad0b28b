"""Portfolio utilities: exactly the per-agent sums, for any rows and up to the framework limit."""

from __future__ import annotations

import numpy as np
import pytest
from coalsim_testing import synthetic_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.errors import InputError
from sim.model import CoalitionModel
from sim.scenario import MAX_FRAMEWORKS
from sim.utility import enumerate_portfolios, framework_utilities, portfolio_utilities


def per_agent_sums(params, u, current):
    """The per-agent rule's loops (Country.portfolio_utilities), for every row."""
    out = np.full((len(u), len(params.portfolios)), -np.inf)
    for i in range(len(u)):
        for p, holds in enumerate(params.portfolios):
            if not params.available[i, p]:
                continue
            total = 0.0
            for j in range(params.k):
                if holds[j]:
                    total += u[i, j]
            total -= params.pair_cost[p]
            if p != current[i]:
                total -= params.switching_cost
            out[i, p] = total
    return out


def scenario_with(frameworks: int, exclusive: bool):
    ids = [f"f{j}" for j in range(frameworks)]
    return synthetic_scenario(
        frameworks={fid: {"name": fid, "entry_cost": 0.1 * j} for j, fid in enumerate(ids)},
        compatibility={"exclusive": [ids[:2]] if exclusive and frameworks > 1 else [], "dual_cost": 0.3},
        rule={"switching_cost": 0.07},
    )


@settings(max_examples=30, deadline=None)
@given(
    frameworks=st.integers(1, 8),
    exclusive=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_portfolio_sums_equal_the_per_agent_loops_exactly(frameworks, exclusive, seed):
    model = CoalitionModel(scenario_with(frameworks, exclusive), sim.World.synthetic(7, rng=1), rng=1)
    params = model.params
    rng = np.random.default_rng(seed)
    # Magnitudes far apart, so that adding in any other order rounds differently.
    u = rng.normal(size=(7, params.k)) * 10.0 ** rng.integers(-8, 9, size=(7, params.k))
    current = rng.integers(0, len(params.portfolios), size=7)
    np.testing.assert_array_equal(portfolio_utilities(params, u, current), per_agent_sums(params, u, current))


def test_a_subset_of_rows_gives_those_rows_exactly():
    world = sim.World.synthetic(50, rng=2)
    model = CoalitionModel(synthetic_scenario(), world, rng=2)
    model.run_for(8)
    params, holds = model.params, model.holds
    rows = np.array([3, 17, 18, 41])
    u_all = framework_utilities(params, model.member_share(), holds, model.peer_share())
    u_rows = framework_utilities(params, model.member_share(), holds[rows], model.peer_share()[rows], rows)
    np.testing.assert_array_equal(u_rows, u_all[rows])
    np.testing.assert_array_equal(
        portfolio_utilities(params, u_rows, model.portfolio[rows], rows),
        portfolio_utilities(params, u_all, model.portfolio)[rows],
    )


def test_the_framework_limit_is_enforced_with_a_reason():
    assert len(enumerate_portfolios(tuple(f"f{j}" for j in range(MAX_FRAMEWORKS)), ())) == 2**MAX_FRAMEWORKS
    reason = rf"at most {MAX_FRAMEWORKS} frameworks \(each country weighs 2\*\*k portfolios\)"
    with pytest.raises(InputError, match=reason):
        scenario_with(MAX_FRAMEWORKS + 1, exclusive=False)

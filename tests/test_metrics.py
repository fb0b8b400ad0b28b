"""Reporters counted per portfolio agree with the memberships spelled out country by country."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim import metrics
from sim.utility import enumerate_portfolios

IDS = ("a", "b", "c")
PORTFOLIOS = enumerate_portfolios(IDS, (("a", "b"),))


@st.composite
def histories(draw):
    steps, n = draw(st.integers(1, 6)), draw(st.integers(2, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    history = np.random.default_rng(seed).integers(0, len(PORTFOLIOS), size=(steps, n))
    return history, sim.World.synthetic(n, rng=seed)


@settings(max_examples=40, deadline=None)
@given(case=histories())
def test_aggregates_equal_the_spelled_out_memberships(case):
    history, world = case
    members = metrics.membership_tensor(history, PORTFOLIOS)  # (T, n, k + 1)
    frame = metrics.aggregates(history, PORTFOLIOS, IDS, world)
    table = frame.set_index(["step", "framework"])
    for t in range(len(history)):
        for j, fid in enumerate([*IDS, metrics.NON_ALIGNED_ID]):
            row = table.loc[(t, fid)]
            assert row["members"] == members[t, :, j].sum()
            for weighting, weight in world.weights.items():
                expected = weight[members[t, :, j]].sum() / weight.sum()
                np.testing.assert_allclose(row[f"share_{weighting}"], expected, rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(case=histories())
def test_dynamics_and_countries_equal_the_spelled_out_history(case):
    history, world = case
    sizes = PORTFOLIOS.sum(axis=1)[history]
    frame = metrics.dynamics(history, PORTFOLIOS)
    np.testing.assert_array_equal(frame["dual_members"], (sizes >= 2).sum(axis=1))
    np.testing.assert_array_equal(frame["non_aligned"], (sizes == 0).sum(axis=1))
    np.testing.assert_array_equal(frame["switches"][1:], (history[1:] != history[:-1]).sum(axis=1))
    labels = tuple(f"p{p}" for p in range(len(PORTFOLIOS)))
    table = metrics.countries(history, PORTFOLIOS, labels, IDS, world)
    assert table["iso3"].tolist() == np.tile(world.iso3, len(history)).tolist()
    assert table["portfolio"].astype(str).tolist() == [labels[p] for p in history.ravel()]
    np.testing.assert_array_equal(table[list(IDS)].to_numpy(), PORTFOLIOS[history.ravel()])


def test_converged_at_finds_the_first_calm_window():
    shares = [0.0, 0.5, 0.9, 0.9, 0.9, 0.905, 0.9, 0.2]
    frame = pd.DataFrame({
        "step": np.repeat(np.arange(len(shares)), 2),
        "framework": ["x", "y"] * len(shares),
        "share_count": np.ravel([[s, 1 - s] for s in shares]),
    })  # fmt: skip
    assert metrics.converged_at(frame.sample(frac=1.0, random_state=1), window=3, tolerance=0.01) == 2
    assert metrics.converged_at(frame, window=5, tolerance=0.01) is None

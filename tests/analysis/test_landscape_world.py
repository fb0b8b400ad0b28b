"""Tests for sim.analysis.landscape_world: the Axelrod-Bennett landscape of today's world."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.analysis.landscape import energy, local_minima
from sim.analysis.landscape_world import is_local_minimum, propensities, world_landscape


@pytest.fixture(scope="module")
def landscape(world):
    return world_landscape(world)


def test_real_world_minimum_is_a_local_minimum_and_splits_along_the_record(landscape) -> None:
    """The 20 largest economies split into a US side and a China side, as the record has it.

    Measured with bloc_weight 0.25 (one global minimum): US side = USA, DEU, JPN, GBR,
    FRA, ITA, CAN, AUS, KOR, ESP, NLD, TUR, CHE; other = CHN, IND, BRA, RUS, MEX, IDN,
    SAU. Only Brazil (ideal point +0.13) sits on the side its sign does not predict.
    """
    assert len(landscape.iso3) == 20
    assert landscape.minima.labels.shape == (1, 20)
    assert is_local_minimum(landscape)
    side = landscape.table["us_side"]
    assert side["USA"] and not side["CHN"]
    row = landscape.comparison.loc[1]
    assert row["g7_all_on_us_side"]
    assert row["brics_all_on_other_side"]
    assert row["matches_ideal_point_sign"] >= 0.9


def test_minimum_energy_is_below_every_single_move(landscape) -> None:
    """Moving any one economy to the other bloc raises the energy (checked directly)."""
    labels = landscape.minima.labels[0]
    base = energy(landscape.sizes, landscape.propensity, labels)
    for i in range(len(labels)):
        moved = labels.copy()
        moved[i] = 1 - moved[i]
        assert energy(landscape.sizes, landscape.propensity, moved) > base


def test_two_separated_clusters_split_into_their_clusters() -> None:
    """A synthetic world with two far-apart groups of ideal points: the minimum is the two groups."""
    ideal = np.array([2.0, 2.1, 1.9, 2.2, -2.0, -2.1, -1.9, -2.2])
    world = sim.World.from_arrays(
        ideal_point=ideal,
        gdp=np.arange(1.0, 9.0) * 1e12,
        iso3=np.array(["USA", *[f"X{i}" for i in range(7)]]),
    )
    result = world_landscape(world, n=8)
    assert (result.table["us_side"] == (result.table["ideal_point"] > 0)).all()
    assert result.comparison.loc[1, "matches_ideal_point_sign"] == 1.0
    assert is_local_minimum(result)
    stuck = local_minima(result.sizes, result.propensity)
    assert any(np.array_equal(row, result.minima.labels[0]) for row in stuck.labels)


def test_propensities_are_centred_symmetric_and_zero_on_the_diagonal(world) -> None:
    members = np.arange(10)
    p = propensities(world, members)
    assert np.array_equal(p, p.T)
    assert np.all(np.diag(p) == 0)
    assert p[np.triu_indices(10, 1)].mean() == pytest.approx(0.0, abs=1e-12)


def test_bad_arguments_are_rejected(world) -> None:
    with pytest.raises(ValueError, match="between 2 and 20"):
        world_landscape(world, n=21)
    with pytest.raises(ValueError, match="at least 2 actors"):
        propensities(world, np.array([0]))
    no_usa = sim.World.from_arrays(ideal_point=np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="USA"):
        world_landscape(no_usa, n=3)

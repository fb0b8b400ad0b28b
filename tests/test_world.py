"""The world's selections of countries (sim/world.py)."""

from __future__ import annotations

from sim.world import World


def test_as_of_drops_bloc_memberships_dated_later():
    """A bloc membership dated after a set's ``as_of`` does not count; undated ones do."""
    world = World.load()
    allies = world.iso3[world.members(blocs=["us_mnna"])].tolist()
    before = world.iso3[world.members(blocs=["us_mnna"], as_of="2025-07-26")].tolist()
    assert "SAU" in allies and "SAU" not in before  # designated 18 Nov 2025
    assert set(allies) - set(before) == {"SAU"}
    nato_2019 = set(world.iso3[world.members(blocs=["nato"], as_of="2019-01-01")].tolist())
    assert {"FIN", "SWE", "MKD"}.isdisjoint(nato_2019) and "FRA" in nato_2019
    assert world.members(blocs=["iomed"], as_of="2025-05-29").sum() == 0  # signed 30 May 2025
    assert world.members(blocs=["iomed"], as_of="2025-05-30").sum() == 32
    assert world.members(blocs=["apec"], as_of="1900-01-01").sum() == 19  # undated rows count

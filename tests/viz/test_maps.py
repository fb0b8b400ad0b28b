"""The world map draws every UN member, in its portfolio's colours, from the shipped shapes."""

from __future__ import annotations

import sys
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import sim
from sim.errors import InputError
from sim.replications import Replications
from sim.viz.maps import final_map_figure, membership_frequency_figure, world_map_figure, world_shapes
from sim.viz.style import FIXED_COLOURS, NOT_MODELLED

FRAMEWORKS = ("waico", "us_led", "un", "eu_coe")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def reps(baseline, world) -> Replications:
    return Replications.from_runs([sim.run(baseline, seed=seed, steps=12, world=world) for seed in (1, 2)])


def test_every_un_member_has_an_outline_or_a_capital(world):
    shapes = world_shapes()
    assert set(world.iso3) <= shapes.codes
    assert len(shapes.capitals) == 28
    assert not set(shapes.capitals) & set(shapes.outlines)


def test_shipped_points_are_the_members_without_outline_with_a_licence(world):
    with resources.as_file(resources.files("sim") / "data" / "small_states_points.csv") as path:
        points = pd.read_csv(path)
    assert set(points["iso3"]) == set(world.iso3) - set(world_shapes().outlines)
    assert points["lon"].between(-180, 180).all() and points["lat"].between(-90, 90).all()
    assert points["licence"].str.contains("CC BY 4.0").all()
    assert points["source"].str.startswith("GeoNames ").all()


def _faces(ax) -> list[str]:
    return [to_hex(colour).upper() for colour in ax.collections[0].get_facecolors()]


def test_countries_take_their_portfolio_colour_and_stripes(world):
    portfolios = pd.Series("non-aligned", index=world.iso3)
    portfolios["CHN"] = "waico"
    portfolios["FRA"] = "us_led+eu_coe"
    portfolios["MLT"] = "un"  # a small state: a circle
    fig = world_map_figure(portfolios, FRAMEWORKS)
    ax = fig.axes[0]
    shapes = world_shapes()
    order = [*shapes.outlines, *shapes.capitals]
    faces = dict(zip(order, _faces(ax), strict=True))
    assert faces["CHN"] == FIXED_COLOURS["waico"]
    assert faces["FRA"] == FIXED_COLOURS["us_led"]
    assert faces["MLT"] == FIXED_COLOURS["un"]
    assert faces["BRA"] == FIXED_COLOURS["non_aligned"]
    assert faces["TWN"] == NOT_MODELLED.upper()  # not a UN member
    stripes = ax.collections[1]
    assert stripes.get_hatch() == "//"
    assert [to_hex(c).upper() for c in stripes.get_hatchcolor()] == [FIXED_COLOURS["eu_coe"]]


def test_legend_counts_each_portfolio(world):
    portfolios = pd.Series(np.where(world.ideal_point > 0, "us_led+un", "waico"), index=world.iso3)
    fig = world_map_figure(portfolios, FRAMEWORKS)
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    counts = portfolios.value_counts()
    assert f"WAICO ({counts['waico']})" in labels
    assert f"US/G7-led + UN track ({counts['us_led+un']})" in labels
    assert labels[-1] == "not a UN member (not modelled)"


def test_draws_into_the_axes_it_is_given(world):
    fig, (left, right) = plt.subplots(1, 2)
    returned = world_map_figure(pd.Series("un", index=world.iso3), FRAMEWORKS, ax=right, legend=False)
    assert returned is fig
    assert right.collections and not left.collections
    assert right.child_axes  # the Lesser Antilles inset


def test_unknown_codes_and_frameworks_are_input_errors(world):
    with pytest.raises(InputError, match="ISO3"):
        world_map_figure(pd.Series("un", index=["A0001", "A0002"]), FRAMEWORKS)
    with pytest.raises(InputError, match="portfolio labels"):
        world_map_figure(pd.Series("waico+shanghai", index=world.iso3), FRAMEWORKS)


def test_missing_geopandas_is_a_clear_input_error(monkeypatch):
    world_shapes.cache_clear()
    monkeypatch.setitem(sys.modules, "geopandas", None)
    try:
        with pytest.raises(InputError, match=r"coalsim\[maps\]"):
            world_shapes()
    finally:
        monkeypatch.undo()
        world_shapes.cache_clear()


def test_final_map_shows_majority_portfolios_and_says_how_often_runs_agree(reps):
    fig = final_map_figure(reps)
    majority = reps.majority_final_portfolios()
    caption = " ".join(text.get_text() for text in fig.texts)
    unanimous = int((majority["agreement"] == 1).sum())
    assert f"{unanimous} of 193 countries" in caption.replace("\n", " ")
    assert "Natural Earth" in caption and "GeoNames" in caption
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == majority["portfolio"].nunique() + 1


def test_membership_frequency_has_one_map_per_framework(reps):
    fig = membership_frequency_figure(reps)
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == ["WAICO", "US/G7-led", "UN track", "EU/CoE"]
    china = [*world_shapes().outlines].index("CHN")
    assert reps.final_membership_shares().loc["CHN", ["waico", "us_led"]].tolist() == [1.0, 0.0]
    assert _faces(maps[0])[china] == FIXED_COLOURS["waico"]  # committed founder: a member in every run
    assert _faces(maps[1])[china] == "#FFFFFF"  # never in the rival framework


def test_figures_stay_outside_pyplot(reps):
    """A figure pyplot holds shows twice in a notebook (the inline backend's and the cell's value)."""
    before = plt.get_fignums()
    final_map_figure(reps)
    membership_frequency_figure(reps)
    assert plt.get_fignums() == before

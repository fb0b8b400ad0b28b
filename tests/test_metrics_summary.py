"""Headline summaries across runs: median and 90% interval, and splits shown as two groups."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.metrics import summarise_outcome

SCALE = 193.0


@st.composite
def mixtures(draw):
    """Two groups near the ends of the scale, each holding at least 10% of the runs."""
    n = draw(st.integers(2, 60))
    least = max(1, math.ceil(0.1 * n))
    n_low = draw(st.integers(least, n - least))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low = rng.uniform(0, 0.05 * SCALE, n_low)
    high = rng.uniform(0.8 * SCALE, SCALE, n - n_low)
    return np.concatenate([low, high]), n_low


@settings(max_examples=200, deadline=None)
@given(case=mixtures(), shuffle_seed=st.integers(0, 1000))
def test_two_distant_groups_are_reported_as_a_split(case, shuffle_seed):
    values, n_low = case
    shuffled = np.random.default_rng(shuffle_seed).permutation(values)
    summary = summarise_outcome(shuffled, scale=SCALE)
    assert summary.split
    lower, upper = summary.clusters
    assert (lower.runs, upper.runs) == (n_low, len(values) - n_low)
    assert lower.high <= 0.05 * SCALE < 0.8 * SCALE <= upper.low
    assert lower.high < summary.threshold < upper.low
    assert summary.describe().startswith(f"split: {n_low} of {len(values)} runs ~")


@settings(max_examples=200, deadline=None)
@given(case=mixtures(), valley=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_a_few_runs_between_two_groups_do_not_hide_the_split(case, valley, seed):
    """Runs in transit between two regimes (at most 10% of the runs) still leave a split,
    whose threshold parts the two groups."""
    groups, n_low = case
    n = len(groups) + valley
    if valley > 0.1 * n:
        return
    between = np.linspace(0.3 * SCALE, 0.7 * SCALE, valley)  # no empty gap is wide enough
    values = np.random.default_rng(seed).permutation(np.concatenate([groups, between]))
    summary = summarise_outcome(values, scale=SCALE)
    assert summary.split
    lower, upper = summary.clusters
    assert lower.runs >= n_low and upper.runs >= len(groups) - n_low
    assert lower.runs + upper.runs + summary.between == n
    assert groups[:n_low].max() < summary.threshold < groups[n_low:].min()


@st.composite
def bell_curves(draw):
    """50 to 300 runs from one normal distribution, centred in the scale, of any width up to a fifth."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    centre, sd = draw(st.floats(0.3, 0.7)), draw(st.floats(0.02, 0.2))
    return rng.normal(centre * SCALE, sd * SCALE, draw(st.integers(50, 300)))


@settings(max_examples=100, deadline=None)
@given(values=bell_curves())
def test_one_bell_shaped_spread_is_never_a_split(values):
    assert not summarise_outcome(values, scale=SCALE).split


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 60),
    centre=st.floats(0, 1),
    width=st.floats(0, 0.24),
    seed=st.integers(0, 2**32 - 1),
)
def test_runs_within_a_narrow_window_never_split(n, centre, width, seed):
    values = centre + width * np.random.default_rng(seed).random(n)
    summary = summarise_outcome(values, scale=1.0)
    assert not summary.split and summary.threshold is None
    assert values.min() <= summary.low <= summary.median <= summary.high <= values.max()
    assert summary.runs == n


@settings(max_examples=100, deadline=None)
@given(n=st.integers(5, 60))
def test_a_wide_but_filled_spread_is_an_interval_not_a_split(n):
    summary = summarise_outcome(np.linspace(0, SCALE, n), scale=SCALE)
    assert not summary.split
    assert summary.low < 0.1 * SCALE and summary.high > 0.9 * SCALE


@settings(max_examples=100, deadline=None)
@given(n=st.integers(11, 60), seed=st.integers(0, 2**32 - 1))
def test_a_single_outlier_below_ten_percent_of_runs_is_not_a_split(n, seed):
    rng = np.random.default_rng(seed)
    values = np.concatenate([[0.0], rng.uniform(180, 193, n - 1)])
    assert not summarise_outcome(values, scale=SCALE).split


def test_descriptions_read_as_the_headline():
    split = summarise_outcome([0, 1, 5, 5, 184, 190, 193, 186, 188, 191], scale=SCALE)
    assert split.describe() == "split: 4 of 10 runs ~0-5, 6 of 10 runs ~184-193"
    assert split.short() == "split: 4 ~0-5, 6 ~184-193"
    transit = summarise_outcome([*[40] * 16, 80, *[120] * 3], scale=SCALE)
    assert transit.describe() == "split: 16 of 20 runs ~40, 3 of 20 runs ~120, 1 between"
    assert transit.short() == "split: 16 ~40, 3 ~120, 1 between"
    spread = summarise_outcome(np.arange(20, 41), scale=SCALE)
    assert spread.describe() == "median 30 (90% interval 21-39) over 21 runs"
    assert spread.short() == "30 [21-39]"
    assert summarise_outcome([0.31], scale=1.0).describe("{:.0%}") == "31% (one run)"
    assert summarise_outcome([0.3, 0.3], scale=1.0).describe("{:.0%}") == (
        "median 30% (90% interval 30%) over 2 runs"
    )


@pytest.mark.parametrize(
    ("values", "scale", "field"),
    [([], 1.0, "values"), ([0.1, float("nan")], 1.0, "values"), ([0.1], 0.0, "scale")],
)
def test_bad_arguments_name_the_parameter(values, scale, field):
    with pytest.raises(InputError, match=field):
        summarise_outcome(values, scale=scale)

"""The exploratory-modelling figures draw from the analysis results alone."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import discover
from sim.analysis.optimize import Cache, pareto_search
from sim.analysis.robustness import Goal, Robustness, robustness_table
from sim.viz.explore import (
    box_limits_figure,
    convergence_figure,
    pareto_figure,
    robustness_figure,
    tradeoff_figure,
)
from sim.viz.style import png_bytes


@pytest.fixture(scope="module")
def found():
    rng = np.random.default_rng(2)
    x = pd.DataFrame(
        {"decisive": rng.random(200), "noise": rng.random(200), "rule": rng.choice(["a", "b"], 200)}
    )
    return discover(x, (x["decisive"] > 0.5).to_numpy())


def test_tradeoff_marks_one_chosen_box(found):
    fig = tradeoff_figure(found)
    ring = fig.axes[0].collections[1]
    assert ring.get_offsets().shape == (1, 2)
    assert tuple(ring.get_offsets()[0]) == (found.boxes[0].coverage, found.boxes[0].density)
    assert png_bytes(fig).startswith(b"\x89PNG")


def test_box_limits_put_restricted_parameters_first(found):
    fig = box_limits_figure(found)
    labels = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert labels[0] == "decisive" and set(labels) == {"decisive", "noise", "rule"}
    png_bytes(fig)


def test_robustness_figure_has_a_row_per_policy():
    outcomes = pd.DataFrame({"a": [0.1, 0.6, 0.7], "b": [0.5, 0.5, 0.5]})
    goal = Goal.parse(">= 0.5")
    fig = robustness_figure(Robustness("share", goal, outcomes, robustness_table(outcomes, goal)))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]
    png_bytes(fig)


def test_search_figures():
    def evaluate(candidates):
        return candidates.sum(axis=1)[:, None] + np.array([0.0, 0.1])[None, :]

    search = pareto_search(
        evaluate, levers=["a", "b"], low=np.zeros(2), high=np.ones(2), integer=(False, False),
        weights=np.ones(2), goal=Goal(">=", 1.0), reliability=1.0, population=4, generations=2,
        seeds=[1, 2], cache=Cache(None, "k", False),
    )  # fmt: skip
    assert len(convergence_figure(search).axes[0].lines) == 2  # one line per seed
    png_bytes(pareto_figure(search))


def test_figures_stay_outside_pyplot(found):
    """A figure pyplot holds shows twice in a notebook (the inline backend's and the cell's value)."""
    outcomes = pd.DataFrame({"a": [0.1, 0.6, 0.7], "b": [0.5, 0.5, 0.5]})
    goal = Goal.parse(">= 0.5")
    before = plt.get_fignums()
    figures = [
        tradeoff_figure(found),
        box_limits_figure(found),
        robustness_figure(Robustness("share", goal, outcomes, robustness_table(outcomes, goal))),
    ]
    assert plt.get_fignums() == before
    assert all(png_bytes(fig).startswith(b"\x89PNG") for fig in figures)

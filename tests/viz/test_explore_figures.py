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


def test_robustness_axis_labels_do_not_overlap():
    """The outcome's name under the left panel ran into the goal's under the right one."""
    outcomes = pd.DataFrame({"baseline": [0.4, 0.6, 0.7], "hard": [0.3, 0.3, 0.35]})
    goal = Goal.parse("<= 0.5")
    outcome = "final_share_population:waico"
    fig = robustness_figure(Robustness(outcome, goal, outcomes, robustness_table(outcomes, goal)))
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    left, right = (ax.xaxis.label for ax in fig.axes[:2])
    assert left.get_text() == "WAICO share of world population at the end"
    assert not left.get_window_extent(renderer).overlaps(right.get_window_extent(renderer))
    assert "final_share_population:waico <= 0.5" in " ".join(text.get_text() for text in fig.texts)


def test_tradeoff_colour_scale_counts_whole_parameters(found):
    """The scale ran from -1 to the most restricted, in quarters, for a count of parameters."""
    fig = tradeoff_figure(found)
    bar = fig.axes[-1]
    fig.canvas.draw()
    ticks = [float(tick.get_text().replace("\N{MINUS SIGN}", "-")) for tick in bar.get_yticklabels()]
    most = int(found.trajectory["res_dim"].max())
    assert ticks == list(range(max(most, 1) + 1))

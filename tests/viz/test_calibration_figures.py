"""Calibration figures: the observation and the simulated spread per target, the marginals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis.abc import Posterior, Prior, Target
from sim.viz.calibration import posterior_figure, predictive_figure


def predictive_table() -> pd.DataFrame:
    rows = []
    for draw in range(20):
        rows.append(
            {
                "draw": draw,
                "target": "founding",
                "framework": "waico",
                "step": 12,
                "statistic": "count",
                "simulated": 20 + draw,
                "observed": 29,
                "tolerance": 5,
            }
        )
        rows.append(
            {
                "draw": draw,
                "target": "sco",
                "framework": "waico",
                "step": 12,
                "statistic": "coverage",
                "simulated": draw / 19,
                "observed": 1.0,
                "tolerance": 0.25,
            }
        )
    return pd.DataFrame(rows)


def test_predictive_figure_draws_each_observation_and_the_simulated_interval():
    fig = predictive_figure(predictive_table())
    axes = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(axes) == 2
    for ax, observed, values in zip(axes, (29, 1.0), (np.arange(20, 40), np.arange(20) / 19), strict=True):
        diamonds = [c for c in ax.collections if c.get_offsets().shape[0] == 1]
        assert diamonds and diamonds[0].get_offsets()[0][0] == observed
        bar = max(ax.lines, key=lambda line: np.ptp(line.get_xdata()))
        assert np.allclose(bar.get_xdata(), np.quantile(values, [0.05, 0.95]))
    assert "share of the named countries" in axes[1].get_title(loc="left")
    plt.close(fig)


def test_posterior_figure_says_which_parameters_the_data_do_not_identify():
    rng = np.random.default_rng(0)
    draws = pd.DataFrame(
        {
            "frameworks.waico.entry_cost": rng.normal(0.6, 0.05, 200).clip(0, 3),  # narrow: identified
            "rule.temperature": np.exp(rng.uniform(np.log(0.02), np.log(0.5), 200)),  # the prior again
        }
    )
    draws["weight"] = 1 / len(draws)
    priors = (Prior("frameworks.waico.entry_cost", 0.0, 3.0), Prior("rule.temperature", 0.02, 0.5, log=True))
    targets = (Target("founding", "waico", 12, "count", 29, 5.0),)
    generations = pd.DataFrame({"t": [0], "epsilon": [3.0], "samples": [400], "particles": [200]})
    fig = posterior_figure(Posterior(priors, targets, draws, generations, "baseline", 0))
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert "entry_cost" in titles[0] and ", identified" in titles[0]
    assert "temperature" in titles[1] and "NOT identified" in titles[1]
    assert fig.axes[1].get_xscale() == "log"
    plt.close(fig)


def test_figures_stay_outside_pyplot():
    """A figure pyplot holds shows twice in a notebook (the inline backend's and the cell's value)."""
    before = plt.get_fignums()
    predictive_figure(predictive_table())
    assert plt.get_fignums() == before

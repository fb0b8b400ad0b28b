"""Each figure builds from real model results and shows what it claims."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import PolyCollection

import sim
from sim.errors import InputError
from sim.replications import Replications
from sim.viz.plots import (
    comparison_figure,
    membership_figure,
    quantile_bands,
    sensitivity_figure,
    tipping_figure,
    transition_figure,
    why_figure,
)
from sim.viz.style import FIXED_COLOURS, framework_label
from sim.vocabulary import NON_ALIGNED_ID

STEPS = 24
SEEDS = (1, 2, 3)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def runs(baseline, world) -> list[sim.RunResult]:
    return [sim.run(baseline, seed=seed, steps=STEPS, world=world) for seed in SEEDS]


@pytest.fixture(scope="module")
def reps(runs) -> Replications:
    return Replications.from_runs(runs)


@pytest.fixture(scope="module")
def variant(baseline, world) -> Replications:
    """The same scenario without WAICO (a framework the baseline has)."""
    scenario = baseline.with_overrides({"frameworks.waico.enabled": False})
    return Replications.from_runs(
        [sim.run(scenario, seed=s, steps=STEPS, world=world) for s in SEEDS], "no WAICO"
    )


def _caption(fig) -> str:
    return " ".join(text.get_text() for text in fig.texts)


def test_membership_figure_has_one_line_per_framework_and_units(reps):
    fig = membership_figure(reps)
    axes = fig.axes
    assert len(axes) == 4
    ids = [*reps.framework_ids, NON_ALIGNED_ID]
    for ax in axes:
        assert len(ax.get_lines()) == len(ids)
        assert [line.get_color().upper() for line in ax.get_lines()] == [FIXED_COLOURS[fid] for fid in ids]
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == len(ids)
    labels = [ax.get_ylabel() for ax in axes]
    assert labels[0] == "member countries (of 193)"
    assert "GDP (current US$)" in labels[1] and "(proxy)" in labels[3]
    assert axes[-1].get_xlabel() == "months since July 2025 (model step)"
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend[: len(ids)] == [framework_label(fid) for fid in ids]
    assert "5–95% range across replications" in legend
    assert "median of 3 replications (seeds 1, 2, 3)" in _caption(fig)
    assert "World Bank WDI (CC BY 4.0)" in _caption(fig)


def test_membership_median_line_is_the_median_of_the_runs(reps, runs):
    fig = membership_figure(reps, measures=("members",))
    waico = fig.axes[0].get_lines()[0]
    finals = [run.aggregates.query("framework == 'waico'")["members"].iloc[-1] for run in runs]
    assert waico.get_ydata()[-1] == np.median(finals)


def test_one_replication_draws_no_band_and_says_so(runs):
    fig = membership_figure(Replications.from_runs(runs[:1]))
    assert not [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert "One replication (seed 1)" in _caption(fig)


def test_unknown_measure_is_an_input_error(reps):
    with pytest.raises(InputError, match="measure"):
        membership_figure(reps, measures=("share_votes",))


def test_transition_counts_add_up_to_every_country(reps):
    fig = transition_figure(reps)
    ax = fig.axes[0]
    total = sum(float(text.get_text()) for text in ax.texts)
    assert total == pytest.approx(193, abs=0.05 * len(ax.texts))
    assert ax.get_ylabel() == "portfolio at month 0 (countries)"
    assert ax.get_xlabel() == f"portfolio at month {STEPS} (countries)"
    assert any(label.get_text().startswith("non-aligned (") for label in ax.get_yticklabels())


def test_transition_needs_recorded_steps(baseline, world):
    final_only = sim.run(baseline, seed=1, steps=5, world=world, record="final")
    with pytest.raises(InputError, match="record='all'"):
        transition_figure(Replications.from_runs([final_only]))


def test_comparison_shows_each_scenario_and_the_difference(reps, variant):
    fig = comparison_figure([reps, variant], baseline=reps, measure="share_gdp")
    left, right = fig.axes[:2]
    ticks = [label.get_text() for label in left.get_yticklabels()]
    assert ticks == [framework_label(fid) for fid in (*reps.framework_ids, NON_ALIGNED_ID)]
    assert "not in scenario" in " ".join(text.get_text() for text in left.texts)
    assert right.get_xlabel() == "difference to baseline (percentage points)"
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == ["baseline (3 runs; reference)", "no WAICO (3 runs)"]
    assert "paired by seed" in _caption(fig)


def test_comparison_difference_is_scenario_minus_baseline(reps, variant):
    fig = comparison_figure([reps, variant], baseline=reps, measure="members")
    right = fig.axes[1]
    eu_row = list(variant.framework_ids).index("eu_coe") + 1  # WAICO's row stays empty in the variant
    expected = np.median(
        variant.final("members").query("framework == 'eu_coe'")["value"].to_numpy()
        - reps.final("members").query("framework == 'eu_coe'")["value"].to_numpy()
    )
    markers = [line for line in right.get_lines() if line.get_marker() not in ("None", None, "")]
    near_row = [line for line in markers if abs(line.get_ydata()[0] - eu_row) < 0.5]
    assert [line.get_xdata()[0] for line in near_row] == [pytest.approx(expected)]


def test_unpaired_seeds_say_so(reps, baseline, world):
    other = Replications.from_runs(
        [sim.run(baseline, seed=s, steps=STEPS, world=world) for s in (7, 8)], "later"
    )
    fig = comparison_figure([reps, other], baseline=reps)
    assert "every pair" in _caption(fig)


@pytest.fixture(scope="module")
def sweep(baseline, world) -> pd.DataFrame:
    """A real tipping sweep: WAICO's final GDP share against the logit temperature."""
    rows = []
    for temperature in (0.05, 0.2, 0.5):
        scenario = baseline.with_overrides({"rule.temperature": temperature})
        for replicate in (1, 2):
            result = sim.run(scenario, seed=replicate, steps=12, world=world)
            for fid, share in result.final_shares("share_gdp").items():
                rows.append(
                    {"param_value": temperature, "outcome": share, "replicate": replicate, "framework": fid}
                )
    return pd.DataFrame(rows)


def test_tipping_curve_draws_a_median_per_framework(sweep):
    fig = tipping_figure(sweep, "logit temperature (utility units)", "final share of world GDP", percent=True)
    ax = fig.axes[0]
    medians = [
        line for line in ax.get_lines() if line.get_label() in {framework_label(f) for f in sweep.framework}
    ]
    assert len(medians) == sweep["framework"].nunique()
    assert ax.get_xlabel() == "logit temperature (utility units)"
    waico = next(line for line in medians if line.get_label() == "WAICO")
    expected = sweep.query("framework == 'waico'").groupby("param_value")["outcome"].median().to_numpy()
    np.testing.assert_allclose(waico.get_ydata(), expected)
    assert "3 parameter values × 2 replicates" in _caption(fig)


def test_tipping_without_framework_is_one_black_line(sweep):
    one = sweep[sweep["framework"] == "waico"].drop(columns="framework")
    ax = tipping_figure(one, "temperature", "WAICO GDP share").axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["median"]


def test_tipping_rejects_a_frame_without_its_columns():
    with pytest.raises(InputError, match="replicate"):
        tipping_figure(pd.DataFrame({"param_value": [1.0], "outcome": [0.5]}), "p", "o")


def test_sensitivity_bars_from_salib_morris(baseline, world):
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {
        "num_vars": 2,
        "names": ["rule.temperature", "utility.peer"],
        "bounds": [[0.05, 0.5], [0.0, 1.0]],
    }
    samples = morris_sample.sample(problem, N=3, num_levels=4, seed=1)
    outputs = np.array([
        sim.run(baseline.with_overrides(dict(zip(problem["names"], map(float, row), strict=True))), seed=1,
                steps=8, world=world).final_shares("share_gdp")["waico"]
        for row in samples
    ])  # fmt: skip
    table = morris_analyze.analyze(problem, samples, outputs, seed=1).to_df()
    fig = sensitivity_figure(table, "WAICO share of world GDP")
    ax = fig.axes[0]
    assert [label.get_text() for label in ax.get_yticklabels()] == list(table.sort_values("mu_star").index)
    assert len(ax.patches) == 2 * len(table)
    assert "Morris" in ax.get_xlabel()


def test_sensitivity_bars_from_salib_sobol():
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    samples = sobol_sample.sample(problem, 64, calc_second_order=False, seed=2)
    outputs = samples[:, 0] * 4 + samples[:, 1] + samples[:, 0] * samples[:, 2]
    total, first = sobol.analyze(problem, outputs, calc_second_order=False, seed=2).to_df()
    table = pd.concat([total, first], axis=1)
    ax = sensitivity_figure(table, "y").axes[0]
    assert ax.get_yticklabels()[-1].get_text() == "a"  # most influential on top
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["total effect ST", "first-order S1"]


def test_sensitivity_rejects_unknown_columns():
    with pytest.raises(InputError, match=r"Sobol.*Morris"):
        sensitivity_figure(pd.DataFrame({"parameter": ["a"], "effect": [1.0]}), "y")


def test_why_chart_shows_each_option_and_its_total(baseline, world):
    model = sim.CoalitionModel(baseline, world, rng=1)
    model.run_for(STEPS)
    explanation = model.country("BRA").explain()
    fig = why_figure(explanation, "Brazil", options=3)
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert sum("(held now)" in title for title in titles) == 1
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "total utility" and "alignment (UN votes)" in labels
    best = explanation.sort_values("probability", ascending=False).iloc[0]
    assert fig.axes[0].patches[len(labels) - 1].get_width() == pytest.approx(best["total"])


def test_replications_refuse_mixed_scenarios_and_repeated_seeds(runs, variant):
    with pytest.raises(InputError, match="scenario_hash"):
        Replications.from_runs([runs[0], variant.runs[0]])
    with pytest.raises(InputError, match="seed"):
        Replications.from_runs([runs[0], runs[0]])


def test_load_reads_one_run_or_a_folder_of_runs(runs, tmp_path):
    for run in runs:
        run.save(tmp_path / "scenario" / f"seed{run.metadata['seed']}")
    (tmp_path / "scenario" / "figures").mkdir()
    assert Replications.load(tmp_path / "scenario").seeds == list(SEEDS)
    assert Replications.load(tmp_path / "scenario" / "seed2").seeds == [2]
    with pytest.raises(InputError, match=r"metadata\.json"):
        Replications.load(tmp_path / "scenario" / "figures")


def test_majority_portfolio_holds_frameworks_held_in_most_runs(reps):
    shares = reps.final_membership_shares()
    majority = reps.majority_final_portfolios()
    for iso3 in ("CHN", "USA", "BRA", "DEU"):
        held = [fid for fid in reps.framework_ids if shares.loc[iso3, fid] > 0.5]
        assert majority.loc[iso3, "portfolio"] == ("+".join(held) or "non-aligned")
    assert majority["agreement"].between(0, 1).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30), st.integers(1, 4))
def test_quantile_bands_are_ordered(values, groups):
    frame = pd.DataFrame({"group": np.arange(len(values)) % groups, "value": values})
    bands = quantile_bands(frame, ["group"], "value")
    assert (bands["low"] <= bands["median"] + 1e-9).all() and (bands["median"] <= bands["high"] + 1e-9).all()


def test_a_split_outcome_is_drawn_as_two_groups_not_one_band(split_reps):
    summary = split_reps.outcome("un", "members")
    assert summary.split and [c.runs for c in summary.clusters] == [3, 7]
    fig = membership_figure(split_reps, measures=("members",))
    ax = fig.axes[0]
    un_colour = FIXED_COLOURS["un"]
    lines = [line for line in ax.get_lines() if line.get_color().upper() == un_colour]
    finals = sorted(line.get_ydata()[-1] for line in lines)
    assert len(lines) == 2
    assert finals[0] <= summary.clusters[0].high and finals[1] >= summary.clusters[1].low
    last = split_reps.metadata["steps"]
    for band in ax.collections:
        if not isinstance(band, PolyCollection) or not np.allclose(
            band.get_facecolor()[0][:3], plt.matplotlib.colors.to_rgb(un_colour)
        ):
            continue
        vertices = band.get_paths()[0].vertices
        at_end = vertices[np.isclose(vertices[:, 0], last), 1]
        assert at_end.max() - at_end.min() < 0.5 * split_reps.n_countries
    notes = sorted(text.get_text() for text in ax.texts)
    assert notes == sorted(f"{c.runs} of 10 runs" for c in summary.clusters)
    assert "Split across runs" in _caption(fig) and "UN track" in _caption(fig)
    assert [text.get_text() for text in fig.legends[0].get_texts()].count("UN track") == 1


def test_comparison_draws_a_split_outcome_as_two_dots_with_their_runs(split_reps):
    summary = split_reps.outcome("un", "members")
    fig = comparison_figure([split_reps], None, "members")
    ax = fig.axes[0]
    un_colour = FIXED_COLOURS["un"]
    segments = [
        line.get_xdata()
        for line in ax.get_lines()
        if line.get_color().upper() == un_colour and len(line.get_xdata()) == 2
    ]
    assert sorted((float(low), float(high)) for low, high in segments) == [
        (c.low, c.high) for c in summary.clusters
    ]
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        f"{c.runs} of 10 runs" for c in summary.clusters
    )
    assert "Two dots on one row" in _caption(fig)


def test_figures_stay_outside_pyplot(reps, variant, sweep):
    """A figure pyplot holds shows twice in a notebook (the inline backend's and the cell's value)."""
    before = plt.get_fignums()
    membership_figure(reps)
    transition_figure(reps)
    comparison_figure([reps, variant], baseline=reps)
    tipping_figure(sweep, "logit temperature", "final share of world GDP", percent=True)
    assert plt.get_fignums() == before


def test_percent_ticks_are_the_values_they_mark():
    """Ticks 2.5 points apart were labelled in whole percents: 22.5% read "22%"."""
    frame = pd.DataFrame(
        {"param_value": np.repeat([0.0, 1.0, 2.0], 2), "outcome": [0.40, 0.39, 0.30, 0.29, 0.21, 0.20],
         "replicate": [0, 1] * 3}
    )  # fmt: skip
    fig = tipping_figure(frame, "penalty", "WAICO's share of world population", percent=True)
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    for tick, label in ((tick, label.get_text()) for tick, label in ticks):
        assert float(label.rstrip("%")) == pytest.approx(100 * tick), label


def test_comparison_says_which_scenarios_have_one_run_and_no_interval(reps, runs):
    """A scenario folder from ``coalsim run`` holds one run: its points are one seed's, not medians."""
    one = Replications.from_runs(runs[:1], label="one")
    fig = comparison_figure([reps, one], baseline=reps, measure="members")
    caption = _caption(fig)
    assert "No interval for one: one run each" in caption
    assert "one (1 run)" in [text.get_text() for text in fig.legends[0].get_texts()]


def test_transition_caption_counts_whole_countries_for_whole_means(runs):
    """One run's count of countries that kept their portfolio read "0.0 of 193"."""
    caption = _caption(transition_figure(Replications.from_runs(runs[:1])))
    assert re.search(r"kept the same portfolio: \d+ of 193 countries", caption), caption

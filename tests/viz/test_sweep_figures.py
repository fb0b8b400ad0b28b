"""Figures of a sweep store, and ``coalsim plot STORE``, on small real sweeps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.image import AxesImage
from sweep_stores import GRID, LHS, make_store

import sim
import sim.cli
from sim.atomic import MARKER
from sim.errors import InputError
from sim.experiment.store import Outcome
from sim.viz.sweep import (
    SweepTable,
    default_outcomes,
    outcome_figure,
    outcome_ranges,
    parameter_label,
    surface_figure,
    sweep_figures,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OPEN_MODELS = "frameworks.waico.levers.open_models"
MEMBERS = Outcome("final", "members", "waico")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> SweepTable:
    store = make_store(tmp_path_factory.mktemp("grid"), GRID)
    return SweepTable.read(sim.load_results(store))


@pytest.fixture(scope="module")
def lhs(tmp_path_factory) -> SweepTable:
    store = make_store(tmp_path_factory.mktemp("lhs"), LHS)
    return SweepTable.read(sim.load_results(store))


def _panels(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]


def _runs_at(data: SweepTable, path: str) -> pd.DataFrame:
    """Each succeeded run's value of ``path`` (from the run table) beside its outcome (from the store)."""
    runs = data.results.succeeded.set_index("run_id")
    members = data.results.outcome(MEMBERS.name)
    return pd.DataFrame({"value": runs.loc[members.index, path], "members": members})


def test_parameters_get_readable_names():
    assert parameter_label(OPEN_MODELS) == "WAICO offer: open models"
    assert parameter_label("events.0.set." + OPEN_MODELS) == "WAICO offer: open models (set by event 0)"
    assert parameter_label("frameworks.un.launch_step") == "UN track: launch step"
    assert parameter_label("penalties.us_export_controls.amount") == "US export controls (penalty): amount"
    assert parameter_label("rule.temperature") == "rule: temperature"
    assert parameter_label("frameworks.new.entry_cost", {"new": "A new club"}) == "A new club: entry cost"


def test_the_headline_outcomes_are_drawn_unless_others_are_asked_for(grid):
    assert default_outcomes(grid.results) == ["final_members:waico", "final_share_gdp:waico"]
    assert [outcome.name for outcome in grid.outcomes] == default_outcomes(grid.results)
    chosen = SweepTable.read(grid.results, ["mean_share_population:un", "mean_share_population:un"])
    assert [outcome.name for outcome in chosen.outcomes] == ["mean_share_population:un"]
    with pytest.raises(InputError) as caught:
        SweepTable.read(grid.results, ["final_members:waicoo"])
    assert caught.value.field == "outcomes" and "waicoo" in caught.value.found


@pytest.mark.slow
def test_a_grid_panel_shows_every_run_and_the_median_and_band_at_each_value(grid):
    fig = outcome_figure(grid, MEMBERS)
    panels = _panels(fig)
    assert [ax.get_title() for ax in panels] == ["WAICO offer: open models", "rule: kind"]
    caption = " ".join(text.get_text() for text in fig.texts)
    assert "18 runs (6 design points × 3 replications" in caption
    expected = _runs_at(grid, OPEN_MODELS).groupby("value")["members"]
    numeric = panels[0]
    dots = next(c for c in numeric.collections if isinstance(c, PathCollection))
    assert len(dots.get_offsets()) == len(grid.table) == 18  # every replication is a dot
    median = next(line for line in numeric.get_lines() if len(line.get_xdata()) == 3)
    assert list(median.get_xdata()) == [0.0, 0.6, 1.2]
    assert list(median.get_ydata()) == list(expected.median())
    band = next(c for c in numeric.collections if isinstance(c, PolyCollection))
    heights = band.get_paths()[0].vertices[:, 1]
    assert heights.min() == pytest.approx(expected.quantile(0.05).min())
    assert heights.max() == pytest.approx(expected.quantile(0.95).max())
    rule = panels[1]  # text values: one tick per value, median marker per value
    assert [tick.get_text() for tick in rule.get_xticklabels()] == ["logit", "best_response"]
    by_rule = _runs_at(grid, "rule.kind").groupby("value")["members"].median()
    marker = next(line for line in rule.get_lines() if line.get_marker() == "o")
    assert list(marker.get_ydata()) == [by_rule["logit"], by_rule["best_response"]]


@pytest.mark.slow
def test_a_sampled_range_gets_a_smoother_through_its_runs(lhs):
    fig = outcome_figure(lhs, MEMBERS)
    panel = _panels(fig)[0]
    runs = _runs_at(lhs, OPEN_MODELS)
    assert not any(isinstance(c, PolyCollection) for c in panel.collections)  # no band for a range
    (smoother,) = panel.get_lines()
    x, y = smoother.get_xdata(), smoother.get_ydata()
    assert np.all(np.diff(x) >= 0) and x[0] == runs["value"].min() and x[-1] == runs["value"].max()
    assert len(x) == len(runs)  # one fitted value per run
    trend = runs["value"].corr(runs["members"], method="spearman")
    assert np.sign(y[-1] - y[0]) == np.sign(trend) != 0  # it follows the runs' direction
    assert "LOWESS" in " ".join(text.get_text() for text in fig.legends[0].get_texts())


@pytest.mark.slow
def test_the_grid_surface_is_the_median_of_each_cell(grid):
    fig = surface_figure(grid, MEMBERS)
    (image,) = [artist for artist in fig.axes[0].get_images() if isinstance(artist, AxesImage)]
    runs = grid.results.succeeded.set_index("run_id")
    members = grid.results.outcome(MEMBERS.name)
    cells = pd.DataFrame(
        {"x": runs.loc[members.index, OPEN_MODELS], "y": runs.loc[members.index, "rule.kind"], "m": members}
    )
    expected = cells.groupby(["y", "x"])["m"].median().unstack().loc[["logit", "best_response"]]
    assert np.array_equal(np.asarray(image.get_array()), expected.to_numpy())
    assert sum("3 runs" in text.get_text() for text in fig.axes[0].texts) == 6


@pytest.mark.slow
def test_a_range_surface_bins_every_run_once(lhs):
    fig = surface_figure(lhs, MEMBERS)
    counts = [int(text.get_text().split("\n")[1].split()[0]) for text in fig.axes[0].texts]
    assert sum(counts) == len(lhs.table) == 24
    labels = [tick.get_text() for tick in fig.axes[0].get_xticklabels()]
    assert labels[0].startswith("0–") and labels[-1].endswith("–1.5")


def test_surfaces_only_for_two_parameters(grid, tmp_path):
    assert sorted(sweep_figures(grid)) == [
        "final_members_waico.png",
        "final_members_waico_surface.png",
        "final_share_gdp_waico.png",
        "final_share_gdp_waico_surface.png",
    ]
    one = SweepTable.read(grid.results.select({"rule.kind": "logit"}), ["final_members:waico"])
    assert len(one.table) == 9
    three = make_store(tmp_path, {**GRID, "replications": 1, "parameters": {
        **GRID["parameters"], "frameworks.un.launch_step": {"values": [0, 3]}}})  # fmt: skip
    data = SweepTable.read(sim.load_results(three), ["final_members:waico"])
    assert list(sweep_figures(data)) == ["final_members_waico.png"]
    assert len(_panels(outcome_figure(data, MEMBERS))) == 3
    with pytest.raises(InputError, match="exactly two parameters"):
        surface_figure(data, MEMBERS)


def test_outcome_ranges_name_the_lowest_and_highest_design_point(grid):
    ranges = outcome_ranges(grid).loc[MEMBERS.name]
    runs = _runs_at(grid, OPEN_MODELS).assign(kind=_runs_at(grid, "rule.kind")["value"])
    points = runs.groupby(["value", "kind"])["members"].median()
    assert ranges["lowest_point"] == points.min() and ranges["highest_point"] == points.max()
    top_models, top_kind = points.idxmax()
    assert ranges["highest_at"] == f"open_models={top_models:.3g}, kind={top_kind}"
    assert ranges["low"] <= ranges["median"] <= ranges["high"]


# -- coalsim plot STORE ------------------------------------------------------------------


@pytest.mark.slow
def test_plot_draws_a_store_into_its_own_folder(grid, tmp_path, capsys):
    out = tmp_path / "figures"
    argv = ["plot", str(grid.results.folder), "--outcome", "final_share_population:waico", "--out", str(out)]
    assert sim.cli.main(argv) == 0
    written = sorted(path.name for path in out.iterdir() if path.name != MARKER)
    assert written == ["final_share_population_waico.png", "final_share_population_waico_surface.png",
                       "outcomes.csv"]  # fmt: skip
    assert (out / "final_share_population_waico.png").read_bytes().startswith(PNG_MAGIC)
    table = pd.read_csv(out / "outcomes.csv", index_col="run_id")
    assert len(table) == 18 and {"open_models", "kind", "final_share_population:waico"} <= set(table.columns)
    assert "Sweep spec: 18 runs (6 design points × 3 replications" in capsys.readouterr().out
    assert sim.cli.main(argv) == 0  # its own earlier figures may be replaced


@pytest.mark.slow
def test_plot_without_out_writes_beside_the_store_never_into_it(lhs, capsys):
    store = lhs.results.folder
    before = sorted(path.name for path in store.rglob("*"))
    assert sim.cli.main(["plot", str(store), "--outcome", "final_members:waico"]) == 0
    beside = store.with_name("store-figures")
    assert (beside / "final_members_waico_surface.png").is_file()
    assert sorted(path.name for path in store.rglob("*")) == before
    sim.load_results(store)  # still a sound store


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--outcome", "final_members:waicoo"], "--outcome"),
        (["--why", "BRA"], "--why"),
        (["--out", "{store}"], "--out"),
    ],
)
def test_plot_of_a_store_refuses_bad_options_and_writes_nothing(grid, tmp_path, capsys, extra, message):
    store = grid.results.folder
    before = sorted(str(path) for path in store.parent.rglob("*"))
    argv = ["plot", str(store), *(arg.format(store=store) for arg in extra)]
    assert sim.cli.main(argv if "--out" in extra else [*argv, "--out", str(tmp_path / "f")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("coalsim: ") and message in error and "Traceback" not in error
    assert not (tmp_path / "f").exists()
    assert sorted(str(path) for path in store.parent.rglob("*")) == before


def test_outcome_is_only_for_a_store(tmp_path, baseline, world, capsys):
    sim.run(baseline, seed=1, steps=2, world=world).save(tmp_path / "run")
    assert sim.cli.main(["plot", str(tmp_path / "run"), "--outcome", "final_members:waico"]) == 2
    error = capsys.readouterr().err
    assert "--outcome" in error and "which is not a sweep store" in error
    assert not (tmp_path / "run" / "figures").exists()


@pytest.mark.slow
def test_plot_of_a_store_given_as_dot_writes_beside_it(lhs, monkeypatch, capsys):
    monkeypatch.chdir(lhs.results.folder)
    assert sim.cli.main(["plot", ".", "--outcome", "final_share_gdp:waico"]) == 0
    assert (lhs.results.folder.with_name("store-figures") / "final_share_gdp_waico.png").is_file()


@pytest.mark.slow
def test_plot_of_a_run_folder_takes_out_too(tmp_path, baseline, world, capsys):
    sim.run(baseline, seed=1, steps=2, world=world).save(tmp_path / "run")
    assert sim.cli.main(["plot", str(tmp_path / "run"), "--out", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "membership.png").is_file() and not (tmp_path / "run" / "figures").exists()
    assert sim.cli.main(["plot", str(tmp_path / "run"), "--out", str(tmp_path / "run")]) == 2  # its input
    assert "--out" in capsys.readouterr().err


def test_a_range_with_few_values_gets_no_smoother_and_the_legend_says_only_what_is_drawn(lhs):
    few = SweepTable.read(lhs.results.select({"sample": [0, 1, 2]}), ["final_members:waico"])
    fig = outcome_figure(few, MEMBERS)
    assert all(not ax.get_lines() for ax in _panels(fig))
    assert [text.get_text() for text in fig.legends[0].get_texts()] == ["one run"]
    assert "fewer than 5 values gets no smoother" in " ".join(text.get_text() for text in fig.texts)


def test_figures_stay_outside_pyplot(grid):
    """A figure pyplot holds shows twice in a notebook (the inline backend's and the cell's value)."""
    before = plt.get_fignums()
    outcome_figure(grid, MEMBERS)
    surface_figure(grid, MEMBERS)
    assert plt.get_fignums() == before

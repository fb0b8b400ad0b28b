"""The report of a sweep store (``coalsim report STORE``), on small real sweeps."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sweep_stores import GRID, SOBOL, make_store

import sim
import sim.cli
from sim.analysis.sensitivity import sensitivity
from sim.errors import InputError
from sim.experiment.runner import simulate
from sim.viz.report import GENERATOR, build_sweep_report, sweep_facts, sweep_parameters
from sim.viz.sweep import SweepTable

IMAGE = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]*)">')


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("grid"), GRID)


@pytest.fixture(scope="module")
def sobol_store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("sobol"), SOBOL)


@pytest.fixture(scope="module")
def grid_page(grid_store) -> str:
    return build_sweep_report(SweepTable.read(sim.load_results(grid_store)))


def _section(page: str, anchor: str) -> str:
    match = re.search(rf'<section[^>]* id="{anchor}">(.*?)</section>', page, flags=re.S)
    assert match, anchor
    return match.group(1)


def test_the_page_is_self_contained(grid_page):
    assert grid_page.startswith("<!DOCTYPE html>") and GENERATOR in grid_page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", grid_page)  # nothing remote
    assert "<script" not in grid_page


def test_the_sweep_section_states_the_spec_and_how_the_runs_ended(grid_store, grid_page):
    data = SweepTable.read(sim.load_results(grid_store))
    facts = sweep_facts(data)
    assert facts["design"] == "grid"  # listed values only: no levels
    assert facts["design points"] == "6" and facts["runs"] == "18: 18 succeeded, 0 failed, 0 pending"
    assert facts["replications per point"].startswith("3 (seed 3;")
    assert facts["months per run"] == "16"
    settled = data.results.runs["converged_at"].notna().sum()
    assert facts["settled"].startswith(f"{settled} of 18" if settled else "none of the 18")
    parameters = sweep_parameters(data)
    assert list(parameters.index) == ["WAICO offer: open models", "rule: kind"]
    assert list(parameters["swept over"]) == ["0.0, 0.6, 1.2", "logit, best_response"]
    baseline = sim.load_scenario(GRID["scenario"])
    assert list(parameters["the scenario's value"]) == [
        str(baseline.frameworks["waico"].levers["open_models"]),
        baseline.rule.kind,
    ]
    sweep = _section(grid_page, "sweep")
    assert "<code>frameworks.waico.levers.open_models</code>" in sweep
    assert html.escape(baseline.question) in sweep


def test_each_outcome_gets_its_range_and_figures_and_a_grid_no_indices(grid_page):
    ranges = _section(grid_page, "ranges")
    assert "WAICO: member countries at month 16 (end)" in ranges and "at open_models=" in ranges
    assert [_section(grid_page, f"outcome-{i}").count("<img") for i in (1, 2)] == [2, 2]
    assert IMAGE.findall(grid_page) == [
        "WAICO: member countries at month 16 (end) against each swept parameter",
        "WAICO: member countries at month 16 (end) over both swept parameters",
        "WAICO: share of world GDP at month 16 (end) against each swept parameter",
        "WAICO: share of world GDP at month 16 (end) over both swept parameters",
    ]
    assert 'id="sensitivity"' not in grid_page
    assert html.escape("A sweep's ranges are assumptions too") in _section(grid_page, "caveats")
    assert "design: grid" in _section(grid_page, "provenance")  # the stored spec


@pytest.mark.slow
def test_a_sobol_store_reports_the_indices_sensitivity_computes(sobol_store):
    results = sim.load_results(sobol_store)
    data = SweepTable.read(results, ["final_members:waico", "final_members:un"])
    page = build_sweep_report(data)
    indices = _section(page, "sensitivity")
    found = sensitivity(results, "final_members:waico").indices.sort_values("ST", ascending=False)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", indices)
    labels = {
        "frameworks.waico.levers.open_models": "WAICO offer: open models",
        "frameworks.waico.entry_cost": "WAICO: entry cost",
        "penalties.us_export_controls.amount": "US export controls (penalty): amount",
    }
    # the indices and their order; not the ± digits: SALib ignores a bootstrap seed of 0 (the default)
    assert [(label, s1.split(" ± ")[0], st.split(" ± ")[0]) for label, s1, st in rows] == [
        (labels[path], f"{row.S1:.2f}", f"{row.ST:.2f}") for path, row in found.iterrows()
    ]
    assert all(" ± " in s1 and " ± " in st for _, s1, st in rows)
    assert "UN track: member countries at month 16 (end)</h3><p>No indices:" in indices  # 193 in every run
    assert "Which of three levers moves WAICO" in _section(page, "sweep")  # the spec's description


def _fail_on_sample_zero(scenario, task, settings):
    if task.sample == 0:
        raise ValueError("no luck")
    return simulate(scenario, task, settings)


def test_failed_runs_are_counted_and_left_out(tmp_path):
    store = make_store(tmp_path, GRID, run_callable=_fail_on_sample_zero)
    data = SweepTable.read(sim.load_results(store))
    assert len(data.table) == 15 and "s0-r0" not in data.table.index
    assert sweep_facts(data)["runs"] == "18: 15 succeeded, 3 failed, 0 pending"
    assert data.runs_text().endswith("; not shown: 3 failed")
    ranges = _section(build_sweep_report(data), "ranges")
    assert "<strong>3 of 18 runs did not succeed</strong> and are left out" in ranges


def test_a_store_without_a_succeeded_run_is_refused(tmp_path, capsys):
    store = make_store(tmp_path, {**GRID, "replications": 1}, run_callable=_fail_always)
    with pytest.raises(InputError, match="none succeeded"):
        SweepTable.read(sim.load_results(store))
    assert sim.cli.main(["report", str(store), "-o", str(tmp_path / "r.html")]) == 2
    assert "coalsim sweep SPEC --resume" in capsys.readouterr().err and not (tmp_path / "r.html").exists()


def _fail_always(scenario, task, settings):
    raise ValueError("no luck")


#: A Sobol sweep and a sweep of policies, each of whose runs fails: every reader of outcomes meets them.
_POLICIES = {
    **{key: SOBOL[key] for key in ("scenario", "seed")}, "design": "lhs", "samples": 2, "replications": 1,
    "uncertainties": {"rule.temperature": {"low": 0.05, "high": 0.3}},
    "levers": {"penalties.us_export_controls.amount": {"low": 0.0, "high": 2.0}},
    "policies": {"none": {"penalties.us_export_controls.amount": 0.0}, "hard": {}},
}  # fmt: skip
_OUTCOME = ["--outcome", "final_share_gdp:waico"]


@pytest.mark.parametrize(
    ("spec", "argv"),
    [({**SOBOL, "samples": 2}, ["sensitivity", *_OUTCOME]),
     ({**SOBOL, "samples": 2}, ["discover", *_OUTCOME, "--above", "0.5"]),
     (_POLICIES, ["robustness", *_OUTCOME, "--goal", ">= 0.5"]), (_POLICIES, ["plot"])],
    ids=["sensitivity", "discover", "robustness", "plot"],
)  # fmt: skip
def test_every_reader_of_outcomes_refuses_a_store_without_a_succeeded_run(spec, argv, tmp_path, capsys):
    """sensitivity and robustness ended in a KeyError ('framework') on a sweep whose runs all failed."""
    store = make_store(tmp_path, {**spec, "steps": 2}, run_callable=_fail_always)
    with pytest.raises(InputError, match="none succeeded"):
        sim.load_results(store).outcome("final_share_gdp:waico")
    assert sim.cli.main([argv[0], str(store), *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {store}") and "none succeeded" in err and err.count("\n") == 1, err


# -- coalsim report STORE ----------------------------------------------------------------


@pytest.mark.slow
def test_report_writes_the_page_of_a_store(grid_store, tmp_path, capsys):
    out = tmp_path / "sweep.html"
    assert sim.cli.main(["report", str(grid_store), "--outcome", "final_members:un", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert GENERATOR in page and "UN track: member countries at month 16 (end)" in page
    assert "WAICO" not in _section(page, "ranges")  # only the outcome asked for
    assert "Wrote " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["{run}"], "DIR"),
        (["{store}"], "one sweep store per report"),
        (["--why", "BRA"], "--why"),
        (["--baseline", "{run}"], "--baseline"),
        (["--outcome", "final_members:nowhere"], "--outcome"),
    ],
)
def test_report_of_a_store_refuses_what_does_not_fit_and_writes_nothing(
    grid_store, sobol_store, tmp_path, baseline, world, capsys, extra, message
):
    sim.run(baseline, seed=1, steps=2, world=world).save(tmp_path / "run")
    values = {"run": tmp_path / "run", "store": sobol_store}
    argv = [
        "report",
        str(grid_store),
        *(arg.format(**values) for arg in extra),
        "-o",
        str(tmp_path / "r.html"),
    ]
    assert sim.cli.main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("coalsim: ") and message in error and "Traceback" not in error
    assert not (tmp_path / "r.html").exists()


def test_outcome_needs_a_store(tmp_path, baseline, world, capsys):
    sim.run(baseline, seed=1, steps=2, world=world).save(tmp_path / "run")
    argv = [
        "report",
        str(tmp_path / "run"),
        "--outcome",
        "final_members:waico",
        "-o",
        str(tmp_path / "r.html"),
    ]
    assert sim.cli.main(argv) == 2
    assert "--outcome" in capsys.readouterr().err and not (tmp_path / "r.html").exists()


def test_a_parameter_an_event_sets_shows_the_events_value(tmp_path):
    """``events.0.set.<path>`` names a key that is itself dotted: read as the sweep sets it."""
    scenario = Path(GRID["scenario"]).parent / "open_models_global_south.yaml"
    spec = {
        "scenario": str(scenario), "design": "grid", "replications": 1, "seed": 3, "steps": 6,
        "parameters": {"events.0.set.frameworks.waico.levers.open_models": {"values": [0.0, 1.5]}},
    }  # fmt: skip
    data = SweepTable.read(sim.load_results(make_store(tmp_path, spec)))
    event = sim.load_scenario(scenario).events[0]
    assert list(sweep_parameters(data)["the scenario's value"]) == [
        str(event.set["frameworks.waico.levers.open_models"])
    ]

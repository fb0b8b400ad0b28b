"""The app without a browser: sliders to overrides, what each panel draws, the page, ``coalsim app``."""

from __future__ import annotations

import argparse
import itertools
import subprocess

import ipyvuetify as v
import matplotlib.pyplot as plt
import numpy as np
import pytest
import solara
from coalsim_testing import SCENARIOS
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.cli import app as app_command
from sim.errors import InputError
from sim.utility import NON_ALIGNED
from sim.viz import app
from sim.viz.plots import why_figure

BASELINE = str(SCENARIOS / "baseline.yaml")


@pytest.fixture(scope="module")
def stepped() -> app.CoalitionApp:
    model = app.CoalitionApp(BASELINE)
    model.run_for(8)
    return model


# -- sliders ------------------------------------------------------------------------
def test_sliders_start_at_the_scenario_values(baseline):
    params = app.model_params(BASELINE)
    present = baseline.parameters()
    sliders = {name: spec for name, spec in params.items() if isinstance(spec, dict)}
    assert params["scenario_file"] == BASELINE
    assert sliders.pop("rng")["value"] == str(baseline.seed)
    assert set(sliders) == {knob.keyword for knob in app.KNOBS}
    for knob in app.KNOBS:
        slider = sliders[knob.keyword]
        assert slider["value"] == present[knob.path]
        assert slider["min"] <= slider["value"] <= slider["max"]
        positions = (slider["value"] - slider["min"]) / slider["step"]  # the slider snaps to whole ones:
        assert positions == pytest.approx(round(positions)), knob.keyword  # 0.96 at steps of 0.05 showed 0.95


def test_sliders_only_for_what_the_scenario_has(baseline):
    without_waico = baseline.with_overrides({"frameworks.waico.enabled": False, "rule.kind": "best_response"})
    assert [knob.keyword for knob in app.knobs_for(without_waico)] == ["activation_rate", "switching_cost"]


def test_slider_values_become_overrides(baseline):
    model = app.CoalitionApp(BASELINE, open_models=1.5, temperature=0.3, switching_cost=0.2, rng="7")
    assert model.overrides == {"frameworks.waico.levers.open_models": 1.5, "rule.temperature": 0.3}
    assert model.spec.frameworks["waico"].levers["open_models"] == 1.5
    assert model.spec.rule.temperature == 0.3
    assert model.spec.rule.switching_cost == baseline.rule.switching_cost
    reference = sim.CoalitionModel(baseline.with_overrides(model.overrides), sim.World.load(), rng=7)
    model.run_for(5)
    reference.run_for(5)
    np.testing.assert_array_equal(np.asarray(model.history), np.asarray(reference.history))


def test_untouched_sliders_keep_the_scenario(baseline):
    model = app.CoalitionApp(BASELINE)
    assert model.overrides == {}
    assert model.spec == baseline


@pytest.mark.parametrize(
    ("text", "expected"), [(None, 20250726), ("", 20250726), (" 42 ", 42), (3, 3), ("0", 0)]
)
def test_seed_box_reads_whole_numbers(text, expected):
    assert app.parse_seed(text, 20250726) == (expected, None)


@pytest.mark.parametrize("text", ["abc", "-1", "1.5"])
def test_bad_seed_falls_back_and_says_why(text):
    seed, problem = app.parse_seed(text, 11)
    assert seed == 11
    assert "Random seed" in problem and repr(text) in problem and "11" in problem


def test_bad_seed_in_the_app_is_shown_not_raised():
    model = app.CoalitionApp(BASELINE, rng="twelve")
    assert model.seed_problem and "'twelve'" in model.seed_problem


def test_invalid_scenario_file_is_a_message(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nquestion: q\nframeworks: {}\n")
    message = app._build(str(broken))
    assert isinstance(message, str) and "broken.yaml" in message


def test_scenario_files_put_the_baseline_first(tmp_path):
    for name in ("a.yaml", "baseline.yaml", "z.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert [path.name for path in app.scenario_files(tmp_path)] == ["baseline.yaml", "a.yaml", "z.yaml"]


# -- what the panels draw -------------------------------------------------------------
def test_member_counts_add_up(stepped):
    counts = app.member_counts(stepped)
    assert list(counts.index) == list(range(stepped.steps + 1))
    assert list(counts.columns) == [*stepped.params.framework_ids, "non_aligned"]
    holds = stepped.holds
    assert counts.iloc[-1, :-1].tolist() == holds.sum(axis=0).tolist()
    assert counts.iloc[-1, -1] == int((~holds.any(axis=1)).sum())


@given(steps=st.integers(0, 500), every=st.integers(1, 50), asked=st.none() | st.integers(0, 600))
def test_redraw_step_is_a_past_step_on_the_grid_or_asked(steps, every, asked):
    shown = app.redraw_step(steps, every, asked)
    assert 0 <= shown <= steps
    assert shown % every == 0 or shown == asked
    assert shown > steps - every or shown == asked


def test_map_shows_what_was_held_at_that_step(stepped):
    now = app.portfolios_at(stepped, stepped.steps)
    assert now["BRA"] == stepped.country("BRA").portfolio
    assert (app.portfolios_at(stepped, 0) == NON_ALIGNED).sum() > (now == NON_ALIGNED).sum()
    assert app.portfolios_at(stepped, 0)["CHN"] == "waico"
    assert stepped.country("CHN").portfolio == "waico+un" == now["CHN"]  # the UN track is universal


def test_portfolio_changes_follow_the_history(stepped):
    for iso3 in ("BRA", "IND", "FRA", "CHN"):
        changes = app.portfolio_changes(stepped, iso3)
        assert changes[0][0] == 0
        assert changes[-1][1] == stepped.country(iso3).portfolio
        labels = [label for _, label in changes]
        assert all(a != b for a, b in itertools.pairwise(labels))


def test_figures_are_drawn_without_leaking_pyplot_figures(stepped):
    before = plt.get_fignums()
    membership = app.membership_figure(stepped)
    assert len(membership.axes[0].lines) == len(stepped.params.framework_ids) + 1
    world_map = app.map_figure(stepped, 5)
    assert world_map.axes[0].get_title() == "Portfolios at step 5"
    why = app.why_image(stepped, "BRA")
    assert "Brazil" in why.get_suptitle()
    assert plt.get_fignums() == before


def test_status_line_names_frameworks_not_ids(stepped):
    counts = app.member_counts(stepped).iloc[-1]
    assert app.holdings_text(stepped) == (
        f"WAICO {counts['waico']} · US/G7-led {counts['us_led']} · UN track {counts['un']} · "
        f"EU/CoE {counts['eu_coe']} · non-aligned {counts['non_aligned']}"
    )


def test_applied_sliders_are_named_by_their_labels():
    model = app.CoalitionApp(BASELINE, open_models=1.2, switching_cost=0.35)
    assert (
        app.overrides_text(model)
        == "WAICO open models (utility units) = 1.2, Switching cost (utility units) = 0.35"
    )
    assert app.overrides_text(app.CoalitionApp(BASELINE)) == ""


def test_every_slider_label_names_its_unit():
    assert all(knob.label.endswith(")") and "(" in knob.label for knob in app.KNOBS)


def test_why_chart_says_how_many_of_how_many_portfolios_it_shows(stepped):
    explanation = stepped.country("BRA").explain()
    assert len(explanation) == 4
    assert app.why_image(stepped, "BRA").get_suptitle() == (
        "Why Brazil: all 4 portfolios open to it, term by term"
    )
    top_two = why_figure(explanation, "Brazil", options=2)
    assert len(top_two.axes) == 2
    assert "the 2 likeliest of 4 portfolios open to it, term by term" in top_two.get_suptitle()
    unlikely = explanation.assign(current=explanation["probability"] == explanation["probability"].min())
    with_held = why_figure(unlikely, "Brazil", options=2)
    assert "the 1 likeliest of 4 portfolios open to it and the one it holds," in with_held.get_suptitle()
    plt.close("all")


def test_country_choices_cover_the_world(world):
    choices = app.country_choices(world)
    assert sorted(choices.values()) == sorted(world.iso3)
    assert choices["Brazil (BRA)"] == "BRA"


# -- the page, rendered in memory -----------------------------------------------------
@solara.component
def _InLayout():
    with solara.AppLayout():
        app.CoalitionPage()


@pytest.mark.slow
def test_page_steps_and_resets_with_the_sliders(monkeypatch):
    monkeypatch.setenv(app.SCENARIO_DIR_VARIABLE, str(SCENARIOS))
    _, rc = solara.render(_InLayout(), handle_error=False)

    def counter() -> list[str]:
        return rc.find(v.Html, class_="coalsim-step").widget.children

    def inspector_text() -> str:
        return rc.find(solara.widgets.HTML, tag="p").widget.unsafe_innerHTML

    assert counter() == ["Step 0"]
    for _ in range(3):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert counter() == ["Step 3"]
    assert "The chart shows step 0." in inspector_text()
    rc.find(v.Btn, children=["Draw map and why-chart now"]).widget.click()
    assert "The chart shows step 3." in inspector_text()
    assert "US/G7-led" in rc.find(v.Html, class_="coalsim-status").widget.children[0]
    rc.find(v.Slider, label="WAICO open models (utility units)").widget.v_model = 1.2
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert counter() == ["Step 0"]
    rc.find(children=["Sliders applied: WAICO open models (utility units) = 1.2"]).assert_single()
    seed_box = rc.find(v.TextField, label="Random seed").widget
    seed_box.v_model = "twelve"
    seed_box.fire_event("focusout", None)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "'twelve'" in rc.find(v.Alert, type="warning").widget.children[0]


def test_page_without_scenarios_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv(app.SCENARIO_DIR_VARIABLE, str(tmp_path))
    _, rc = solara.render(_InLayout(), handle_error=False)
    assert "No scenario files" in str(rc.find(v.Alert).widget.children)


# -- coalsim app ----------------------------------------------------------------------
def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="coalsim")
    app_command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["app", *argv])


def test_app_command_serves_app_py_with_the_options(monkeypatch):
    calls = []

    def fake_run(command, env):
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(app_command.subprocess, "run", fake_run)
    monkeypatch.chdir(SCENARIOS.parent)
    assert app_command.cmd_app(_parse("--host", "0.0.0.0", "--port", "9000")) == 0
    [(command, env)] = calls
    assert command[1:5] == ["-m", "solara", "run", str(app_command.APP_PATH)]
    assert command[5:] == ["--host", "0.0.0.0", "--port", "9000", "--no-open", "--no-check-version"]
    assert env[app.SCENARIO_DIR_VARIABLE] == str(SCENARIOS)


def test_app_command_turns_off_solaras_update_check():
    """Solara checks PyPI before it imports the app and advises an upgrade that breaks the pin.

    Only ``solara run --no-check-version`` turns the check off (solara 1.58 has no setting
    or environment variable for it), so the command must pass it.
    """
    from solara.__main__ import run

    command = app_command.solara_command("localhost", app_command.DEFAULT_PORT)
    assert run.make_context("run", command[4:]).params["check_version"] is False


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--port", "70000"], "--port"),
        (["--port", "-1"], "--port"),
        (["--scenarios", "missing"], "--scenarios"),
        # the server's own error was a log line and exit status 3, not one coalsim: line and 2
        (["--host", "not a host!"], "--host"),
        (["--host", "192.0.2.1"], "--host"),  # an address for documentation: never this machine's
        (["--host", "h" * 300], "--host"),
    ],
)
def test_app_command_rejects_bad_options_before_serving(monkeypatch, tmp_path, argv, field):
    monkeypatch.setattr(app_command.subprocess, "run", pytest.fail)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.yaml").write_text("")
    with pytest.raises(InputError) as error:
        app_command.cmd_app(_parse(*argv))
    assert error.value.field == field


def test_app_command_needs_scenario_files(monkeypatch, tmp_path):
    monkeypatch.setattr(app_command.subprocess, "run", pytest.fail)
    with pytest.raises(InputError, match="which has none"):
        app_command.cmd_app(_parse("--scenarios", str(tmp_path)))


def test_app_command_finds_the_projects_scenarios_from_any_folder(monkeypatch, tmp_path):
    """Like ``coalsim list``, the app lists the project's scenarios wherever coalsim runs."""
    calls = []
    monkeypatch.setattr(app_command.subprocess, "run", lambda command, env: calls.append(env) or
                        subprocess.CompletedProcess(command, 0))  # fmt: skip
    monkeypatch.delenv(app.SCENARIO_DIR_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)  # no scenarios/ here
    assert app_command.cmd_app(_parse()) == 0
    assert calls[0][app.SCENARIO_DIR_VARIABLE] == str(SCENARIOS)

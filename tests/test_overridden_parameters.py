"""A parameter the user sets that a scenario event sets again is reported, not silently lost.

open_models_global_south.yaml raises WAICO's open-models lever by an event at step 4, so a
value set for that lever holds for three months only. The user is told, by a warning
naming the event, and can change the value after the event as ``events.0.set.<path>``.
"""

from __future__ import annotations

import pytest
from coalsim_testing import SCENARIOS

import sim
from sim.cli import main
from sim.experiment import load_experiment
from sim.scenario import OverriddenParameterWarning

LEVER = "frameworks.waico.levers.open_models"
AFTER_EVENT = f"events.0.set.{LEVER}"
SCENARIO = "open_models_global_south"


@pytest.mark.parametrize("value", [0.0, 1.5])
def test_setting_a_value_an_event_sets_again_warns(value):
    with pytest.warns(OverriddenParameterWarning) as caught:
        sim.load_scenario(SCENARIO, overrides={LEVER: value})
    [warning] = caught
    message = str(warning.message)
    assert f"{LEVER} holds only until step 4, when event 0 ('Xi names WAICO at APEC" in message
    assert f"set {AFTER_EVENT}" in message
    assert warning.filename == __file__  # points at the caller's line


def test_a_value_no_event_touches_does_not_warn():
    untouched = {"rule.temperature": 0.2, "frameworks.waico.levers.infrastructure": 1.0}
    sim.load_scenario(SCENARIO, overrides=untouched)  # warnings are errors in this suite


def test_setting_a_mapping_that_holds_the_value_warns_for_each_value_the_event_sets():
    with pytest.warns(OverriddenParameterWarning) as caught:
        sim.load_scenario(SCENARIO, overrides={"frameworks.waico.levers": {"open_models": 0.0}})
    again = [str(warning.message).split(" sets ")[1].split(" again")[0] for warning in caught]
    assert again == [LEVER, "frameworks.waico.levers.capacity_building"]


def _final_waico_share(path: str, value: float) -> float:
    scenario = sim.load_scenario(SCENARIO, overrides={path: value})
    return sim.run(scenario, seed=1, steps=36).final_shares("share_count")["waico"]


def test_the_value_after_the_event_changes_the_outcome():
    scenario = sim.load_scenario(SCENARIO, overrides={AFTER_EVENT: 0.0})
    assert scenario.events[0].set[LEVER] == 0.0
    before = sim.load_scenario("baseline").frameworks["waico"].levers["open_models"]
    assert scenario.frameworks["waico"].levers["open_models"] == before  # before the event: baseline's
    assert _final_waico_share(AFTER_EVENT, 0.0) < _final_waico_share(AFTER_EVENT, 1.5) - 0.02


def test_the_value_after_the_event_must_be_one_the_event_sets():
    with pytest.raises(sim.InputError, match="expected a path that event 0 sets") as info:
        sim.load_scenario(SCENARIO, overrides={f"events.0.set.{LEVER}s": 0.0})
    assert info.value.field == f"events.0.set.{LEVER}s"
    assert info.value.hint == f"Did you mean '{LEVER}'?"
    with pytest.raises(sim.InputError, match=r"sets \(nothing \(it is not a 'set' event\)\)"):
        sim.load_scenario(SCENARIO, overrides={f"events.1.set.{LEVER}": 0.0})


def test_a_bad_value_after_the_event_fails_when_applied_not_mid_run():
    base = sim.load_scenario(SCENARIO)
    with pytest.raises(sim.InputError, match=f"events.0.set.{LEVER}"):
        base.with_overrides({AFTER_EVENT: -1.0})


def test_a_sweep_over_a_value_an_event_sets_again_warns(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: lever\nscenario: {SCENARIOS / SCENARIO}.yaml\ndesign: grid\nreplications: 1\n"
        f"parameters:\n  {LEVER}: {{values: [0.0, 1.5]}}\n"
    )
    with pytest.warns(OverriddenParameterWarning, match="holds only until step 4"):
        load_experiment(spec)
    spec.write_text(spec.read_text().replace(LEVER, AFTER_EVENT))
    experiment = load_experiment(spec)  # the value after the event: no warning
    assert experiment.run_count == 2


def test_the_command_line_prints_the_warning_as_one_line(tmp_path, capsys):
    status = main(["run", SCENARIO, "--set", f"{LEVER}=0.0", "--steps", "6", "--out", str(tmp_path / "out")])
    assert status == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("coalsim: warning: ")
    assert f"set {AFTER_EVENT}" in lines[0]

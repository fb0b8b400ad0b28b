"""Scenario loading: inheritance, overrides, hashing and key-order independence."""

from __future__ import annotations

import pytest
import yaml
from coalsim_testing import SCENARIOS

import sim
from sim.errors import InputError
from sim.scenario import deep_merge, parse_override


def test_extends_merges_mappings_and_replaces_lists():
    merged = deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 1}, {"a": {"y": [3]}, "c": 2})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


def _event(step: int, note: str) -> dict:
    return {"step": step, "note": note, "set": {"rule.switching_cost": 0.1}}


def test_more_events_add_to_the_inherited_timeline(tmp_path, baseline):
    (tmp_path / "middle.yaml").write_text(yaml.safe_dump(
        {"extends": str(SCENARIOS / "baseline.yaml"), "more_events": [_event(20, "middle")]}))  # fmt: skip
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(
        {"extends": "middle.yaml", "more_events": [_event(30, "child")]}))  # fmt: skip
    child = sim.load_scenario(tmp_path / "child.yaml")
    assert child.events[: len(baseline.events)] == baseline.events
    assert [e.note for e in child.events[len(baseline.events):]] == ["middle", "child"]
    # ``events`` replaces the parent's list; ``more_events`` in the same file follows it.
    own = {"extends": "middle.yaml", "events": [_event(5, "own")], "more_events": [_event(40, "more")]}
    (tmp_path / "own.yaml").write_text(yaml.safe_dump(own))
    assert [e.note for e in sim.load_scenario(tmp_path / "own.yaml").events] == ["own", "more"]


def test_more_events_that_are_not_a_list_name_the_file_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"extends": str(SCENARIOS / "baseline.yaml"), "more_events": 3}))
    with pytest.raises(InputError, match=r"bad\.yaml.*'more_events'.*a list of events"):
        sim.load_scenario(path)


def test_variant_inherits_from_baseline(baseline):
    variant = sim.load_scenario(SCENARIOS / "dual_membership.yaml")
    assert variant.compatibility.exclusive == ()
    assert variant.frameworks == baseline.frameworks
    assert variant.digest() != baseline.digest()


def test_overrides_from_strings_and_mapping(baseline):
    a = sim.load_scenario(SCENARIOS / "baseline.yaml", overrides=["rule.temperature=0.25"])
    b = sim.load_scenario(SCENARIOS / "baseline.yaml", overrides={"rule.temperature": 0.25})
    assert a.rule.temperature == b.rule.temperature == 0.25
    assert a.digest() == b.digest() != baseline.digest()
    assert parse_override("events.0.step=3") == ("events.0.step", 3)


def test_digest_ignores_key_order_and_comments(tmp_path, baseline):
    raw = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
    shuffled = dict(reversed(list(raw.items())))
    path = tmp_path / "shuffled.yaml"
    path.write_text(yaml.safe_dump(shuffled, sort_keys=False))
    again = sim.load_scenario(path)
    assert again.digest() == baseline.digest()
    assert sim.run(again, steps=10).aggregates.equals(sim.run(baseline, steps=10).aggregates)


def test_parameters_cover_every_leaf(baseline):
    params = baseline.parameters()
    assert params["rule.kind"] == "logit"
    assert params["frameworks.us_led.levers.compute_access"] == 0.8
    assert params["steps"] == 100
    assert not any(isinstance(value, dict) and value for value in params.values())


def test_shipped_scenarios_that_replace_events_keep_the_baselines_observed_ones():
    """A scenario's ``events`` list replaces the baseline's: the observed ones must be copied."""
    baseline = sim.load_scenario(SCENARIOS / "baseline.yaml")
    observed = [event for event in baseline.events if event.commit is not None or event.support is not None]
    for path in sorted(SCENARIOS.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw.get("extends") != "baseline.yaml" or "events" not in raw:
            continue
        events = sim.load_scenario(path).events
        for event in observed:
            assert event in events, f"{path.name} lacks the baseline's event at step {event.step}"

"""coalsim discover, robustness and optimize: outputs, JSON and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sim.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
PENALTY = "penalties.us_export_controls.amount"
OUTCOME = "final_share_population:waico"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Three export-control policies in eight sampled scenarios, runs of twelve steps."""
    folder = tmp_path_factory.mktemp("explore")
    spec = {
        "scenario": str(BASELINE),
        "design": "lhs",
        "samples": 8,
        "seed": 3,
        "steps": 12,
        "uncertainties": {"rule.temperature": {"low": 0.02, "high": 0.5}},
        "levers": {PENALTY: {"low": 0.0, "high": 2.0}},
        "policies": {"status_quo": {}, "hard": {PENALTY: 1.6}, "none": {PENALTY: 0.0}},
    }
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main(["sweep", str(folder / "spec.yaml"), "--out", str(folder / "store")]) == 0
    return folder / "store"


def test_discover_json_prints_boxes(store, capsys):
    capsys.readouterr()
    assert main(["discover", str(store), "--outcome", OUTCOME, "--above", "0.3", "--json"]) == 0
    content = json.loads(capsys.readouterr().out)
    box = content["boxes"][0]
    assert {"coverage", "density", "limits"} <= set(box)
    assert all(len(limit) == 2 for limit in box["limits"].values())
    assert content["cases"] == 24


def test_discover_writes_figures_and_cart_runs(store, tmp_path, capsys):
    out = tmp_path / "found"
    assert main(["discover", str(store), "--outcome", OUTCOME, "--below", "0.3", "--out", str(out)]) == 0
    assert {"discovery.json", "trajectory.csv", "tradeoff.png", "box_limits.png"} <= {
        p.name for p in out.iterdir()
    }
    assert main(["discover", str(store), "--outcome", OUTCOME, "--below", "0.3", "--method", "cart"]) == 0
    assert "CART on 24 runs" in capsys.readouterr().out


def test_robustness_table_and_folder(store, tmp_path, capsys):
    out = tmp_path / "robust"
    assert main(["robustness", str(store), "--outcome", OUTCOME, "--goal", "<= 0.3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "satisficing" in printed and "hard" in printed
    assert {"robustness.csv", "outcomes.csv", "regret.csv", "robustness.png"} <= {
        p.name for p in out.iterdir()
    }
    assert main(["robustness", str(store), "--outcome", OUTCOME, "--goal", "<= 0.3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["policy"] for row in rows] == ["status_quo", "hard", "none"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["robustness", "{store}", "--outcome", OUTCOME, "--goal", "at least half"], "--goal"),
        (["robustness", "{store}", "--outcome", "final_share_people:waico", "--goal", ">= 0.5"], "--outcome"),
        (
            ["discover", "{store}", "--outcome", OUTCOME, "--above", "0.3", "--min-coverage", "2"],
            "--min-coverage",
        ),
        (["discover", "{store}", "--outcome", OUTCOME, "--above", "0.99"], "--above"),
        (["discover", "{store}", "--outcome", OUTCOME, "--above", "0.3", "--policy", "soft"], "--policy"),
        (["discover", "{store}", "--outcome", OUTCOME, "--above", "0.3", "--below", "0.5"], "not allowed"),
        (["discover", "{store}", "--outcome", OUTCOME, "--above", "0.3", "--out", "{store}"], "--out"),
    ],
)
def test_bad_input_is_one_paragraph(store, capsys, argv, named):
    capsys.readouterr()
    argv = [part.replace("{store}", str(store)) for part in argv]
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own usage errors exit from inside the parser
        status = exit.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1 and "Traceback" not in err
    assert named in err
    assert (store / "manifest.json").exists()


def test_optimize_writes_its_folder_and_refuses_others(tmp_path, capsys):
    spec = {
        "scenario": str(BASELINE),
        "samples": 2,
        "steps": 3,
        "uncertainties": {"rule.temperature": {"low": 0.05, "high": 0.3}},
        "levers": {"frameworks.us_led.levers.market_access": {"low": 0.0, "high": 2.0}},
        "cost": {"frameworks.us_led.levers.market_access": 1.0},
        "outcome": "final_share_count:us_led",
        "goal": ">= 0.1",
        "population": 4,
        "generations": 2,
        "seeds": [1],
    }
    path = tmp_path / "opt.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "answer"
    capsys.readouterr()
    assert main(["optimize", str(path), "--out", str(out)]) == 0
    # stderr is no terminal here: each progress update on a line of its own, no carriage returns
    progress = capsys.readouterr().err
    assert "\r" not in progress and "generations done, over all seeds: 2/2\n" in progress
    names = {p.name for p in out.iterdir()}
    assert {"front.csv", "evaluations.csv", "convergence.csv", "summary.json", "pareto.png",
            "convergence.png", "spec.yaml"} <= names  # fmt: skip
    assert not (tmp_path / ".answer.optimize-checkpoint.json").exists()
    note = tmp_path / "notes"
    note.mkdir()
    (note / "mine.txt").write_text("keep", encoding="utf-8")
    capsys.readouterr()
    assert main(["optimize", str(path), "--out", str(note)]) == 2
    assert "--out" in capsys.readouterr().err and (note / "mine.txt").read_text() == "keep"
    path.write_text(yaml.safe_dump({**spec, "goal": "most"}), encoding="utf-8")
    assert main(["optimize", str(path), "--out", str(tmp_path / "other")]) == 2
    assert "goal" in capsys.readouterr().err


def test_a_full_disk_is_bad_input_naming_out(store, tmp_path, capsys, monkeypatch):
    import errno

    import sim.atomic

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sim.atomic, "write_folder_atomically", full)
    capsys.readouterr()
    argv = ["robustness", str(store), "--outcome", OUTCOME, "--goal", "<= 0.3", "--out", str(tmp_path / "r")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "No space left" in err and not (tmp_path / "r").exists()

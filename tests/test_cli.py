"""The coalsim command: runs, reloads, and refuses bad input with exit 2 and one paragraph."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from coalsim_testing import SCENARIOS

import sim
from sim.cli import main


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def extends_baseline(tmp_path: Path, body: str) -> Path:
    return write(tmp_path, "bad.yaml", f"extends: {SCENARIOS / 'baseline.yaml'}\n{body}")


BAD_SCENARIOS = {
    "malformed yaml": ("name: [unclosed\n", "valid YAML"),
    "empty file": ("", "an empty file"),
    "list at top": ("- a\n- b\n", "a mapping of scenario fields"),
    "unknown top key": ("stepz: 10\n", "Did you mean 'steps'?"),
    "unknown nested key": ("rule:\n  temprature: 0.3\n", "Did you mean 'temperature'?"),
    "wrong type": ("steps: many\n", "field 'steps'"),
    "negative steps": ("steps: -5\n", "field 'steps'"),
    "huge steps": ("steps: 100000000\n", "field 'steps'"),
    "rate above one": ("rule:\n  activation_rate: 1.5\n", "field 'rule.activation_rate'"),
    "unknown rule": ("rule:\n  kind: logitt\n", "Did you mean 'logit'?"),
    "unknown country": ("frameworks:\n  waico:\n    committed: [CHM]\n", "'CHM'"),
    "unknown bloc": ("frameworks:\n  un:\n    initial: {blocs: [nat0]}\n", "Did you mean 'nato'?"),
    "unknown framework in exclusive": ("compatibility:\n  exclusive: [[waico, us_lead]]\n",
                                       "Did you mean 'us_led'?"),
    "self exclusive": ("compatibility:\n  exclusive: [[waico, waico]]\n", "cannot exclude itself"),
    "committed in exclusive pair": ("frameworks:\n  us_led:\n    committed: [USA, CHN]\n",
                                    "'CHN' in both"),
    "committed but not eligible": ("frameworks:\n  waico:\n    eligible: {all: true, exclude: [CHN]}\n",
                                   "'CHN', committed but excluded"),
    "event after end": ("events:\n  - {step: 500, launch: un}\n", "never happen"),
    "event bad path": ("events:\n  - {step: 3, set: {rule.temprature: 1}}\n", "Did you mean 'temperature'?"),
    "event frozen path": ("events:\n  - {step: 3, set: {compatibility.exclusive: []}}\n",
                          "may change during a run"),
    "nan value": ("rule:\n  temperature: .nan\n", "field 'rule.temperature'"),
}


@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_bad_scenario_gives_exit_2_and_one_paragraph(case, tmp_path, capsys):
    body, expected = BAD_SCENARIOS[case]
    path = write(tmp_path, "bad.yaml", body) if case in {"malformed yaml", "empty file", "list at top"} \
        else extends_baseline(tmp_path, body)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_extends_cycle_and_missing_parent(tmp_path, capsys):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    assert main(["validate", str(tmp_path / "a.yaml")]) == 2
    assert "a.yaml -> b.yaml -> a.yaml" in capsys.readouterr().err
    write(tmp_path, "c.yaml", "extends: nowhere.yaml\n")
    assert main(["validate", str(tmp_path / "c.yaml")]) == 2
    assert "'nowhere.yaml', which does not exist" in capsys.readouterr().err


def test_binary_file_and_missing_file(tmp_path, capsys):
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x89PNG\x00\xff\xfe")
    assert main(["validate", str(binary)]) == 2
    assert "binary" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "absent.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_set_override_and_steps(tmp_path, capsys):
    baseline = str(SCENARIOS / "baseline.yaml")
    assert main(["run", baseline, "--set", "rule.temperature", "--out", str(tmp_path / "o")]) == 2
    assert "dotted.path=value" in capsys.readouterr().err
    assert main(["run", baseline, "--set", "rule.temperature=-1", "--out", str(tmp_path / "o")]) == 2
    assert "rule.temperature" in capsys.readouterr().err
    assert main(["run", baseline, "--steps", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--steps" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_set_errors_name_set_and_file_errors_name_the_file(tmp_path, capsys):
    """With --set given, a mistake in the file still names the file; one the override makes names --set."""
    bad_file = extends_baseline(tmp_path, "rule:\n  temperature: -1\n")
    assert main(["params", str(bad_file), "--set", "rule.activation_rate=0.5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {bad_file}") and "--set" not in err
    good_file = extends_baseline(tmp_path, "")
    assert main(["params", str(good_file), "--set", "rule.temperature=-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line, field '--set rule.temperature'")
    assert str(good_file) not in err


@pytest.mark.parametrize(("argv", "option"), [
    (["run", "--seed", "-1"], "--seed"),
    (["run", "--seed", str(2**63)], "--seed"),
    (["tipping", "--param", "rule.temperature", "--outcome", "final_share_gdp:waico", "--level", "nan"],
     "--level"),
])  # fmt: skip
def test_seeds_and_non_finite_numbers_are_argument_errors(argv, option, capsys):
    with pytest.raises(SystemExit) as stop:
        main([argv[0], str(SCENARIOS / "baseline.yaml"), *argv[1:]])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line: argument " + option) and err.count("\n") == 1


def test_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--out", str(blocker)]) == 2
    assert "a file" in capsys.readouterr().err


def test_no_traceback_from_a_real_process(tmp_path):
    bad = write(tmp_path, "bad.yaml", "name: x\nquestion: q\nframeworks: {}\n")
    done = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "at least one framework" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_and_reloads(path, tmp_path, capsys):
    out = tmp_path / path.stem
    assert main(["run", str(path), "--steps", "24", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "members" in printed and "non_aligned" in printed
    result = sim.RunResult.load(out)
    assert (out / "membership.png").stat().st_size > 10_000
    assert result.metadata["steps"] == 24 and result.metadata["seed"] == 3
    scenario = sim.load_scenario(path)
    if scenario.posterior is not None:  # run over the posterior the scenario names: seed 3 under draw 0
        assert result.metadata["posterior_draw"] == 0
        scenario = scenario.with_overrides(result.metadata["posterior"]["parameters"][0])
    expected = sim.run(scenario, seed=3, steps=24)
    assert result.aggregates.equals(expected.aggregates)
    assert result.countries.equals(expected.countries)


def test_list_and_params(capsys):
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "baseline.yaml" in listing and "WAICO" in listing
    assert main(["params", str(SCENARIOS / "baseline.yaml"), "--set", "rule.temperature=0.3"]) == 0
    params = capsys.readouterr().out.splitlines()
    assert "rule.temperature = 0.3" in params
    assert "frameworks.waico.levers.open_models = 0.96" in params

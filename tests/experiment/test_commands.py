"""The sweep, sensitivity and tipping subcommands, through the real ``coalsim`` entry point."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import sim.cli
from sim.experiment import load_results
from sim.experiment.runner import simulate, sweep

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


@pytest.fixture
def coalsim():
    """The ``coalsim`` command, run in-process."""
    return sim.cli.main


def fail_on_sample_zero(scenario, task, settings):
    if task.sample == 0:
        raise ValueError("no luck")
    return simulate(scenario, task, settings)


def test_sweep_writes_a_store_and_summarises(coalsim, write_spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert coalsim(["sweep", str(write_spec()), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"6 runs in {out}/: 0 done before, 6 succeeded and 0 failed now" in captured.out
    assert captured.err == ""
    assert set(load_results(out).runs["status"]) == {"succeeded"}
    assert coalsim(["sweep", str(write_spec()), "--out", str(out), "--resume", "--quiet"]) == 0
    assert "6 done before, 0 succeeded" in capsys.readouterr().out


def test_sweep_defaults_to_results_named_after_the_spec(coalsim, write_spec, tmp_path, monkeypatch):
    spec = write_spec("my_sweep.yaml", samples=1, replications=1)
    monkeypatch.chdir(tmp_path)
    assert coalsim(["sweep", str(spec), "--quiet"]) == 0
    assert (tmp_path / "results" / "my_sweep" / "manifest.json").is_file()


def test_progress_bar_on_a_terminal(coalsim, write_spec, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert coalsim(["sweep", str(write_spec()), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "6/6" in err and "run" in err and "failed=0" in err
    assert coalsim(["sweep", str(write_spec()), "--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--executor", "processes", "--workers", "0"], "'--workers'"),
        (["--address", "tcp://127.0.0.1:1"], "'--address'"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(coalsim, write_spec, tmp_path, capsys, arguments, message):
    out = tmp_path / "out"
    assert coalsim(["sweep", str(write_spec()), "--out", str(out), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line") and message in err
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))


def test_bad_spec_exits_2_without_a_traceback(coalsim, write_spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert coalsim(["sweep", str(write_spec(design="sobl")), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "field 'design'" in err and "Did you mean 'sobol'?" in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_executor_is_a_usage_error(coalsim, write_spec):
    with pytest.raises(SystemExit) as caught:
        coalsim(["sweep", str(write_spec()), "--executor", "threads"])
    assert caught.value.code == 2


def test_failed_runs_exit_1_and_say_how_to_retry(coalsim, write_spec, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sweep.__kwdefaults__, "run_callable", fail_on_sample_zero)
    out = tmp_path / "out"
    assert coalsim(["sweep", str(write_spec()), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "4 succeeded and 2 failed" in captured.out
    assert "ValueError: no luck" in captured.err and "--resume" in captured.err


def test_sensitivity_prints_indices(coalsim, write_spec, tmp_path, capsys):
    out = tmp_path / "out"
    spec = write_spec(design="morris", samples=2, replications=1, steps=13)  # WAICO founded at 12
    assert coalsim(["sweep", str(spec), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    outcomes = ["--outcome", "final_share_gdp:waico", "--outcome", "mean_members:un"]
    assert coalsim(["sensitivity", str(out), *outcomes]) == 0
    printed = capsys.readouterr().out
    assert "Morris sensitivity of final_share_gdp:waico" in printed
    assert "Morris sensitivity of mean_members:un" in printed
    assert "mu_star" in printed and "frameworks.waico.levers.open_models" in printed


def test_sensitivity_of_a_random_sweep_exits_2(coalsim, small_store, capsys):
    assert coalsim(["sensitivity", str(small_store[1]), "--outcome", "final_share_gdp:waico"]) == 2
    assert "expected a sweep with design sobol or morris" in capsys.readouterr().err


def test_tipping_reports_a_bracket(coalsim, capsys, tmp_path):
    arguments = [
        "tipping",
        str(BASELINE),
        "--param",
        "penalties.us_export_controls.amount",
        "--outcome",
        "final_share_population:waico",
        "--level",
        "0.3",
        "--low",
        "0",
        "--high",
        "2.5",
        "--seeds",
        "2",
        "--steps",
        "60",
        "--tolerance",
        "0.5",
        "--out",
        str(tmp_path / "tipping"),
    ]
    assert coalsim(arguments) == 0
    printed = capsys.readouterr().out
    assert "falls through 0.3 as penalties.us_export_controls.amount grows" in printed
    assert "Crossing bracketed in [" in printed and "ambiguous" in printed


def test_tipping_without_a_crossing_exits_2(coalsim, capsys):
    arguments = [
        "tipping",
        str(BASELINE),
        "--param",
        "penalties.us_export_controls.amount",
        "--outcome",
        "final_share_population:waico",
        "--level",
        "0.99",
        "--seeds",
        "1",
        "--steps",
        "5",
    ]
    assert coalsim(arguments) == 2
    assert "Widen the interval" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/abs", ".hidden", "a/b"])
def test_a_spec_name_cannot_send_the_default_store_outside_results(name, tmp_path, capsys, monkeypatch):
    """The default store is results/<spec name>: a name with a path in it is bad input."""
    from coalsim_testing import SCENARIOS

    from sim.cli import main

    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: '{name}'\nscenario: {SCENARIOS / 'baseline.yaml'}\ndesign: grid\n"
                    "replications: 1\nseed: 1\nparameters: {}\n")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(spec), "--quiet"]) == 2
    assert "field 'name'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [
        (["--param", "rule.kind"], "'--param'"),
        (["--param", "rule.temperature", "--outcome", "final_share_gdp:nowhere"], "'--outcome'"),
        (["--param", "rule.temperature", "--low", "1", "--high", "0.5"], "'--low'"),
        (["--param", "rule.temperature", "--seeds", "0"], "'--seeds'"),
        (["--param", "rule.temperature", "--low", "0.01", "--executor", "processes", "--workers", "0"],
         "'--workers'"),
    ],
)
def test_tipping_names_the_options_the_library_calls_parameters(coalsim, capsys, arguments, flag):
    """The library names its parameters (parameter, outcome, low); the command names the options."""
    base = ["tipping", str(BASELINE), "--outcome", "final_share_gdp:waico", "--level", "0.5"]
    assert coalsim([*base, *arguments, "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: command line, field {flag}:"), err


def test_sensitivity_names_its_outcome_option(coalsim, small_store, capsys):
    assert coalsim(["sensitivity", str(small_store[1]), "--outcome", "final_share_gdp:nowhere"]) == 2
    assert capsys.readouterr().err.startswith("coalsim: command line, field '--outcome':")


def test_a_parameter_without_an_option_keeps_its_name_and_other_errors_stay_as_they_are():
    from sim.errors import ARGUMENTS, InputError

    parser = sim.cli.build_parser()
    args = parser.parse_args(["sensitivity", "store", "--outcome", "final_members:un"])
    renamed = sim.cli.as_typed(InputError(ARGUMENTS, "outcome/resamples", "x", "y"), parser, args)
    assert (renamed.where, renamed.field) == ("command line", "--outcome/resamples")
    in_a_file = InputError("spec.yaml", "steps", "x", "y")
    assert sim.cli.as_typed(in_a_file, parser, args) is in_a_file

"""The coalsim command's names and papercuts: one name per idea, outputs that stay, helpful refusals."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from coalsim_testing import REPO, SCENARIOS

from sim.cli import PROJECT, build_parser, main, shown

BASELINE = str(SCENARIOS / "baseline.yaml")

#: Each renamed option: the command, its old name, its new name, and a command line using the old one.
RENAMED = {
    "sensitivity --output": ("sensitivity", "--output", "--outcome", ["s", "--output", "final_members:un"]),
    "tipping --replications": ("tipping", "--replications", "--seeds", [
        BASELINE, "--param", "rule.temperature", "--outcome", "final_members:un", "--level", "1",
        "--replications", "3"]),
    "report -o": ("report", "-o", "--out", ["run_folder", "-o", "report.html"]),
    "list --folder": ("list", "--folder", "--scenarios", ["--folder", "mine"]),
}  # fmt: skip


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("case", sorted(RENAMED))
def test_an_old_option_name_still_works_and_says_it_is_deprecated(case, capsys):
    command, old, new, argv = RENAMED[case]
    args = build_parser().parse_args([command, *argv])
    value = argv[argv.index(old) + 1]
    parsed = getattr(args, new.lstrip("-").replace("-", "_"))
    assert parsed in (value, [value], int(value) if value.isdigit() else None)
    assert capsys.readouterr().err == f"coalsim: {old} is deprecated, use {new}\n"


@pytest.mark.parametrize("case", sorted(RENAMED))
def test_help_shows_the_new_name_and_marks_the_old_one(case):
    command, old, new, _ = RENAMED[case]
    sub = subcommands()[command]
    assert new in sub._option_string_actions and old not in sub._option_string_actions
    assert f"(formerly {old}, deprecated)" in " ".join(sub.format_help().split())


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["report", "run", "-oreport.html"], "report.html"),  # a short option with its value attached
        (["report", "run", "-o=report.html"], "report.html"),
        (["sensitivity", "s", "--output=final_members:un", "--output", "mean_members:un"],
         ["final_members:un", "mean_members:un"]),
    ],
)  # fmt: skip
def test_old_names_in_every_spelling_are_read_and_reported_once(argv, expected, capsys):
    args = build_parser().parse_args(argv)
    assert (args.out if argv[0] == "report" else args.outcome) == expected
    assert capsys.readouterr().err.count("deprecated") == 1


def test_a_deprecated_name_after_a_double_dash_is_left_alone(capsys):
    args = build_parser().parse_args(["report", "--out", "r.html", "--", "runs", "-o"])
    assert args.folders == ["runs", "-o"]  # after '--' it is a folder's name, not an option
    assert capsys.readouterr().err == ""


def test_a_whole_command_with_an_old_name_runs(capsys):
    assert main(["list", "--folder", str(SCENARIOS)]) == 0
    captured = capsys.readouterr()
    assert "baseline.yaml" in captured.out
    assert captured.err == "coalsim: --folder is deprecated, use --scenarios\n"


def test_docs_and_shipped_files_use_the_new_names_only():
    """README, docs and the commands written in shipped specs name no deprecated option."""
    texts = [REPO / "README.md", *(REPO / "docs").rglob("*.md"), *SCENARIOS.rglob("*.yaml")]
    found = []
    for name, sub in subcommands().items():
        for old in sub.renamed:
            pattern = re.compile(rf"coalsim {re.escape(name)}\b.*\s{re.escape(old)}(?=[\s=]|$)", re.MULTILINE)
            found += [f"{p.relative_to(REPO)}: {old}" for p in texts if pattern.search(p.read_text())]
    assert not found


def test_same_idea_same_option_name():
    """Runs per value are --seeds, an outcome --outcome, an output --out, a scenario folder --scenarios."""
    for name, sub in subcommands().items():
        options = set(sub._option_string_actions)
        assert not options & {"--output", "--replications", "-o", "--folder"}, name


def test_a_mistyped_command_gets_a_suggestion_and_exit_2(capsys):
    assert main(["lst"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line, field 'command'") and err.count("\n") == 1
    assert "Did you mean 'list'?" in err
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "found 'frobnicate'" in err and "what-it-takes" in err and "Did you mean" not in err


def test_list_outside_the_project_lists_the_projects_scenarios(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["list"]) == 0
    assert "baseline.yaml" in capsys.readouterr().out


def test_list_without_scenarios_says_to_name_a_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COALSIM_SCENARIOS", str(tmp_path / "absent"))
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line, field '--scenarios'") and err.count("\n") == 1
    assert "which does not exist" in err and "--scenarios FOLDER" in err


def test_list_skips_specs_in_a_scenario_folder(tmp_path, capsys):
    (tmp_path / "baseline.yaml").write_text((SCENARIOS / "baseline.yaml").read_text())
    (tmp_path / "sweep.yaml").write_text((SCENARIOS / "sweeps" / "baseline_grid.yaml").read_text())
    assert main(["list", "--scenarios", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert "baseline.yaml" in listing and "sweep.yaml" not in listing


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (SCENARIOS / "baseline.yaml", "(baseline: 4 frameworks"),
        (SCENARIOS / "sweeps" / "baseline_sobol.yaml", "(sweep spec baseline_sobol of baseline: sobol"),
        (SCENARIOS / "optimize" / "us_offer.yaml", "(optimisation spec us_offer of baseline: 2 levers"),
        (SCENARIOS / "calibration" / "baseline.yaml", "(calibration spec of baseline: 7 priors"),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_validate_checks_each_file_as_what_it_is(path, kind, capsys):
    assert main(["validate", str(path)]) == 0
    assert f"{path}: valid {kind}" in capsys.readouterr().out


def spec_copy(tmp_path: Path, source: Path, **changes) -> Path:
    raw = yaml.safe_load(source.read_text())
    raw.update(scenario=str(source.parent / raw["scenario"]), **changes)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("source", "changes", "expected"),
    [
        (SCENARIOS / "sweeps" / "baseline_grid.yaml", {"design": "sobl"}, "field 'design'"),
        (SCENARIOS / "optimize" / "us_offer.yaml", {"cost": {}}, "field 'cost'"),
        (SCENARIOS / "calibration" / "baseline.yaml", {"priors": {"rule.temprature": {"low": 0, "high": 1}}},
         "field 'priors.rule.temprature'"),
    ],
    ids=["sweep", "optimisation", "calibration"],
)  # fmt: skip
def test_validate_names_the_field_of_a_broken_spec(source, changes, expected, tmp_path, capsys):
    path = spec_copy(tmp_path, source, **changes)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"coalsim: {path}, {expected}") and err.count("\n") == 1, err


def test_params_grep_filters_the_listing(capsys):
    assert main(["params", BASELINE]) == 0
    everything = capsys.readouterr().out.splitlines()
    assert main(["params", BASELINE, "--grep", "WAICO.LEVERS"]) == 0
    found = capsys.readouterr().out.splitlines()
    assert found == [line for line in everything if "waico.levers" in line.lower()]
    assert 0 < len(found) < len(everything)


def test_params_grep_without_a_match_exits_2_with_a_suggestion(capsys):
    assert main(["params", BASELINE, "--grep", "wiaco"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line, field '--grep'") and "Did you mean 'waico'?" in err


def test_an_output_is_named_so_it_can_be_found_from_where_coalsim_ran(tmp_path, monkeypatch):
    monkeypatch.chdir(PROJECT)
    assert shown("results/x") == "results/x"
    monkeypatch.chdir(tmp_path)
    assert shown("results/x") == str(tmp_path / "results" / "x")
    assert shown(tmp_path / "y") == str(tmp_path / "y")


def sobol_spec(tmp_path: Path) -> Path:
    spec = {
        "scenario": BASELINE, "design": "sobol", "samples": 4, "replications": 1, "seed": 3, "steps": 14,
        "parameters": {
            "frameworks.waico.levers.open_models": {"low": 0.0, "high": 1.92},
            "frameworks.waico.entry_cost": {"low": 0.0, "high": 1.5},
        },
    }  # fmt: skip
    path = tmp_path / "small_sobol.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_sweep_without_out_outside_the_project_says_where_it_wrote(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(sobol_spec(tmp_path)), "--quiet"]) == 0
    assert f"runs in {tmp_path / 'results' / 'small_sobol'}/" in capsys.readouterr().out


def test_sensitivity_writes_its_tables_and_figures_to_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    store, out = tmp_path / "store", tmp_path / "sens"
    assert main(["sweep", str(sobol_spec(tmp_path)), "--quiet", "--out", str(store)]) == 0
    capsys.readouterr()
    outcomes = ["final_share_gdp:waico", "final_share_population:waico"]
    assert main(["sensitivity", str(store), "--outcome", outcomes[0], "--outcome", outcomes[1]]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small_sobol.yaml", "store"]  # printed only
    printed = capsys.readouterr().out
    argv = ["sensitivity", str(store), "--outcome", outcomes[0], "--outcome", outcomes[1], "--out", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == printed
    assert captured.err.startswith("Wrote ") and captured.err.endswith(f" to {out}/\n")
    names = {"indices.csv", "indices.parquet", "sensitivity.json", "final_share_gdp-waico.png",
             "final_share_population-waico.png"}  # fmt: skip
    assert {p.name for p in out.iterdir()} == names | {".coalsim-output.json"}
    table = pd.read_csv(out / "indices.csv")
    assert table.equals(pd.read_parquet(out / "indices.parquet"))
    assert list(table.columns) == ["outcome", "method", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table.groupby("outcome", sort=False).size().to_dict() == dict.fromkeys(outcomes, 2)
    summary = json.loads((out / "sensitivity.json").read_text())
    assert [entry["outcome"] for entry in summary["outcomes"]] == outcomes
    assert summary["outcomes"][0]["points"] == 4 * (2 + 2) and summary["outcomes"][0]["conf_level"] == 0.95
    assert (out / "final_share_gdp-waico.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(argv) == 0  # its own earlier output is replaced
    (out / "notes.txt").write_text("mine")
    assert main(argv) == 2  # a folder with a user's file is not
    assert (out / "notes.txt").read_text() == "mine"


TIPPING = ["tipping", BASELINE, "--param", "penalties.us_export_controls.amount", "--outcome",
           "final_share_population:waico", "--level", "0.3", "--low", "0", "--high", "2.5", "--seeds", "2",
           "--steps", "60", "--tolerance", "0.5"]  # fmt: skip


def test_tipping_writes_its_probes_runs_and_figure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(TIPPING) == 0
    captured = capsys.readouterr()
    out = tmp_path / "results" / "baseline_penalties.us_export_controls.amount_tipping"
    assert captured.err.endswith(f" to {out}/\n")
    assert {p.name for p in out.iterdir()} == {
        ".coalsim-output.json", "probes.csv", "probes.parquet", "runs.csv", "runs.parquet", "tipping.json",
        "tipping.png",
    }  # fmt: skip
    summary = json.loads((out / "tipping.json").read_text())
    low, high = summary["bracket"]
    assert f"Crossing bracketed in [{low:.6g}, {high:.6g}]" in captured.out
    assert summary["seed"] == 20250726 and summary["steps"] == 60 and summary["replications"] == 2
    probes = pd.read_parquet(out / "probes.parquet")
    runs = pd.read_csv(out / "runs.csv")
    assert len(probes) == summary["probes"] and len(runs) == 2 * len(probes)
    means = runs.groupby("param_value", sort=False)["outcome"].mean().to_numpy()
    assert means == pytest.approx(probes["mean"].to_numpy())


def test_tipping_names_an_unknown_parameter_before_any_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = [*TIPPING]
    argv[argv.index("--param") + 1] = "penalties.us_export_controls.amont"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim: command line, field '--param'") and "Did you mean" in err
    assert not list(tmp_path.iterdir())

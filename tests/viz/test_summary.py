"""``coalsim run``: headlines over several seeds, printed and written beside the saved run."""

from __future__ import annotations

import json

import pandas as pd

import sim
from sim.cli import main

BASELINE = "scenarios/baseline.yaml"


def test_run_prints_and_writes_headlines_over_seeds(tmp_path, capsys):
    out = tmp_path / "base"
    arguments = ["run", BASELINE, "--point", "--seed", "5", "--seeds", "4", "--steps", "20"]
    assert main([*arguments, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 runs (seeds 5-8), 20 steps" in printed
    assert "members at month 12" in printed and "members at month 20" in printed
    assert "median [90% interval] over 4 runs" in printed
    saved = sim.RunResult.load(out)
    assert saved.metadata["seed"] == 5
    document = json.loads((out / "headlines.json").read_text())
    assert document["seeds"] == [5, 6, 7, 8] and document["quantiles"] == [0.05, 0.5, 0.95]
    table = pd.read_csv(out / "headlines.csv")
    waico = table[(table["framework"] == "waico") & (table["measure"] == "members") & (table["step"] == 20)]
    finals = [
        sim.run(sim.load_scenario(BASELINE), seed=seed, steps=20).final_shares("members")["waico"]
        for seed in (5, 6, 7, 8)
    ]
    assert waico["median"].item() == float(pd.Series(finals).median())
    assert waico["runs"].item() == 4
    assert len(table) == 5 * 4  # (4 frameworks + non-aligned) x (members at 12 and 20, population, GDP)
    assert (out / "membership.png").stat().st_size > 10_000


def test_one_seed_says_there_is_no_interval(tmp_path, capsys):
    arguments = ["run", BASELINE, "--point", "--seeds", "1", "--steps", "5"]
    assert main([*arguments, "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert (
        "1 run (seed 20250726)" in printed
        and "One run: no interval" in printed
        and "[" not in printed.split("\n")[2]
    )


def test_zero_seeds_is_bad_input_and_writes_nothing(tmp_path, capsys):
    assert main(["run", BASELINE, "--seeds", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_split_notation_is_explained_only_when_a_cell_splits(tmp_path, capsys, monkeypatch):
    from sim.viz import summary

    argv = ["run", BASELINE, "--seeds", "3", "--steps", "5"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert "no median is given" not in capsys.readouterr().out  # nothing splits: no legend for it

    real = summary.headlines

    def one_split(reps):
        table = real(reps)
        table.loc[table.index[0], "cell"] = "split: 1 ~0-5, 2 ~184-193"
        return table

    monkeypatch.setattr(summary, "headlines", one_split)
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    printed = capsys.readouterr().out
    assert "split: 1 ~0-5, 2 ~184-193" in printed and "no median is given" in printed


def test_the_report_counts_every_run_the_headlines_cover(tmp_path, capsys):
    """A folder of ``coalsim run --seeds 3`` saves one run in full and the headlines of three."""
    out, page = tmp_path / "base", tmp_path / "report.html"
    assert main(["run", BASELINE, "--point", "--seeds", "3", "--steps", "5", "--out", str(out)]) == 0
    assert main(["report", str(out), "--out", str(page)]) == 0
    assert "from 3 model runs (1 saved in full)." in page.read_text(encoding="utf-8")

"""Headlines and scores over a calibration's posterior draws: loading, drawing, run, score, report."""

from __future__ import annotations

import html
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from coalsim_testing import REPO, SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.analysis import abc, scoring
from sim.cli import main
from sim.errors import InputError
from sim.replications import Replications
from sim.viz.report import POSTERIOR_INTERVALS_CAVEAT, SEED_INTERVALS_CAVEAT, headline_table

BASELINE = str(SCENARIOS / "baseline.yaml")

#: Four particles: WAICO's entry cost far apart, so the draws change who joins by month 12;
#: the last particle has weight 0 and may never be drawn.
PARTICLES = pd.DataFrame(
    {
        "frameworks.waico.entry_cost": [0.2, 0.6, 1.2, 1.45],
        "rule.temperature": [0.1, 0.2, 0.15, 0.3],
        "weight": [0.5, 0.3, 0.2, 0.0],
    }
)


def write_posterior(folder: Path, draws: pd.DataFrame = PARTICLES) -> Path:
    """A calibration folder as ``coalsim calibrate`` writes it, with the given particles."""
    priors = (
        abc.Prior("frameworks.waico.entry_cost", 0.0, 1.5),
        abc.Prior("rule.temperature", 0.03, 0.5, True),
    )
    targets = (abc.Target("waico_founding_count", "waico", 12, "count", 29.0, 5.0),)
    generations = pd.DataFrame({"t": [0], "epsilon": [3.0], "samples": [40], "particles": [len(draws)]})
    posterior = abc.Posterior(priors, targets, draws, generations, "baseline", 1)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in posterior.save(folder).items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def posterior_dir(tmp_path_factory) -> Path:
    return write_posterior(tmp_path_factory.mktemp("posterior") / "baseline_posterior")


@pytest.fixture(scope="module")
def posterior_run(posterior_dir, tmp_path_factory) -> tuple[Path, str]:
    """``coalsim run`` over 2 seeds x 3 draws (seeds 4-9, 14 steps): its folder and what it printed."""
    out = tmp_path_factory.mktemp("runs") / "over_posterior"
    arguments = ["run", BASELINE, "--posterior", str(posterior_dir), "--draws", "3", "--seeds", "2",
                 "--seed", "4", "--steps", "14", "--out", str(out)]  # fmt: skip
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(arguments) == 0
    return out, printed.getvalue()


# -- loading and drawing -----------------------------------------------------------------
def test_draws_are_reproducible_from_their_seed(posterior_dir, baseline):
    _, first = abc.load_draws(posterior_dir, baseline, 40, seed=7)
    _, again = abc.load_draws(posterior_dir, baseline, 40, seed=7)
    _, other = abc.load_draws(posterior_dir, baseline, 40, seed=8)
    assert first == again and first != other
    assert len(first) == 40 and set(first[0]) == {"frameworks.waico.entry_cost", "rule.temperature"}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), k=st.integers(1, 60))
def test_every_draw_is_a_particle_of_positive_weight(posterior_dir, seed, k):
    posterior = abc.Posterior.load(posterior_dir)
    draws = posterior.sample(k, np.random.default_rng(seed))
    allowed = {tuple(row) for row in PARTICLES[PARTICLES["weight"] > 0].iloc[:, :2].itertuples(index=False)}
    assert len(draws) == k
    assert {(d["frameworks.waico.entry_cost"], d["rule.temperature"]) for d in draws} <= allowed


def test_draws_follow_the_weights(posterior_dir):
    draws = abc.Posterior.load(posterior_dir).sample(4000, np.random.default_rng(0))
    costs = pd.Series([d["frameworks.waico.entry_cost"] for d in draws]).value_counts(normalize=True)
    # binomial standard error at n = 4000 is at most 0.008; 4 of them
    assert costs.reindex([0.2, 0.6, 1.2], fill_value=0).to_numpy() == pytest.approx(
        [0.5, 0.3, 0.2], abs=0.032
    )


def _drop_calibration(folder: Path) -> None:
    (folder / "calibration.json").unlink()


def _break_json(folder: Path) -> None:
    (folder / "calibration.json").write_text("{", encoding="utf-8")


def _nest_json(folder: Path) -> None:
    (folder / "calibration.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


def _prior_without_bound(folder: Path) -> None:
    meta = json.loads((folder / "calibration.json").read_text())
    del meta["priors"][1]["high"]
    (folder / "calibration.json").write_text(json.dumps(meta))


def _edit_meta(change):
    def edit(folder: Path) -> None:
        meta = json.loads((folder / "calibration.json").read_text())
        change(meta)
        (folder / "calibration.json").write_text(json.dumps(meta))

    return edit


def _edit_table(change):
    def edit(folder: Path) -> None:
        change(pd.read_csv(folder / "posterior.csv")).to_csv(folder / "posterior.csv", index=False)

    return edit


def _with_value(row: int, column: str, value: object):
    def change(table: pd.DataFrame) -> pd.DataFrame:
        table = table.astype({column: object})
        table.loc[row, column] = value
        return table

    return change


@pytest.mark.parametrize(
    ("damage", "file", "field", "expected"),
    [
        (_drop_calibration, "calibration.json", "", "no such file"),
        (_break_json, "calibration.json", "", "a JSON object"),
        (_nest_json, "calibration.json", "", "a JSON object"),
        (_prior_without_bound, "calibration.json", "priors.1", "a prior with its fields"),
        (_edit_table(lambda t: t.drop(columns="rule.temperature")), "posterior.csv", "rule.temperature",
         "a column per calibrated parameter"),
        (_edit_table(_with_value(2, "rule.temperature", "n/a")), "posterior.csv", "rule.temperature",
         "finite numbers"),
        (_edit_table(lambda t: t.assign(weight=-t["weight"])), "posterior.csv", "weight",
         "non-negative weights with a positive, finite sum"),
        # finite weights whose sum overflows: numpy's choice met NaN probabilities (a traceback)
        (_edit_table(lambda t: t.assign(weight=1e308)), "posterior.csv", "weight", "sum inf"),
        (_edit_table(_with_value(0, "rule.temperature", -1.0)), "posterior.csv", "rule.temperature", ""),
        # a valid temperature outside the prior's 0.03-0.5: no particle of this calibration
        (_edit_table(_with_value(0, "rule.temperature", 0.9)), "posterior.csv", "rule.temperature",
         "within the prior's bounds, 0.03 to 0.5"),
        (_edit_table(lambda t: t.assign(weight=True)), "posterior.csv", "weight", "finite numbers"),
        (_edit_meta(lambda meta: meta["priors"].append(dict(meta["priors"][0]))), "calibration.json",
         "priors", "each calibrated parameter once"),
        (_edit_meta(lambda meta: meta.update(seed=2**80)), "calibration.json", "seed", "a whole number"),
        (_edit_meta(lambda meta: meta.update(seed=-1)), "calibration.json", "seed", "a whole number"),
    ],
)  # fmt: skip
def test_a_damaged_posterior_is_one_message_naming_file_and_field(
    posterior_dir, tmp_path, capsys, damage, file, field, expected
):
    folder = tmp_path / "damaged"
    shutil.copytree(posterior_dir, folder)
    damage(folder)
    out = tmp_path / "out"
    code = main(
        ["run", BASELINE, "--posterior", str(folder), "--draws", "50", "--seeds", "1", "--out", str(out)]
    )
    error = capsys.readouterr().err
    assert code == 2 and "Traceback" not in error
    assert error.startswith("coalsim: ") and str(folder / file) in error
    assert (f"field '{field}'" in error) if field else ("field" not in error.split(":")[1])
    assert expected in error
    assert not out.exists()


def test_a_missing_posterior_folder_is_named(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    brics = ["--observed", "brics_rio_ai_2025", "--step", "12"]
    assert main(["score", BASELINE, *brics, "--posterior", str(missing)]) == 2
    assert f"{missing}: expected a calibration folder" in capsys.readouterr().err


def test_a_posterior_of_parameters_the_scenario_lacks_is_refused(tmp_path, capsys):
    folder = write_posterior(tmp_path / "other")
    table = pd.read_csv(folder / "posterior.csv").rename(columns={"rule.temperature": "rule.temprature"})
    table.to_csv(folder / "posterior.csv", index=False)
    meta = json.loads((folder / "calibration.json").read_text())
    meta["priors"][1]["path"] = "rule.temprature"
    (folder / "calibration.json").write_text(json.dumps(meta))
    with pytest.raises(InputError) as raised:
        abc.load_draws(folder, sim.load_scenario(BASELINE), 3, seed=0)
    assert raised.value.field == "priors.rule.temprature" and "rule.temperature" in raised.value.hint
    brics = ["--observed", "brics_rio_ai_2025", "--step", "12"]
    assert main(["score", BASELINE, *brics, "--posterior", str(folder)]) == 2
    error = capsys.readouterr().err
    assert str(folder / "calibration.json") in error and "priors.rule.temprature" in error


@pytest.mark.parametrize(
    ("scenario", "arguments", "flag"),
    [
        ("calibrated.yaml", ["--draws", "5"], "--draws"),  # it names no posterior of its own
        ("baseline.yaml", ["--posterior", "P", "--draws", "0"], "--draws"),
        ("baseline.yaml", ["--draws", "0"], "--draws"),
    ],
)
def test_draws_need_a_posterior_and_at_least_one(posterior_dir, tmp_path, capsys, scenario, arguments, flag):
    arguments = [str(posterior_dir) if a == "P" else a for a in arguments]
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS / scenario), "--seeds", "1", "--out", str(out), *arguments]) == 2
    assert f"'{flag}'" in capsys.readouterr().err and not out.exists()


# -- coalsim run ---------------------------------------------------------------------------
def test_run_over_the_posterior_takes_each_headline_over_seeds_and_draws(
    posterior_run, posterior_dir, baseline
):
    out, printed = posterior_run
    assert f"6 runs (seeds 4-9) over 2 seeds x 3 posterior draws from {posterior_dir}, 14 steps" in printed
    assert "median [90% interval] over 2 seeds x 3 posterior draws (6 runs)" in printed
    _, draws = abc.load_draws(posterior_dir, baseline, 3, seed=4)  # seeded by the first seed
    # run by run, independently: draw j with seeds 4 + 2j and 5 + 2j
    runs = [sim.run(baseline.with_overrides(draws[r // 2]), seed=4 + r, steps=14) for r in range(6)]
    at_founding = [
        int(r.aggregates.query("step == 12 and framework == 'waico'")["members"].item()) for r in runs
    ]
    assert len(set(at_founding)) > 1  # the draws and seeds do change the count
    document = json.loads((out / "headlines.json").read_text())
    assert document["over"] == "2 seeds x 3 posterior draws" and document["runs"] == 6
    assert document["seeds"] == list(range(4, 10))
    assert document["posterior"] == {
        "folder": str(posterior_dir), "draw_seed": 4, "parameters": draws, "draws": 3, "seeds_per_draw": 2,
    }  # fmt: skip
    row = next(h for h in document["headlines"] if h["framework"] == "waico" and h["step"] == 12)
    low, median, high = np.quantile(at_founding, (0.05, 0.5, 0.95))
    assert (row["median"], row["low"], row["high"], row["runs"]) == pytest.approx((median, low, high, 6))
    saved = sim.RunResult.load(out)
    assert saved.metadata["posterior_draw"] == 0 and saved.metadata["posterior"] == document["posterior"]
    pd.testing.assert_frame_equal(saved.aggregates, runs[0].aggregates)


def test_run_at_the_point_records_no_posterior(tmp_path):
    out = tmp_path / "plain"
    assert main(["run", BASELINE, "--point", "--seeds", "2", "--steps", "3", "--out", str(out)]) == 0
    document = json.loads((out / "headlines.json").read_text())
    assert document["posterior"] is None and document["over"] == "2 runs"
    assert "posterior" not in sim.RunResult.load(out).metadata


def test_replications_over_a_posterior_need_each_runs_draw(baseline, world):
    runs = [sim.run(baseline, seed=s, steps=2, world=world) for s in (1, 2)]
    provenance = {"folder": "p", "draw_seed": 1, "parameters": [{}], "draws": 1, "seeds_per_draw": 2}
    with pytest.raises(InputError, match="posterior_draw"):
        Replications.from_runs(runs, posterior=provenance)
    tagged = [replace(r, metadata={**r.metadata, "posterior_draw": 0}) for r in runs]
    assert Replications.from_runs(tagged, posterior=provenance).over_text() == "2 seeds x 1 posterior draw"


# -- coalsim score -------------------------------------------------------------------------
def test_score_over_the_posterior_records_seeds_and_draws(posterior_dir, baseline, capsys):
    arguments = ["score", BASELINE, "--observed", "brics_rio_ai_2025", "--step", "12", "--seeds", "3",
                 "--posterior", str(posterior_dir), "--draws", "2"]  # fmt: skip
    assert main([*arguments, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    _, draws = abc.load_draws(posterior_dir, baseline, 2, seed=baseline.seed)
    assert (document["seeds"], document["draws"], document["count"]["runs"]) == (3, 2, 6)
    assert document["posterior"]["parameters"] == draws
    members = document["members"]
    left_out = document["left_out"]
    expected = scoring.score(baseline, members, "waico", 12, seeds=3, draws=draws, exclude=left_out)
    assert document["model"] == pytest.approx(expected.model)
    assert main(arguments) == 0
    assert f"over 3 seeds x 2 posterior draws from {posterior_dir} (6 runs)" in capsys.readouterr().out
    assert main([*arguments[:-4], "--point", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert (plain["draws"], plain["posterior"], plain["count"]["runs"]) == (0, None, 3)


# -- coalsim report ------------------------------------------------------------------------
def test_report_of_a_run_over_the_posterior_says_so(posterior_run, tmp_path, capsys):
    out, _ = posterior_run
    page_file = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(page_file)]) == 0
    page = page_file.read_text(encoding="utf-8")
    assert "over 2 seeds x 3 posterior draws per scenario" in page
    assert "Over the calibration's posterior: 2 seeds x 3 posterior draws (6 runs)" in page
    assert "under posterior draw 0 of the 3 drawn from" in page
    assert html.escape(POSTERIOR_INTERVALS_CAVEAT) in page  # not "do not include [...] the parameters"
    assert html.escape(SEED_INTERVALS_CAVEAT) not in page
    assert "check is not shown" in page and "predictive_summary.csv" in page  # this posterior has none
    stored = pd.read_csv(out / "headlines.csv").query(
        "framework == 'waico' and step == 12 and measure == 'members'"
    )
    cell = headline_table(Replications.load(out)).loc["WAICO", "members at month 12"]
    assert cell == stored_cell(stored.iloc[0])


def stored_cell(row: pd.Series) -> str:
    """The report's cell for a stored headline: its groups when the runs split, else median [5-95%].

    The fake particles' entry costs (0.6 and 1.2) may or may not split WAICO's founding
    (about 90 against about 20 states), depending on the baseline they are drawn into.
    """
    if not row["split"]:
        return f"{row['median']:.0f} [{row['low']:.0f}-{row['high']:.0f}]"
    groups = [group.split(" ") for group in row["groups"].split("; ")]  # "4 runs 17-23"
    lines = ["split:", *(f"{runs} runs ~{span}" for runs, _, span in groups)]
    return f'<span class="split">{"<br>".join(lines)}</span>'


def test_report_of_a_run_folder_gives_the_headlines_of_all_its_seeds(tmp_path):
    out = tmp_path / "four"
    arguments = ["run", BASELINE, "--point", "--seeds", "4", "--seed", "1", "--steps", "12"]
    assert main([*arguments, "--out", str(out)]) == 0
    finals = [
        sim.run(sim.load_scenario(BASELINE), seed=s, steps=12).final_shares("members")["waico"]
        for s in (1, 2, 3, 4)
    ]
    low, median, high = np.quantile(finals, (0.05, 0.5, 0.95))
    span = f"{low:.0f}" if f"{low:.0f}" == f"{high:.0f}" else f"{low:.0f}-{high:.0f}"
    cell = headline_table(Replications.load(out)).loc["WAICO", "members at month 12 (end)"]
    assert cell == f"{median:.0f} [{span}]"  # not the one saved run's bare count


def test_report_shows_the_calibrations_check_against_what_happened(tmp_path):
    """A policy team sees beside the headlines whether the calibrated model reproduces the observations."""
    shipped = REPO / "scenarios" / "calibration" / "baseline_posterior"
    out = tmp_path / "over_shipped"
    arguments = ["run", BASELINE, "--posterior", str(shipped), "--draws", "2", "--seeds", "1"]
    assert main([*arguments, "--steps", "13", "--out", str(out)]) == 0
    page_file = tmp_path / "report.html"
    assert main(["report", str(out), "--out", str(page_file)]) == 0
    page = page_file.read_text(encoding="utf-8")
    check = pd.read_csv(shipped / "predictive_summary.csv")
    assert f"reproduces {int(check['covered'].sum())} of its {len(check)} observations" in page
    for row in check.itertuples():
        observed = f"{row.observed:.0%}" if row.statistic == "coverage" else f"{row.observed:.0f}"
        cells = f"<td>{row.target}</td>.*?<td>{row.step}</td><td>{re.escape(observed)}</td>"
        assert re.search(cells, page), row.target
    assert page.count("<td><strong>no</strong></td>") == int((~check["covered"]).sum())


def test_report_without_a_posterior_says_how_to_see_the_check(tmp_path):
    arguments = ["run", BASELINE, "--point", "--seeds", "2", "--steps", "3"]
    assert main([*arguments, "--out", str(tmp_path / "run")]) == 0
    assert main(["report", str(tmp_path / "run"), "--out", str(tmp_path / "report.html")]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No scenario here ran over a calibration's posterior" in page


def test_report_of_run_folders_says_which_numbers_are_one_runs(tmp_path):
    """Key numbers, comparison and transitions come from the one run a folder saves: not 'medians'."""
    for name, seed in (("a", 1), ("b", 5)):
        arguments = ["run", BASELINE, "--point", "--seeds", "3", "--seed", str(seed), "--steps", "12"]
        assert main([*arguments, "--out", str(tmp_path / name)]) == 0
    page_file = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(page_file)]) == 0
    page = page_file.read_text(encoding="utf-8")
    assert "Median across replications" not in page
    assert "The values of one run (seed 1), with no interval. The summary above gives each headline" in page
    assert "end in WAICO in baseline (a) (in its one saved run, seed 1)" in page
    assert "in most runs" not in page
    assert html.escape(SEED_INTERVALS_CAVEAT) in page


def test_a_set_of_a_parameter_the_posterior_draws_is_refused(posterior_dir, baseline, tmp_path, capsys):
    out = tmp_path / "out"
    arguments = ["run", BASELINE, "--posterior", str(posterior_dir), "--seeds", "1", "--out", str(out)]
    assert main([*arguments, "--set", "rule.temperature=0.2"]) == 2
    assert "'--set rule.temperature'" in capsys.readouterr().err and not out.exists()
    assert main([*arguments, "--set", "utility.peer=0.5", "--steps", "2"]) == 0  # one it does not draw
    saved = sim.RunResult.load(out).metadata
    both = baseline.with_overrides({"utility.peer": 0.5, **saved["posterior"]["parameters"][0]})
    assert saved["scenario_hash"] == both.digest()


def test_weights_that_do_not_sum_to_one_are_normalised(tmp_path):
    folder = write_posterior(tmp_path / "unnormalised", PARTICLES.assign(weight=PARTICLES["weight"] * 3))
    normalised = abc.Posterior.load(write_posterior(tmp_path / "normalised"))
    assert abc.Posterior.load(folder).sample(5, np.random.default_rng(1)) == normalised.sample(
        5, np.random.default_rng(1)
    )


@pytest.mark.parametrize("flag", ["--draws", "--seeds"])
def test_more_runs_than_memory_holds_are_refused_before_any_draw(posterior_dir, tmp_path, capsys, flag):
    """A trillion draws (or seeds x draws) would allocate terabytes: refused, naming the option."""
    counts = {"--draws": "1000", "--seeds": "20", flag: "1000000000000"}
    argv = ["--posterior", str(posterior_dir), "--draws", counts["--draws"], "--seeds", counts["--seeds"]]
    out = tmp_path / "out"
    assert main(["run", BASELINE, *argv, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"coalsim: command line, field '{flag}'") and "10,000" in error, error
    assert not out.exists()
    assert main(["run", BASELINE, "--posterior", str(posterior_dir), "--draws", "1000", "--seeds", "20"]) == 2
    assert "20 seeds x 1,000 draws = 20,000 runs" in capsys.readouterr().err


def test_a_posterior_whose_files_never_end_is_refused_in_a_fresh_process(posterior_dir, tmp_path):
    """posterior.csv linked to /dev/zero, calibration.json a named pipe: refused, not read forever.

    A bounded subprocess (memory and time), so a hang or an exhausted memory fails the test.
    """
    endless, piped = tmp_path / "endless", tmp_path / "piped"
    for folder in (endless, piped):
        shutil.copytree(posterior_dir, folder)
    (endless / "posterior.csv").unlink()
    (endless / "posterior.csv").symlink_to("/dev/zero")
    (piped / "calibration.json").unlink()
    os.mkfifo(piped / "calibration.json")
    for folder, name in ((endless, "posterior.csv"), (piped, "calibration.json")):
        done = subprocess.run(
            [sys.executable, "-m", "sim.cli", "run", BASELINE, "--posterior", str(folder), "--seeds", "1",
             "--out", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=60, cwd=REPO, preexec_fn=_memory_cap,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"coalsim: {folder / name}") and "regular file" in done.stderr
    assert not (tmp_path / "out").exists()


def _memory_cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))



# -- a scenario's own posterior (its 'posterior' field) ----------------------------------
def centred_variant(folder: Path, posterior: Path, **changes: float) -> Path:
    """A variant of the baseline in ``folder`` naming ``posterior``, set to its point (and ``changes``)."""
    values = {**abc.point_estimate(abc.Posterior.load(posterior)), **changes}
    nested: dict = {}
    for dotted, value in values.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    folder.mkdir(parents=True, exist_ok=True)
    head = {"extends": BASELINE, "name": "centred", "posterior": os.path.relpath(posterior, folder)}
    path = folder / "centred.yaml"
    path.write_text(yaml.safe_dump({**head, **nested}, sort_keys=False), encoding="utf-8")
    return path


def test_run_goes_over_the_posterior_the_scenario_names_unless_asked_for_the_point(posterior_dir, tmp_path):
    variant = centred_variant(tmp_path / "elsewhere", posterior_dir)
    out = tmp_path / "out"
    assert main(["run", str(variant), "--seeds", "2", "--draws", "3", "--steps", "2", "--out", str(out)]) == 0
    document = json.loads((out / "headlines.json").read_text())
    assert Path(document["posterior"]["folder"]).resolve() == posterior_dir.resolve()
    assert document["runs"] == 6 and document["posterior"]["draws"] == 3
    point = tmp_path / "point"
    assert main(["run", str(variant), "--point", "--seeds", "2", "--steps", "2", "--out", str(point)]) == 0
    assert json.loads((point / "headlines.json").read_text())["posterior"] is None


def test_a_variant_in_another_folder_inherits_the_posterior_its_parent_names(tmp_path):
    # the path is written relative to the file that names it, and stays so from any child
    child = tmp_path / "a" / "b" / "variant.yaml"
    child.parent.mkdir(parents=True)
    child.write_text(f"extends: {BASELINE}\nname: variant\n", encoding="utf-8")
    shipped = (REPO / "scenarios" / "calibration" / "baseline_posterior").resolve()
    assert sim.load_scenario(child).posterior_folder().resolve() == shipped
    assert sim.load_scenario(BASELINE).posterior_folder().resolve() == shipped
    grandchild = tmp_path / "c" / "grandchild.yaml"
    grandchild.parent.mkdir()
    grandchild.write_text("extends: ../a/b/variant.yaml\nname: grandchild\n", encoding="utf-8")
    assert sim.load_scenario(grandchild).posterior_folder().resolve() == shipped


def test_every_shipped_scenario_naming_a_posterior_sets_its_point(capsys):
    # a recalibration whose point was not copied into the scenario would be refused at run time
    files = sorted(str(path) for path in (REPO / "scenarios").glob("*.yaml"))
    assert main(["validate", *files]) == 0
    printed = capsys.readouterr().out
    assert "baseline.yaml: valid (baseline: 4 frameworks" in printed and "centred on its posterior" in printed


@pytest.mark.parametrize("command", ["run", "score", "validate"])
def test_a_scenario_that_sets_a_parameter_its_posterior_draws_is_refused(
    posterior_dir, tmp_path, capsys, command
):
    variant = centred_variant(tmp_path, posterior_dir, **{"rule.temperature": 0.45})
    arguments = {"run": ["--seeds", "1", "--out", str(tmp_path / "out")],
                 "score": ["--observed", "bloc:iomed", "--seeds", "1"], "validate": []}[command]  # fmt: skip
    assert main([command, str(variant), *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"coalsim: {variant}, field 'rule.temperature'") and "posterior: null" in error
    assert error.count("\n") == 1 and not (tmp_path / "out").exists()
    if command == "run":  # its own value, at the point, when the command or the file says so
        assert main([command, str(variant), "--point", "--steps", "2", *arguments]) == 0
        data = yaml.safe_load(variant.read_text(encoding="utf-8"))
        variant.write_text(yaml.safe_dump({**data, "posterior": None}), encoding="utf-8")
        out = tmp_path / "own"
        assert main([command, str(variant), "--seeds", "1", "--steps", "2", "--out", str(out)]) == 0
        assert json.loads((out / "headlines.json").read_text())["posterior"] is None


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [(["--point", "--posterior", "P"], "--posterior"), (["--point", "--draws", "3"], "--draws")],
)
def test_point_takes_no_posterior_options(posterior_dir, tmp_path, capsys, arguments, flag):
    arguments = [str(posterior_dir) if a == "P" else a for a in arguments]
    assert main(["run", BASELINE, "--seeds", "1", "--out", str(tmp_path / "o"), *arguments]) == 2
    assert f"'{flag}'" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_a_missing_posterior_the_scenario_names_says_where_it_was_named(tmp_path, capsys):
    variant = tmp_path / "v.yaml"
    variant.write_text(f"extends: {BASELINE}\nname: v\nposterior: nowhere\n", encoding="utf-8")
    assert main(["run", str(variant), "--seeds", "1", "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert "nowhere" in error and f"{variant} names this posterior" in error and "--point" in error

"""The HTML report is self-contained and says what a reader needs; the CLI faces work end to end."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from coalsim_testing import assert_self_contained

import sim
import sim.cli
from sim.atomic import MARKER
from sim.replications import Replications
from sim.viz.report import CAVEATS, build_report, data_sources, headline_table, key_numbers, transition_table

STEPS = 12
SEEDS = (1, 2)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def folders(baseline, world, tmp_path_factory) -> dict[str, Path]:
    """Two scenario folders with two seed runs each: the baseline and a stricter-US variant."""
    root = tmp_path_factory.mktemp("scenarios")
    variant = baseline.with_overrides({"penalties.us_export_controls.amount": 1.2})
    made = {}
    for name, scenario in (("baseline", baseline), ("strict", variant)):
        for seed in SEEDS:
            sim.run(scenario, seed=seed, steps=STEPS, world=world).save(root / name / f"seed{seed}")
        made[name] = root / name
    return made


@pytest.fixture(scope="module")
def report_page(folders, tmp_path_factory) -> str:
    """The report of both scenarios, written by ``coalsim report`` (drawn once for several tests)."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert sim.cli.main(["report", str(folders["baseline"]), str(folders["strict"]), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_is_self_contained_and_complete(folders, report_page):
    page = report_page
    parser = assert_self_contained(page)
    images = [value for tag, _, value in parser.references if tag == "img"]
    # per scenario: membership, map, frequency maps, transitions; then four comparisons
    assert len(images) == 2 * 4 + 4
    for image in images:
        assert base64.b64decode(image.split(",", 1)[1]).startswith(PNG_MAGIC)
    assert html.escape(Replications.load(folders["strict"]).metadata["question"]) in page
    assert "@media print" in page and "break-inside: avoid" in page
    for attribution in ("World Bank, World Development Indicators", "CC BY 4.0", "Bailey", "Natural Earth"):
        assert attribution in page
    for caveat in CAVEATS:
        assert caveat.split(".")[0] in page
    # summary: two headline tables and one transition table; two key-number tables; provenance
    assert page.count("<table>") == 3 + 2 + 1
    assert "**" not in page and "*Journal" not in page


def test_key_numbers_state_median_and_range(folders):
    reps = Replications.load(folders["baseline"])
    table = key_numbers(reps)
    assert list(table.index) == ["WAICO", "US/G7-led", "UN track", "EU/CoE", "non-aligned"]
    finals = reps.final("members").query("framework == 'waico'")["value"]
    low, high = finals.min(), finals.max()
    cell = table.loc["WAICO", "member countries"]
    assert cell.startswith(f"{finals.median():.0f} ")
    assert f"[{low + 0.05 * (high - low):.0f}–{low + 0.95 * (high - low):.0f}]" in cell


def test_sources_come_from_the_shipped_sources_file():
    text = " ".join(data_sources())
    assert "<em>Journal of Conflict Resolution</em>" in text
    assert "<code>countries.csv (193 rows)</code>" in text
    assert "small_states_points.csv" in text
    listed = re.findall(r"<li><code>(.+?)</code></li>", text)
    assert listed and all(re.match(r"\S+\.(csv|json|geojson)\b", name) for name in listed), listed
    assert "*" not in text


def test_the_summary_comes_first_and_gives_each_headline_with_its_interval(folders, report_page):
    reps = Replications.load(folders["baseline"])
    summary = report_page.index('id="summary"')
    assert summary < report_page.index('class="scenario"')
    assert report_page.index(html.escape(reps.metadata["question"]), summary) < report_page.index(
        'class="scenario"'
    )
    table = headline_table(reps)
    assert list(table.columns) == [
        "members at month 12 (end)",
        "share of world population",
        "share of world GDP",
    ]
    finals = reps.final("members").query("framework == 'waico'")["value"].to_numpy()
    low, mid, high = np.quantile(finals, (0.05, 0.5, 0.95))
    interval = f"{low:.0f}" if f"{low:.0f}" == f"{high:.0f}" else f"{low:.0f}-{high:.0f}"
    assert table.loc["WAICO", "members at month 12 (end)"] == f"{mid:.0f} [{interval}]"
    assert "Where do would-be WAICO members go?" in report_page


def test_a_split_outcome_is_reported_as_its_groups_not_a_median(split_reps):
    finals = split_reps.final("members").query("framework == 'un'")["value"].to_numpy()
    low_group, high_group = finals[finals < 97], finals[finals >= 97]
    assert (len(low_group), len(high_group)) == (3, 7)
    cell = headline_table(split_reps).loc[
        "UN track", f"members at month {split_reps.metadata['steps']} (end)"
    ]
    assert cell.startswith('<span class="split">split:')
    assert f"{len(low_group)} runs ~{low_group.min():.0f}" in cell
    assert f"{len(high_group)} runs ~{high_group.min():.0f}" in cell
    assert "split:" in key_numbers(split_reps).loc["UN track", "member countries"]
    page = build_report([split_reps])
    assert f"{len(low_group)} of 10 runs ~{low_group.min():.0f}" in page  # the split, in words


def test_transition_table_counts_countries_by_modal_portfolio(split_reps, folders):
    other = Replications.load(folders["strict"])
    table = transition_table(split_reps, other)
    assert table.loc["total", "total"] == str(split_reps.n_countries)
    finals = split_reps.portfolios_at(split_reps.metadata["steps"])
    modal = finals.apply(lambda row: sorted(row.value_counts().loc[lambda c: c == c.max()].index)[0], axis=1)
    strict_finals = other.portfolios_at(other.metadata["steps"])
    strict_modal = strict_finals.apply(
        lambda row: sorted(row.value_counts().loc[lambda c: c == c.max()].index)[0], axis=1
    )
    stays = int((modal == strict_modal.reindex(modal.index)).sum())
    diagonal = sum(int(re.sub(r"<.+?>", "", cell)) for cell in table.to_numpy().ravel() if "<strong>" in cell)
    assert diagonal == stays


def test_comparison_captions_keep_proper_names(report_page):
    assert "Share of world GDP at the last step" in report_page
    assert "Share of AI capacity (proxy) at the last step" in report_page
    assert "world gdp" not in report_page and "ai capacity" not in report_page


# -- the CLI --------------------------------------------------------------------------------------


@pytest.fixture
def coalsim():
    """The ``coalsim`` command, run in-process."""
    return sim.cli.main


@pytest.mark.slow
def test_plot_writes_the_scenario_figures(coalsim, folders, capsys):
    assert coalsim(["plot", str(folders["baseline"]), "--why", "bra"]) == 0
    figures = folders["baseline"] / "figures"
    written = sorted(path.name for path in figures.iterdir() if path.name != MARKER)
    expected = ["map.png", "membership.png", "membership_frequency.png", "transitions.png", "why_BRA.png"]
    assert written == expected
    assert all((figures / name).read_bytes().startswith(PNG_MAGIC) for name in written)
    assert "Wrote 5 figures" in capsys.readouterr().out
    assert Replications.load(folders["baseline"]).seeds == list(SEEDS)  # figures/ is not a run


def test_compare_writes_one_png_per_measure(coalsim, folders, tmp_path, capsys):
    out = tmp_path / "compare"
    assert (
        coalsim(
            ["compare", str(folders["strict"]), "--baseline", str(folders["baseline"]), "--out", str(out)]
        )
        == 0
    )
    assert sorted(path.name for path in out.iterdir() if path.name != MARKER) == [
        "compare.csv",
        "compare_members.png",
        "compare_share_ai_capacity.png",
        "compare_share_gdp.png",
        "compare_share_population.png",
        "transitions.csv",
    ]
    assert "against baseline (baseline)" in capsys.readouterr().out
    numbers = pd.read_csv(out / "compare.csv")
    base, strict = Replications.load(folders["baseline"]), Replications.load(folders["strict"])
    row = numbers.query("scenario == 'baseline (strict)' and framework == 'waico' and measure == 'members'")
    finals = strict.final("members").query("framework == 'waico'").set_index("seed")["value"]
    reference = base.final("members").query("framework == 'waico'").set_index("seed")["value"]
    assert row["median"].item() == finals.median()
    assert row["diff_median"].item() == (finals - reference).median()  # same seeds: paired
    assert set(numbers["measure"]) == {"members", "share_gdp", "share_population", "share_ai_capacity"}
    moves = pd.read_csv(out / "transitions.csv")
    assert moves["countries"].sum() == base.n_countries and (moves["countries"] > 0).all()


@pytest.mark.slow
def test_same_scenario_names_get_folder_labels(report_page):
    assert "Scenario: baseline (baseline)" in report_page and "Scenario: baseline (strict)" in report_page


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["report", "{missing}", "--out", "{out}/r.html"], "no such folder"),
        (["compare", "{mixed}", "--out", "{out}/c"], "scenario_hash"),
        (["plot", "{baseline}", "--why", "XXX"], "ISO3"),
        (["report", "{baseline}", "--out", "{out}"], "a folder"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(coalsim, folders, tmp_path, capsys, arguments, message):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("baseline", "strict"):
        (mixed / name).symlink_to(folders[name] / "seed1", target_is_directory=True)
    out = tmp_path / "out"
    out.mkdir()
    values = {"missing": tmp_path / "nothing", "mixed": mixed, "out": out, "baseline": folders["baseline"]}
    before = sorted(path.name for path in (folders["baseline"] / "figures").glob("*")) if (
        folders["baseline"] / "figures").exists() else []  # fmt: skip
    assert coalsim([argument.format(**values) for argument in arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith("coalsim: ") and message in error and "Traceback" not in error
    assert list(out.iterdir()) == []
    after = sorted(path.name for path in (folders["baseline"] / "figures").glob("*"))
    assert after == before


def test_why_needs_the_exact_scenario(coalsim, baseline, world, tmp_path, capsys):
    overridden = baseline.with_overrides({"rule.temperature": 0.3})
    sim.run(overridden, seed=1, steps=3, world=world).save(tmp_path / "run")
    assert coalsim(["plot", str(tmp_path / "run"), "--why", "BRA"]) == 2
    assert "--set overrides" in capsys.readouterr().err
    assert not (tmp_path / "run" / "figures").exists()


def test_why_rebuilds_a_run_over_the_posterior_under_its_draw(coalsim, tmp_path, capsys):
    """`coalsim run` of the baseline goes over its posterior: the saved run is one draw's, not the file's."""
    out = tmp_path / "run"
    arguments = ["run", "baseline", "--seeds", "1", "--draws", "2", "--steps", "3", "--out", str(out)]
    assert coalsim(arguments) == 0
    assert coalsim(["plot", str(out), "--why", "BRA"]) == 0
    assert (out / "figures" / "why_BRA.png").read_bytes().startswith(PNG_MAGIC)
    capsys.readouterr()
    metadata = out / "metadata.json"
    text = metadata.read_text(encoding="utf-8")
    metadata.write_text(text.replace('"posterior_draw": 0', '"posterior_draw": 7'), encoding="utf-8")
    assert coalsim(["plot", str(out), "--why", "BRA"]) == 2
    assert "metadata.posterior" in capsys.readouterr().err


def test_why_says_when_another_coalsim_version_made_the_run(coalsim, baseline, world, tmp_path, capsys):
    """A version that reads the same file into another scenario is named, not called an edit."""
    result = sim.run(baseline, seed=1, steps=3, world=world)
    metadata = {**result.metadata, "coalsim_version": "0.0.1", "scenario_hash": "0" * 64}
    replace(result, metadata=metadata).save(tmp_path / "run")
    assert coalsim(["plot", str(tmp_path / "run"), "--why", "BRA"]) == 2
    error = capsys.readouterr().err
    assert "made by coalsim 0.0.1" in error and "--set overrides" not in error

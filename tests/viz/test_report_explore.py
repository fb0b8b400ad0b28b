"""The report shows the outputs of discover, robustness and optimize, and refuses wrong or damaged ones."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml
from coalsim_testing import SCENARIOS, assert_self_contained, chrome, needs_browser

import sim
import sim.cli
from sim.analysis.explore_outputs import (
    DISCOVERY_KIND,
    OPTIMIZATION_KIND,
    ROBUSTNESS_KIND,
    load_explore_output,
)
from sim.errors import InputError

BASELINE = SCENARIOS / "baseline.yaml"
PENALTY = "penalties.us_export_controls.amount"
OUTCOME = "final_share_population:waico"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def folders(world, tmp_path_factory) -> dict[str, Path]:
    """A scenario folder, and one output of each of discover, robustness and optimize."""
    root = tmp_path_factory.mktemp("explore")
    sim.run(sim.load_scenario(BASELINE), seed=1, steps=3, world=world).save(root / "baseline" / "seed1")
    spec = {
        "scenario": str(BASELINE), "design": "lhs", "samples": 8, "seed": 3, "steps": 12,
        "uncertainties": {"rule.temperature": {"low": 0.02, "high": 0.5}},
        "levers": {PENALTY: {"low": 0.0, "high": 2.0}},
        "policies": {"hard": {PENALTY: 1.6}, "none": {PENALTY: 0.0}},
    }  # fmt: skip
    (root / "sweep.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert sim.cli.main(["sweep", str(root / "sweep.yaml"), "--out", str(root / "store")]) == 0
    found = [
        "discover",
        str(root / "store"),
        "--outcome",
        OUTCOME,
        "--below",
        "0.3",
        "--out",
        str(root / "found"),
    ]
    assert sim.cli.main(found) == 0
    robust = ["robustness", str(root / "store"), "--outcome", OUTCOME, "--goal", "<= 0.3"]
    assert sim.cli.main([*robust, "--out", str(root / "robust")]) == 0
    optimize = {
        "scenario": str(BASELINE), "samples": 2, "steps": 3,
        "uncertainties": {"rule.temperature": {"low": 0.05, "high": 0.3}},
        "levers": {"frameworks.us_led.levers.market_access": {"low": 0.0, "high": 2.0}},
        "cost": {"frameworks.us_led.levers.market_access": 1.0},
        "outcome": "final_share_count:us_led", "goal": ">= 0.1",
        "population": 4, "generations": 2, "seeds": [1],
    }  # fmt: skip
    (root / "opt.yaml").write_text(yaml.safe_dump(optimize), encoding="utf-8")
    assert sim.cli.main(["optimize", str(root / "opt.yaml"), "--out", str(root / "cheapest")]) == 0
    return {name: root / name for name in ("baseline", "found", "robust", "cheapest")}


@pytest.fixture(scope="module")
def page(folders, tmp_path_factory) -> str:
    """The report written by ``coalsim report ... --explore``."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    explore = [str(folders[name]) for name in ("cheapest", "robust", "found")]
    assert sim.cli.main(["report", str(folders["baseline"]), "--explore", *explore, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_each_kind_loads_with_its_tables_and_figures(folders):
    found, robust, cheapest = (load_explore_output(folders[name]) for name in ("found", "robust", "cheapest"))
    assert (found.kind, robust.kind, cheapest.kind) == (DISCOVERY_KIND, ROBUSTNESS_KIND, OPTIMIZATION_KIND)
    discovery = json.loads((folders["found"] / "discovery.json").read_text(encoding="utf-8"))
    assert len(found.tables["boxes"]) == sum(len(box["limits"]) for box in discovery["boxes"])
    assert "trajectory" not in found.headline and found.headline["cases"] == discovery["cases"] == 16
    assert robust.headline == {"scenarios": 8, "policies": 2}
    assert list(robust.tables["robustness"].index) == ["hard", "none"]
    assert cheapest.headline["front_size"] == len(cheapest.tables["front"])
    assert set(cheapest.figures) == {"pareto.png", "convergence.png"}


def test_report_has_a_section_per_kind_with_its_numbers(folders, page):
    for anchor, heading in [
        ("discovery", "Under which conditions?"),
        ("robustness", "Which policy holds up?"),
        ("optimization", "What is the cheapest robust package?"),
    ]:
        assert f'<a href="#{anchor}">{heading}</a>' in page and f'id="{anchor}"><h2>{heading}</h2>' in page
    assert page.index('id="discovery"') < page.index('id="robustness"') < page.index('id="optimization"')
    box = json.loads((folders["found"] / "discovery.json").read_text(encoding="utf-8"))["boxes"][0]
    assert f"<td>{box['coverage']:.2f}</td><td>{box['density']:.2f}</td>" in page
    table = pd.read_csv(folders["robust"] / "robustness.csv", index_col="policy")
    assert (
        f"<td>hard</td><td>{table.loc['hard', 'scenarios']}</td>"
        f"<td>{table.loc['hard', 'satisficing']:.4g}</td>" in page
    )
    summary = json.loads((folders["cheapest"] / "summary.json").read_text(encoding="utf-8"))
    assert "<th>US/G7-led offer: market access</th><th>cost</th><th>robust outcome</th>" in page
    assert f"{summary['front_size']} packages on the Pareto front of {summary['evaluated']} evaluated" in page
    for folder, name in [("found", "tradeoff.png"), ("robust", "robustness.png"), ("cheapest", "pareto.png")]:
        data = base64.b64encode((folders[folder] / name).read_bytes()).decode("ascii")
        assert f'src="data:image/png;base64,{data}"' in page


def test_report_stays_self_contained(page):
    assert_self_contained(page)


def _damaged(folders, tmp_path) -> dict[str, Path]:
    """Copies of the outputs, each broken in one way."""
    broken = {}
    for name, (source, file, data) in {
        "no_png": ("robust", "robustness.png", None),
        "bad_png": ("cheapest", "pareto.png", b"not a picture"),
        "bad_json": ("found", "discovery.json", b"{"),
        "bad_boxes": ("found", "discovery.json", json.dumps({"boxes": [{"coverage": 1}]}).encode()),
        "bad_summary": ("cheapest", "summary.json", json.dumps({"goal": ">= 0.1"}).encode()),
        "bad_marker": ("robust", ".coalsim-output.json", b"[]"),
    }.items():
        copy = shutil.copytree(folders[source], tmp_path / name)
        if data is None:
            (copy / file).unlink()
        else:
            (copy / file).write_bytes(data)
        broken[name] = copy
    return broken


@pytest.mark.parametrize(
    "which",
    ["baseline", "no_png", "bad_png", "bad_json", "bad_boxes", "bad_summary", "bad_marker", "nowhere"],
)
def test_wrong_kind_or_damaged_output_exits_2(folders, tmp_path, capsys, which):
    broken = {**folders, **_damaged(folders, tmp_path), "nowhere": tmp_path / "nowhere"}
    out = tmp_path / "report.html"
    capsys.readouterr()
    argv = ["report", str(folders["baseline"]), "--explore", str(broken[which]), "--out", str(out)]
    assert sim.cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1 and "Traceback" not in err
    assert str(broken[which]) in err and not out.exists()
    with pytest.raises(InputError, match=str(broken[which].name)):
        load_explore_output(broken[which])


@pytest.mark.browser
@pytest.mark.slow
@needs_browser
@pytest.mark.parametrize("width", [1280, 800])
def test_no_table_is_wider_than_the_window(page, tmp_path, width):
    """The Pareto front's headers, dotted lever paths without a break, pushed the table off the page."""
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    browser = chrome(tmp_path / "profile", window_size=f"{width},1000")
    try:
        browser.get(path.as_uri())
        overflow = browser.execute_script(
            "const body = document.body.getBoundingClientRect();"
            "return [document.documentElement.scrollWidth - document.documentElement.clientWidth,"
            " Array.from(document.querySelectorAll('table'))"
            ".filter(t => t.getBoundingClientRect().right > body.right + 1).length];"
        )
    finally:
        browser.quit()
    assert overflow == [0, 0]

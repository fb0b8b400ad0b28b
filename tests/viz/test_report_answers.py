"""The report shows what-it-takes answers and sponsors' offers, and stays self-contained."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from coalsim_testing import SCENARIOS, assert_self_contained

import sim
import sim.cli
from sim.analysis.answers import load_answer, save_answer
from sim.analysis.what_it_takes import budget_curve, what_it_takes
from sim.replications import Replications
from sim.viz.report import sponsor_offers

STEPS = 12
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def courting() -> sim.Scenario:
    """China courts for WAICO and the US answers, each from a monthly budget."""
    return sim.load_scenario(SCENARIOS / "courting_and_counter.yaml")


@pytest.fixture(scope="module")
def folders(courting, world, tmp_path_factory) -> dict[str, Path]:
    """A two-seed scenario folder with two sponsors' offers, an offer answer and a budget answer."""
    root = tmp_path_factory.mktemp("answers")
    for seed in (1, 2):
        sim.run(courting, seed=seed, steps=STEPS, world=world).save(root / "courting" / f"seed{seed}")
    # with monthly revision at random, 24 months let Brazil revise often enough in every seed
    offer = what_it_takes(courting, "BRA", "waico", seeds=2, steps=24, stay=3, tolerance=0.1, world=world)
    curve = budget_curve(courting, "waico", [0.0, 2.0], country="IND", seeds=2, steps=STEPS, world=world)
    return {
        "courting": root / "courting",
        "offer": save_answer(offer, courting, root / "offer", world),
        "budget": save_answer(curve, courting, root / "budget", world),
    }


@pytest.fixture(scope="module")
def page(folders, tmp_path_factory) -> str:
    """The report written by ``coalsim report ... --answers``."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    argv = ["report", str(folders["courting"]), "--answers", str(folders["offer"]), str(folders["budget"])]
    assert sim.cli.main([*argv, "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_answers_appear_with_question_numbers_and_figure(folders, page):
    parser = assert_self_contained(page)
    text = " ".join("".join(parser.text).split())
    assert "What would it take?" in text and 'href="#answers"' in page
    assert "What permanent offer makes Brazil join WAICO and stay, in at least half of 2 seeds?" in text
    offer = load_answer(folders["offer"])
    required = offer.headline["required_utility"]
    assert f"{required:.3g} utility units" in text
    assert f"median {offer.headline['median_utility']:.3g} utility units" in text
    cheapest = offer.headline["cheapest_lever"].replace("_", " ")
    assert f"Cheapest: everything on {cheapest}, {offer.headline['cheapest_units']:.3g} units" in text
    assert f"{offer.headline['cheapest_cost']:.3g} budget units per month" in text
    assert "How many members does WAICO's sponsor win with a budget of 0 or 2 budget units per month" in text
    members = load_answer(folders["budget"]).tables["budget_runs"].query("budget == 2")["members"]
    assert f"{np.median(members):.0f}" in text
    images = [value for tag, _, value in parser.references if tag == "img"]
    # the scenario: membership, map, frequency maps, transitions; the budget curve
    assert len(images) == 4 + 1
    assert all(base64.b64decode(image.split(",", 1)[1]).startswith(PNG_MAGIC) for image in images)
    assert "Sponsors' offers" in text and "units from US/G7-led's sponsor" in text


def test_sponsor_offers_total_each_sponsors_spend_and_rank_countries(folders):
    reps = Replications.load(folders["courting"])
    spend, recipients = sponsor_offers(reps, top=3)
    # Sponsors are listed in the order they first offered: WAICO's can offer only from its
    # founding at step 12, the US's from step 1.
    assert list(spend.index) == ["US/G7-led's sponsor", "WAICO's sponsor"]
    totals = [run.offers.query("sponsor == 'waico'")["cost"].sum() for run in reps.runs]
    assert spend.loc["WAICO's sponsor"].iloc[0].startswith(f"{np.median(totals):.3g} ")
    units = [run.offers.groupby("iso3")["units"].sum() for run in reps.runs]
    median_units = (units[0].add(units[1], fill_value=0) / 2).sort_values(ascending=False)
    names = sim.World.load().table["name"]
    assert list(recipients.index) == [names[iso3] for iso3 in median_units.index[:3]]


def test_no_offers_no_sponsor_table(baseline, world):
    run = sim.run(baseline, seed=1, steps=2, world=world)
    spend, recipients = sponsor_offers(Replications.from_runs([run]))
    assert spend.empty and recipients.empty


def test_a_folder_that_is_not_an_answer_exits_2(folders, tmp_path, capsys, monkeypatch):
    out = tmp_path / "report.html"
    argv = ["report", str(folders["courting"]), "--answers", str(folders["courting"]), "--out", str(out)]
    assert sim.cli.main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("coalsim: ") and "answer.json" in error and "Traceback" not in error
    assert not out.exists()

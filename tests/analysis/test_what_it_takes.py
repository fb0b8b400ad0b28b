"""What would it take: per-seed thresholds are the smallest winning offers; budgets buy members."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from coalsim_testing import SCENARIOS, synthetic_scenario

import sim
import sim.analysis.what_it_takes as what_it_takes_module
from sim.analysis.what_it_takes import MAX_OFFER, budget_curve, what_it_takes
from sim.cli.what_it_takes import register
from sim.ensemble import run_many
from sim.errors import InputError
from sim.model import CoalitionModel
from sim.viz.plots import budget_curve_figure

STEPS, STAY = 16, 4

#: A0010 pays a high entry cost for b, so it does not join b without an offer.
FRAMEWORKS = {
    "a": {"name": "A", "lead": ["A0000"], "committed": ["A0000"], "levers": {"open_models": 0.5}},
    "b": {"name": "B", "lead": ["A0001"], "entry_cost": 0.2, "entry_cost_overrides": {"A0010": 1.5}},
}
SPONSOR = {
    "budget": 0.0,
    "levers": {
        "side_payment": {"cost": 1.0},
        "open_models": {"cost": 0.3},
        "compute_access": {"cost": 0.5, "cost_overrides": {"A0010": 5.0}},
    },
}


@pytest.fixture(scope="module")
def world() -> sim.World:
    return sim.World.synthetic(40, rng=21)


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return synthetic_scenario(
        steps=STEPS, frameworks=FRAMEWORKS, compatibility={"exclusive": [["a", "b"]]}, sponsors={"b": SPONSOR}
    )


@pytest.fixture(scope="module")
def answer(scenario, world):
    return what_it_takes(scenario, "A0010", "b", seeds=3, stay=STAY, tolerance=0.02, world=world)


def member_at_the_end(scenario, world, seed, offer):
    standing = np.zeros((world.n, 2))
    standing[world.index["A0010"], 1] = offer
    model = CoalitionModel(scenario, world, rng=seed, standing_offers=standing)
    model.run_for(STEPS)
    last = np.array([portfolio[world.index["A0010"]] for portfolio in model.history[-STAY:]])
    return bool(model.params.portfolios[last, 1].all())


def test_each_seeds_threshold_is_the_smallest_winning_offer(answer, scenario, world):
    assert np.isfinite(answer.thresholds).all() and (answer.thresholds > 0).all()
    for seed, threshold in zip(answer.seeds[:2], answer.thresholds[:2], strict=True):
        assert member_at_the_end(scenario, world, seed, threshold)
        assert not member_at_the_end(scenario, world, seed, threshold - answer.tolerance)
    assert answer.required == np.sort(answer.thresholds)[1]  # 50% of 3 seeds: the 2nd smallest
    assert answer.spread[0.05] == answer.thresholds.min() and answer.spread[0.95] == answer.thresholds.max()


def smallest_winning_offer(scenario, world, seed, tolerance):
    """The bisection of the module's docstring, one model per probe."""
    if member_at_the_end(scenario, world, seed, 0.0):
        return 0.0
    low, high = 0.0, 1.0
    while not member_at_the_end(scenario, world, seed, high):
        if high >= MAX_OFFER:
            return np.inf
        low, high = high, min(2 * high, MAX_OFFER)
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (low, middle) if member_at_the_end(scenario, world, seed, middle) else (middle, high)
    return high


@pytest.mark.parametrize("sponsored", [True, False])
def test_thresholds_equal_one_model_per_probe(sponsored, scenario, world, monkeypatch):
    """Without sponsors each round's probes run as one ensemble; with them, one model each."""
    scenario = scenario if sponsored else scenario.with_overrides({"sponsors": {}})
    ensembles = []

    def counted(scenario, seeds, *args, **kwargs):
        ensembles.append(len(seeds))
        return run_many(scenario, seeds, *args, **kwargs)

    monkeypatch.setattr(what_it_takes_module, "run_many", counted)
    answer = what_it_takes(scenario, "A0010", "b", seeds=4, stay=STAY, tolerance=0.02, world=world)
    expected = [smallest_winning_offer(scenario, world, seed, 0.02) for seed in answer.seeds]
    assert answer.thresholds.tolist() == expected
    assert 0 < min(expected) < MAX_OFFER and len(set(expected)) > 1
    if sponsored:
        assert ensembles == []
    else:
        # One ensemble per round: every seed's first probe, then those still searching.
        assert ensembles[0] == 4 and ensembles == sorted(ensembles, reverse=True)
        assert len(ensembles) < sum(ensembles)


def test_levers_convert_the_utility_threshold_and_the_cheapest_is_lowest_cost_per_utility(answer, world):
    table = answer.table()
    need = 1 - world.ai_capacity[world.index["A0010"]]
    assert table.loc["open_models", "worth_per_unit"] == pytest.approx(need)
    assert table.loc["open_models", "units"] == pytest.approx(answer.required / need)
    assert table.loc["side_payment", "units"] == pytest.approx(answer.required)
    assert table.loc["compute_access", "cost_per_unit"] == 5.0  # the country's own price
    assert np.isnan(table.loc["market_access", "cost_per_unit"])  # the sponsor does not offer it
    per_utility = table["cost_per_unit"] / table["worth_per_unit"]
    assert answer.cheapest == per_utility.idxmin()
    assert "Cheapest: everything on" in answer.report()


def test_a_committed_member_needs_nothing(scenario, world):
    answer = what_it_takes(scenario, "A0000", "a", seeds=2, stay=STAY, world=world)
    assert (answer.thresholds == 0).all()
    assert "without an offer" in answer.report()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "A00100"}, "country"),
        ({"framework": "bb"}, "framework"),
        ({"share": 0.0}, "share"),
        ({"stay": STEPS + 1}, "stay"),
        ({"seeds": 0}, "seeds"),
    ],
)
def test_bad_questions_are_input_errors(change, field, scenario, world):
    question = {"country": "A0010", "framework": "b", **change}
    options = {key: value for key, value in change.items() if key not in ("country", "framework")}
    with pytest.raises(InputError) as caught:
        what_it_takes(scenario, question["country"], question["framework"], world=world, **options)
    assert caught.value.field == field


def test_budget_curve_spends_within_budget_and_summarises_each_budget(scenario, world):
    curve = budget_curve(scenario, "b", [0.0, 2.0], country="A0010", seeds=2, steps=8, world=world)
    runs = curve.runs
    assert len(runs) == 4 and (runs.loc[runs["budget"] == 0, "spent"] == 0).all()
    assert (runs["spent"] <= runs["budget"] * 8 + 1e-9).all() and (
        runs.loc[runs["budget"] == 2, "spent"] > 0
    ).all()
    summary = curve.summary()
    assert list(summary.index) == [0.0, 2.0] and "members_median" in summary.columns
    assert "A0010_member_share_of_seeds" in summary.columns
    assert "budget" in budget_curve_figure(curve).axes[0].get_xlabel()
    with pytest.raises(InputError):
        budget_curve(scenario, "b", [-1.0], world=world)


def parse(argv):
    parser = argparse.ArgumentParser(prog="coalsim")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_answers_both_questions_and_writes_tables_and_figure(tmp_path, capsys):
    baseline = str(SCENARIOS / "baseline.yaml")
    args = parse(["what-it-takes", baseline, "--country", "USA", "--framework", "us_led", "--steps", "4",
                  "--seeds", "2", "--stay", "2", "--out", str(tmp_path / "usa")])  # fmt: skip
    assert args.handler(args) == 0
    assert "USA joins and stays without an offer" in capsys.readouterr().out
    assert (tmp_path / "usa" / "what_it_takes.csv").is_file()
    args = parse(["what-it-takes", baseline, "--framework", "waico", "--budget", "0", "1", "--steps", "3",
                  "--seeds", "2", "--out", str(tmp_path / "budget")])  # fmt: skip
    assert args.handler(args) == 0
    assert (tmp_path / "budget" / "budget_curve.png").stat().st_size > 10_000
    assert "members_median" in capsys.readouterr().out


@pytest.mark.parametrize(("flag", "value"), [("--country", "INDD"), ("--framework", "waicoo")])
def test_cli_bad_input_writes_nothing(flag, value, tmp_path):
    argv = ["what-it-takes", str(SCENARIOS / "baseline.yaml"), "--country", "IND", "--framework", "waico",
            "--steps", "3", "--seeds", "1", "--out", str(tmp_path / "out")]  # fmt: skip
    argv[argv.index(flag) + 1] = value
    args = parse(argv)
    with pytest.raises(InputError, match="Did you mean"):
        args.handler(args)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [(["--budget", "-1"], "'--budget'"), (["--country", "IND", "--share", "0"], "'--share'")],
)
def test_cli_messages_name_the_options(arguments, flag, tmp_path, capsys):
    """what_it_takes and budget_curve name their parameters (budgets, share); coalsim the options."""
    from sim.cli import main

    argv = ["what-it-takes", str(SCENARIOS / "baseline.yaml"), "--framework", "waico", "--steps", "2",
            "--seeds", "1", "--out", str(tmp_path / "out"), *arguments]  # fmt: skip
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(f"coalsim: command line, field {flag}:")
    assert not (tmp_path / "out").exists()

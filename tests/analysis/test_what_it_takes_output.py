"""What-it-takes answers are written atomically and read back whole, with the question they answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from coalsim_testing import synthetic_scenario

import sim
import sim.atomic
from sim.analysis.answers import BUDGET_FIGURE, load_answer, save_answer
from sim.analysis.what_it_takes import BudgetCurve, budget_curve, what_it_takes
from sim.atomic import MARKER
from sim.errors import InputError
from sim.viz.plots import budget_curve_figure
from sim.viz.style import png_bytes

STEPS, STAY = 12, 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def world() -> sim.World:
    return sim.World.synthetic(30, rng=4)


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    """A0010 pays a high entry cost for b; b's sponsor prices two levers."""
    frameworks = {
        "a": {"name": "A", "lead": ["A0000"], "committed": ["A0000"]},
        "b": {"name": "Framework B", "lead": ["A0001"], "entry_cost_overrides": {"A0010": 1.0}},
    }
    sponsor = {"budget": 0.0, "levers": {"side_payment": {"cost": 1.0}, "open_models": {"cost": 0.4}}}
    return synthetic_scenario(steps=STEPS, frameworks=frameworks, sponsors={"b": sponsor})


@pytest.fixture(scope="module")
def offer(scenario, world):
    return what_it_takes(scenario, "A0010", "b", seeds=3, stay=STAY, tolerance=0.05, world=world)


@pytest.fixture(scope="module")
def curve(scenario, world):
    return budget_curve(scenario, "b", [0.0, 1.0], country="A0010", seeds=2, world=world)


def test_an_offer_answer_round_trips_with_its_question(offer, scenario, world, tmp_path):
    folder = save_answer(offer, scenario, tmp_path / "answer", world)
    assert sorted(path.name for path in folder.iterdir()) == [
        MARKER, "answer.json", "thresholds_per_seed.csv", "what_it_takes.csv"
    ]  # fmt: skip
    loaded = load_answer(folder)
    question = loaded.question
    assert loaded.kind == "offer" and question["mode"] == "offer"
    assert question["scenario"] == {
        "path": "synthetic", "name": "synthetic", "hash": scenario.digest(), "question": "test"
    }  # fmt: skip
    asked = ("country", "framework", "framework_name", "seeds", "steps", "share", "stay")
    assert [question[key] for key in asked] == ["A0010", "b", "Framework B", 3, STEPS, 0.5, STAY]
    assert question["country_name"] == world.names[world.index["A0010"]]
    levers = question["levers"]
    assert levers["open_models"]["cost"] == 0.4 and levers["compute_access"]["cost"] is None
    assert loaded.headline["required_utility"] == pytest.approx(offer.required)
    assert loaded.headline["p95_utility"] == pytest.approx(offer.spread[0.95])
    assert loaded.headline["cheapest_lever"] == offer.cheapest
    pd.testing.assert_frame_equal(loaded.tables["what_it_takes"], offer.table(), check_exact=False)
    rebuilt = loaded.result()
    assert rebuilt.report() == offer.report()
    assert rebuilt.seeds == offer.seeds and rebuilt.root_seed == scenario.seed


def _figure(curve: BudgetCurve) -> dict[str, bytes]:
    """The figure ``coalsim what-it-takes --budget`` keeps with a budget answer."""
    return {BUDGET_FIGURE: png_bytes(budget_curve_figure(curve))}


def test_a_budget_answer_round_trips_with_its_figure(curve, scenario, world, tmp_path):
    folder = save_answer(curve, scenario, tmp_path / "budget", world, figures=_figure(curve))
    assert (folder / BUDGET_FIGURE).read_bytes().startswith(PNG_MAGIC)
    loaded = load_answer(folder)
    assert loaded.kind == "budget" and loaded.question["budgets"] == [0.0, 1.0]
    assert loaded.question["levers"]["open_models"]["cost"] == 0.4
    assert [row["budget"] for row in loaded.headline["per_budget"]] == [0.0, 1.0]
    pd.testing.assert_frame_equal(loaded.result().summary(), curve.summary(), check_exact=False)
    pd.testing.assert_frame_equal(loaded.tables["budget_runs"], curve.runs, check_exact=False)


def _fail_on_second_file(monkeypatch):
    written = []
    real = Path.write_bytes

    def write_bytes(path, data):
        written.append(path)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _fail_before_rename(monkeypatch):
    def fsync_tree(folder):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sim.atomic, "fsync_tree", fsync_tree)


@pytest.mark.parametrize("fail", [_fail_on_second_file, _fail_before_rename])
@pytest.mark.parametrize("old", [False, True])
def test_a_failure_mid_write_leaves_the_old_folder_or_none(fail, old, offer, curve, scenario, world, tmp_path,
                                                          monkeypatch):  # fmt: skip
    target = tmp_path / "answer"
    if old:
        save_answer(curve, scenario, target, world)
    before = sorted(path.name for path in target.iterdir()) if old else None
    fail(monkeypatch)
    with pytest.raises(OSError):
        save_answer(offer, scenario, target, world)
    monkeypatch.undo()
    assert [path.name for path in tmp_path.iterdir()] == (["answer"] if old else [])
    if old:
        assert sorted(path.name for path in target.iterdir()) == before
        assert load_answer(target).kind == "budget"


def test_a_new_answer_replaces_the_old_folder_whole(offer, curve, scenario, world, tmp_path):
    target = tmp_path / "answer"
    save_answer(curve, scenario, target, world, figures=_figure(curve))
    save_answer(offer, scenario, target, world)
    assert not (target / BUDGET_FIGURE).exists() and load_answer(target).kind == "offer"
    assert [path.name for path in tmp_path.iterdir()] == ["answer"]


def _run_folder(folder: Path, scenario, world) -> None:
    sim.run(scenario, seed=1, steps=2, world=world).save(folder)


def _bad_kind(folder: Path, scenario, world) -> None:
    folder.mkdir()
    (folder / "answer.json").write_text(json.dumps({"kind": "poem"}), encoding="utf-8")


def _missing_table(folder: Path, scenario, world) -> None:
    save_answer(budget_curve(scenario, "b", [0.0], seeds=1, steps=2, world=world), scenario, folder, world)
    (folder / "budget_runs.csv").unlink()


def _table_of_another_shape(folder: Path, scenario, world) -> None:
    save_answer(budget_curve(scenario, "b", [0.0], seeds=1, steps=2, world=world), scenario, folder, world)
    (folder / "budget_curve.csv").write_text("x\n", encoding="utf-8")  # pandas raised TypeError on it


def _table_a_named_pipe(folder: Path, scenario, world) -> None:
    save_answer(budget_curve(scenario, "b", [0.0], seeds=1, steps=2, world=world), scenario, folder, world)
    (folder / "budget_curve.csv").unlink()
    os.mkfifo(folder / "budget_curve.csv")  # read by path, it blocked for ever


def _broken_json(folder: Path, scenario, world) -> None:
    folder.mkdir()
    (folder / "answer.json").write_text("{", encoding="utf-8")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (None, ""),
        (_run_folder, "answer.json"),
        (_bad_kind, "kind"),
        (_missing_table, "budget_runs.csv"),
        (_table_of_another_shape, "budget_curve.csv"),
        (_table_a_named_pipe, "budget_curve.csv"),
        (_broken_json, ""),
    ],
)
def test_a_folder_that_is_not_an_answer_is_an_input_error(make, field, scenario, world, tmp_path):
    folder = tmp_path / "folder"
    if make is not None:
        make(folder, scenario, world)
    with pytest.raises(InputError) as caught:
        load_answer(folder)
    assert caught.value.field == field and str(folder) in str(caught.value)

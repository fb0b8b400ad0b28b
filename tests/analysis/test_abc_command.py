"""``coalsim calibrate`` (ABC-SMC): the calibration folder, its calibrated scenario, resume."""

from __future__ import annotations

import pandas as pd
import pytest
from coalsim_testing import SCENARIOS

import sim
from sim.analysis import abc
from sim.atomic import MARKER
from sim.cli import main

pytest.importorskip("pyabc")

SPEC = SCENARIOS / "calibration" / "baseline.yaml"
FILES = {
    "abc.db", "abc.db.signature.json", "calibrated.yaml", "calibration.json", "generations.csv",
    "identification.csv", "posterior.csv", "posterior.png", "predictive.csv", "predictive.png",
    "predictive_summary.csv", MARKER,
}  # fmt: skip


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "baseline"
    assert main(["calibrate", str(SPEC), "--budget", "quick", "--draws", "10", "--out", str(out)]) == 0
    return out


def test_the_folder_holds_the_posterior_its_checks_and_a_calibrated_scenario(calibrated):
    assert {path.name for path in calibrated.iterdir()} == FILES
    assert not list(calibrated.parent.glob(".baseline.abc.db*")), "the working database moved into the folder"
    posterior = sim.load_scenario(calibrated / "calibrated.yaml")
    draws = pd.read_csv(calibrated / "posterior.csv")
    assert draws["weight"].sum() == pytest.approx(1.0)
    medians = {path: draws[path].quantile(0.5) for path in draws.columns if path != "weight"}
    # the calibrated scenario sets each parameter to the posterior's medoid and runs over the
    # draws beside it by default
    assert posterior.posterior_folder().resolve() == calibrated.resolve()
    abc.Posterior.load(calibrated).check_point(posterior, "calibrated.yaml", str(calibrated))
    assert 0.0 <= posterior.frameworks["waico"].entry_cost <= 1.5
    assert 0.03 <= posterior.rule.temperature <= 0.5
    calibrated_paths = {"frameworks.waico.entry_cost", "frameworks.eu_coe.entry_cost",
                        "frameworks.us_led.entry_cost", "utility.alignment",
                        "utility.peer", "utility.support", "rule.temperature"}  # fmt: skip
    assert set(medians) == calibrated_paths
    predictive = pd.read_csv(calibrated / "predictive_summary.csv")
    assert set(predictive["target"]) == {
        "waico_founding_count",
        "coe_ai_convention_count_2026_01",
        "hap_friends_group_size",
        "sco_endorsers_in_waico",
        "pax_silica_accessions_2026_01",
    }


def test_resume_continues_from_the_folder_with_more_generations(calibrated, tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    text = SPEC.read_text(encoding="utf-8").replace(
        "scenario: ../baseline.yaml", f"scenario: {SCENARIOS}/baseline.yaml"
    )
    quick = "quick_budget: {population: 30, generations: "
    longer = text.replace(quick + "2", quick + "3")
    spec.write_text(longer, encoding="utf-8")
    before = pd.read_csv(calibrated / "generations.csv")
    capsys.readouterr()
    argv = [
        "calibrate",
        str(spec),
        "--budget",
        "quick",
        "--draws",
        "10",
        "--out",
        str(calibrated),
        "--resume",
    ]
    assert main(argv) == 0
    after = pd.read_csv(calibrated / "generations.csv")
    assert len(after) == len(before) + 1
    assert after["epsilon"].iloc[: len(before)].tolist() == before["epsilon"].tolist()
    assert "(resuming)" in capsys.readouterr().out


def _other_programs_database(path):
    import sqlite3
    from contextlib import closing

    path.unlink()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (text)")
        connection.commit()


#: A calibration folder's database or signature damaged: (damage, text the message must hold).
#: Each was a traceback from pyabc or SQLAlchemy, or left a working copy beside --out.
DAMAGED_DATABASES = {
    "other bytes": (lambda out: (out / "abc.db").write_bytes(b"not a database " * 100), "not a database"),
    "empty": (lambda out: (out / "abc.db").write_bytes(b""), "without pyabc's tables"),
    "cut short": (lambda out: (out / "abc.db").write_bytes((out / "abc.db").read_bytes()[:5000]),
                  "malformed"),
    "another program's": (lambda out: _other_programs_database(out / "abc.db"), "without pyabc's tables"),
    "no signature": (lambda out: (out / "abc.db.signature.json").unlink(), "no abc.db.signature.json"),
    "a signature of other bytes": (lambda out: (out / "abc.db.signature.json").write_bytes(b"\xff\xfe\x00"),
                                   "a calibration of something else"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(DAMAGED_DATABASES))
def test_resume_from_a_damaged_database_is_one_message_and_leaves_nothing(case, calibrated, tmp_path, capsys):
    import shutil

    damage, expected = DAMAGED_DATABASES[case]
    out = tmp_path / "c"
    shutil.copytree(calibrated, out)
    damage(out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    argv = ["calibrate", str(SPEC), "--budget", "quick", "--draws", "10", "--out", str(out), "--resume"]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and "abc.db" in err and expected in err and err.count("\n") == 1, err
    assert [path.name for path in tmp_path.iterdir()] == ["c"], "no working copy is left beside --out"
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


@pytest.mark.parametrize(
    ("extra", "flag"), [(["--workers", "0"], "--workers"), (["--draws", "3"], "--draws")],
)  # fmt: skip
def test_bad_arguments_exit_2_naming_the_option(extra, flag, tmp_path, capsys):
    assert main(["calibrate", str(SPEC), "--budget", "quick", "--out", str(tmp_path / "c"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and flag in err and err.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_a_user_file_where_the_working_database_goes_is_kept(tmp_path, capsys):
    # The working database lives beside --out as .<name>.abc.db; a file of that name that
    # coalsim did not write (no signature beside it) is the user's: refused, not deleted.
    mine = tmp_path / ".c.abc.db"
    mine.write_text("my notes", encoding="utf-8")
    assert main(["calibrate", str(SPEC), "--budget", "quick", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert str(mine) in err and "coalsim did not write" in err and err.count("\n") == 1
    assert mine.read_text(encoding="utf-8") == "my notes" and not (tmp_path / "c").exists()

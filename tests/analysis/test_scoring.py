"""Scoring the model against observed members beside naive baselines (sim/analysis/scoring.py).

Metrics are checked against values worked out by hand on small examples (pair counting
for the AUC, not the rank formula the code uses); out-of-sample baselines are checked by
construction (an over-fitted logit scores well in sample and near chance out of fold on
permuted labels); the CLI against its JSON schema and its bad-input contract.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from coalsim_testing import SCENARIOS
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import expit

import sim
from sim.analysis.scoring import (
    BASELINES,
    Ensemble,
    auc,
    auc_differences,
    brier,
    cross_validated,
    declared_by_scenario,
    fit_logistic,
    fixed_by_scenario,
    hold_outs,
    known_at,
    log_loss,
    metrics,
    models_in_state,
    report_lines,
    score,
    score_temporal,
    simulate,
    stratified_folds,
)
from sim.cli import main
from sim.errors import InputError
from sim.observations import load_member_list, load_observations, month_step

# -- metrics on a hand-worked example ----------------------------------------------------
#: Outcomes and forecasts of five countries.
Y = np.array([1, 0, 1, 0, 0])
P = np.array([0.9, 0.3, 0.4, 0.5, 0.1])


def test_auc_by_pair_counting():
    # Positive 0.9 outranks all three negatives (3 pairs); 0.4 outranks 0.3 and 0.1 but not
    # 0.5 (2 pairs): 5 of 6 pairs.
    assert auc(Y, P) == pytest.approx(5 / 6)


def test_auc_counts_ties_half():
    assert auc(np.array([1, 0, 0]), np.array([0.5, 0.5, 0.2])) == pytest.approx(0.75)


def test_brier_by_hand():
    # (0.1^2 + 0.3^2 + 0.6^2 + 0.5^2 + 0.1^2) / 5 = 0.72 / 5
    assert brier(Y, P) == pytest.approx(0.144)


def test_log_loss_by_hand():
    # -(ln 0.9 + ln 0.7 + ln 0.4 + ln 0.5 + ln 0.9) / 5, logs from a table
    assert log_loss(Y, P) == pytest.approx((2 * 0.1053605 + 0.3566749 + 0.9162907 + 0.6931472) / 5, abs=1e-6)


def test_log_loss_clips_certain_mistakes_at_eps():
    # A forecast of 0 for a member costs -ln(eps), not infinity.
    assert log_loss(np.array([1]), np.array([0.0]), eps=1e-3) == pytest.approx(6.907755, abs=1e-6)


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="positive and one negative"):
        auc(np.ones(3), np.arange(3.0))


@settings(max_examples=60, deadline=None)
@given(
    positives=st.lists(st.floats(0.5, 1.0, allow_nan=False), min_size=1, max_size=20),
    negatives=st.lists(st.floats(0.0, 0.4999, allow_nan=False), min_size=1, max_size=20),
)
def test_auc_is_one_for_a_perfect_ranking_and_zero_reversed(positives, negatives):
    y = np.array([1] * len(positives) + [0] * len(negatives))
    p = np.array(positives + negatives)
    assert auc(y, p) == 1.0
    assert auc(y, -p) == 0.0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_auc_of_an_unrelated_forecast_is_near_one_half(seed):
    rng = np.random.default_rng(seed)
    y = rng.random(4000) < 0.3
    # Standard error of the AUC under no relation: sqrt((n1 + n0 + 1) / (12 n1 n0)) ~ 0.01.
    assert auc(y, rng.random(4000)) == pytest.approx(0.5, abs=0.05)


# -- baselines -------------------------------------------------------------------------
def test_auc_difference_of_a_forecast_with_itself_is_exactly_zero():
    rng = np.random.default_rng(1)
    y = (rng.random(60) < 0.3).astype(int)
    y[:2] = [0, 1]
    score_ = rng.random(60)
    d = auc_differences(y, score_, {"same": score_.copy()}, resamples=200)["same"]
    assert d == {"difference": 0.0, "low": 0.0, "high": 0.0, "share_above": 0.0}


def test_auc_difference_interval_excludes_zero_only_when_the_ranking_is_clearly_better():
    rng = np.random.default_rng(2)
    y = np.r_[np.ones(30), np.zeros(150)].astype(int)
    good = y + rng.normal(0, 0.5, len(y))  # AUC about 0.92
    noise = rng.random(len(y))  # AUC about 0.5
    slightly = good + rng.normal(0, 0.05, len(y))  # nearly the same ranking
    out = auc_differences(y, good, {"noise": noise, "slightly": slightly}, resamples=500)
    assert out["noise"]["low"] > 0.2 and out["noise"]["share_above"] == 1.0
    assert out["slightly"]["low"] < 0 < out["slightly"]["high"]
    for d in out.values():  # the point difference is that of the AUCs on the data as observed
        assert d["low"] <= d["difference"] <= d["high"]
    assert out["noise"]["difference"] == pytest.approx(auc(y, good) - auc(y, noise))


def test_score_reports_each_auc_difference_with_its_interval(capsys):
    arguments = ["--observed", "bloc:iomed", "--seeds", "2", "--json"]
    code = main(["score", str(SCENARIOS / "baseline.yaml"), *arguments])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and set(payload["auc_difference"]) == set(BASELINES)
    unga = payload["auc_difference"]["unga_usa_minus_chn"]
    baseline_auc = payload["baselines"]["unga_usa_minus_chn"]["auc"]
    assert unga["difference"] == pytest.approx(payload["model"]["auc"] - baseline_auc)
    assert unga["low"] < unga["high"]


def test_logit_recovers_known_probabilities():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20000, 1))
    truth = expit(-1.0 + 2.0 * x[:, 0])
    y = (rng.random(len(x)) < truth).astype(float)
    forecast = fit_logistic(x, y, ridge=1e-9)(x)
    assert np.abs(forecast - truth).max() < 0.03


def test_logit_stays_finite_on_separated_binary_covariates():
    # Members only among the flagged countries: the unpenalised fit would diverge.
    x = np.zeros((100, 2))
    x[:10, 0] = 1
    y = np.zeros(100)
    y[:8] = 1
    forecast = fit_logistic(x, y)(x)
    assert np.isfinite(forecast).all()
    assert forecast[:8].min() > forecast[10:].max()


def test_stratified_folds_spread_members_evenly():
    y = np.zeros(50)
    y[:7] = 1
    fold = stratified_folds(y, folds=10)
    # Seven members: seven folds of one member each (never more folds than members).
    assert sorted(np.bincount(fold[y == 1]).tolist()) == [1] * 7
    assert len(np.unique(fold)) == 7


def test_cross_validation_keeps_an_overfitted_logit_at_chance_on_permuted_labels():
    """By construction: noise covariates and permuted labels carry no information.

    Fitted and scored on the same rows, a logit with many noise covariates ranks the
    members it has seen well above chance; out of fold it cannot, unless the scored labels
    leak into its fit.
    """
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 12))
    base = np.zeros(120)
    base[:12] = 1
    in_sample, out_of_fold = [], []
    for _ in range(20):
        y = rng.permutation(base)
        in_sample.append(auc(y, fit_logistic(x, y, ridge=1e-3)(x)))
        out_of_fold.append(auc(y, cross_validated(x, y)))
    assert np.mean(in_sample) > 0.7
    assert np.mean(out_of_fold) == pytest.approx(0.5, abs=0.1)


# -- the model's runs ------------------------------------------------------------------
def holds_runner(members: dict[str, float]):
    """A runner in which each listed country holds the first framework in that share of runs."""

    def runner(scenario: sim.Scenario, seeds, steps: int) -> np.ndarray:
        world = sim.World.load()
        holds = np.zeros((len(seeds), world.n, len(scenario.active_frameworks)), dtype=bool)
        for code, share in members.items():
            holds[: round(share * len(seeds)), world.index[code], 0] = True
        return holds

    return runner


def test_score_uses_the_runner_and_leaves_out_fixed_countries(baseline, world):
    # The first framework is WAICO; CHN holds it from step 0 and is left out.
    framework = baseline.active_frameworks[0]
    runner = holds_runner({"KAZ": 1.0, "PAK": 1.0, "IRN": 0.5, "FRA": 0.5})
    result = score(baseline, ["KAZ", "PAK", "IRN", "CHN"], framework, 12, seeds=4, runner=runner, world=world,
                   estimator="frequency")  # fmt: skip
    assert "CHN" in result.left_out and "CHN" not in result.scored
    assert result.members == sorted(["IRN", "KAZ", "PAK"])
    n = len(result.scored)
    # Members forecast 1, 1, 0.5; one non-member 0.5, the other n - 4 non-members 0.
    pairs = 2 * (n - 3) + 1 * (n - 4) + 0.5
    assert result.model["auc"] == pytest.approx(pairs / (3 * (n - 3)))
    # Runs 1-2 hold KAZ, PAK, IRN, FRA; runs 3-4 KAZ and PAK: counts 4, 4, 2, 2.
    assert result.count["median"] == 3 and result.count["runs"] == 4
    assert set(result.baselines) == set(BASELINES)
    assert result.baselines["base_rate"]["auc"] == 0.5


def test_posterior_draws_multiply_the_runs(baseline, world):
    framework = baseline.active_frameworks[0]
    draws = [{"rule.temperature": 0.1}, {"rule.temperature": 0.2}]
    result = score(baseline, ["KAZ", "PAK", "IRN"], framework, 12, seeds=2, draws=draws,
                   runner=holds_runner({"KAZ": 1.0}), world=world)  # fmt: skip
    assert result.count["runs"] == 4


def test_countries_committed_by_an_event_are_fixed_from_its_step(tmp_path, world):
    path = tmp_path / "committed.yaml"
    path.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\n"
        "events:\n  - step: 3\n    commit: {framework: us_led, countries: [BRA, IND]}\n",
        encoding="utf-8",
    )
    scenario = sim.load_scenario(path)
    before, after = (fixed_by_scenario(scenario, world, "us_led", step) for step in (2, 3))
    assert not before[[world.index["BRA"], world.index["IND"]]].any()
    assert after[[world.index["BRA"], world.index["IND"]]].all()


def test_too_few_members_left_is_an_input_error(baseline, world):
    framework = baseline.active_frameworks[0]
    with pytest.raises(InputError, match="at least 2 observed members"):
        score(baseline, ["KAZ"], framework, 12, seeds=1, runner=holds_runner({}), world=world)


def test_unknown_code_is_an_input_error_with_a_suggestion(baseline, world):
    with pytest.raises(InputError, match=r"KAZX.*Did you mean"):
        score(baseline, ["KAZX", "PAK"], "waico", 12, seeds=1, runner=holds_runner({}), world=world)


def test_places_the_model_has_no_actor_for_are_reported_not_refused(baseline, world):
    # The State of Palestine (an ISO code) and Kosovo (XKX, in wide use) sign agreements
    # but are no actors of the shipped world: a list naming them is still scored.
    runner = holds_runner({"KAZ": 1.0, "PAK": 0.5})
    result = score(baseline, ["KAZ", "PSE", "PAK", "XKX"], "waico", 12, seeds=2, runner=runner, world=world)
    assert result.outside_world == ["PSE", "XKX"] and result.members == ["KAZ", "PAK"]
    assert not {"PSE", "XKX"} & set(result.scored) and result.to_dict()["outside_world"] == ["PSE", "XKX"]
    assert any("PSE (Palestine, State of), XKX (Kosovo)" in line for line in report_lines(result))


def temporal_table(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Observations (iso3, date, observation id) of framework us_led, kind member."""
    return pd.DataFrame(
        [{"observation_id": oid, "framework": "us_led", "kind": "member", "iso3": code,
          "date": date.fromisoformat(day), "step": month_step(date.fromisoformat(day))}
         for code, day, oid in rows]
    )  # fmt: skip


def test_temporal_split_baselines_never_see_the_later_labels(baseline, world):
    """Baselines fitted before the cutoff forecast the same whoever joins after it."""
    early = [("BRA", "2025-08-01", "a"), ("ARG", "2025-08-01", "a"), ("CHL", "2025-08-01", "a")]
    runner = holds_runner({})
    cutoff = date(2025, 12, 31)
    late_one = [("PER", "2026-01-05", "b"), ("COL", "2026-01-05", "b")]
    late_other = [("NGA", "2026-01-05", "b"), ("KEN", "2026-01-05", "b")]
    one, other = (
        score_temporal(
            baseline, temporal_table([*early, *late]), cutoff, "us_led", seeds=1, runner=runner, world=world
        )
        for late in (late_one, late_other)
    )
    assert one.step == other.step == 6
    assert one.members == ["COL", "PER"] and "BRA" not in one.scored
    # The base rate is fitted on the same early labels both times: the same forecast.
    assert one.baselines["base_rate"]["brier"] == pytest.approx(other.baselines["base_rate"]["brier"])


def test_temporal_split_needs_both_sides(baseline, world):
    table = temporal_table([("BRA", "2025-08-01", "a")])
    with pytest.raises(InputError, match="before and after the cutoff"):
        score_temporal(
            baseline, table, date(2025, 12, 31), "us_led", seeds=1, runner=holds_runner({}), world=world
        )


def test_metrics_of_the_model_match_the_functions(baseline, world):
    framework = baseline.active_frameworks[0]
    result = score(
        baseline, ["KAZ", "PAK"], framework, 12, seeds=2, runner=holds_runner({"KAZ": 1.0}), world=world,
        estimator="frequency",
    )  # fmt: skip
    y = np.isin(result.scored, ["KAZ", "PAK"]).astype(float)
    p = np.isin(result.scored, ["KAZ"]).astype(float)
    assert result.model == metrics(y, p)


# -- the command -----------------------------------------------------------------------
def test_score_json_is_one_object_with_the_schema(capsys):
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "brics_rio_ai_2025",
                 "--step", "12", "--seeds", "2", "--json"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    assert set(payload["model"]) == {"auc", "brier", "log_loss"}
    assert set(payload["baselines"]) == set(BASELINES)
    for figures in [payload["model"], *payload["baselines"].values()]:
        assert set(figures) == {"auc", "brier", "log_loss"}
        assert 0 <= figures["auc"] <= 1 and 0 <= figures["brier"] <= 1 and figures["log_loss"] >= 0
    assert payload["framework"] == "waico" and payload["step"] == 12
    # over the baseline's own posterior by default: every seed under each of 20 draws
    assert payload["count"]["runs"] == 40 and (payload["seeds"], payload["draws"]) == (2, 20)
    assert payload["posterior"]["folder"].endswith("baseline_posterior")
    assert payload["estimator"] == "rao-blackwell"


def test_score_records_the_estimator_asked_for(capsys):
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "brics_rio_ai_2025",
                 "--step", "12", "--seeds", "2", "--estimator", "frequency", "--json"])  # fmt: skip
    assert code == 0 and json.loads(capsys.readouterr().out)["estimator"] == "frequency"
    with pytest.raises(SystemExit) as stop:  # argparse's own check of the choices
        main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "brics_rio_ai_2025",
              "--estimator", "frequencies"])  # fmt: skip
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--estimator" in err and err.count("\n") == 1


def test_score_table_says_per_baseline_whether_the_model_beats_it(capsys, tmp_path):
    observed = tmp_path / "members.csv"
    observed.write_text("iso3,note\nKAZ,x\nPAK,y\nIRN,z\n", encoding="utf-8")
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", str(observed), "--step", "12",
                 "--seeds", "2"])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    for name in BASELINES:
        verdicts = [line for line in lines if line.startswith("The model") and f" {name} (" in line]
        assert len(verdicts) == 1 and ("beats" in verdicts[0] or "NOT beat" in verdicts[0])


def test_an_observed_file_saved_by_a_spreadsheet_is_read(tmp_path):
    # Excel writes a byte-order mark and CRLF line ends; a header may say "ISO3".
    observed = tmp_path / "members.csv"
    observed.write_bytes("\ufeffName, ISO3 \r\nPakistan,PAK\r\n\r\nLaos,LAO\r\n".encode())
    assert load_member_list(observed).codes == ["PAK", "LAO"]


def test_a_held_out_table_shaped_like_the_observations_file_is_scored_on_its_framework_and_step(
    tmp_path, capsys
):
    # A table of dated facts (sim/data/observations.csv's columns): members, guests and counts.
    held_out = tmp_path / "held_out.csv"
    shipped = load_observations()
    rows = shipped[shipped["observation_id"].isin(["pax_silica_2026_01", "pax_silica_founding"])]
    rows.assign(date=rows["date"].astype(str)).to_csv(held_out, index=False)
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", str(held_out), "--seeds", "1",
                 "--json"])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["framework"], result["step"]) == ("us_led", 6)
    # the founders are committed by the scenario's event, the guests are no members
    assert sorted(result["members"]) == ["ARE", "QAT"] and "CAN" not in result["left_out"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("country\nKAZ\n", "'iso3' column"),
        ("iso3\nKAZ\n" + "PAK\n" * 300_000, "at most 1,000,000 bytes"),
        ("iso3\nKA1\n", "line 2, column 'iso3'"),
        ("iso3\nKAZ\nXXX\n", "XXX"),
        ("iso3\nKAZ\nPAK\nSWD\n", "ISO 3166-1 alpha-3 codes of countries, found SWD"),
        ("iso3\n", "at least one observed member"),
        ("", "'iso3' column"),
        (b"iso3\n\xff\xfe\n", "UTF-8"),
    ],
)
def test_bad_observed_file_exits_2_with_one_paragraph(content, expected, tmp_path, capsys):
    observed = tmp_path / "members.csv"
    observed.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", str(observed), "--seeds", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("coalsim: ") and err.count("\n") == 1 and "Traceback" not in err
    assert expected in err and str(observed) in err


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--observed", "sco_ai_statment_2025"], "Did you mean 'sco_ai_statement_2025'"),
        (["--observed", "waico_founding_count"], "member_count"),
        (["--observed", "brics_rio_ai_2025"], "--step"),
        (["--observed", "brics_rio_ai_2025", "--framework", "us_led"], "'waico', the framework"),
        (["--observed", "brics_rio_ai_2025", "--seeds", "0"], "--seeds"),
    ],
)
def test_bad_score_arguments_exit_2(arguments, expected, capsys):
    code = main(["score", str(SCENARIOS / "baseline.yaml"), *arguments])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and err.count("\n") == 1


def test_every_shipped_observation_with_members_names_countries_of_the_world(world):
    observations = load_observations()
    assert set(observations["iso3"].replace("", np.nan).dropna()) <= set(world.iso3)


def test_base_rate_auc_is_one_half_not_a_fold_artefact(baseline, world):
    """Out of fold, a constant's value depends on how many members its fold holds.

    With 15 members over 10 folds, folds holding two members train on a lower rate, so the
    raw out-of-fold constants rank members below non-members; a constant ranks no one.
    """
    members = [
        "BLR",
        "IRN",
        "KAZ",
        "KGZ",
        "PAK",
        "RUS",
        "TJK",
        "UZB",
        "BRA",
        "EGY",
        "ETH",
        "IDN",
        "IND",
        "ARE",
        "ZAF",
    ]
    y = np.isin(world.iso3, members).astype(float)
    assert auc(y, cross_validated(np.zeros((world.n, 0)), y)) < 0.45
    result = score(baseline, members, "waico", 12, seeds=1, runner=holds_runner({}), world=world)
    assert result.baselines["base_rate"]["auc"] == 0.5


def test_a_runner_of_the_wrong_shape_is_refused(baseline, world):
    def runner(scenario, seeds, steps):
        return np.zeros((len(seeds), world.n))

    with pytest.raises(ValueError, match="shape"):
        score(baseline, ["KAZ", "PAK"], "waico", 12, seeds=2, runner=runner, world=world)


def test_a_step_before_the_framework_opens_is_refused_naming_step(capsys):
    # WAICO opens at step 12: at step 2 nobody can join, and every forecast would be 0.
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "brics_rio_ai_2025",
                 "--step", "2", "--seeds", "2"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--step" in err and "when 'waico' opens" in err and err.count("\n") == 1


# -- the Rao-Blackwell estimator ---------------------------------------------------------
def test_rao_blackwell_keeps_the_order_of_probabilities_below_floating_point():
    # Two runs; country 0 and 1 have probabilities exp(-900) and exp(-1000) in both (0 in
    # floating point), country 2 is a member for sure.
    log_member = np.array([[-900.0, -1000.0, 0.0], [-900.0, -1000.0, 0.0]])
    log_outside = np.array([[0.0, 0.0, -np.inf], [0.0, 0.0, -np.inf]])
    ensemble = Ensemble("waico", 12, np.zeros((2, 3), bool), np.zeros(3, bool), log_member, log_outside)
    assert ensemble.estimator == "rao-blackwell"
    assert ensemble.probability.tolist() == [0.0, 0.0, 1.0]
    assert ensemble.ranking[0] > ensemble.ranking[1] and ensemble.ranking[2] == np.inf
    y = np.array([1, 0, 1])
    assert metrics(y, ensemble.probability, ranking=ensemble.ranking)["auc"] == 1.0
    assert metrics(y, ensemble.probability)["auc"] == 0.75  # the tie at 0 counts half


def test_an_unknown_estimator_is_an_input_error_naming_it(baseline, world):
    with pytest.raises(InputError, match=r"estimator.*Did you mean 'frequency'"):
        simulate(baseline, "waico", 12, 1, world=world, estimator="frequncy")


@pytest.mark.parametrize(("framework", "step"), [("waico", 12), ("waico", 14), ("us_led", 6), ("eu_coe", 1)])
def test_rao_blackwell_mean_equals_the_frequency_within_monte_carlo_error(baseline, world, framework, step):
    """Each run's membership at ``step`` minus its conditional probability has mean zero.

    Same runs (seeds) for both: the difference of the two estimates is a mean of
    independent zero-mean terms whose variance is the mean of ``p (1 - p)``. Step 12 is
    WAICO's founding round (every country revises), 14 and 6 ordinary steps (a tenth
    revise), step 1 the first step from the starting state.
    """
    seeds = range(150)
    ensemble = simulate(baseline, framework, step, seeds, world=world)
    p = np.exp(ensemble.log_member)
    assert np.exp(ensemble.log_outside) == pytest.approx(1 - p, abs=1e-12)
    error = ensemble.holds.mean(axis=0) - p.mean(axis=0)
    # Bernstein's inequality for a mean of n independent terms in [-1, 1] whose variances
    # average v: P(|error| > sqrt(2 v L / n) + 2 L / (3 n)) <= 2 exp(-L), here 1e-6 per
    # country. (A normal bound fails for rare members: 0 of 150 runs where 2.8 were expected.)
    bound = np.log(2 / 1e-6)
    variance = (p * (1 - p)).mean(axis=0)
    allowed = np.sqrt(2 * variance * bound / len(seeds)) + 2 * bound / (3 * len(seeds))
    assert (np.abs(error) <= np.where(variance > 0, allowed, 1e-12)).all()  # exactly 0 where p is 0 or 1
    counts = ensemble.holds.sum(axis=1) - p.sum(axis=1)  # per run: members minus expected
    assert abs(counts.mean()) <= 4 * np.sqrt((p * (1 - p)).sum(axis=1).mean() / len(seeds))


@settings(max_examples=12, deadline=None)
@given(
    kind=st.sampled_from(["best_response", "threshold"]),
    framework=st.sampled_from(["waico", "us_led", "eu_coe"]),
    step=st.integers(12, 16),
    seed=st.integers(0, 2**20),
)
def test_rao_blackwell_is_the_indicator_when_every_choice_is_determined(
    baseline, world, kind, framework, step, seed
):
    scenario = baseline.with_overrides(
        {"rule.kind": kind, "rule.activation_rate": 1.0, "rule.threshold": 0.1}
    )
    ensemble = simulate(scenario, framework, step, [seed, seed + 1], world=world)
    assert (np.exp(ensemble.log_member) == ensemble.holds).all()


@settings(max_examples=12, deadline=None)
@given(
    temperature=st.floats(0.01, 5.0),
    activation=st.floats(0.01, 1.0),
    framework=st.sampled_from(["waico", "us_led", "un"]),
    step=st.integers(1, 15),
)
@example(temperature=1.0, activation=1.0, framework="un", step=1)  # sums of 1 that round above it
def test_rao_blackwell_probabilities_are_probabilities(
    baseline, world, temperature, activation, framework, step
):
    scenario = baseline.with_overrides({"rule.temperature": temperature, "rule.activation_rate": activation})
    opens = scenario.frameworks[framework].launch_step
    ensemble = simulate(scenario, framework, max(step, opens), [0, 1], world=world)
    assert ((ensemble.probability >= 0) & (ensemble.probability <= 1)).all()
    assert np.logaddexp(ensemble.log_member, ensemble.log_outside) == pytest.approx(0, abs=1e-9)
    # Every realised membership had positive conditional probability.
    assert np.isfinite(ensemble.log_member[ensemble.holds]).all()
    assert np.isfinite(ensemble.log_outside[~ensemble.holds]).all()


def test_rao_blackwell_follows_each_run_with_sponsors(world):
    # Sponsors' offers depend on their spending so far: each run is rerun to the step
    # before. With every choice determined, each run's probability is its own outcome.
    scenario = sim.load_scenario(SCENARIOS / "waico_courting.yaml").with_overrides(
        {"rule.kind": "best_response", "rule.activation_rate": 1.0}
    )
    assert scenario.sponsors
    ensemble = simulate(scenario, "waico", 14, [3, 4], world=world)
    assert (np.exp(ensemble.log_member) == ensemble.holds).all()
    with pytest.raises(ValueError, match="sponsors"):
        models_in_state(scenario, world, 13, ensemble.holds[:, :, None])


def test_rao_blackwell_from_the_ensemble_engine_equals_it_from_single_runs(baseline, world):
    def ensemble_runner(scenario, seeds, steps):
        results = sim.run_many(scenario, list(seeds), steps=steps, world=world)
        return np.stack(
            [result.countries[list(scenario.active_frameworks)].to_numpy(bool) for result in results]
        )

    single, many = (simulate(baseline, "waico", 12, [5, 6, 7], world=world, runner=runner)
                    for runner in (None, ensemble_runner))  # fmt: skip
    assert (single.log_member == many.log_member).all() and (single.holds == many.holds).all()


# -- declared support: the scenario's inputs are not forecasts -------------------------
SUPPORT_EVENTS = [
    {"step": 1, "support": {"framework": "waico", "countries": ["KAZ"]}},
    {"step": 2, "support": {"framework": "waico", "countries": ["PAK", "UZB"]}},
    {"step": 5, "commit": {"framework": "us_led", "countries": ["SGP"]}},
    {"step": 6, "set": {"rule.temperature": 0.1}},
]


def test_declared_by_scenario_counts_support_up_to_the_step(baseline, world):
    scenario = baseline.with_overrides({"events": SUPPORT_EVENTS})
    assert world.iso3[declared_by_scenario(scenario, world, "waico", 1)].tolist() == ["KAZ"]
    assert sorted(world.iso3[declared_by_scenario(scenario, world, "waico", 12)]) == ["KAZ", "PAK", "UZB"]
    assert not declared_by_scenario(scenario, world, "us_led", 12).any()


def test_known_at_drops_only_the_observed_events_after_the_date(baseline):
    scenario = baseline.with_overrides({"events": SUPPORT_EVENTS})
    kept = known_at(scenario, 1).events
    assert [(event.step, event.set is not None) for event in kept] == [(1, False), (6, True)]
    assert known_at(scenario, 6) is scenario


def test_a_temporal_split_forecasts_without_the_later_observed_events(baseline, world):
    """The model is not given what it forecasts: the support declared after the cutoff is dropped."""
    scenario = baseline.with_overrides({"events": SUPPORT_EVENTS, "utility.support": 3.0})
    table = pd.DataFrame(
        [{"observation_id": oid, "framework": "waico", "kind": "supporter", "iso3": code,
          "date": date.fromisoformat(day), "step": month_step(date.fromisoformat(day))}
         for code, day, oid in [("KAZ", "2025-08-12", "a"), ("PAK", "2025-09-01", "b"),
                                ("UZB", "2025-09-01", "b")]]
    )  # fmt: skip
    split = score_temporal(scenario, table, date(2025, 8, 31), "waico", step=12, seeds=2, world=world)
    alone = score(known_at(scenario, 1), ["PAK", "UZB"], "waico", 12, seeds=2, world=world, exclude=["KAZ"])
    given = score(scenario, ["PAK", "UZB"], "waico", 12, seeds=2, world=world, exclude=["KAZ"])
    assert split.model == alone.model
    assert given.model["auc"] > split.model["auc"], "told who supports, the model would rank them first"


def test_excluded_countries_are_not_scored(baseline, world):
    result = score(baseline, ["KAZ", "PAK", "UZB"], "waico", 12, seeds=2, world=world, exclude=["PAK"])
    assert "PAK" not in result.scored and result.members == ["KAZ", "UZB"]


def test_hold_outs_leave_out_the_scenarios_own_inputs(baseline, world):
    """A list the scenario declares as support cannot be forecast from itself: it is not scorable."""
    observations = load_observations()
    visible = {each.name: each for each in hold_outs(baseline, observations, world, seeds=2)}
    expected = {"brics_rio_ai_2025", "all_waico_support", "iomed_founders", "temporal_waico_2025_08_31"}
    assert expected <= set(visible)
    sco = visible["sco_ai_statement_2025"]
    inputs = "BLR, CHN, IRN, KAZ, KGZ, PAK, RUS, TJK, UZB"
    assert f"left out, the scenario's declared supporters: {inputs}" in sco.label
    assert sco.inputs_only and not visible["brics_rio_ai_2025"].inputs_only
    with pytest.raises(InputError, match="at least 2 observed members"):
        sco.compute()
    brics = visible["brics_rio_ai_2025"].compute()
    assert {"RUS", "IRN"}.isdisjoint(brics.scored) and "IND" in brics.members


def test_score_takes_a_bloc_as_the_observed_members(capsys):
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "bloc:iomed", "--seeds", "2",
                 "--json"])  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["framework"] == "waico" and payload["step"] == 12
    assert len(payload["members"]) == 31 and "CHN" not in payload["members"]  # a member by construction
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "bloc:iomd", "--seeds", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "--observed" in err and "Did you mean 'iomed'?" in err and err.count("\n") == 1


def test_score_leaves_out_the_scenarios_declared_supporters_of_an_observation(capsys):
    """The baseline declares Russia's and Iran's support (SCO statement): BRICS is scored without them."""
    code = main(["score", str(SCENARIOS / "baseline.yaml"), "--observed", "brics_rio_ai_2025", "--step", "12",
                 "--seeds", "2", "--json"])  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and {"RUS", "IRN"} <= set(payload["left_out"]) and "IND" in payload["members"]

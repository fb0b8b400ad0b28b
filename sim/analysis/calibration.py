"""Calibrate static utility weights to observed AI-governance affiliations.

What is fitted. A pooled binary logit by maximum likelihood (``scipy.optimize.minimize``,
trust-region Newton with the analytic gradient and Hessian): for each country i and
each *completely listed* affiliation a in :data:`OUTCOMES` (see the completeness table in
``sim/data/SOURCES.md``),

    P(i in a) = 1 / (1 + exp(-(c_a + b . x_ia)))

with one intercept ``c_a`` per affiliation and shared weights ``b`` on the covariates in
:data:`FEATURES`:

* ``alignment``: ``-|ideal_i - mean ideal of a's leads| / sd(ideal)``, exactly the
  model's alignment term (``sim/utility.py``) before its weight;
* ``ai_capacity``: the country's AI-capacity proxy (income and size);
* ``shared_blocs``: blocs (of :data:`sim.world.TIE_BLOCS`) the country shares with a's
  leads, averaged over the leads, leaving out the blocs that *are* the outcome (BRICS for
  BRICS membership, the SCO for the SCO statement), which would make it a tautology;
* ``same_region``: share of a's leads in the country's UN subregion.

A lead is a member by definition, so leads are left out of their own affiliation's
sample, as are disputed cases (Saudi Arabia in BRICS) and the issuer of the US
diffusion rule.

How it maps onto the model. The model's logit rule chooses with probability
proportional to ``exp(U / temperature)``, so a fitted weight ``b`` is a utility weight
``b * temperature``. Only ``alignment`` has a term of the same form in the model; it is
written to ``utility.alignment``. The other weights are reported but not mapped: the
model has no static "tie to the lead" or "capacity" term to receive them.

What it can and cannot identify. One cross-section of memberships identifies how
membership *co-varies* with alignment, capacity and ties, conditional on the others. It
does not identify:

* **peer effects**: whether a country joins *because* its peers did (Manski's reflection
  problem: members' ties to members fit any clustering, whatever its cause; and the tie
  layers include the very blocs some outcomes are). ``utility.peer`` is left as the
  scenario has it;
* **incentives** (levers, penalties, side payments) and **entry costs**: they do not
  vary across countries within an affiliation in a way the data record, so they are
  absorbed in the intercepts together with the club value and the outside options;
* **dynamics** (activation rate, switching cost, temperature itself): a single
  snapshot says nothing about timing. The temperature is taken from the scenario.

Out-of-sample fit is measured by k-fold cross-validation with folds of *countries*
(every row of a country in one fold), against the naive base rate (each affiliation's
share of members in the training folds). The ``shared_blocs`` and ``alignment``
covariates of a held-out country use only the leads, never other countries' outcomes.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from scipy.stats import rankdata

from sim.scenario import Scenario, load_scenario
from sim.world import TIE_BLOCS, World

#: Covariates shared by every affiliation, in the order of the fitted weights.
FEATURES = ("alignment", "ai_capacity", "shared_blocs", "same_region")

#: Which fitted weight goes to which scenario field (multiplied by the temperature).
SCENARIO_FIELDS = {"alignment": "utility.alignment"}


@dataclass(frozen=True)
class Outcome:
    """An observed affiliation whose member list is complete.

    Attributes:
        affiliation: The id in ``ai_affiliations.csv``, optionally ``framework:relation``.
        lead_countries: Countries that lead or host it.
        lead_blocs: Blocs whose members lead it.
        own_blocs: Blocs that coincide with the outcome, left out of ``shared_blocs``.
        excluded: Countries left out of the sample (disputed, or the issuer).

    """

    affiliation: str
    lead_countries: tuple[str, ...] = ()
    lead_blocs: tuple[str, ...] = ()
    own_blocs: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


#: The affiliations listed completely in sim/data/SOURCES.md, with their leads.
OUTCOMES = (
    Outcome("gpai", lead_blocs=("g7",)),  # OECD-GPAI, launched by the G7 (Canada, France)
    Outcome("coe_ai_convention", lead_blocs=("eu",)),  # the EU signed for its members
    Outcome("bletchley_2023", lead_countries=("GBR",)),  # host of the 2023 summit
    Outcome("us_diffusion_rule:tier1", lead_countries=("USA",), excluded=("USA",)),
    Outcome("sco_ai_statement_2025", lead_countries=("CHN",), own_blocs=("sco",)),  # Tianjin 2025
    Outcome(
        "brics:member",
        lead_countries=("BRA", "RUS", "IND", "CHN", "ZAF"),  # the founding members
        own_blocs=("brics",),
        excluded=("SAU",),  # membership disputed
    ),
)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Rows of (country, affiliation) with covariates and the observed membership.

    Attributes:
        rows: One row per country and affiliation: iso3, outcome, member (bool) and
            one column per feature.
        outcomes: The affiliation ids, in the order of the intercepts.

    """

    rows: pd.DataFrame
    outcomes: tuple[str, ...]

    @property
    def features(self) -> np.ndarray:
        """``(m, f)`` covariate matrix in :data:`FEATURES` order."""
        return self.rows[list(FEATURES)].to_numpy(dtype=float)

    @property
    def groups(self) -> np.ndarray:
        """``(m,)`` index of each row's affiliation in :attr:`outcomes`."""
        return pd.Categorical(self.rows["outcome"], categories=self.outcomes).codes.astype(np.intp)

    @property
    def member(self) -> np.ndarray:
        """``(m,)`` observed membership, 0 or 1."""
        return self.rows["member"].to_numpy(dtype=float)


def build_dataset(world: World, outcomes: tuple[Outcome, ...] = OUTCOMES) -> Dataset:
    """Assemble the covariates and observed memberships for every outcome.

    Args:
        world: The real world (it must hold the affiliations and blocs named).
        outcomes: The affiliations to fit.

    Returns:
        The :class:`Dataset`.

    Raises:
        KeyError: If an affiliation, country or bloc is not in the world.

    """
    tie_blocs = [b for b in TIE_BLOCS if b in world.blocs.columns]
    frames = []
    for outcome in outcomes:
        leads = world.members(countries=outcome.lead_countries, blocs=outcome.lead_blocs)
        member = world.members(affiliations=[outcome.affiliation]) | leads
        keep = ~(leads | world.members(countries=outcome.excluded))
        centre = world.ideal_point[leads].mean()
        counted = [b for b in tie_blocs if b not in outcome.own_blocs]
        flags = world.blocs[counted].to_numpy(dtype=float)
        shared = (flags @ flags[leads].T).mean(axis=1)
        same_region = (world.region[:, None] == world.region[leads][None, :]).mean(axis=1)
        frames.append(
            pd.DataFrame(
                {
                    "iso3": world.iso3[keep],
                    "outcome": outcome.affiliation,
                    "member": member[keep],
                    "alignment": -np.abs(world.ideal_point[keep] - centre) / world.alignment_spread,
                    "ai_capacity": world.ai_capacity[keep],
                    "shared_blocs": shared[keep],
                    "same_region": same_region[keep],
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    return Dataset(rows=rows, outcomes=tuple(o.affiliation for o in outcomes))


@dataclass(frozen=True, eq=False)
class LogitFit:
    """A fitted pooled logit.

    Attributes:
        intercepts: One per group, shape ``(g,)``.
        weights: One per feature, shape ``(f,)``.
        intercept_se: Standard errors of the intercepts (inverse observed information).
        weight_se: Standard errors of the weights.
        log_likelihood: The maximised log-likelihood.
        converged: Whether the optimiser reported success.

    """

    intercepts: np.ndarray
    weights: np.ndarray
    intercept_se: np.ndarray
    weight_se: np.ndarray
    log_likelihood: float
    converged: bool

    def predict(self, features: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Membership probabilities for rows of covariates.

        Args:
            features: ``(m, f)`` covariates.
            groups: ``(m,)`` group index of each row.

        Returns:
            ``(m,)`` probabilities.

        """
        return expit(self.intercepts[groups] + features @ self.weights)


def fit_logit(features: np.ndarray, member: np.ndarray, groups: np.ndarray, n_groups: int) -> LogitFit:
    """Fit a logit with one intercept per group and shared weights, by maximum likelihood.

    Args:
        features: ``(m, f)`` covariates.
        member: ``(m,)`` outcomes, 0 or 1.
        groups: ``(m,)`` group index of each row, in ``0..n_groups-1``.
        n_groups: Number of groups (intercepts).

    Returns:
        The fit, with standard errors from the inverse of the observed information.

    Raises:
        ValueError: If shapes disagree or a group has only members or only non-members
            (its intercept would be infinite).

    """
    m, f = features.shape
    if member.shape != (m,) or groups.shape != (m,):
        raise ValueError(f"expected {m} outcomes and groups, got {member.shape} and {groups.shape}")
    for g in range(n_groups):
        observed = member[groups == g]
        if observed.size == 0 or observed.min() == observed.max():
            raise ValueError(f"group {g} has only one outcome value; its intercept is not identified")
    design = np.hstack([np.eye(n_groups)[groups], features])

    def mean_negative_log_likelihood(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ theta
        value = -(member * log_expit(eta) + (1 - member) * log_expit(-eta)).mean()
        return float(value), design.T @ (expit(eta) - member) / m

    def information(theta: np.ndarray) -> np.ndarray:
        """Observed information of the summed log-likelihood (m times the Hessian of the mean)."""
        p = expit(design @ theta)
        return design.T @ (design * (p * (1 - p))[:, None])

    # The log-likelihood is concave with an analytic Hessian: a trust-region Newton method
    # converges in a few steps to machine precision, where BFGS stops on precision loss.
    # The mean (not the sum) keeps the gradient tolerance independent of the sample size.
    start = np.zeros(n_groups + f)
    result = minimize(mean_negative_log_likelihood, start, jac=True, hess=lambda t: information(t) / m,
                      method="trust-exact", options={"gtol": 1e-10})  # fmt: skip
    se = np.sqrt(np.diag(np.linalg.pinv(information(result.x))))
    return LogitFit(
        intercepts=result.x[:n_groups],
        weights=result.x[n_groups:],
        intercept_se=se[:n_groups],
        weight_se=se[n_groups:],
        log_likelihood=-float(result.fun) * m,
        converged=bool(result.success),
    )


def log_loss(member: np.ndarray, probability: np.ndarray) -> float:
    """Mean negative log-likelihood of binary outcomes (natural log).

    Args:
        member: ``(m,)`` outcomes, 0 or 1.
        probability: ``(m,)`` predicted probabilities of 1.

    Returns:
        The mean log-loss; probabilities are clipped to [1e-15, 1 - 1e-15].

    """
    p = np.clip(probability, 1e-15, 1 - 1e-15)
    return float(-np.mean(member * np.log(p) + (1 - member) * np.log1p(-p)))


def auc(member: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula, ties counted half.

    AUC = (sum of the ranks of the positives - n1 (n1 + 1) / 2) / (n1 n0), with average
    ranks for ties.

    Args:
        member: ``(m,)`` outcomes, 0 or 1.
        score: ``(m,)`` scores; higher means more likely 1.

    Returns:
        The AUC in [0, 1].

    Raises:
        ValueError: If there are no positives or no negatives.

    """
    positive = member.astype(bool)
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("AUC needs at least one positive and one negative outcome")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold fit of the logit and of the base rate.

    Attributes:
        folds: Number of folds (of countries).
        seed: Seed of the fold assignment.
        log_loss: Mean log-loss of the fitted logit's out-of-fold predictions.
        log_loss_base: The same for each affiliation's training base rate.
        auc: AUC of the pooled out-of-fold predictions.
        auc_base: AUC of the base rate (it separates affiliations, not countries).

    """

    folds: int
    seed: int
    log_loss: float
    log_loss_base: float
    auc: float
    auc_base: float


def cross_validate(dataset: Dataset, folds: int = 5, seed: int = 0) -> CrossValidation:
    """K-fold cross-validation with folds of countries, against the base rate.

    Args:
        dataset: The data.
        folds: Number of folds, at least 2 and at most the number of countries.
        seed: Seed of the random assignment of countries to folds.

    Returns:
        The :class:`CrossValidation` figures.

    Raises:
        ValueError: If ``folds`` is out of range or a training fold lacks members or
            non-members of some affiliation.

    """
    countries = np.unique(dataset.rows["iso3"].to_numpy())
    if not 2 <= folds <= len(countries):
        raise ValueError(f"folds must be between 2 and {len(countries)}, got {folds}")
    fold_of = dict(zip(np.random.default_rng(seed).permutation(countries), np.arange(len(countries)) % folds,
                       strict=True))  # fmt: skip
    row_fold = dataset.rows["iso3"].map(fold_of).to_numpy()
    x, y, g, k = dataset.features, dataset.member, dataset.groups, len(dataset.outcomes)
    predicted = np.empty(len(y))
    base = np.empty(len(y))
    for fold in range(folds):
        test = row_fold == fold
        fit = fit_logit(x[~test], y[~test], g[~test], k)
        predicted[test] = fit.predict(x[test], g[test])
        rates = np.bincount(g[~test], weights=y[~test], minlength=k) / np.bincount(g[~test], minlength=k)
        base[test] = rates[g[test]]
    return CrossValidation(
        folds=folds, seed=seed,
        log_loss=log_loss(y, predicted), log_loss_base=log_loss(y, base),
        auc=auc(y, predicted), auc_base=auc(y, base),
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class Calibration:
    """The fitted weights, their cross-validation, and what they set in a scenario.

    Attributes:
        dataset: The data fitted.
        fit: The logit fitted on all of it.
        cv: Its cross-validated figures.
        temperature: The scenario's logit temperature (utility per logit unit).
        scenario_fields: Dotted scenario paths and the values the fit sets.

    """

    dataset: Dataset
    fit: LogitFit
    cv: CrossValidation
    temperature: float
    scenario_fields: dict[str, float]

    def table(self) -> pd.DataFrame:
        """The fitted weights: estimate, standard error, z, and the scenario field each sets."""
        names = list(FEATURES) + [f"intercept[{o}]" for o in self.dataset.outcomes]
        estimate = np.concatenate([self.fit.weights, self.fit.intercepts])
        se = np.concatenate([self.fit.weight_se, self.fit.intercept_se])
        return pd.DataFrame(
            {
                "estimate": estimate,
                "se": se,
                "z": estimate / se,
                "scenario_field": [SCENARIO_FIELDS.get(name, "") for name in names],
            },
            index=pd.Index(names, name="term"),
        )


def calibrate(scenario: Scenario, world: World, folds: int = 5, seed: int = 0) -> Calibration:
    """Fit the static weights to the complete affiliation lists and cross-validate them.

    Args:
        scenario: The scenario to calibrate (its rule temperature converts logit weights
            to utility weights).
        world: The real world.
        folds: Cross-validation folds.
        seed: Seed of the fold assignment.

    Returns:
        The :class:`Calibration`.

    Raises:
        ValueError: If the scenario's rule is not ``logit``, or ``folds`` is out of range.

    """
    if scenario.rule.kind != "logit":
        raise ValueError(
            f"calibration maps logit weights through the temperature, so the rule must be 'logit', "
            f"not '{scenario.rule.kind}'"
        )
    dataset = build_dataset(world)
    cv = cross_validate(dataset, folds, seed)
    fit = fit_logit(dataset.features, dataset.member, dataset.groups, len(dataset.outcomes))
    temperature = scenario.rule.temperature
    fields = {
        path: float(fit.weights[FEATURES.index(name)] * temperature) for name, path in SCENARIO_FIELDS.items()
    }
    return Calibration(dataset=dataset, fit=fit, cv=cv, temperature=temperature, scenario_fields=fields)


#: What the calibration cannot identify, said in every output.
NOT_IDENTIFIED = (
    "Not identified from one cross-section: peer effects (the reflection problem), incentives, "
    "entry costs and club values (absorbed in the intercepts), and dynamics (activation rate, "
    "switching cost, the temperature itself). Only utility.alignment is set; the rest stays as "
    "in the base scenario."
)


def report_lines(calibration: Calibration) -> list[str]:
    """Human-readable lines: data, weights, cross-validation, mapping and its limits.

    Args:
        calibration: A result of :func:`calibrate`.

    Returns:
        Lines of text (no trailing newlines).

    """
    rows = calibration.dataset.rows
    cv = calibration.cv
    lines = [
        f"Pooled logit on {len(rows)} country-affiliation rows ({rows['member'].sum():.0f} memberships) "
        f"from the complete lists: {', '.join(calibration.dataset.outcomes)}.",
        f"Converged: {calibration.fit.converged}; log-likelihood {calibration.fit.log_likelihood:.2f}.",
        "Weights (per logit unit; utility = weight x temperature):",
    ]
    for term, r in calibration.table().iterrows():
        target = f"  -> {r.scenario_field}" if r.scenario_field else ""
        lines.append(f"  {term:36s} {r.estimate:8.3f} (se {r.se:.3f}, z {r.z:6.2f}){target}")
    lines += [
        f"{cv.folds}-fold cross-validation by country (seed {cv.seed}): log-loss {cv.log_loss:.4f} "
        f"vs base rate {cv.log_loss_base:.4f}; AUC {cv.auc:.3f} vs base rate {cv.auc_base:.3f}.",
        f"Scenario fields set (temperature {calibration.temperature:g}): "
        + ", ".join(f"{path} = {value:.4f}" for path, value in calibration.scenario_fields.items()),
        NOT_IDENTIFIED,
    ]
    return lines


#: The line every calibrated scenario holds: an existing output file is replaced only if it has it.
CALIBRATED_MARK = b"# Written by `coalsim calibrate`"


def scenario_text(calibration: Calibration, extends: str, base_name: str) -> str:
    """The calibrated scenario file: a header saying what was fitted, then the fields.

    Args:
        calibration: The calibration.
        extends: The path of the base scenario, relative to the new file.
        base_name: The base scenario's name.

    Returns:
        The YAML text.

    """
    cv = calibration.cv
    table = calibration.table()
    rows = calibration.dataset.rows
    header = [
        f"Question: the base scenario's ('{base_name}'), with the static utility weight(s) that",
        "one cross-section of observed AI-governance affiliations can identify, fitted by maximum",
        "likelihood.",
        "",
        "Written by `coalsim calibrate` (sim/analysis/calibration.py); rerun it rather than editing.",
        *textwrap.wrap(
            f"Fitted: a pooled binary logit on {len(rows)} country-affiliation rows "
            f"({int(rows['member'].sum())} memberships) of the lists complete in sim/data/SOURCES.md "
            f"({', '.join(calibration.dataset.outcomes)}), with one intercept per list and shared "
            f"weights on {', '.join(FEATURES)}.",
            96,
        ),
        "Weights per logit unit (standard error):",
        *[f"  {term}: {table.loc[term, 'estimate']:.4f} ({table.loc[term, 'se']:.4f})" for term in FEATURES],
        f"{cv.folds}-fold cross-validation by country (seed {cv.seed}): log-loss {cv.log_loss:.4f} "
        f"(base rate {cv.log_loss_base:.4f}),",
        f"AUC {cv.auc:.3f} (base rate {cv.auc_base:.3f}).",
        f"Mapping: utility weight = logit weight x rule.temperature ({calibration.temperature:g}).",
        "Only the alignment weight has a term of the same form in the model; the other weights have no",
        "model term to receive them and are not set.",
        *textwrap.wrap(NOT_IDENTIFIED, 96),
    ]
    lines = [f"# {line}".rstrip() for line in header]
    lines += [
        f"extends: {extends}",
        f"name: {base_name}_calibrated",
        "description: >-",
        f"  The '{base_name}' scenario with utility weights fitted to observed affiliations",
        "  (coalsim calibrate); see the header for what was fitted and what cannot be.",
        "posterior: null  # the base scenario's ABC posterior would replace the fitted weight",
    ]
    sections: dict[str, list[str]] = {}
    for name, path in SCENARIO_FIELDS.items():
        section, field = path.split(".", 1)
        estimate, se = table.loc[name, "estimate"], table.loc[name, "se"]
        value = calibration.scenario_fields[path]
        sections.setdefault(section, []).append(
            f"  {field}: {value:.6g}  # fitted {estimate:.4f} (se {se:.4f}) x temperature "
            f"{calibration.temperature:g}"
        )
    for section, entries in sections.items():
        lines += [f"{section}:", *entries]
    return "\n".join(lines) + "\n"


def write_scenario(calibration: Calibration, base: Path, out: Path, base_name: str) -> None:
    """Write the calibrated scenario atomically, after checking that it loads.

    Args:
        calibration: The calibration.
        base: The base scenario file.
        out: The file to write.
        base_name: The base scenario's name.

    Raises:
        InputError: If the written scenario does not validate (nothing is left behind).

    """
    from sim.atomic import staging_path, write_file

    folder = out.parent if str(out.parent) else Path(".")
    extends = Path(os.path.relpath(base.resolve(), folder.resolve())).as_posix()
    text = scenario_text(calibration, extends, base_name).encode("utf-8")
    trial = staging_path(folder / out.name, "tmp")
    trial.write_bytes(text)
    try:
        load_scenario(trial)
    finally:
        trial.unlink(missing_ok=True)
    write_file(out, text, CALIBRATED_MARK, sources=[base])

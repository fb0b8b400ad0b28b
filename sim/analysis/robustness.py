"""Robustness of policies across scenarios: satisficing, regret and the outcome's spread.

For a sweep with policies (each run in every sampled scenario, see
:mod:`sim.experiment.spec`), and a goal on one outcome (``">= 0.5"``), each policy gets:

- **satisficing**: the share of scenarios in which it meets the goal (Simon's
  satisficing, Starr's domain criterion);
- **regret**: in each scenario, how far it falls short of the best policy in that scenario
  (Savage's minimax regret), in the goal's direction: for ``>=`` goals the best is the
  largest outcome and the regret ``best - value``; for ``<=`` goals the smallest and
  ``value - best``. The table gives the maximum and the 90th percentile over scenarios;
- the outcome's 10th, 50th and 90th percentiles and its mean over scenarios.

A scenario's outcome for a policy is the mean over its replications (replication ``r``
has the same seed under every policy, so policies are compared on common random numbers).
See McPhail et al. (2018, doi:10.1002/2017EF000649) for these metrics side by side.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.errors import ARGUMENTS, InputError

if TYPE_CHECKING:
    from sim.experiment.store import SweepResults

#: The comparisons a goal may use.
COMPARISONS: dict[str, Callable[[object, object], object]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}

_GOAL = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")

#: Columns of the robustness table, after ``policy``.
TABLE_COLUMNS = ("scenarios", "satisficing", "max_regret", "p90_regret", "mean", "p10", "p50", "p90")


@dataclass(frozen=True)
class Goal:
    """A goal on an outcome: a comparison and a level, e.g. ``>= 0.5``.

    Attributes:
        comparison: ``">="``, ``">"``, ``"<="`` or ``"<"``.
        level: The level.

    """

    comparison: str
    level: float

    @classmethod
    def parse(cls, text: str, field: str = "goal") -> Goal:
        """Read a goal such as ``">= 0.5"``.

        Args:
            text: The goal as written.
            field: The parameter or field it came from, for messages.

        Returns:
            The goal.

        Raises:
            InputError: If the text is not a comparison and a finite number.

        """
        match = _GOAL.match(text) if isinstance(text, str) else None
        level = float(match.group(2)) if match else float("nan")
        if match is None or not np.isfinite(level):
            raise InputError(
                ARGUMENTS, field, "a comparison (>=, >, <=, <) and a finite number, e.g. '>= 0.5'",
                repr(text),
            )  # fmt: skip
        return cls(match.group(1), level)

    @property
    def larger_is_better(self) -> bool:
        """Whether the goal asks for large values (``>=``, ``>``)."""
        return self.comparison.startswith(">")

    def met(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Which values meet the goal."""
        return np.asarray(COMPARISONS[self.comparison](np.asarray(values, dtype=float), self.level))

    def __str__(self) -> str:
        return f"{self.comparison} {self.level:g}"


def scenario_outcomes(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The outcome per scenario (rows) and policy (columns), averaged over replications.

    Args:
        frame: One row per run with ``policy``, ``scenario`` and the outcome column.
        outcome: The outcome column.

    Returns:
        A scenarios x policies table; policies in order of first appearance.

    Raises:
        InputError: If a column is missing or a policy lacks a scenario another has.

    """
    missing = [name for name in ("policy", "scenario", outcome) if name not in frame.columns]
    if missing:
        raise InputError(ARGUMENTS, "frame", "columns policy, scenario and the outcome", f"no {missing[0]}")
    order = list(dict.fromkeys(frame["policy"].astype(str)))
    table = frame.groupby(["scenario", frame["policy"].astype(str)], observed=True)[outcome].mean().unstack()
    table = table.reindex(columns=order)
    incomplete = table.columns[table.isna().any()].tolist()
    if incomplete:
        raise InputError(
            ARGUMENTS, "frame", "every policy in every scenario (succeeded runs)",
            f"policy {incomplete[0]} missing in {int(table[incomplete[0]].isna().sum())} scenarios",
            "Resume the sweep so its failed or pending runs finish.",
        )  # fmt: skip
    return table


def regret(outcomes: pd.DataFrame, goal: Goal) -> pd.DataFrame:
    """Each policy's regret in each scenario against the best policy there.

    Args:
        outcomes: Scenarios x policies (:func:`scenario_outcomes`).
        goal: Its direction says which policy is best.

    Returns:
        Non-negative regrets, the same shape; 0 for the best policy of each scenario.

    """
    if goal.larger_is_better:
        return outcomes.rsub(outcomes.max(axis=1), axis=0)
    return outcomes.sub(outcomes.min(axis=1), axis=0)


def robustness_table(outcomes: pd.DataFrame, goal: Goal) -> pd.DataFrame:
    """Satisficing, regret and percentiles per policy.

    Args:
        outcomes: Scenarios x policies (:func:`scenario_outcomes`).
        goal: The goal.

    Returns:
        One row per policy (index ``policy``) with :data:`TABLE_COLUMNS`.

    """
    regrets = regret(outcomes, goal)
    rows = {}
    for policy in outcomes.columns:
        values = outcomes[policy].to_numpy(float)
        lost = regrets[policy].to_numpy(float)
        p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
        rows[policy] = {
            "scenarios": len(values),
            "satisficing": float(goal.met(values).mean()),
            "max_regret": float(lost.max()),
            "p90_regret": float(np.quantile(lost, 0.9)),
            "mean": float(values.mean()),
            "p10": float(p10),
            "p50": float(p50),
            "p90": float(p90),
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(TABLE_COLUMNS))
    table.index.name = "policy"
    return table


@dataclass(frozen=True)
class Robustness:
    """Robustness of a sweep's policies.

    Attributes:
        outcome: The outcome's name.
        goal: The goal.
        outcomes: Scenarios x policies, each the mean over replications.
        table: One row per policy (:func:`robustness_table`).

    """

    outcome: str
    goal: Goal
    outcomes: pd.DataFrame
    table: pd.DataFrame

    @property
    def regrets(self) -> pd.DataFrame:
        """Scenarios x policies regrets (:func:`regret`)."""
        return regret(self.outcomes, self.goal)


def robustness(results: SweepResults, outcome: str, goal: Goal | str) -> Robustness:
    """Robustness of each policy of a sweep across its scenarios.

    Args:
        results: A store of a sweep with policies (:func:`sim.experiment.load_results`).
        outcome: e.g. ``"final_share_population:waico"``.
        goal: e.g. ``">= 0.5"`` or a :class:`Goal`.

    Returns:
        The per-scenario outcomes and the table.

    Raises:
        InputError: If the store has no policies, the outcome or goal is invalid, or a
            policy lacks a scenario's runs.

    """
    goal = goal if isinstance(goal, Goal) else Goal.parse(goal)
    if not results.policies:
        raise InputError(
            str(results.folder), "policies", "a sweep with levers and policies", "a sweep without policies",
            "Robustness compares policies across scenarios; add 'levers' and 'policies' to the spec.",
        )  # fmt: skip
    frame = results.table([outcome])
    outcomes = scenario_outcomes(frame, frame.columns[-1])
    outcomes = outcomes.reindex(columns=[p for p in results.policies if p in outcomes.columns])
    return Robustness(frame.columns[-1], goal, outcomes, robustness_table(outcomes, goal))

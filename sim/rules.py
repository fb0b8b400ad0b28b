"""Decision rules: from portfolio utilities to a choice, for many countries at once.

Each rule takes a ``(m, P)`` matrix of portfolio utilities (``-inf`` where a portfolio is
not available), the current choices and one uniform random number per country, and
returns the new choices. The vectorised engine passes every country at once; the
per-agent engine passes one row per country. Both consume the same random numbers, so
they give the same choices.

* ``logit`` (quantal response): choose portfolio S with probability proportional to
  ``exp(U(S) / temperature)``, computed with the log-sum-exp shift so that extreme
  utilities or temperatures stay finite.
* ``best_response``: choose the highest utility; ties go to the lowest portfolio index
  (non-aligned first, then in the bit order of the frameworks).
* ``threshold``: move to the best response only when it beats the current portfolio by
  at least ``threshold``; otherwise stay.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Rule


def logit_probabilities(utilities: np.ndarray, temperature: float) -> np.ndarray:
    """Choice probabilities under the logit rule, stable for any finite utilities.

    Args:
        utilities: ``(m, P)`` utilities, ``-inf`` for unavailable portfolios.
        temperature: Positive noise level; small values approach best response.

    Returns:
        ``(m, P)`` probabilities whose rows sum to one (zero where unavailable).

    """
    weights = utilities - utilities.max(axis=1, keepdims=True)
    weights /= temperature
    np.exp(weights, out=weights)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def choose(rule: Rule, utilities: np.ndarray, current: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Apply a decision rule to each row.

    Args:
        rule: The scenario's rule settings.
        utilities: ``(m, P)`` portfolio utilities (``-inf`` where unavailable).
        current: ``(m,)`` current portfolio index of each country.
        draws: ``(m,)`` uniform random numbers in [0, 1), used by ``logit``.

    Returns:
        ``(m,)`` chosen portfolio indices.

    """
    if rule.kind == "logit":
        probabilities = logit_probabilities(utilities, rule.temperature)
        cumulative = np.cumsum(probabilities, axis=1)
        # The first portfolio whose cumulative probability exceeds the draw (scaled by
        # the row total, so rounding in the sum cannot push the draw past the end).
        target = draws[:, None] * cumulative[:, -1:]
        chosen = (cumulative <= target).sum(axis=1)
        last_possible = utilities.shape[1] - 1 - np.argmax(probabilities[:, ::-1] > 0, axis=1)
        return np.minimum(chosen, last_possible)
    best = utilities.argmax(axis=1)
    if rule.kind == "best_response":
        return best
    rows = np.arange(len(utilities))
    gain = utilities[rows, best] - utilities[rows, current]
    return np.where(gain >= rule.threshold, best, current)

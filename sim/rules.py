"""Decision rules: from portfolio utilities to a choice, for many countries at once.

Each rule takes a ``(m, P)`` matrix of portfolio utilities (``-inf`` where a portfolio is
not available) and the current choices, and gives every portfolio's choice probability
(:func:`choice_probabilities`, or their logarithms, :func:`log_choice_probabilities`);
:func:`choose` turns them into choices with one uniform random number per country. The
vectorised engine passes every country at once; the per-agent engine passes one row per
country. Both consume the same random numbers, so they give the same choices.

* ``logit`` (quantal response): choose portfolio S with probability proportional to
  ``exp(U(S) / temperature)``, computed with the log-sum-exp shift so that extreme
  utilities or temperatures stay finite.
* ``best_response``: choose the highest utility; ties go to the lowest portfolio index
  (non-aligned first, then in the bit order of the frameworks).
* ``threshold``: move to the best response only when it beats the current portfolio by
  at least ``threshold``; otherwise stay.

The last two are deterministic: probability 1 for the choice, 0 for every other portfolio.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Rule


def _exponents(utilities: np.ndarray, temperature: float) -> np.ndarray:
    """The logit weights' exponents ``U / temperature``, shifted so each row's largest is 0.

    Each row's sum of weights is then at least 1 (its largest weight is ``exp(0)``): it
    neither overflows nor has a logarithm of ``-inf``.
    """
    exponents = utilities - utilities.max(axis=1, keepdims=True)
    exponents /= temperature
    return exponents


def _deterministic_choice(rule: Rule, utilities: np.ndarray, current: np.ndarray) -> np.ndarray:
    """``(m,)`` the choice of a deterministic rule (``best_response`` or ``threshold``)."""
    best = utilities.argmax(axis=1)
    if rule.kind == "best_response":
        return best
    rows = np.arange(len(utilities))
    gain = utilities[rows, best] - utilities[rows, current]
    return np.where(gain >= rule.threshold, best, current)


def choice_probabilities(rule: Rule, utilities: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Each portfolio's probability of being chosen by a country that revises.

    Args:
        rule: The scenario's rule settings.
        utilities: ``(m, P)`` portfolio utilities (``-inf`` where unavailable).
        current: ``(m,)`` current portfolio index of each country (used by ``threshold``).

    Returns:
        ``(m, P)`` probabilities whose rows sum to one (zero where unavailable); one-hot
        for the deterministic rules.

    """
    if rule.kind == "logit":
        weights = np.exp(_exponents(utilities, rule.temperature))
        weights /= weights.sum(axis=1, keepdims=True)
        return weights
    one_hot = np.zeros(utilities.shape)
    one_hot[np.arange(len(utilities)), _deterministic_choice(rule, utilities, current)] = 1.0
    return one_hot


def log_choice_probabilities(rule: Rule, utilities: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The logarithms of :func:`choice_probabilities`, exact where the probabilities underflow.

    A logit probability below about ``1e-308`` is 0 in floating point, so countries far
    from a portfolio would all tie at 0; their log-probabilities keep their order.

    Args:
        rule: The scenario's rule settings.
        utilities: ``(m, P)`` portfolio utilities (``-inf`` where unavailable).
        current: ``(m,)`` current portfolio index of each country.

    Returns:
        ``(m, P)`` natural logarithms of the choice probabilities (``-inf`` for probability 0).

    """
    if rule.kind == "logit":
        exponents = _exponents(utilities, rule.temperature)
        return exponents - np.log(np.exp(exponents).sum(axis=1, keepdims=True))
    chosen = _deterministic_choice(rule, utilities, current)
    log_p = np.full(utilities.shape, -np.inf)
    log_p[np.arange(len(utilities)), chosen] = 0.0
    return log_p


def choose(rule: Rule, utilities: np.ndarray, current: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Apply a decision rule to each row: draw from :func:`choice_probabilities`.

    Args:
        rule: The scenario's rule settings.
        utilities: ``(m, P)`` portfolio utilities (``-inf`` where unavailable).
        current: ``(m,)`` current portfolio index of each country.
        draws: ``(m,)`` uniform random numbers in [0, 1), used by ``logit``.

    Returns:
        ``(m,)`` chosen portfolio indices.

    """
    probabilities = choice_probabilities(rule, utilities, current)
    if rule.kind != "logit":
        return probabilities.argmax(axis=1)  # one-hot: the deterministic choice
    cumulative = np.cumsum(probabilities, axis=1)
    # The first portfolio whose cumulative probability exceeds the draw (scaled by the row
    # total, so rounding in the sum cannot push the draw past the end).
    target = draws[:, None] * cumulative[:, -1:]
    chosen = (cumulative <= target).sum(axis=1)
    last_possible = utilities.shape[1] - 1 - np.argmax(probabilities[:, ::-1] > 0, axis=1)
    return np.minimum(chosen, last_possible)

"""Decision rules (sim/rules.py): the choice law and the draws from it are one thing.

``choose`` draws from ``choice_probabilities``; these tests check that the law is a law
(rows sum to one, zero where unavailable), that its logarithms keep the order of
probabilities too small for floating point, that the deterministic rules put all mass on
their choice, and that the frequency of ``choose`` over many draws is the law.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.rules import choice_probabilities, choose, log_choice_probabilities
from sim.scenario import Rule

RULES = (
    Rule(kind="logit", temperature=0.0445),
    Rule(kind="logit", temperature=2.0),
    Rule(kind="best_response"),
    Rule(kind="threshold", threshold=0.3),
)

#: ``(m, P)`` utilities between -5 and 5, some unavailable (-inf), portfolio 0 always available.
utilities_strategy = st.integers(1, 6).flatmap(
    lambda m: st.integers(2, 6).flatmap(
        lambda p: st.tuples(
            arrays(float, (m, p), elements=st.floats(-5, 5, allow_nan=False)),
            arrays(bool, (m, p)),
            arrays(np.int64, m, elements=st.integers(0, p - 1)),
        )
    )
)


def _available(case: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Utilities with unavailable cells at -inf (portfolio 0 and the current one always open)."""
    utilities, closed, current = case
    closed = closed.copy()
    closed[:, 0] = False
    closed[np.arange(len(current)), current] = False
    return np.where(closed, -np.inf, utilities), current


@settings(max_examples=80, deadline=None)
@given(case=utilities_strategy, rule=st.sampled_from(RULES))
def test_the_law_is_a_law_and_choose_only_picks_what_it_allows(case, rule):
    utilities, current = _available(case)
    law = choice_probabilities(rule, utilities, current)
    assert law.sum(axis=1) == pytest.approx(np.ones(len(law)))
    assert (law >= 0).all() and (law[np.isinf(utilities)] == 0).all()
    log_law = log_choice_probabilities(rule, utilities, current)
    np.testing.assert_allclose(np.exp(log_law), law, rtol=1e-12, atol=1e-300)
    for draw in (0.0, 0.37, 0.999999):
        chosen = choose(rule, utilities, current, np.full(len(current), draw))
        assert (law[np.arange(len(chosen)), chosen] > 0).all()


@settings(max_examples=50, deadline=None)
@given(case=utilities_strategy, rule=st.sampled_from(RULES[2:]))
def test_deterministic_rules_put_all_mass_on_their_choice(case, rule):
    utilities, current = _available(case)
    law = choice_probabilities(rule, utilities, current)
    chosen = choose(rule, utilities, current, np.zeros(len(current)))
    assert ((law == 0) | (law == 1)).all()
    assert (law[np.arange(len(chosen)), chosen] == 1).all()


def test_threshold_stays_unless_the_gain_reaches_the_threshold():
    rule = Rule(kind="threshold", threshold=0.3)
    utilities = np.array([[0.0, 0.2], [0.0, 0.3]])
    current = np.array([0, 0])
    # Country 0 gains 0.2 < 0.3 and stays; country 1 gains exactly 0.3 and moves.
    assert choice_probabilities(rule, utilities, current).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_logit_probabilities_by_hand():
    # exp(1/0.5) : exp(0) : 0 = e^2 : 1 : 0.
    law = choice_probabilities(
        Rule(kind="logit", temperature=0.5), np.array([[1.0, 0.0, -np.inf]]), np.zeros(1, int)
    )
    assert law[0] == pytest.approx([np.e**2 / (np.e**2 + 1), 1 / (np.e**2 + 1), 0.0])


def test_log_probabilities_keep_the_order_where_probabilities_underflow():
    # At the calibrated temperature a utility gap of 40 gives exp(-899): 0 in floating point.
    rule = Rule(kind="logit", temperature=0.0445)
    utilities = np.array([[0.0, -40.0, -45.0]])
    law = choice_probabilities(rule, utilities, np.zeros(1, int))
    assert law[0, 1] == law[0, 2] == 0.0  # tied in probability
    log_law = log_choice_probabilities(rule, utilities, np.zeros(1, int))
    assert log_law[0] == pytest.approx([0.0, -40 / 0.0445, -45 / 0.0445])  # ordered in logs


def test_the_frequency_of_choose_is_the_law():
    rule = Rule(kind="logit", temperature=0.7)
    utilities = np.array([[0.3, 0.0, -0.5, -np.inf]])
    law = choice_probabilities(rule, utilities, np.zeros(1, int))[0]
    draws = np.random.default_rng(1).random(40_000)
    chosen = choose(rule, np.repeat(utilities, len(draws), axis=0), np.zeros(len(draws), int), draws)
    frequency = np.bincount(chosen, minlength=4) / len(draws)
    # Four binomial standard errors of 40,000 draws (at most 0.0025 each).
    assert (np.abs(frequency - law) <= 4 * np.sqrt(law * (1 - law) / len(draws))).all()
    assert frequency[3] == 0

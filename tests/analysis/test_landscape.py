"""Tests for sim.analysis.landscape: Axelrod-Bennett energy, minima and descent."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis.landscape import (
    MAX_LABELINGS,
    canonical_labels,
    descend,
    energy,
    global_minima,
    local_minima,
)

Landscape = tuple[np.ndarray, np.ndarray]


def symmetric(n: int, upper: list[float]) -> np.ndarray:
    """The symmetric zero-diagonal matrix with the given upper triangle, row by row."""
    p = np.zeros((n, n))
    p[np.triu_indices(n, 1)] = upper
    return p + p.T


@st.composite
def landscapes(draw: st.DrawFn, max_n: int = 8, integer: bool = True) -> Landscape:
    """Sizes and propensities; integer-valued ones make every float operation exact."""
    n = draw(st.integers(min_value=1, max_value=max_n))
    if integer:
        size, propensity = st.integers(1, 5).map(float), st.integers(-5, 5).map(float)
    else:
        size = st.floats(0.1, 10.0)
        propensity = st.floats(-1.0, 1.0, allow_subnormal=False)
    sizes = draw(st.lists(size, min_size=n, max_size=n))
    pairs = n * (n - 1) // 2
    upper = draw(st.lists(propensity, min_size=pairs, max_size=pairs))
    return np.array(sizes), symmetric(n, upper)


@st.composite
def descents(draw: st.DrawFn, n_blocs: int = 2, integer: bool = True) -> tuple:
    """A landscape with a starting labeling and a turn order."""
    sizes, p = draw(landscapes(integer=integer))
    n = sizes.size
    start = draw(st.lists(st.integers(0, n_blocs - 1), min_size=n, max_size=n))
    order = draw(st.permutations(range(n)))
    return sizes, p, np.array(start), order


def plain_energy(sizes: np.ndarray, p: np.ndarray, labels: tuple[int, ...]) -> float:
    """The energy written as the double sum of its definition."""
    n = len(labels)
    return sum(
        sizes[i] * sizes[j] * p[i, j]
        for i in range(n)
        for j in range(n)
        if i != j and labels[i] != labels[j]
    )


def plain_canonical(labels: tuple[int, ...]) -> tuple[int, ...]:
    first_seen: dict[int, int] = {}
    return tuple(first_seen.setdefault(label, len(first_seen)) for label in labels)


def brute_force(sizes: np.ndarray, p: np.ndarray, n_blocs: int = 2) -> dict[tuple, float]:
    """Energy of every partition into at most ``n_blocs`` blocs, keyed by canonical labels."""
    return {
        plain_canonical(labels): plain_energy(sizes, p, labels)
        for labels in itertools.product(range(n_blocs), repeat=sizes.size)
    }


def brute_local_minima(sizes: np.ndarray, p: np.ndarray, n_blocs: int = 2) -> set[tuple]:
    """Partitions from which no single move to another of the blocs lowers the energy."""
    energies = brute_force(sizes, p, n_blocs)
    found = set()
    for labels, e in energies.items():
        moves = (
            plain_canonical((*labels[:i], b, *labels[i + 1 :]))
            for i in range(len(labels))
            for b in range(n_blocs)
            if b != labels[i]
        )
        if all(energies[moved] >= e for moved in moves):
            found.add(labels)
    return found


def rows(labels: np.ndarray) -> set[tuple]:
    return {tuple(int(x) for x in row) for row in labels}


# --- energy --------------------------------------------------------------------------------


def test_energy_counts_each_separated_pair_twice() -> None:
    sizes, p = np.array([2.0, 3.0]), symmetric(2, [0.5])
    assert energy(sizes, p, [0, 1]) == 2 * (2.0 * 3.0 * 0.5)
    assert energy(sizes, p, [4, 4]) == 0.0


@given(landscape=landscapes(integer=False), data=st.data())
def test_energy_matches_its_definition(landscape: Landscape, data: st.DataObject) -> None:
    sizes, p = landscape
    labels = tuple(data.draw(st.lists(st.integers(0, 3), min_size=sizes.size, max_size=sizes.size)))
    assert math.isclose(
        energy(sizes, p, labels),
        plain_energy(sizes, p, labels),
        rel_tol=1e-12,
        abs_tol=1e-12 * float(np.abs(np.outer(sizes, sizes) * p).sum()),
    )


@given(landscape=landscapes(integer=False), data=st.data())
def test_energy_is_invariant_to_relabelling_blocs(
    landscape: Landscape, data: st.DataObject
) -> None:
    sizes, p = landscape
    n = sizes.size
    labels = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    names = st.lists(st.integers(-100, 100), min_size=4, max_size=4, unique=True)
    new_names = np.array(data.draw(names))
    assert energy(sizes, p, new_names[labels]) == energy(sizes, p, labels)
    assert energy(sizes, p, canonical_labels(labels)) == energy(sizes, p, labels)


# --- minima known by hand ------------------------------------------------------------------


def test_two_attracting_pairs_that_repel_each_other_split_into_those_pairs() -> None:
    # 0-1 and 2-3 attract (+1); every pair across repels (-1).
    p = symmetric(4, [1, -1, -1, -1, -1, 1])
    minima = global_minima(np.ones(4), p)
    assert minima.labels.tolist() == [[0, 0, 1, 1]]
    assert minima.energies.tolist() == [-8.0]  # four repelling pairs apart, each twice
    assert local_minima(np.ones(4), p).labels.tolist() == [[0, 0, 1, 1]]
    # Sizes weight the pairs; the split stays optimal: 2 * -(1*3 + 1*4 + 2*3 + 2*4) = -42.
    sized = global_minima(np.array([1.0, 2.0, 3.0, 4.0]), p)
    assert sized.labels.tolist() == [[0, 0, 1, 1]]
    assert sized.energies.tolist() == [-42.0]


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_all_positive_propensities_put_everyone_together(n: int) -> None:
    sizes = np.linspace(1.0, 3.0, n)
    p = symmetric(n, [0.5] * (n * (n - 1) // 2))
    minima = global_minima(sizes, p)
    assert minima.labels.tolist() == [[0] * n]
    assert minima.energies.tolist() == [0.0]  # the one-bloc partition is enumerated
    assert local_minima(np.ones(n), p).labels.tolist() == [[0] * n]


def test_cohesive_cliques_are_local_minima_even_when_all_propensities_are_positive() -> None:
    # Strong ties within {0, 1} and {2, 3}, weak ones across: splitting costs, but no
    # single actor gains by crossing over.
    p = symmetric(4, [10, 1, 1, 1, 1, 10])
    found = local_minima(np.ones(4), p)
    assert found.labels.tolist() == [[0, 0, 0, 0], [0, 0, 1, 1]]
    assert found.energies.tolist() == [0.0, 8.0]


def frustrated_triangle() -> Landscape:
    # Everyone repels everyone, 1 and 2 most: two blocs cannot separate all three pairs.
    return np.ones(3), symmetric(3, [-1, -1, -2])


def test_frustrated_triangle_has_two_minima() -> None:
    sizes, p = frustrated_triangle()
    # {0,2}|{1} and {0,1}|{2} leave the weaker 0-1 or 0-2 tie together: E = 2 * (-1 - 2).
    for found in (global_minima(sizes, p), local_minima(sizes, p)):
        assert found.labels.tolist() == [[0, 0, 1], [0, 1, 0]]
        assert found.energies.tolist() == [-6.0, -6.0]


@pytest.mark.parametrize(("order", "end"), [((0, 1, 2), [0, 0, 1]), ((0, 2, 1), [0, 1, 0])])
def test_turn_order_decides_which_triangle_minimum_descent_reaches(
    order: tuple[int, ...], end: list[int]
) -> None:
    sizes, p = frustrated_triangle()
    path = descend(sizes, p, [0, 0, 0], order=order)
    # Actor 0 leaves first (E = -4); the next to move joins it, isolating the other.
    assert path.energies.tolist() == [0.0, -4.0, -6.0]
    assert canonical_labels(path.labels).tolist() == end


def test_three_blocs_separate_a_fully_repelling_triangle() -> None:
    sizes, p = frustrated_triangle()
    minima = global_minima(sizes, p, n_blocs=3)
    assert minima.labels.tolist() == [[0, 1, 2]]
    assert minima.energies.tolist() == [-8.0]
    assert descend(sizes, p, [0, 0, 0], n_blocs=3).energies[-1] == -8.0


def test_planted_twenty_actor_split_is_found() -> None:
    n = 20
    bloc = np.repeat([0, 1], n // 2)
    p = np.where(bloc[:, None] == bloc[None, :], 1.0, -1.0)
    np.fill_diagonal(p, 0.0)
    sizes = np.linspace(0.5, 4.0, n)
    minima = global_minima(sizes, p)
    assert minima.labels.tolist() == [bloc.tolist()]
    assert minima.energies[0] == pytest.approx(energy(sizes, p, bloc), rel=1e-12)


# --- against brute force -------------------------------------------------------------------


@given(landscape=landscapes())
def test_global_minima_match_brute_force_exactly(landscape: Landscape) -> None:
    sizes, p = landscape
    energies = brute_force(sizes, p)
    best = min(energies.values())
    found = global_minima(sizes, p)
    assert rows(found.labels) == {labels for labels, e in energies.items() if e == best}
    assert set(found.energies.tolist()) == {best}


@given(landscape=landscapes(integer=False))
def test_global_minima_match_brute_force_in_floats(landscape: Landscape) -> None:
    sizes, p = landscape
    energies = brute_force(sizes, p)
    argmin = min(energies, key=energies.__getitem__)
    found = global_minima(sizes, p)
    assert argmin in rows(found.labels)
    tol = 1e-9 * float(np.abs(np.outer(sizes, sizes) * p).sum())
    assert all(energies[labels] <= energies[argmin] + 2 * tol for labels in rows(found.labels))


@given(landscape=landscapes())
def test_local_minima_match_brute_force(landscape: Landscape) -> None:
    sizes, p = landscape
    found = local_minima(sizes, p)
    assert rows(found.labels) == brute_local_minima(sizes, p)
    energies = brute_force(sizes, p)
    listed = map(tuple, found.labels.tolist())
    assert found.energies.tolist() == [energies[labels] for labels in listed]


@given(landscape=landscapes(max_n=6))
def test_three_bloc_minima_match_brute_force(landscape: Landscape) -> None:
    sizes, p = landscape
    energies = brute_force(sizes, p, n_blocs=3)
    best = min(energies.values())
    assert rows(global_minima(sizes, p, 3).labels) == {k for k, e in energies.items() if e == best}
    assert rows(local_minima(sizes, p, 3).labels) == brute_local_minima(sizes, p, 3)


@given(landscape=landscapes())
def test_minima_are_canonical_and_sorted(landscape: Landscape) -> None:
    sizes, p = landscape
    for found in (global_minima(sizes, p), local_minima(sizes, p)):
        listed = found.labels.tolist()
        assert listed == sorted(listed)
        assert all(canonical_labels(row).tolist() == row for row in listed)


# --- descent -------------------------------------------------------------------------------


@given(case=descents(integer=False))
def test_descent_never_increases_energy(case: tuple) -> None:
    sizes, p, start, order = case
    path = descend(sizes, p, start, order=order)
    assert path.energies[0] == energy(sizes, p, start)
    assert path.energies[-1] == energy(sizes, p, path.labels)
    assert np.all(np.diff(path.energies) < 0)


@pytest.mark.parametrize("integer", [True, False])
@given(data=st.data())
def test_descent_ends_in_a_local_minimum(integer: bool, data: st.DataObject) -> None:
    sizes, p, start, order = data.draw(descents(integer=integer))
    end = canonical_labels(descend(sizes, p, start, order=order).labels)
    assert tuple(end.tolist()) in rows(local_minima(sizes, p).labels)


@given(case=descents(n_blocs=3))
def test_three_bloc_descent_ends_in_a_local_minimum(case: tuple) -> None:
    sizes, p, start, order = case
    end = canonical_labels(descend(sizes, p, start, order=order, n_blocs=3).labels)
    assert tuple(end.tolist()) in rows(local_minima(sizes, p, 3).labels)


@given(case=descents())
def test_descent_is_deterministic_and_leaves_its_input_alone(case: tuple) -> None:
    sizes, p, start, order = case
    before = start.copy()
    first, second = descend(sizes, p, start, order=order), descend(sizes, p, start, order=order)
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.energies, second.energies)
    np.testing.assert_array_equal(start, before)


def test_descent_from_a_local_minimum_does_not_move() -> None:
    p = symmetric(4, [1, -1, -1, -1, -1, 1])
    path = descend(np.ones(4), p, [1, 1, 0, 0])
    assert path.labels.tolist() == [1, 1, 0, 0]
    assert path.energies.tolist() == [-8.0]


# --- canonical labels and outputs ----------------------------------------------------------


def test_canonical_labels_number_blocs_by_first_appearance() -> None:
    assert canonical_labels([5, 5, 2, 7, 2]).tolist() == [0, 0, 1, 2, 1]
    assert canonical_labels([0, 1, 0]).tolist() == [0, 1, 0]


def test_outputs_are_read_only() -> None:
    sizes, p = frustrated_triangle()
    for array in (
        global_minima(sizes, p).labels,
        local_minima(sizes, p).energies,
        descend(sizes, p, [0, 0, 0]).labels,
        descend(sizes, p, [0, 0, 0]).energies,
    ):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


# --- bad arguments -------------------------------------------------------------------------


def test_more_than_twenty_actors_are_refused() -> None:
    assert MAX_LABELINGS == 2 ** (20 - 1)  # all two-bloc partitions of 20 actors
    with pytest.raises(ValueError, match=r"n <= 20 actors for two blocs.*got n=21"):
        global_minima(np.ones(21), np.zeros((21, 21)))
    with pytest.raises(ValueError, match=r"got n=13 and n_blocs=3"):
        local_minima(np.ones(13), np.zeros((13, 13)), n_blocs=3)


def test_non_symmetric_propensity_is_refused() -> None:
    p = symmetric(3, [1, 2, 3])
    p[0, 2] = 2.5
    for call in (
        lambda: global_minima(np.ones(3), p),
        lambda: local_minima(np.ones(3), p),
        lambda: energy(np.ones(3), p, [0, 0, 1]),
        lambda: descend(np.ones(3), p, [0, 0, 1]),
    ):
        with pytest.raises(ValueError, match=r"symmetric propensity matrix, got p\[0, 2\] = 2\.5"):
            call()


@pytest.mark.parametrize(
    ("sizes", "p", "message"),
    [
        (np.ones(2), np.eye(2), "expected a zero diagonal"),
        (np.ones(2), np.zeros((3, 3)), r"expected propensity of shape \(2, 2\)"),
        (np.ones((2, 2)), np.zeros((2, 2)), "expected sizes to be a non-empty 1-D array"),
        (np.ones(0), np.zeros((0, 0)), "expected sizes to be a non-empty 1-D array"),
        (np.array([1.0, 0.0]), np.zeros((2, 2)), "expected finite sizes > 0"),
        (np.array([1.0, np.nan]), np.zeros((2, 2)), "expected finite sizes > 0"),
        (np.ones(2), symmetric(2, [np.inf]), "expected finite propensities"),
    ],
)
def test_bad_actors_are_refused(sizes: np.ndarray, p: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        global_minima(sizes, p)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 1], r"expected integer labels of shape \(3,\)"),
        ([0.0, 1.0, 1.0], r"expected integer labels of shape \(3,\), got float64"),
        ([0, 1, 2], r"expected labels in 0\.\.1"),
        ([0, -1, 1], r"expected labels in 0\.\.1"),
    ],
)
def test_bad_starting_labels_are_refused(labels: list, message: str) -> None:
    sizes, p = frustrated_triangle()
    with pytest.raises(ValueError, match=message):
        descend(sizes, p, labels)


@pytest.mark.parametrize("order", [[0, 1], [0, 1, 1], [0.0, 1.0, 2.0], [1, 2, 3]])
def test_order_must_be_a_permutation(order: list) -> None:
    sizes, p = frustrated_triangle()
    with pytest.raises(ValueError, match=r"expected order to be a permutation of 0\.\.2"):
        descend(sizes, p, [0, 0, 0], order=order)


@pytest.mark.parametrize("n_blocs", [0, True, 2.0])
def test_bloc_count_must_be_a_positive_integer(n_blocs: object) -> None:
    sizes, p = frustrated_triangle()
    with pytest.raises(ValueError, match="expected n_blocs to be an integer >= 1"):
        global_minima(sizes, p, n_blocs)  # type: ignore[arg-type]


@pytest.mark.parametrize("rtol", [-1.0, math.nan, math.inf])
def test_tolerance_must_be_finite_and_non_negative(rtol: float) -> None:
    sizes, p = frustrated_triangle()
    with pytest.raises(ValueError, match="expected rtol to be finite and >= 0"):
        descend(sizes, p, [0, 0, 0], rtol=rtol)


def test_energy_and_canonical_labels_refuse_non_integer_labels() -> None:
    sizes, p = frustrated_triangle()
    with pytest.raises(ValueError, match="expected integer labels"):
        energy(sizes, p, np.array([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="expected 1-D integer labels"):
        canonical_labels([[0, 1]])

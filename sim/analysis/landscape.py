"""Landscape theory of aggregation (Axelrod & Bennett 1993).

``n`` actors with sizes ``s_i > 0`` and pairwise propensities ``p_ij`` (symmetric, zero
diagonal; positive means ``i`` and ``j`` like to be together) are split into blocs, given
as integer labels. The energy, or frustration, of a configuration is

    E = sum_i s_i * sum_{j != i} s_j * p_ij * d_ij,

where ``d_ij`` is 1 if ``i`` and ``j`` are in different blocs and 0 otherwise. The sum runs
over ordered pairs, so every unordered pair counts twice; this is Axelrod and Bennett's
definition and it is kept as is (halve ``E`` for the per-pair sum). Configurations of low
energy are the ones actors settle into: separating a liking pair raises the energy and
separating a disliking pair lowers it.

Only the partition matters: relabelling blocs leaves ``E`` unchanged. Partitions are
reported in canonical form, with blocs numbered in order of first appearance (actor 0 is
always in bloc 0). A configuration with ``n_blocs`` labels may leave some blocs empty, so
the two-bloc landscape includes the one-bloc partition, whose energy is 0.

:func:`global_minima` and :func:`local_minima` enumerate every partition into at most
``n_blocs`` blocs, which is exact but exponential; it is limited to ``n_blocs**(n - 1) <=
2**19`` labelings, i.e. ``n <= 20`` actors for two blocs. A *local* minimum is a
partition from which no single actor can lower the energy by moving to another of the
``n_blocs`` blocs (an empty one included). :func:`descend` follows the one-actor-at-a-time
adjustment process from a given start and ends in such a local minimum.

Energies are compared with the tolerance ``rtol * sum_ij |s_i s_j p_ij|``: smaller
differences are ties. With ``rtol = 0`` comparisons are exact, which is only meaningful when
the arithmetic is (e.g. integer-valued sizes and propensities).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

MAX_LABELINGS = 2**19
"""The most labelings enumerated exactly: all two-bloc partitions of 20 actors."""

_CHUNK = 2**14


@dataclass(frozen=True, eq=False)
class Partitions:
    """A set of partitions of the actors, with their energies.

    Attributes:
        labels: Canonical bloc labels, shape ``(m, n)``, one partition per row, rows in
            lexicographic order. Read-only.
        energies: The energy of each partition, shape ``(m,)``. Read-only.

    """

    labels: np.ndarray
    energies: np.ndarray


@dataclass(frozen=True, eq=False)
class Descent:
    """The path of one-actor-at-a-time descent.

    Attributes:
        labels: The final bloc labels, shape ``(n,)``, in the labels of the start (not
            canonicalised). Read-only.
        energies: The energy at the start and after each move, shape ``(moves + 1,)``;
            strictly decreasing. Read-only.

    """

    labels: np.ndarray
    energies: np.ndarray


def _read_only(array: np.ndarray) -> np.ndarray:
    """Mark ``array`` read-only and return it."""
    array.flags.writeable = False
    return array


def _check_actors(sizes: ArrayLike, propensity: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate sizes and propensities and return them with the weights ``s_i s_j p_ij``.

    Raises:
        ValueError: If the sizes are not a non-empty 1-D array of finite positive numbers
            or the propensities not a finite symmetric ``(n, n)`` matrix with zero diagonal.

    """
    s = np.asarray(sizes, dtype=float)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"expected sizes to be a non-empty 1-D array, got shape {s.shape}")
    if not np.all(np.isfinite(s) & (s > 0)):
        raise ValueError(f"expected finite sizes > 0, got {s}")
    n = s.size
    p = np.asarray(propensity, dtype=float)
    if p.shape != (n, n):
        raise ValueError(f"expected propensity of shape ({n}, {n}), got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError("expected finite propensities, got NaN or infinity")
    if not np.array_equal(p, p.T):
        i, j = np.argwhere(p != p.T)[0]
        pair = f"p[{i}, {j}] = {p[i, j]} != p[{j}, {i}] = {p[j, i]}"
        raise ValueError(f"expected a symmetric propensity matrix, got {pair}")
    if np.any(np.diagonal(p) != 0):
        raise ValueError(f"expected a zero diagonal in propensity, got {np.diagonal(p)}")
    return s, np.outer(s, s) * p


def _check_labels(labels: ArrayLike, n: int, n_blocs: int | None = None) -> np.ndarray:
    """Validate bloc labels for ``n`` actors, in ``0..n_blocs-1`` if ``n_blocs`` is given.

    Raises:
        ValueError: If the labels are not integers of shape ``(n,)`` or fall outside
            ``0..n_blocs-1``.

    """
    array = np.asarray(labels)
    if array.shape != (n,) or not np.issubdtype(array.dtype, np.integer):
        got = f"{array.dtype} of shape {array.shape}"
        raise ValueError(f"expected integer labels of shape ({n},), got {got}")
    if n_blocs is not None and np.any((array < 0) | (array >= n_blocs)):
        raise ValueError(f"expected labels in 0..{n_blocs - 1}, got {array}")
    return array


def _check_count(name: str, value: object) -> int:
    """Return ``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"expected {name} to be an integer >= 1, got {value!r}")
    return int(value)


def _tolerance(weights: np.ndarray, rtol: float) -> float:
    """The absolute energy tolerance ``rtol * sum |weights|``."""
    if not (math.isfinite(rtol) and rtol >= 0):
        raise ValueError(f"expected rtol to be finite and >= 0, got {rtol!r}")
    return rtol * float(np.abs(weights).sum())


def canonical_labels(labels: ArrayLike) -> np.ndarray:
    """Renumber blocs in order of first appearance, so equal partitions get equal labels.

    Args:
        labels: Integer bloc labels, shape ``(n,)``.

    Returns:
        Labels ``0, 1, ...`` with actor 0 in bloc 0, the next new bloc 1, and so on.

    Raises:
        ValueError: If ``labels`` is not a 1-D integer array.

    """
    array = np.asarray(labels)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"expected 1-D integer labels, got {array.dtype} of shape {array.shape}")
    _, first, inverse = np.unique(array, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.intp)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


def energy(sizes: ArrayLike, propensity: ArrayLike, labels: ArrayLike) -> float:
    """Axelrod-Bennett energy of a configuration (see the module docstring).

    Args:
        sizes: Actor sizes, shape ``(n,)``, finite and positive.
        propensity: Pairwise propensities, shape ``(n, n)``, finite, exactly symmetric,
            zero diagonal; positive means the pair likes to be together.
        labels: Integer bloc label of each actor, shape ``(n,)``; any integers.

    Returns:
        ``sum_i s_i * sum_{j != i} s_j * p_ij * d_ij``, counting each pair twice.

    Raises:
        ValueError: If an argument has the wrong shape, type or values.

    """
    s, weights = _check_actors(sizes, propensity)
    return _energy(weights, _check_labels(labels, s.size))


def _energy(weights: np.ndarray, labels: np.ndarray) -> float:
    """The energy ``sum_ij w_ij d_ij`` of one labeling, straight from the definition."""
    apart = labels[:, None] != labels[None, :]
    return float(np.sum(weights * apart))


def _labelings(n: int, n_blocs: int) -> Iterator[np.ndarray]:
    """Yield every canonical labeling of ``n`` actors into at most ``n_blocs`` blocs.

    Actor 0 is fixed in bloc 0 and the labels of actors ``1..n-1`` are the base-``n_blocs``
    digits of a counter, most significant first, so the rows come in lexicographic order.
    Rows that are not canonical (a bloc used before a lower-numbered one) are dropped; for
    two blocs there are none.
    """
    total = n_blocs ** (n - 1)
    places = n_blocs ** np.arange(n - 2, -1, -1, dtype=np.int64)
    for start in range(0, total, _CHUNK):
        counter = np.arange(start, min(start + _CHUNK, total), dtype=np.int64)
        labels = np.zeros((counter.size, n), dtype=np.intp)
        labels[:, 1:] = (counter[:, None] // places) % n_blocs
        highest_so_far = np.maximum.accumulate(labels, axis=1)
        canonical = np.all(labels[:, 1:] <= highest_so_far[:, :-1] + 1, axis=1)
        if canonical.any():
            yield labels[canonical]


def _evaluate(
    weights: np.ndarray, labels: np.ndarray, n_blocs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Energies of labelings and the best single move available in each.

    With ``pull[i, b] = sum_{j in bloc b} w_ij``, moving actor ``i`` from bloc ``a`` to
    bloc ``b`` changes the energy by ``2 * (pull[i, a] - pull[i, b])`` (each pair counts
    twice), so the best move lowers it by twice the largest ``pull[i, b] - pull[i, a]``.

    Args:
        weights: ``w_ij = s_i s_j p_ij``, shape ``(n, n)``.
        labels: Bloc labels in ``0..n_blocs-1``, shape ``(m, n)``.
        n_blocs: The number of blocs.

    Returns:
        The energies, shape ``(m,)``, and the largest gain in pull of any single move,
        shape ``(m,)``; a labeling is a local minimum when its gain is not positive.

    """
    members = (labels[:, None, :] == np.arange(n_blocs)[:, None]).astype(float)
    pull = members @ weights  # (m, n_blocs, n), using w symmetric
    own = np.take_along_axis(pull, labels[:, None, :], axis=1)[:, 0, :]
    # The other blocs' pull is exactly 0 for a one-bloc partition, so its energy is 0.
    energies = (pull.sum(axis=1) - own).sum(axis=1)
    gains = (pull.max(axis=1) - own).max(axis=1)
    return energies, gains


def _enumerable(
    sizes: ArrayLike, propensity: ArrayLike, n_blocs: int, rtol: float
) -> tuple[np.ndarray, int, float]:
    """Validate the arguments of an exhaustive search.

    Returns:
        The weights ``s_i s_j p_ij``, ``n_blocs`` as an int, and the absolute tolerance.

    Raises:
        ValueError: If an argument is invalid or there are too many labelings.

    """
    s, weights = _check_actors(sizes, propensity)
    n_blocs = _check_count("n_blocs", n_blocs)
    tol = _tolerance(weights, rtol)
    if n_blocs ** (s.size - 1) > MAX_LABELINGS:
        raise ValueError(
            f"expected n_blocs**(n - 1) <= 2**19 labelings (n <= 20 actors for two blocs) "
            f"for exact enumeration, got n={s.size} and n_blocs={n_blocs}"
        )
    return weights, n_blocs, tol


def _partitions(labels: list[np.ndarray], energies: list[np.ndarray]) -> Partitions:
    """Join chunks of labelings into a read-only :class:`Partitions`."""
    return Partitions(
        labels=_read_only(np.concatenate(labels)),
        energies=_read_only(np.concatenate(energies)),
    )


def global_minima(
    sizes: ArrayLike, propensity: ArrayLike, n_blocs: int = 2, *, rtol: float = 1e-9
) -> Partitions:
    """All partitions of minimum energy, by exhaustive enumeration.

    Every partition into at most ``n_blocs`` blocs is evaluated, the one-bloc partition
    included; all those within the tolerance of the minimum are returned.

    Args:
        sizes: Actor sizes, shape ``(n,)``, finite and positive.
        propensity: Pairwise propensities, shape ``(n, n)``, finite, exactly symmetric,
            zero diagonal.
        n_blocs: The largest number of blocs; ``n_blocs**(n - 1)`` may not exceed 2**19.
        rtol: Energies within ``rtol * sum_ij |s_i s_j p_ij|`` of the minimum are ties.

    Returns:
        The tied minimal partitions in canonical form and lexicographic order.

    Raises:
        ValueError: If an argument is invalid or there are too many partitions to enumerate.

    """
    weights, n_blocs, tol = _enumerable(sizes, propensity, n_blocs, rtol)
    best = math.inf
    kept_labels: list[np.ndarray] = []
    kept_energies: list[np.ndarray] = []
    for labels in _labelings(weights.shape[0], n_blocs):
        energies, _ = _evaluate(weights, labels, n_blocs)
        best = min(best, float(energies.min()))
        near = energies <= best + tol
        kept_labels.append(labels[near])
        kept_energies.append(energies[near])
    result = _partitions(kept_labels, kept_energies)
    tied = result.energies <= best + tol
    return _partitions([result.labels[tied]], [result.energies[tied]])


def local_minima(
    sizes: ArrayLike, propensity: ArrayLike, n_blocs: int = 2, *, rtol: float = 1e-9
) -> Partitions:
    """All partitions from which no single-actor move lowers the energy.

    A move takes one actor to any other of the ``n_blocs`` blocs, an empty one included; a
    partition is a local minimum when no move lowers the energy by more than the
    tolerance. Enumerated exhaustively, like :func:`global_minima`.

    Args:
        sizes: Actor sizes, shape ``(n,)``, finite and positive.
        propensity: Pairwise propensities, shape ``(n, n)``, finite, exactly symmetric,
            zero diagonal.
        n_blocs: The largest number of blocs; ``n_blocs**(n - 1)`` may not exceed 2**19.
        rtol: Energy changes within ``rtol * sum_ij |s_i s_j p_ij|`` of zero are ties.

    Returns:
        The local minima in canonical form and lexicographic order.

    Raises:
        ValueError: If an argument is invalid or there are too many partitions to enumerate.

    """
    weights, n_blocs, tol = _enumerable(sizes, propensity, n_blocs, rtol)
    kept_labels: list[np.ndarray] = []
    kept_energies: list[np.ndarray] = []
    for labels in _labelings(weights.shape[0], n_blocs):
        energies, gains = _evaluate(weights, labels, n_blocs)
        stuck = 2 * gains <= tol
        kept_labels.append(labels[stuck])
        kept_energies.append(energies[stuck])
    return _partitions(kept_labels, kept_energies)


def descend(
    sizes: ArrayLike,
    propensity: ArrayLike,
    labels: ArrayLike,
    order: Sequence[int] | None = None,
    *,
    n_blocs: int = 2,
    rtol: float = 1e-9,
) -> Descent:
    """One-actor-at-a-time descent to a local minimum.

    Actors take turns in ``order``, sweep after sweep. On its turn an actor moves to the
    bloc that lowers the energy most (the lowest-numbered such bloc on a tie), or stays if
    no move lowers it by more than the tolerance. The descent stops after a sweep with no
    move, at a partition that :func:`local_minima` lists. The result depends only on the
    arguments.

    Args:
        sizes: Actor sizes, shape ``(n,)``, finite and positive.
        propensity: Pairwise propensities, shape ``(n, n)``, finite, exactly symmetric,
            zero diagonal.
        labels: The starting bloc labels, integers in ``0..n_blocs-1``, shape ``(n,)``.
        order: The turn order, a permutation of ``0..n-1``; default ``0, 1, ..., n-1``.
        n_blocs: The number of blocs an actor may choose from, empty ones included.
        rtol: Energy changes within ``rtol * sum_ij |s_i s_j p_ij|`` of zero are ties.

    Returns:
        The final labels and the energy after each move.

    Raises:
        ValueError: If an argument is invalid.

    """
    s, weights = _check_actors(sizes, propensity)
    n = s.size
    n_blocs = _check_count("n_blocs", n_blocs)
    current = _check_labels(labels, n, n_blocs).astype(np.intp)
    tol = _tolerance(weights, rtol)
    turns = np.arange(n) if order is None else np.asarray(order)
    if (
        turns.shape != (n,)
        or not np.issubdtype(turns.dtype, np.integer)
        or not np.array_equal(np.sort(turns), np.arange(n))
    ):
        raise ValueError(f"expected order to be a permutation of 0..{n - 1}, got {order!r}")

    path = [_energy(weights, current)]
    moved = True
    while moved:
        moved = False
        for actor in turns:
            pull = np.bincount(current, weights=weights[actor], minlength=n_blocs)
            target = int(np.argmax(pull))
            # Moving changes the energy by 2 * (pull[own bloc] - pull[target]).
            if 2 * (pull[target] - pull[current[actor]]) > tol:
                current[actor] = target
                path.append(_energy(weights, current))
                moved = True
    return Descent(labels=_read_only(current), energies=_read_only(np.array(path)))

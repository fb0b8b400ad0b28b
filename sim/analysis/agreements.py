"""Stability of self-enforcing agreements in symmetric membership games.

A membership game has ``N`` identical players. Each either signs an agreement or stays
out; when ``k`` players sign, every signatory earns ``pi_s(k)`` and every non-signatory
earns ``pi_n(k)``. A coalition of ``k`` signatories is *self-enforcing* (d'Aspremont et al.
1983, cartel stability; Carraro & Siniscalco 1993; Barrett 1994) when

* it is **internally stable**: no signatory gains by leaving,
  ``pi_s(k) >= pi_n(k - 1)``, and
* it is **externally stable**: no non-signatory gains by joining,
  ``pi_n(k) > pi_s(k + 1)`` (strict convention) or ``pi_n(k) >= pi_s(k + 1)`` (weak).

``pi_n(0)`` is the payoff when nobody signs, i.e. everyone is out; a signatory of a
one-member coalition who leaves ends up there. ``pi_s(0)`` and ``pi_n(N)`` are never needed.
With ``k = N`` there is no non-signatory left, so external stability holds vacuously.

Tie convention. Internal stability is always weak: a signatory who is indifferent stays.
The ``strict_external`` flag decides the indifferent non-signatory:

* ``strict_external=True`` (the default): the indifferent non-signatory joins, so external
  stability needs a strict preference for staying out. Indifference then always resolves
  towards membership, on both sides.
* ``strict_external=False``: the indifferent non-signatory stays out. Then nobody moves
  unless strictly better off, so the stable sizes are exactly the Nash equilibria of the
  membership game.

The closed-form example, :class:`LinearQuadraticGame`, has linear benefits and quadratic
costs: player ``i`` abates ``q_i`` and earns ``b * Q - (c / 2) * q_i**2`` with
``Q = sum_j q_j``. Signatories choose a common ``q`` to maximise their joint payoff,
non-signatories maximise their own. With ``k`` signatories the first-order conditions give

* non-signatory: ``b - c * q = 0``, so ``q_n = b / c``;
* signatory: ``k * b - c * q = 0`` (the benefit of one unit accrues to all ``k`` members),
  so ``q_s = k * b / c``;
* ``Q = (N - k) * b / c + k**2 * b / c``.

Substituting,

* ``pi_s(k) = b * Q - (c / 2) * q_s**2 = (b**2 / (2c)) * (2N + k**2 - 2k)``,
* ``pi_n(k) = b * Q - (c / 2) * q_n**2 = (b**2 / (2c)) * (2N + 2k**2 - 2k - 1)``,

so the internal margin is ``pi_s(k) - pi_n(k-1) = -(b**2 / (2c)) * (k - 1) * (k - 3)`` and
the external margin is ``pi_n(k) - pi_s(k+1) = (b**2 / (2c)) * k * (k - 2)``. For every
``N >= 3`` the only stable size is 3 under the strict convention and {2, 3} under the weak
one: Barrett's "small coalitions" result (with linear benefits the stable agreement has 3
members whatever ``N``; with convex damages 2: e.g. the introduction of *Games* 10(4): 47,
2019, https://www.mdpi.com/2073-4336/10/4/47, citing Barrett 1994, Carraro and Siniscalco
1993 and a textbook of Finus, ch. 13). Barrett's paper itself (JSTOR) was not accessible here, so its
equation numbers are not cited; the derivation above is written out in full instead.

The closed form is a check of the algebra, not a reproduction. The reproduction is
:func:`agreement_scenario`: the model's own framework, club and peer terms, set so that a
country's utility of signing over staying out is ``pi_s(m + 1) - pi_n(m)`` when ``m``
others have signed, run by :func:`run_agreement` and judged by :mod:`sim.equilibrium`
(:func:`model_stability`, :func:`equilibrium_sizes`). Where the model differs from the
game: its utility of staying out is 0, not ``pi_n(m)``, so its utilities are Barrett's
payoffs minus ``pi_n`` of the *others'* choices. That term is the same whichever choice a
country makes, so best responses, Nash equilibria and internal and external stability are
Barrett's; welfare comparisons between states are not. Barrett's (1994) main model, with
quadratic benefits ``(b / N) (a Q - Q**2 / 2)`` and signatories as Stackelberg leaders, gives
a gain from signing that is a rational function of ``m``; the model's terms (a constant, the
linear peer share and one power of the club share) cannot express it, so it is not claimed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar

from sim.equilibrium import EquilibriumReport, check_equilibrium, state_utilities
from sim.model import CoalitionModel
from sim.scenario import Scenario, validate_scenario
from sim.world import World

Scalar = float | Fraction
"""A payoff or parameter value: floats, or Fractions (and ints) for exact arithmetic."""

Payoff = Callable[[int], Scalar]
"""A payoff as a function of the number of signatories."""


def _check_count(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int after checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"expected {name} to be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_payoff(name: str, k: int, value: object) -> Scalar:
    """Return ``value`` after checking it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"expected {name}({k}) to be a finite real number, got {value!r}")
    return value


@dataclass(frozen=True, eq=False)
class StabilityResult:
    """Internal and external stability of every coalition size ``k = 1..N``.

    Entry ``i`` of each array refers to the coalition size ``k = sizes[i] = i + 1``. The
    arrays are read-only.

    Attributes:
        n: The number of players ``N``.
        strict_external: Whether external stability needs a strict preference for staying
            out (see the module docstring for the tie convention).
        tol: Margins within ``tol`` of zero were treated as ties.
        sizes: Coalition sizes ``1..N``, shape ``(N,)``.
        internal_margin: ``pi_s(k) - pi_n(k - 1)``, what a signatory loses by leaving.
        external_margin: ``pi_n(k) - pi_s(k + 1)``, what a non-signatory loses by joining;
            NaN at ``k = N``, where there is no non-signatory.
        internal: Whether no signatory gains by leaving: ``internal_margin >= -tol``.
        external: Whether no non-signatory joins: ``external_margin > tol`` (strict) or
            ``>= -tol`` (weak); always True at ``k = N``.
        stable: ``internal & external``.

    """

    n: int
    strict_external: bool
    tol: float
    sizes: np.ndarray
    internal_margin: np.ndarray
    external_margin: np.ndarray
    internal: np.ndarray
    external: np.ndarray
    stable: np.ndarray

    @property
    def stable_sizes(self) -> tuple[int, ...]:
        """The stable coalition sizes, in increasing order."""
        return tuple(int(k) for k in self.sizes[self.stable])


def stability(
    pi_signatory: Payoff,
    pi_nonsignatory: Payoff,
    n: int,
    *,
    strict_external: bool = True,
    tol: float = 0.0,
) -> StabilityResult:
    """Check internal and external stability of every coalition size in a membership game.

    The payoff functions are called with Python ints: ``pi_signatory`` for ``k = 1..N`` and
    ``pi_nonsignatory`` for ``k = 0..N-1``, each exactly once. Margins are formed and
    compared in the payoffs' own arithmetic, so Fraction payoffs give exact decisions on
    ties; the margins are then stored as floats.

    Args:
        pi_signatory: Payoff of each signatory when ``k`` players sign.
        pi_nonsignatory: Payoff of each non-signatory when ``k`` players sign;
            ``pi_nonsignatory(0)`` is the payoff when nobody signs.
        n: The number of players ``N``, at least 1.
        strict_external: If True, an indifferent non-signatory joins, so external stability
            needs ``pi_n(k) > pi_s(k + 1)``; if False, it stays out and
            ``pi_n(k) >= pi_s(k + 1)`` suffices. Internal stability is always weak.
        tol: Margins within ``tol`` of zero count as ties; use a positive value when the
            payoffs are only known approximately (e.g. from a numerical optimisation).

    Returns:
        The margins and stability flags for ``k = 1..N``.

    Raises:
        ValueError: If ``n`` is not an integer >= 1, ``tol`` is negative or not finite, or
            a payoff function returns something other than a finite real number.

    """
    n = _check_count("n", n, 1)
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"expected tol to be finite and >= 0, got {tol!r}")

    signatory = np.array(
        [_check_payoff("pi_signatory", k, pi_signatory(k)) for k in range(1, n + 1)],
        dtype=object,
    )
    nonsignatory = np.array(
        [_check_payoff("pi_nonsignatory", k, pi_nonsignatory(k)) for k in range(n)],
        dtype=object,
    )
    # Entry i is k = i + 1: signatory[i] = pi_s(k) and nonsignatory[i] = pi_n(k - 1).
    return _judge(signatory - nonsignatory, nonsignatory[1:] - signatory[1:], strict_external, tol)


def _judge(
    internal_margin: np.ndarray, external_margin: np.ndarray, strict_external: bool, tol: float
) -> StabilityResult:
    """Stability flags from the margins of sizes ``1..N`` (external: ``1..N-1``).

    The comparisons run in the margins' own arithmetic (exact for Fractions in an object
    array); only then are the margins stored as floats.
    """
    n = len(internal_margin)
    internal = (internal_margin >= -tol).astype(bool)
    external = np.ones(n, dtype=bool)
    external[:-1] = external_margin > tol if strict_external else external_margin >= -tol
    arrays = {
        "sizes": np.arange(1, n + 1),
        "internal_margin": internal_margin.astype(float),
        "external_margin": np.append(external_margin.astype(float), np.nan),
        "internal": internal,
        "external": external,
        "stable": internal & external,
    }
    for array in arrays.values():
        array.flags.writeable = False
    return StabilityResult(n=n, strict_external=strict_external, tol=tol, **arrays)


@dataclass(frozen=True)
class Equilibrium:
    """Abatement and payoffs with ``k`` signatories, found by numerical optimisation.

    Attributes:
        k: The number of signatories.
        q_signatory: Abatement of each signatory; NaN when ``k = 0``.
        q_nonsignatory: Abatement of each non-signatory; NaN when ``k = N``.
        pi_signatory: Payoff of each signatory; NaN when ``k = 0``.
        pi_nonsignatory: Payoff of each non-signatory; NaN when ``k = N``.

    """

    k: int
    q_signatory: float
    q_nonsignatory: float
    pi_signatory: float
    pi_nonsignatory: float


@dataclass(frozen=True)
class LinearQuadraticGame:
    """The linear-benefit, quadratic-cost abatement game (Barrett 1994).

    Player ``i`` earns ``b * Q - (c / 2) * q_i**2``. The payoff methods use the closed form
    derived in the module docstring; :meth:`solve` recomputes the same equilibrium by
    numerical optimisation, independently of that derivation. Give ``b`` and ``c`` as
    Fractions (or ints) for exact closed-form payoffs.

    Attributes:
        n: The number of players ``N``, at least 1.
        b: Marginal benefit of global abatement, positive.
        c: Curvature of each player's abatement cost, positive.

    """

    n: int
    b: Scalar = 1.0
    c: Scalar = 1.0

    def __post_init__(self) -> None:
        """Validate the parameters.

        Raises:
            ValueError: If ``n`` is not an integer >= 1 or ``b`` or ``c`` is not a finite
                positive real number.

        """
        object.__setattr__(self, "n", _check_count("n", self.n, 1))
        for name in ("b", "c"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not (math.isfinite(value) and value > 0)
            ):
                raise ValueError(f"expected {name} to be a finite real number > 0, got {value!r}")

    @property
    def scale(self) -> Scalar:
        """The payoff unit ``b**2 / (2c)``."""
        return self.b * self.b / (2 * self.c)

    def _check_k(self, k: int, low: int, high: int) -> int:
        """Return ``k`` after checking it is an integer in ``low..high``."""
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not low <= k <= high:
            raise ValueError(f"expected k to be an integer in {low}..{high}, got {k!r}")
        return int(k)

    def signatory_payoff(self, k: int) -> Scalar:
        """Closed-form payoff of each of ``k`` signatories.

        Args:
            k: The number of signatories, ``1..N``.

        Returns:
            ``(b**2 / (2c)) * (2N + k**2 - 2k)``.

        Raises:
            ValueError: If ``k`` is not an integer in ``1..N``.

        """
        k = self._check_k(k, 1, self.n)
        # The integer factor is exact, so equal factors give bit-identical float payoffs
        # and the exact ties of this model (k = 1 internal, k = 2 external) survive floats.
        return self.scale * (2 * self.n + k * k - 2 * k)

    def nonsignatory_payoff(self, k: int) -> Scalar:
        """Closed-form payoff of each non-signatory when ``k`` players sign.

        Args:
            k: The number of signatories, ``0..N-1``.

        Returns:
            ``(b**2 / (2c)) * (2N + 2k**2 - 2k - 1)``.

        Raises:
            ValueError: If ``k`` is not an integer in ``0..N-1``.

        """
        k = self._check_k(k, 0, self.n - 1)
        return self.scale * (2 * self.n + 2 * k * k - 2 * k - 1)

    def stability(self, *, strict_external: bool = True) -> StabilityResult:
        """Stability of every coalition size, from the closed-form payoffs.

        Args:
            strict_external: The tie convention for non-signatories; see :func:`stability`.

        Returns:
            The margins and stability flags for ``k = 1..N``.

        """
        return stability(
            self.signatory_payoff,
            self.nonsignatory_payoff,
            self.n,
            strict_external=strict_external,
        )

    def solve(self, k: int) -> Equilibrium:
        """Find the equilibrium with ``k`` signatories by numerical optimisation.

        The signatories choose their common abatement to maximise their joint payoff (the
        joint objective is symmetric and strictly concave, so its maximiser is symmetric);
        each non-signatory maximises its own payoff. Each is a one-dimensional maximisation
        by Brent's method. Because the benefit ``b * Q`` is additive, neither maximiser
        depends on what the other players abate (abatement is a dominant strategy), so the
        others are held at zero while maximising; a large constant in the objective would
        only cost precision. Nothing here uses the closed form, so comparing the two checks
        the derivation. The maximisers are accurate to about ``sqrt(machine epsilon)``
        relative, the usual limit for a derivative-free optimiser on a function that is
        flat at its optimum.

        Args:
            k: The number of signatories, ``0..N``.

        Returns:
            Abatement and payoff of each group; NaN for an empty group.

        Raises:
            ValueError: If ``k`` is not an integer in ``0..N``.

        """
        k = self._check_k(k, 0, self.n)
        b, c, n = float(self.b), float(self.c), self.n

        def payoff(own: float, total: float) -> float:
            return b * total - c / 2 * own * own

        def joint_signatory_payoff(q: float) -> float:
            return k * payoff(q, k * q)

        # An empty group abates nothing; its abatement and payoff are reported as NaN.
        q_s = float(minimize_scalar(lambda q: -joint_signatory_payoff(q)).x) if k > 0 else 0.0
        q_n = float(minimize_scalar(lambda q: -payoff(q, q)).x) if k < n else 0.0
        total = k * q_s + (n - k) * q_n
        return Equilibrium(
            k=k,
            q_signatory=q_s if k > 0 else math.nan,
            q_nonsignatory=q_n if k < n else math.nan,
            pi_signatory=payoff(q_s, total) if k > 0 else math.nan,
            pi_nonsignatory=payoff(q_n, total) if k < n else math.nan,
        )


# --- Barrett's game played by the model -------------------------------------------------

#: The framework that stands for the agreement in :func:`agreement_scenario`.
AGREEMENT = "iea"

#: The tie layer of :func:`agreement_world`: every country tied to every other.
EVERYONE = "everyone"


def agreement_world(n: int) -> World:
    """``n`` identical countries, each tied to every other country in one tie layer.

    Args:
        n: The number of countries, at least 2 (the peer term is a share of the others).

    Returns:
        A synthetic world whose peer matrix gives every country weight ``1 / (n - 1)``.

    Raises:
        ValueError: If ``n`` is not an integer >= 2.

    """
    n = _check_count("n", n, 2)
    return World.from_arrays(ideal_point=np.zeros(n), ties={EVERYONE: sparse.csr_array(np.ones((n, n)))})


def agreement_scenario(
    game: LinearQuadraticGame,
    members: Sequence[str] = (),
    *,
    steps: int = 300,
    activation_rate: float = 0.1,
) -> Scenario:
    """A scenario in which the model's own utility is Barrett's incentive to sign.

    One framework ``iea`` against non-alignment. A country with ``m`` *other* members has
    utility ``peer * m / (N - 1) + club * (m / N)**2`` for ``iea`` (peer term over the
    complete tie layer of :func:`agreement_world`; club term with count weighting and
    exponent 2; no alignment, levers, penalties or entry cost) and 0 for non-alignment. With
    ``peer = 2 s (N - 1)`` and ``club = -s N**2`` (``s = b**2 / (2c)``) that is
    ``s m (2 - m) = pi_s(m + 1) - pi_n(m)``, exactly the gain from signing in the
    linear-quadratic game (module docstring). The rule is ``threshold`` at ``s / 2``: a
    country moves only when it gains, and every nonzero gain is a multiple of ``s``, so
    ties keep the current choice (the weak convention).

    Args:
        game: The game; its ``n`` is the number of countries, at least 2.
        members: Codes of the countries that hold ``iea`` at step 0 (``A0000``, ...).
        steps: The run's length.
        activation_rate: The share of countries revising each step.

    Returns:
        The validated scenario.

    Raises:
        ValueError: If ``game.n`` is below 2.
        sim.errors.InputError: If ``steps`` or ``activation_rate`` are outside the schema's
            ranges, or the club weight ``s N**2`` exceeds its magnitude limit (1e6).

    """
    n = _check_count("game.n", game.n, 2)
    scale = float(game.scale)
    raw = {
        "name": "barrett_1994",
        "question": "which agreement sizes are self-enforcing in the linear-quadratic game?",
        "steps": steps,
        "frameworks": {
            AGREEMENT: {"name": "Self-enforcing agreement", "initial": {"countries": list(members)}}
        },
        "utility": {
            "alignment": 0.0,
            "club": -scale * n * n,
            "club_exponent": 2.0,
            "club_weighting": "count",
            "peer": 2.0 * scale * (n - 1),
        },
        "peers": {"ties": {EVERYONE: 1.0}},
        "rule": {"kind": "threshold", "threshold": scale / 2, "activation_rate": activation_rate},
    }
    return validate_scenario(raw, where="agreement_scenario")


def _states(game: LinearQuadraticGame) -> Iterator[tuple[int, CoalitionModel]]:
    """The model in the state with ``k`` members (the first ``k`` countries), ``k = 1..N``."""
    world = agreement_world(game.n)
    for k in range(1, game.n + 1):
        yield k, CoalitionModel(agreement_scenario(game, world.iso3[:k].tolist()), world, rng=0)


def model_stability(game: LinearQuadraticGame, *, strict_external: bool = True) -> StabilityResult:
    """Stability of every agreement size, from the model's own utilities.

    For each ``k`` the model is put in the state with ``k`` members and
    :func:`sim.equilibrium.state_utilities` gives each country's utility of signing and of
    staying out: the internal margin is a member's ``u(iea) - u(non-aligned)``, the external
    margin an outsider's ``u(non-aligned) - u(iea)``. Nothing here uses the closed form of
    :class:`LinearQuadraticGame`; only its parameters set the scenario's weights. Margins
    within the equilibrium module's tie tolerance count as ties.

    Args:
        game: The game, with ``n >= 2``.
        strict_external: The tie convention for non-signatories; see :func:`stability`.

    Returns:
        The margins and stability flags for ``k = 1..N``.

    """
    internal, external, tol = [], [], 0.0
    for k, model in _states(game):
        utility = state_utilities(model)  # (N, 2): non-aligned, iea
        internal.append(utility[0, 1] - utility[0, 0])
        if k < game.n:
            external.append(utility[k, 0] - utility[k, 1])
        tol = max(tol, check_equilibrium(model).tolerance)
    return _judge(np.array(internal), np.array(external), strict_external, tol)


def equilibrium_sizes(game: LinearQuadraticGame) -> tuple[int, ...]:
    """The agreement sizes that :func:`sim.equilibrium.check_equilibrium` finds stable.

    The equilibrium module counts a tie as no gain, so these are the sizes that are
    internally and externally stable under the weak convention: the Nash equilibria of
    the membership game with at least one signatory.

    Args:
        game: The game, with ``n >= 2``.

    Returns:
        The sizes ``k`` whose state has no member that gains by leaving and no outsider
        that gains by joining, in increasing order.

    """
    stable = []
    for k, model in _states(game):
        (agreement,) = check_equilibrium(model).frameworks
        if agreement.internally_stable and agreement.externally_stable:
            stable.append(k)
    return tuple(stable)


@dataclass(frozen=True, eq=False)
class AgreementRun:
    """One run of :func:`agreement_scenario` and the equilibrium check of where it ends.

    Attributes:
        members: The number of members at each step, shape ``(steps + 1,)``. Read-only.
        report: :func:`sim.equilibrium.check_equilibrium` of the final state.

    """

    members: np.ndarray
    report: EquilibriumReport

    @property
    def size(self) -> int:
        """The number of members at the end of the run."""
        return int(self.members[-1])


def run_agreement(
    game: LinearQuadraticGame,
    start: int,
    *,
    seed: int,
    steps: int = 300,
    activation_rate: float = 0.1,
) -> AgreementRun:
    """Run the model on Barrett's game from ``start`` members and check where it ends.

    Args:
        game: The game, with ``n >= 2``.
        start: How many countries are members at step 0 (the first ``start``), ``0..N``.
        seed: The run's seed.
        steps: The run's length.
        activation_rate: The share of countries revising each step.

    Returns:
        The trajectory of the member count and the equilibrium report of the final state.

    Raises:
        ValueError: If ``start`` is not an integer in ``0..N``.

    """
    start = game._check_k(start, 0, game.n)
    world = agreement_world(game.n)
    scenario = agreement_scenario(
        game, world.iso3[:start].tolist(), steps=steps, activation_rate=activation_rate
    )
    model = CoalitionModel(scenario, world, rng=seed)
    model.run_for(steps)
    members = (np.asarray(model.history) == 1).sum(axis=1)
    members.flags.writeable = False
    return AgreementRun(members=members, report=check_equilibrium(model))

"""Utility components, vectorised over countries x frameworks and countries x portfolios.

The utility of portfolio S (a set of frameworks) for country i is

    U_i(S) = sum_{j in S} u_ij - sum_{pairs j<l in S} c_jl - switching_cost * [S != S_i]

    u_ij = alignment_ij + club_ij + sum_levers lever_ijl + peer_ij + offers_ij
           - penalty_ij - sovereignty_ij - entry_ij + support_ij

(see docs/model.md for every term). ``offers_ij`` is what sponsors offered country i this
step for holding framework j (:mod:`sim.sponsors`); it lives in the model's state. Terms
that do not depend on the current memberships are precomputed once in :class:`Parameters`
and rebuilt only when an event changes the scenario; club and peer terms depend on who is
a member and are recomputed each step, offers are passed in each step. Declared support
(a framework's ``supporters`` and ``support`` events) is part of the scenario's state, like
commitments: it adds ``support_ij`` for the supporter and counts for its peers as a
membership would (:func:`peer_signals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from sim.scenario import Lever, Scenario, resolve
from sim.vocabulary import NON_ALIGNED
from sim.world import World

#: Static components, in the order they are summed.
STATIC_COMPONENTS = (
    "alignment", *[lever.value for lever in Lever], "penalty", "sovereignty", "entry", "support", "partner",
)  # fmt: skip

#: Components that depend on the current memberships or on this step's sponsors' offers.
DYNAMIC_COMPONENTS = ("club", "peer", "offers")

#: All framework-level components, in the order they are summed.
COMPONENTS = ("alignment", "club", *[lever.value for lever in Lever], "peer", "offers", "penalty",
              "sovereignty", "entry", "support", "partner")  # fmt: skip

def enumerate_portfolios(
    framework_ids: tuple[str, ...], exclusive: tuple[tuple[str, str], ...]
) -> np.ndarray:
    """List every allowed portfolio as rows of a boolean matrix.

    Row 0 is the empty portfolio (non-aligned); rows follow the bit order of the
    frameworks, and portfolios holding an exclusive pair are dropped.

    Args:
        framework_ids: The frameworks, in scenario order.
        exclusive: Pairs of frameworks that cannot be held together.

    Returns:
        A ``(P, k)`` boolean matrix.

    """
    k = len(framework_ids)
    codes = np.arange(2**k)
    holds = ((codes[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)
    position = {fid: j for j, fid in enumerate(framework_ids)}
    keep = np.ones(len(codes), dtype=bool)
    for a, b in exclusive:
        if a in position and b in position:
            keep &= ~(holds[:, position[a]] & holds[:, position[b]])
    return holds[keep]


def portfolio_label(holds: np.ndarray, framework_ids: tuple[str, ...]) -> str:
    """Name a portfolio: framework ids joined by ``+``, or ``non-aligned`` when empty."""
    names = [fid for fid, held in zip(framework_ids, holds, strict=True) if held]
    return "+".join(names) if names else NON_ALIGNED


@dataclass(frozen=True, eq=False)
class Parameters:
    """The scenario turned into arrays for one period between events.

    Attributes:
        framework_ids: Enabled frameworks, in scenario order (``k`` of them).
        portfolios: ``(P, k)`` boolean matrix of allowed portfolios; row 0 is empty.
        labels: Name of each portfolio.
        static: Static components by name, each ``(n, k)``, already weighted.
        static_total: Sum of the static components in :data:`STATIC_COMPONENTS` order.
        pair_cost: ``(P,)`` cost of holding each portfolio's pairs together.
        available: ``(n, P)`` whether each country may hold each portfolio now.
        club_share_weight: ``(n,)`` each country's weight in club shares (sums to 1).
        club_coef: Weight of the club component.
        club_exponent: Exponent applied to the club share.
        peer_coef: Weight of the peer component.
        peers: Row-normalised peer matrix, ``(n, n)``.
        switching_cost: Cost of changing portfolio.
        declared: ``(n, k)`` boolean: who has declared support for which framework (its
            peers count it as a membership, :func:`peer_signals`); ``None`` when nobody has.

    """

    framework_ids: tuple[str, ...]
    portfolios: np.ndarray
    labels: tuple[str, ...]
    static: dict[str, np.ndarray]
    static_total: np.ndarray
    pair_cost: np.ndarray
    available: np.ndarray
    club_share_weight: np.ndarray
    club_coef: float
    club_exponent: float
    peer_coef: float
    peers: sparse.csr_array
    switching_cost: float
    declared: np.ndarray | None = None

    @property
    def k(self) -> int:
        """Number of frameworks."""
        return len(self.framework_ids)

    @cached_property
    def static_stack(self) -> np.ndarray:
        """``(S, n, k)`` the static components in :data:`STATIC_COMPONENTS` order.

        One array, so the rows of the revising countries are gathered in one step.
        Read-only, like every array runs share.
        """
        stack = np.stack([self.static[name] for name in STATIC_COMPONENTS])
        stack.flags.writeable = False
        return stack

    @cached_property
    def portfolio_codes(self) -> np.ndarray:
        """``(P,)`` each portfolio's set of frameworks as a bit code (framework j is bit j)."""
        codes = self.portfolios @ (1 << np.arange(self.k))
        codes.flags.writeable = False
        return codes


def build_parameters(
    scenario: Scenario,
    world: World,
    launched: set[str],
    committed: np.ndarray,
    declared: np.ndarray | None = None,
) -> Parameters:
    """Turn a scenario into the arrays of :class:`Parameters`.

    Args:
        scenario: The scenario as it stands (after any events so far).
        world: The world.
        launched: Ids of frameworks already launched.
        committed: ``(n, k)`` boolean: who is committed to which framework for good.
        declared: ``(n, k)`` boolean: who has declared support for which framework; nobody
            when omitted.

    Returns:
        The arrays for the model's hot path.

    """
    ids = tuple(scenario.active_frameworks)
    fws = [scenario.frameworks[fid] for fid in ids]
    n, k = world.n, len(ids)
    weights = scenario.utility
    where = scenario.source

    def mask(country_set, field):
        return resolve(country_set, world, where, field)

    leads = [mask(fw.lead, f"frameworks.{fid}.lead") for fid, fw in zip(ids, fws, strict=True)]
    alignment = np.zeros((n, k))
    for j in range(k):
        if not leads[j].any():
            continue
        axis = None
        if weights.alignment_measure == "bilateral":
            rivals = np.any([leads[m] for m in range(k) if m != j], axis=0) & ~leads[j]
            axis = _bilateral_axis(world, leads[j], rivals)
        if axis is not None:
            # Distance from the lead along the lead-versus-rival axis, per standard deviation.
            gap = axis[leads[j]].mean() - axis
            alignment[:, j] = -gap / (float(np.std(axis)) or 1.0)
        else:
            centre = world.ideal_point[leads[j]].mean()
            alignment[:, j] = -np.abs(world.ideal_point - centre) / world.alignment_spread
    static: dict[str, np.ndarray] = {"alignment": weights.alignment * alignment}

    for lever in Lever:
        offer = np.array([fw.levers.get(lever, 0.0) for fw in fws])
        need = world.attribute(weights.lever_need[lever])
        static[lever.value] = weights.levers.get(lever, 0.0) * need[:, None] * offer[None, :]

    penalty = np.zeros((n, k))
    for pid, rule in scenario.penalties.items():
        if rule.imposed_by in launched and rule.on_members_of in ids:
            exposed = world.attribute(rule.scaled_by) * rule.amount
            if rule.targets is not None:
                exposed = exposed * mask(rule.targets, f"penalties.{pid}.targets")
            if rule.exempt is not None:
                exposed = exposed * ~mask(rule.exempt, f"penalties.{pid}.exempt")
            penalty[:, ids.index(rule.on_members_of)] += exposed
    static["penalty"] = -penalty

    autonomy = world.attribute(weights.autonomy)
    sovereignty = np.array([fw.sovereignty_cost for fw in fws])
    static["sovereignty"] = -autonomy[:, None] * sovereignty[None, :]

    entry = np.tile(np.array([fw.entry_cost for fw in fws]), (n, 1))
    partner = np.zeros((n, k))
    for j, (fid, fw) in enumerate(zip(ids, fws, strict=True)):
        for code, cost in fw.entry_cost_overrides.items():
            entry[world.index[code], j] = cost
        if fw.partner_discount:
            partner[mask(fw.partners, f"frameworks.{fid}.partners"), j] = fw.partner_discount
    static["entry"] = -entry

    if declared is not None and not declared.any():
        declared = None
    static["support"] = (
        np.zeros((n, k)) if declared is None else weights.support * declared.astype(float)
    )
    static["partner"] = partner

    static_total = np.zeros((n, k))
    for name in STATIC_COMPONENTS:
        static_total = static_total + static[name]

    portfolios = enumerate_portfolios(ids, scenario.compatibility.exclusive)
    pair_cost = _pair_costs(scenario, ids, portfolios)

    allowed = np.ones((n, k), dtype=bool)
    for j, (fid, fw) in enumerate(zip(ids, fws, strict=True)):
        if fid not in launched:
            allowed[:, j] = False
        elif fw.eligible is not None:
            allowed[:, j] = mask(fw.eligible, f"frameworks.{fid}.eligible")
    allowed |= committed
    # A portfolio is available when every framework in it is allowed and it holds
    # every framework the country is committed to.
    holds_disallowed = portfolios[None, :, :] & ~allowed[:, None, :]
    misses_commitment = committed[:, None, :] & ~portfolios[None, :, :]
    available = ~(holds_disallowed.any(axis=2) | misses_commitment.any(axis=2))

    club_weight = world.weights[weights.club_weighting]
    total = club_weight.sum()
    return Parameters(
        framework_ids=ids,
        portfolios=portfolios,
        labels=tuple(portfolio_label(row, ids) for row in portfolios),
        static=static,
        static_total=static_total,
        pair_cost=pair_cost,
        available=available,
        club_share_weight=club_weight / total if total > 0 else club_weight,
        club_coef=weights.club,
        club_exponent=weights.club_exponent,
        peer_coef=weights.peer,
        peers=world.peer_matrix(scenario.peers.ties) if weights.peer != 0 else _no_peers(n),
        switching_cost=scenario.rule.switching_cost,
        declared=None if declared is None else declared.copy(),
    )


def peer_signals(params: Parameters, holds: np.ndarray) -> np.ndarray:
    """What each country shows its peers: 1 for a framework it holds or has declared support for.

    The peer term counts a declared supporter as a member: a public declaration is the
    signal its peers see before the framework can be joined (and after, until it joins).

    Args:
        params: The current parameters.
        holds: ``(n, k)`` memberships of every country, or ``(runs, n, k)`` one block per
            run of an ensemble (:mod:`sim.ensemble`).

    Returns:
        The signals as floats, the shape of ``holds`` (``holds`` itself when it is float
        and nobody has declared support; never changed in place).

    """
    signals = holds.astype(float, copy=False)
    return signals if params.declared is None else np.maximum(signals, params.declared)


def _bilateral_axis(world: World, leads: np.ndarray, rivals: np.ndarray) -> np.ndarray | None:
    """UNGA agreement with a framework's leads minus agreement with its rivals' leads.

    Each side is the mean agreement with those of its countries the world has an
    agreement column for (:meth:`World.agreement_with`: the USA and China in the shipped
    data). ``None`` when either side has none, so the caller falls back to ideal points.

    Args:
        world: The world.
        leads: ``(n,)`` the framework's leads.
        rivals: ``(n,)`` the leads of the other enabled frameworks, the framework's own
            leads removed.

    Returns:
        ``(n,)`` the axis, or ``None``.

    """
    sides = []
    for side in (leads, rivals):
        columns = [world.agreement_with(code) for code in world.iso3[side]]
        known = [column for column in columns if column is not None]
        if not known:
            return None
        sides.append(np.mean(known, axis=0))
    return sides[0] - sides[1]


def _no_peers(n: int) -> sparse.csr_array:
    return sparse.csr_array((n, n), dtype=float)


def _pair_costs(scenario: Scenario, ids: tuple[str, ...], portfolios: np.ndarray) -> np.ndarray:
    """Cost of each portfolio's pairs: the default dual cost unless a pair has its own."""
    k = len(ids)
    costs = np.full((k, k), scenario.compatibility.dual_cost)
    for pc in scenario.compatibility.pair_costs:
        a, b = pc.pair
        if a in ids and b in ids:
            costs[ids.index(a), ids.index(b)] = costs[ids.index(b), ids.index(a)] = pc.cost
    held = portfolios.astype(float)
    # Each unordered pair once: the upper triangle of the pair-cost matrix.
    return np.einsum("pj,jl,pl->p", held, np.triu(costs, 1), held)


def club_values(
    params: Parameters, member_share: np.ndarray, holds: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Club component (vectorised): weighted share of the *other* members, to the exponent.

    Args:
        params: The current parameters.
        member_share: ``(k,)`` weighted share of all members of each framework, or
            ``(m, k)``: one row per country asked about (each in its own run of an
            ensemble, :mod:`sim.ensemble`).
        holds: ``(m, k)`` current memberships of the countries asked about.
        rows: Which countries (world rows) ``holds`` belongs to; every country when omitted.

    Returns:
        ``(m, k)`` club components, already weighted.

    """
    own_weight = params.club_share_weight if rows is None else params.club_share_weight.take(rows)
    others = member_share - own_weight[:, None] * holds
    return params.club_coef * np.power(np.maximum(others, 0.0), params.club_exponent)


def framework_utilities(
    params: Parameters,
    member_share: np.ndarray,
    holds: np.ndarray,
    peer_share: np.ndarray,
    rows: np.ndarray | None = None,
    offers: np.ndarray | None = None,
    offer_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Utility u_ij of each framework for every country (vectorised path).

    Args:
        params: The current parameters.
        member_share: ``(k,)`` weighted member share of each framework, or ``(m, k)``
            one row per country asked about (see :func:`club_values`).
        holds: ``(m, k)`` current memberships of the countries asked about.
        peer_share: ``(m, k)`` share of their ties that are members.
        rows: Which countries (world rows) the ``m`` rows are; every country when omitted.
            Each row is computed exactly as it would be among all countries.
        offers: ``(n, k)`` sponsors' offers this step for every country (world rows), in
            utility units; none when omitted.
        offer_rows: Which rows of ``offers`` the ``m`` rows take; ``rows`` when omitted.
            An ensemble (:mod:`sim.ensemble`) passes every run's offers stacked, ``(runs *
            n, k)``, and each row's ``run * n + country``.

    Returns:
        ``(m, k)`` utilities, summed in :data:`COMPONENTS` order.

    """
    static = params.static_stack if rows is None else params.static_stack.take(rows, axis=1)
    u = static[0] + club_values(params, member_share, holds, rows)  # alignment, club
    levers = len(Lever)
    for c in range(1, 1 + levers):
        u += static[c]
    u += params.peer_coef * peer_share
    if offers is not None:
        taken = rows if offer_rows is None else offer_rows
        u += offers if taken is None else offers.take(taken, axis=0)
    for c in range(1 + levers, len(STATIC_COMPONENTS)):  # penalty, sovereignty, entry, support, partner
        u += static[c]
    return u


def portfolio_utilities(
    params: Parameters, u: np.ndarray, current: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Utility of every portfolio for every country, ``-inf`` where unavailable.

    A portfolio's frameworks are added in framework order, exactly as the per-agent rule
    does (:meth:`sim.agents.Country.portfolio_utilities`). That order lets each sum reuse
    another: the sum over a set of frameworks is the sum over the set without its last
    framework, plus that framework. So the sums over all ``2**k`` sets are built in ``k``
    array operations of doubling width (set codes ``2**j .. 2**(j+1) - 1`` from codes
    ``0 .. 2**j - 1``), and the allowed portfolios are picked from them: the cost grows
    with the number of portfolios, not with ``k`` times it.

    Args:
        params: The current parameters.
        u: ``(m, k)`` framework utilities.
        current: ``(m,)`` index of each country's current portfolio.
        rows: Which countries (world rows) the ``m`` rows are, for availability; every
            country when omitted.

    Returns:
        ``(m, P)`` portfolio utilities.

    """
    m, k = u.shape
    by_code = np.empty((m, 2**k))
    by_code[:, 0] = 0.0
    for j in range(k):
        width = 1 << j
        np.add(by_code[:, :width], u[:, j : j + 1], out=by_code[:, width : 2 * width])
    codes = params.portfolio_codes
    total = by_code.take(codes, axis=1) if len(codes) < 2**k else by_code
    total -= params.pair_cost  # (P,), or (m, P): one row per country (sim.ensemble)
    staying = np.arange(m), current
    kept = total[staying]
    total -= params.switching_cost
    total[staying] = kept
    available = params.available if rows is None else params.available.take(rows, axis=0)
    np.copyto(total, -np.inf, where=~available)
    return total

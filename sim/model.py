"""The coalition model: countries choose portfolios of AI-governance frameworks.

:class:`CoalitionModel` is a ``mesa.Model`` whose agents are :class:`~sim.agents.Country`
objects. The membership state lives in one integer array (each country's portfolio),
so the vectorised engine can decide for all countries in a few numpy calls, while each
``Country`` reads and explains its own row. Two engines give identical trajectories for
the same seed (the tests prove it):

* ``"vectorized"`` (default): utilities and choices for all countries at once;
* ``"agents"``: each ``Country`` computes its utilities with its own readable rule.

One step: apply the events due at this step (parameter changes, launches,
commitments); a framework that launches ``universal`` makes every eligible country a
member for good; sponsors (:mod:`sim.sponsors`), in the scenario's order, make this step's
offers into ``side_payment``, each seeing the offers made before it; draw two uniform
numbers per country (activation, choice); activated countries revise simultaneously
against the memberships at the start of the step (at the launch of a framework with a
``founding_round`` every country is activated: the founding conference); record the new
state. Sponsors draw no
random numbers, so a run without sponsors is the same run as before they existed.

What a scenario resolves to on a world (its check against the world, its country sets,
its parameter arrays after each event) depends on nothing else, so it is worked out
once per process and shared, read-only, by every run of the same scenario (e.g. the
seeds of one sweep point); see :func:`scenario_setup`.
"""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import mesa
import numpy as np
import pandas as pd

from sim.agents import Country
from sim.errors import InputError
from sim.rules import choose
from sim.scenario import CountrySet, Scenario, check_against_world, resolve
from sim.sponsors import Sponsor, offers_frame
from sim.utility import Parameters, build_parameters, framework_utilities, peer_signals, portfolio_utilities
from sim.world import World

Engine = Literal["vectorized", "agents"]

#: How many scenarios' setups each world keeps (the most recently used). A setup holds one
#: parameter set per event-changed state, about 160 bytes per actor and framework each
#: (63 MB at 100k actors and 4 frameworks), so four stay small at 193 countries; a sweep's
#: seeds of one point reuse one.
SETUP_CACHE_SIZE = 4

#: From this many ties up, the revising countries' rows are sliced out of the peer matrix
#: before multiplying; below it, multiplying every row costs less than SciPy's slicing
#: (193 countries, 9k ties: 4 ms less per 100-step run; 10k actors, 210k ties: slicing
#: wins; see benchmarks/README.md). Both give the same numbers: each row is its own sum.
PEER_SLICE_MIN_TIES = 50_000


@dataclass(eq=False)
class ScenarioSetup:
    """What one scenario resolves to on one world, shared read-only by all its runs.

    Attributes:
        masks: Resolved country sets by field path (e.g. ``frameworks.waico.committed``).
        parameters: Parameter arrays by (scenario digest, launched frameworks,
            committed memberships, declared support), one per state the events lead to.

    """

    masks: dict[str, np.ndarray] = field(default_factory=dict)
    parameters: dict[tuple[str, frozenset[str], bytes, bytes], Parameters] = field(default_factory=dict)


_SETUPS: weakref.WeakKeyDictionary[World, OrderedDict[str, ScenarioSetup]] = weakref.WeakKeyDictionary()


def scenario_setup(scenario: Scenario, world: World) -> ScenarioSetup:
    """The shared setup of a scenario on a world, checked against the world the first time.

    Setups are keyed by the scenario's content (:meth:`Scenario.digest`), so equal
    scenarios share one, and kept for the :data:`SETUP_CACHE_SIZE` most recently used
    scenarios of each world (dropped with the world).

    Args:
        scenario: A validated scenario.
        world: The world it runs on.

    Returns:
        The setup (empty the first time; runs fill it as they go).

    Raises:
        InputError: If the scenario names countries, blocs or tie layers the world lacks.

    """
    per_world = _SETUPS.setdefault(world, OrderedDict())
    key = scenario.digest()
    setup = per_world.pop(key, None)
    if setup is None:
        check_against_world(scenario, world)
        setup = ScenarioSetup()
    per_world[key] = setup  # (re)inserted last: the most recently used
    while len(per_world) > SETUP_CACHE_SIZE:
        per_world.popitem(last=False)
    return setup


def _read_only(params: Parameters) -> Parameters:
    """Lock the arrays of parameters that runs share."""
    for item in fields(params):
        value = getattr(params, item.name)
        for array in value.values() if isinstance(value, dict) else [value]:
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
    return params


class CoalitionModel(mesa.Model):
    """Countries choosing AI-governance frameworks under incentives and pressures.

    Args:
        scenario: A validated scenario (see :func:`sim.load_scenario`).
        world: The countries and their ties (see :meth:`World.load`).
        rng: Seed or numpy Generator; the scenario's seed when omitted.
        engine: ``"vectorized"`` or ``"agents"`` (same results, different speed).
        standing_offers: ``(n, k)`` offers in utility units added to every step's
            ``side_payment`` outside any sponsor's budget (a permanent offer, as
            :mod:`sim.analysis.what_it_takes` probes); none when omitted.
        agents: Create the :class:`~sim.agents.Country` agents. ``False`` saves their
            cost (half of a model's construction at 193 countries) for a model that only
            applies a scenario's events for many runs (:mod:`sim.ensemble`); such a model
            has no agents for :meth:`country` and cannot use the ``"agents"`` engine.

    Attributes:
        spec: The scenario as it stands now (events may have changed it). Mesa's own
            ``model.scenario`` is left to Mesa.
        world: The world.
        params: The scenario turned into arrays (rebuilt after events).
        portfolio: ``(n,)`` index of each country's current portfolio.
        history: Portfolio indices of every country, one array per recorded step.
        side_payment: ``(n, k)`` what sponsors (and standing offers) offer each country
            for holding each framework this step, in utility units (read-only).
        sponsors: The :class:`~sim.sponsors.Sponsor` agents, in the order they act.
        offer_log: Every offer made: (step, sponsor, country row, lever, units, cost).
        spend: Sponsors' total spending at each recorded step (0 at step 0).
        founding_round: Whether a framework with a founding round launched at the
            events applied last (:meth:`apply_events`): every country decides this step.
        datacollector: Mesa DataCollector with each framework's member count.

    """

    def __init__(
        self,
        scenario: Scenario,
        world: World,
        *,
        rng: int | np.random.Generator | None = None,
        engine: Engine = "vectorized",
        standing_offers: np.ndarray | None = None,
        agents: bool = True,
    ) -> None:
        if engine not in ("vectorized", "agents"):
            raise ValueError(f"engine must be 'vectorized' or 'agents', got {engine!r}")
        if engine == "agents" and not agents:
            raise ValueError("the 'agents' engine needs the agents (agents=True)")
        shape = (world.n, len(scenario.active_frameworks))
        if standing_offers is not None and (
            np.shape(standing_offers) != shape or not np.isfinite(standing_offers).all()
        ):
            raise ValueError(f"standing_offers must be a finite array of shape {shape}")
        super().__init__(rng=scenario.seed if rng is None else rng)
        self._setup = scenario_setup(scenario, world)
        self._spec_digest = scenario.digest()
        self.spec = scenario
        self.world = world
        self.engine = engine
        ids = tuple(scenario.active_frameworks)
        self._launched = {fid for fid in ids if scenario.frameworks[fid].launch_step == 0}
        self.founding_round = False
        self._committed = self._resolve_members("committed", ids)
        self._declared = self._resolve_members("supporters", ids)
        for j, fid in enumerate(ids):
            if fid in self._launched and scenario.frameworks[fid].universal:
                self._committed[:, j] |= self._eligible(fid)
        self.params = self._rebuild()
        holds = self._committed | self._resolve_members("initial", ids)
        self._check_exclusive(holds, "initial")
        self.portfolio = self.portfolio_index(holds)
        self._summary_key: tuple[np.ndarray | None, Parameters | None] = (None, None)
        self._summary = (np.zeros((0, len(ids)), dtype=bool), np.zeros(len(ids), dtype=np.int64))
        self.history: list[np.ndarray] = [self.portfolio.copy()]
        self.switches: list[int] = [0]
        if agents:
            Country.create_agents(self, world.n, index=list(range(world.n)))
        self._country_list = list(self.agents)
        self._standing_offers = (
            np.zeros(shape) if standing_offers is None else np.array(standing_offers, dtype=float)
        )
        self._standing_offers.flags.writeable = False
        self.side_payment = self._standing_offers
        self.sponsors = [
            Sponsor(self, fid, sponsor) for fid, sponsor in scenario.sponsors.items() if fid in ids
        ]
        self._offers_active = bool(self.sponsors) or standing_offers is not None
        self.offer_log: list[tuple[int, str, int, str, float, float]] = []
        self.spend: list[float] = [0.0]
        self.datacollector = mesa.DataCollector(
            model_reporters={fid: _member_counter(j) for j, fid in enumerate(ids)}
        )
        self.datacollector.collect(self)

    # -- state -------------------------------------------------------------------
    @property
    def holds(self) -> np.ndarray:
        """``(n, k)`` boolean: which frameworks each country holds now (read-only).

        Computed once per state: the state is the pair (``portfolio`` array, ``params``),
        and both are replaced, never changed in place, when it changes, so their identity
        keys the cache. Copy it to modify it.
        """
        return self._state_summary()[0]

    def member_counts(self) -> np.ndarray:
        """``(k,)`` how many countries hold each framework now (read-only)."""
        return self._state_summary()[1]

    def _state_summary(self) -> tuple[np.ndarray, np.ndarray]:
        """Memberships and member counts of the current state, computed once per state."""
        if self._summary_key[0] is not self.portfolio or self._summary_key[1] is not self.params:
            portfolios = self.params.portfolios
            holds = portfolios.take(self.portfolio, axis=0)
            counts = np.bincount(self.portfolio, minlength=len(portfolios)) @ portfolios
            for array in (holds, counts):
                array.flags.writeable = False
            self._summary_key, self._summary = (self.portfolio, self.params), (holds, counts)
        return self._summary

    def member_share(self) -> np.ndarray:
        """``(k,)`` share of the club weighting held by each framework's members."""
        return self.params.club_share_weight @ self.holds

    def peer_share(self) -> np.ndarray:
        """``(n, k)`` share of each country's ties that hold (or declared support for) each framework."""
        return self.params.peers @ peer_signals(self.params, self.holds)

    def utilities(self) -> np.ndarray:
        """``(n, P)`` every country's utility of every portfolio now, with this step's offers.

        ``-inf`` where a portfolio is unavailable; the switching cost is charged for leaving
        the current portfolio, as in a decision.
        """
        u = framework_utilities(
            self.params, self.member_share(), self.holds, self.peer_share(), offers=self.side_payment
        )
        return portfolio_utilities(self.params, u, self.portfolio)

    def offers(self) -> pd.DataFrame:
        """Every offer made so far, tidy: step, sponsor, iso3, lever, units, cost."""
        return offers_frame(self.offer_log, self.world.iso3)

    def country(self, iso3: str) -> Country:
        """Return the agent of a country by its code.

        Raises:
            KeyError: If the code is unknown.

        """
        return self._country_list[self.world.index[iso3]]

    # -- dynamics ----------------------------------------------------------------
    def step(self) -> None:
        """Advance one step: events, sponsors' offers, draws, simultaneous revision, record."""
        revision = self.start_step()
        n = self.world.n
        draws = self.rng.random((2, n))
        revising = np.flatnonzero(draws[0] < revision)
        if self.engine == "vectorized":
            proposed = self._decide(revising, draws[1][revising])
        else:
            proposed = [self._country_list[i].decide(draws[1][i]) for i in revising.tolist()]
        new = self.portfolio.copy()
        new[revising] = proposed
        self.switches.append(int(np.count_nonzero(new != self.portfolio)))
        self.portfolio = new
        self.history.append(new.copy())
        self.datacollector.collect(self)

    def start_step(self) -> np.ndarray:
        """The part of :meth:`step` before any random draw: events, then sponsors' offers.

        After it, each country revises with the returned probability, independently, and a
        country that revises chooses by :func:`sim.rules.choice_probabilities` of
        :meth:`utilities`: the law of the step's outcome given the state before it.

        Returns:
            ``(n,)`` each country's probability of revising: the activation rate, or 1 in
            a founding round (every country decides at once).

        """
        self.apply_events(self.steps)
        spent = 0.0
        if self.sponsors:
            self.side_payment = self._standing_offers.copy()
            for sponsor in self.sponsors:
                spent += sponsor.act()
            self.side_payment.flags.writeable = False
        self.spend.append(spent)
        rate = 1.0 if self.founding_round else self.spec.rule.activation_rate
        return np.full(self.world.n, rate)

    def _decide(self, rows: np.ndarray, choice_draws: np.ndarray) -> np.ndarray:
        """Vectorised decision of the countries in ``rows`` (the hot path).

        Only the revising countries' rows are computed; each row's arithmetic is the
        same as among all countries, so the choices equal the per-agent rule's.
        """
        params, holds, current = self.params, self.holds, self.portfolio.take(rows)
        signals = peer_signals(params, holds)
        if params.peers.nnz >= PEER_SLICE_MIN_TIES:
            peer_share = params.peers[rows] @ signals
        else:
            peer_share = (params.peers @ signals).take(rows, axis=0)
        offers = self.side_payment if self._offers_active else None
        u = framework_utilities(
            params, self.member_share(), holds.take(rows, axis=0), peer_share, rows, offers
        )
        utilities = portfolio_utilities(params, u, current, rows)
        return choose(self.spec.rule, utilities, current, choice_draws)

    def event_steps(self) -> set[int]:
        """The steps at which the scenario as it stands may change anything: launches and events.

        At any other step :meth:`apply_events` leaves the model as it is.
        """
        return {self.spec.frameworks[fid].launch_step for fid in self.spec.active_frameworks} | {
            event.step for event in self.spec.events
        }

    def apply_events(self, step: int) -> None:
        """Apply the events and launches due at ``step``; rebuild the parameters if needed.

        :meth:`step` calls it first; the ensemble engine (:mod:`sim.ensemble`) calls it
        on copies of one model (:meth:`fork`) to apply a scenario's events to many runs'
        states. Commitments change :attr:`portfolio`, each country's new portfolio as a
        function of its own portfolio alone; the rest (scenario, launched frameworks,
        parameters) does not depend on the state. Sets :attr:`founding_round`.

        Args:
            step: The step whose events apply (the model's ``steps`` before it steps).

        """
        launching = [
            fid for fid in self.params.framework_ids
            if self.spec.frameworks[fid].launch_step == step and fid not in self._launched
        ]  # fmt: skip
        pending: dict[str, Any] = {}  # consecutive sets, applied as one override (see _apply_sets)
        for i, event in enumerate(self.spec.events):
            if event.step != step:
                continue
            if event.set is not None:
                for path, value in event.set.items():
                    pending.pop(path, None)  # a path set again takes its place after the others
                    pending[path] = value
                continue
            self._apply_sets(pending)
            if event.launch is not None:
                if event.launch not in self._launched and event.launch not in launching:
                    launching.append(event.launch)
            elif event.commit is not None:
                framework, countries = event.commit.framework, event.commit.countries
                if framework in self.params.framework_ids:  # else disabled: nothing to join
                    joining = self.country_mask(countries, f"events.{i}.commit.countries")
                    self._commit(framework, joining, f"events.{i}.commit")
            elif event.support is not None:
                framework, countries = event.support.framework, event.support.countries
                if framework in self.params.framework_ids:  # else disabled: nothing to support
                    declaring = self.country_mask(countries, f"events.{i}.support.countries")
                    self._declared = self._declared.copy()  # a fork may share the old array
                    self._declared[declaring, self.params.framework_ids.index(framework)] = True
        self._apply_sets(pending)
        launching = [fid for fid in launching if fid in self.params.framework_ids]
        self._launched.update(launching)
        for fid in launching:
            if self.spec.frameworks[fid].universal:
                self._commit(fid, self._eligible(fid), f"frameworks.{fid}.universal")
        self.founding_round = any(self.spec.frameworks[fid].founding_round for fid in launching)
        if launching or any(event.step == step for event in self.spec.events):
            self.params = self._rebuild()

    def _apply_sets(self, pending: dict[str, Any]) -> None:
        """Apply a run of ``set`` events as one override, then forget them.

        Each path keeps the position of its last setting, so applying the paths in order
        gives what applying the events one by one gives (a later setting of a mapping
        replaces earlier settings inside it, later settings inside it apply on top), with
        one validation of the scenario instead of one per event: a scenario with thousands
        of set events at a step ran in quadratic time.
        """
        if pending:
            self.spec = self.spec.with_overrides(pending)
            self._spec_digest = self.spec.digest()
            pending.clear()

    def fork(self) -> CoalitionModel:
        """A copy whose state can change without changing this model.

        Containers holding state (the portfolio, history, commitments, launched
        frameworks, logs) are copied; what runs share read-only (the scenario, world,
        parameters, setup) stays shared. Agents, sponsors and the random generator stay
        this model's: a fork is for applying events (:meth:`apply_events`) and reading
        results (:meth:`RunResult.from_model <sim.results.RunResult.from_model>`), not
        for stepping.

        Returns:
            The copy.

        """
        clone = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, set | list | dict | np.ndarray):
                setattr(clone, name, copy.copy(value))
        return clone

    def _eligible(self, fid: str) -> np.ndarray:
        """Who may join framework ``fid``: its ``eligible`` set, or everyone."""
        eligible = self.spec.frameworks[fid].eligible
        if eligible is None:
            return np.ones(self.world.n, dtype=bool)
        return self.country_mask(eligible, f"frameworks.{fid}.eligible")

    def _commit(self, framework: str, joining: np.ndarray, field: str) -> None:
        """Make the countries in ``joining`` members of ``framework`` for good."""
        j = self.params.framework_ids.index(framework)
        holds = self.holds.copy()
        holds[joining, j] = True
        for a, b in self.spec.compatibility.exclusive:
            other = b if a == framework else a if b == framework else None
            if other in self.params.framework_ids:
                m = self.params.framework_ids.index(other)
                holds[joining, m] &= self._committed[joining, m]
        self._committed[joining, j] = True
        self._check_exclusive(holds, field)
        self.portfolio = self.portfolio_index(holds)

    # -- helpers -----------------------------------------------------------------
    def _rebuild(self) -> Parameters:
        """The parameters of the current state, built once per state and shared."""
        key = (
            self._spec_digest, frozenset(self._launched),
            np.packbits(self._committed).tobytes(), np.packbits(self._declared).tobytes(),
        )  # fmt: skip
        cached = self._setup.parameters
        if key not in cached:
            params = build_parameters(self.spec, self.world, self._launched, self._committed, self._declared)
            cached[key] = _read_only(params)
        return cached[key]

    def country_mask(self, country_set: CountrySet, field: str) -> np.ndarray:
        """A country set of the scenario as a boolean mask, resolved once and shared (read-only).

        Args:
            country_set: A country set of this scenario.
            field: Its dotted field path (the cache key, and where errors point).

        Returns:
            ``(n,)`` boolean mask.

        """
        masks = self._setup.masks
        if field not in masks:
            mask = resolve(country_set, self.world, self.spec.source, field)
            mask.flags.writeable = False
            masks[field] = mask
        return masks[field]

    def _resolve_members(self, part: str, ids: tuple[str, ...]) -> np.ndarray:
        holds = np.zeros((self.world.n, len(ids)), dtype=bool)
        for j, fid in enumerate(ids):
            country_set = getattr(self.spec.frameworks[fid], part)
            holds[:, j] = self.country_mask(country_set, f"frameworks.{fid}.{part}")
        return holds

    def portfolio_index(self, holds: np.ndarray) -> np.ndarray:
        """Map memberships to portfolio row indices.

        Args:
            holds: ``(n, k)`` memberships, one column per framework of :attr:`params`.

        Returns:
            ``(n,)`` indices into ``params.portfolios``; -1 where a row is no portfolio
            (e.g. an excluded pair).

        """
        k = self.params.k
        bits = 1 << np.arange(k)
        lookup = np.full(2**k, -1, dtype=np.int64)
        lookup[self.params.portfolios.astype(np.int64) @ bits] = np.arange(len(self.params.portfolios))
        return lookup[holds.astype(np.int64) @ bits]

    def _check_exclusive(self, holds: np.ndarray, field: str) -> None:
        ids = self.params.framework_ids
        for a, b in self.spec.compatibility.exclusive:
            if a in ids and b in ids:
                both = holds[:, ids.index(a)] & holds[:, ids.index(b)]
                if both.any():
                    raise InputError(
                        self.spec.source, field,
                        f"no country in both '{a}' and '{b}', which exclude each other",
                        f"'{self.world.iso3[both.argmax()]}' in both",
                    )  # fmt: skip


def _member_counter(j: int):
    """A DataCollector reporter counting the members of framework ``j``."""

    def count(model: CoalitionModel) -> int:
        return int(model.member_counts()[j])

    return count

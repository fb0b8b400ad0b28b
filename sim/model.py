"""The coalition model: countries choose portfolios of AI-governance frameworks.

:class:`CoalitionModel` is a ``mesa.Model`` whose agents are :class:`~sim.agents.Country`
objects. The membership state lives in one integer array (each country's portfolio),
so the vectorised engine can decide for all countries in a few numpy calls, while each
``Country`` reads and explains its own row. Two engines give identical trajectories for
the same seed (the tests prove it):

* ``"vectorized"`` (default): utilities and choices for all countries at once;
* ``"agents"``: each ``Country`` computes its utilities with its own readable rule.

One step: apply the events due at this step (parameter changes, launches,
commitments); draw two uniform numbers per country (activation, choice); activated
countries revise simultaneously against the memberships at the start of the step;
record the new state.
"""

from __future__ import annotations

from typing import Literal

import mesa
import numpy as np

from sim.agents import Country
from sim.errors import InputError
from sim.rules import choose
from sim.scenario import Scenario, check_against_world, resolve
from sim.utility import Parameters, build_parameters, framework_utilities, portfolio_utilities
from sim.world import World

Engine = Literal["vectorized", "agents"]


class CoalitionModel(mesa.Model):
    """Countries choosing AI-governance frameworks under incentives and pressures.

    Args:
        scenario: A validated scenario (see :func:`sim.load_scenario`).
        world: The countries and their ties (see :meth:`World.load`).
        rng: Seed or numpy Generator; the scenario's seed when omitted.
        engine: ``"vectorized"`` or ``"agents"`` (same results, different speed).

    Attributes:
        spec: The scenario as it stands now (events may have changed it). Mesa's own
            ``model.scenario`` is left to Mesa.
        world: The world.
        params: The scenario turned into arrays (rebuilt after events).
        portfolio: ``(n,)`` index of each country's current portfolio.
        history: Portfolio indices of every country, one array per recorded step.
        datacollector: Mesa DataCollector with each framework's member count.

    """

    def __init__(
        self,
        scenario: Scenario,
        world: World,
        *,
        rng: int | np.random.Generator | None = None,
        engine: Engine = "vectorized",
    ) -> None:
        if engine not in ("vectorized", "agents"):
            raise ValueError(f"engine must be 'vectorized' or 'agents', got {engine!r}")
        super().__init__(rng=scenario.seed if rng is None else rng)
        check_against_world(scenario, world)
        self.spec = scenario
        self.world = world
        self.engine = engine
        ids = tuple(scenario.active_frameworks)
        self._launched = {fid for fid in ids if scenario.frameworks[fid].launch_step == 0}
        self._committed = self._resolve_members("committed", ids)
        self.params = self._rebuild()
        holds = self._committed | self._resolve_members("initial", ids)
        self._check_exclusive(holds, "initial")
        self.portfolio = self._portfolio_index(holds)
        self._holds_key: tuple[np.ndarray | None, Parameters | None] = (None, None)
        self._holds = np.zeros((0, len(ids)), dtype=bool)
        self.history: list[np.ndarray] = [self.portfolio.copy()]
        self.switches: list[int] = [0]
        Country.create_agents(self, world.n, index=list(range(world.n)))
        self._country_list = list(self.agents)
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
        if self._holds_key[0] is not self.portfolio or self._holds_key[1] is not self.params:
            holds = self.params.portfolios[self.portfolio]
            holds.flags.writeable = False
            self._holds_key, self._holds = (self.portfolio, self.params), holds
        return self._holds

    def member_share(self) -> np.ndarray:
        """``(k,)`` share of the club weighting held by each framework's members."""
        return self.params.club_share_weight @ self.holds

    def peer_share(self) -> np.ndarray:
        """``(n, k)`` share of each country's ties that hold each framework."""
        return self.params.peers @ self.holds.astype(float)

    def country(self, iso3: str) -> Country:
        """Return the agent of a country by its code.

        Raises:
            KeyError: If the code is unknown.

        """
        return self._country_list[self.world.index[iso3]]

    # -- dynamics ----------------------------------------------------------------
    def step(self) -> None:
        """Advance one step: events, draws, simultaneous revision, record."""
        self._apply_events(self.steps)
        n = self.world.n
        draws = self.rng.random((2, n))
        revising = np.flatnonzero(draws[0] < self.spec.rule.activation_rate)
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

    def _decide(self, rows: np.ndarray, choice_draws: np.ndarray) -> np.ndarray:
        """Vectorised decision of the countries in ``rows`` (the hot path).

        Only the revising countries' rows are computed; each row's arithmetic is the
        same as among all countries, so the choices equal the per-agent rule's.
        """
        params, holds, current = self.params, self.holds, self.portfolio[rows]
        peer_share = params.peers[rows] @ holds.astype(float)
        u = framework_utilities(params, self.member_share(), holds[rows], peer_share, rows)
        utilities = portfolio_utilities(params, u, current, rows)
        return choose(self.spec.rule, utilities, current, choice_draws)

    def _apply_events(self, step: int) -> None:
        """Apply the events and launches due at ``step``; rebuild parameters if needed."""
        changed = False
        for fid in self.params.framework_ids:
            if self.spec.frameworks[fid].launch_step == step and fid not in self._launched:
                self._launched.add(fid)
                changed = True
        for i, event in enumerate(self.spec.events):
            if event.step != step:
                continue
            changed = True
            if event.set is not None:
                self.spec = self.spec.with_overrides(event.set)
            elif event.launch is not None:
                self._launched.add(event.launch)
            elif event.commit is not None:
                self._commit(event.commit.framework, event.commit.countries, f"events.{i}.commit")
        if changed:
            self.params = self._rebuild()

    def _commit(self, framework: str, countries, field: str) -> None:
        """Make countries members of ``framework`` for good (an event)."""
        if framework not in self.params.framework_ids:
            return  # a disabled framework: nothing to join
        j = self.params.framework_ids.index(framework)
        joining = resolve(countries, self.world, self.spec.source, f"{field}.countries")
        holds = self.holds.copy()
        holds[joining, j] = True
        for a, b in self.spec.compatibility.exclusive:
            other = b if a == framework else a if b == framework else None
            if other in self.params.framework_ids:
                m = self.params.framework_ids.index(other)
                holds[joining, m] &= self._committed[joining, m]
        self._committed[joining, j] = True
        self._check_exclusive(holds, field)
        self.portfolio = self._portfolio_index(holds)

    # -- helpers -----------------------------------------------------------------
    def _rebuild(self) -> Parameters:
        return build_parameters(self.spec, self.world, self._launched, self._committed)

    def _resolve_members(self, part: str, ids: tuple[str, ...]) -> np.ndarray:
        holds = np.zeros((self.world.n, len(ids)), dtype=bool)
        for j, fid in enumerate(ids):
            country_set = getattr(self.spec.frameworks[fid], part)
            holds[:, j] = resolve(country_set, self.world, self.spec.source, f"frameworks.{fid}.{part}")
        return holds

    def _portfolio_index(self, holds: np.ndarray) -> np.ndarray:
        """Map ``(n, k)`` memberships to portfolio row indices."""
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
        return int(np.count_nonzero(model.holds[:, j]))

    return count

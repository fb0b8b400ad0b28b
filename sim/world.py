"""The world the model runs on: countries, their attributes and the ties between them.

A :class:`World` is immutable and holds plain numpy arrays so that the model's hot path
never touches pandas. It comes from one of two places:

* :meth:`World.load` reads the country table shipped in ``sim/data/`` (built from public
  sources by ``tools/build_data.py``; see ``sim/data/SOURCES.md``). It is cached, so a
  process reads the files once however many runs it makes.
* :meth:`World.synthetic` (and the general :meth:`World.from_arrays`) builds artificial
  worlds for tests, teaching and scaling benchmarks.

Missing values follow stated rules (see ``docs/data.md``): a country without GDP (North
Korea) counts in neither the numerator nor the denominator of GDP shares and carries zero
GDP weight; the AI-capacity proxy is imputed when GDP is missing and flagged in the table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry
from scipy import sparse

from sim.vocabulary import ATTRIBUTES

#: Access to US advanced AI chips under the AI Diffusion rule (15 Jan 2025, rescinded
#: 13 May 2025) by tier: tier 1 unrestricted, tier 2 (every country not named in tiers 1
#: and 3) capped, tier 3 barred. The rule's tiers are sourced (sim/data/ai_affiliations.csv);
#: the numbers 1, 0.5, 0 spacing them evenly are an ASSUMPTION.
US_COMPUTE_ACCESS = {"tier1": 1.0, "tier2": 0.5, "tier3": 0.0}

#: Columns of the country table holding UNGA voting agreement with a country, by its code
#: (share of votes cast the same way, 2019-2023; see sim/data/SOURCES.md).
AGREEMENT_COLUMN = "agree_{code}_mean_2019_2023"

#: Blocs that create peer ties (shared memberships). Development categories such as
#: LDC, LLDC and SIDS describe a country but are not organisations, so they do not.
TIE_BLOCS = (
    "eu", "oecd", "g7", "g20", "brics", "brics_partner", "sco", "au", "asean", "nato",
    "gcc", "council_of_europe", "apec", "cis",
)  # fmt: skip

#: Neighbours per country in the alignment-similarity tie layer.
ALIGNMENT_NEIGHBOURS = 10


@dataclass(frozen=True, eq=False)
class World:
    """Countries (or synthetic actors) with attributes and weighted tie networks.

    Attributes:
        iso3: Identifier of each actor, shape ``(n,)``.
        names: Display name of each actor.
        region: Region label of each actor (UN subregion for real countries).
        ideal_point: Foreign-policy position (UNGA ideal point; higher is closer to the
            USA), shape ``(n,)``.
        gdp: GDP in current US$; NaN where missing.
        population: Population.
        ai_capacity: AI-capacity proxy in [0, 1].
        ties: Tie layers by name, each a symmetric sparse matrix with zero diagonal.
        blocs: Membership of each actor in each bloc, boolean, index ``iso3``.
        affiliations: AI-governance affiliations in long form (iso3, framework,
            relation, date); empty for synthetic worlds.
        table: The full country table, for display and analysis (not used in the
            hot path).
        data_version: Version of the shipped data, or ``"synthetic"``.
        bloc_since: When each actor joined each bloc, an ISO date or year as text, index
            ``iso3``; empty where the data give no date (and for synthetic worlds).

    """

    iso3: np.ndarray
    names: np.ndarray
    region: np.ndarray
    ideal_point: np.ndarray
    gdp: np.ndarray
    population: np.ndarray
    ai_capacity: np.ndarray
    ties: Mapping[str, sparse.csr_array]
    blocs: pd.DataFrame
    affiliations: pd.DataFrame
    table: pd.DataFrame
    data_version: str
    bloc_since: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _peer_cache: dict = field(default_factory=dict, repr=False)
    _member_cache: dict = field(default_factory=dict, repr=False)
    _agreement_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = len(self.iso3)
        for name in ("names", "region", "ideal_point", "gdp", "population", "ai_capacity"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"World.{name} has {len(getattr(self, name))} rows, expected {n}")
        if len(set(self.iso3.tolist())) != n:
            raise ValueError("World.iso3 holds duplicate identifiers")
        for layer, matrix in self.ties.items():
            if matrix.shape != (n, n):
                raise ValueError(f"tie layer '{layer}' has shape {matrix.shape}, expected {(n, n)}")
        if np.any((self.ai_capacity < 0) | (self.ai_capacity > 1)):
            raise ValueError("World.ai_capacity must lie in [0, 1]")

    @property
    def n(self) -> int:
        """Number of actors."""
        return len(self.iso3)

    @cached_property
    def index(self) -> dict[str, int]:
        """Position of each identifier in the arrays."""
        return {code: i for i, code in enumerate(self.iso3.tolist())}

    def attribute(self, name: str) -> np.ndarray:
        """Return a per-actor attribute used to scale levers, penalties and autonomy.

        ``absorptive_gap`` is the need for capability levers (open models, capacity
        building, infrastructure): the gap, low AI capacity ``1 - c`` plus missing access to
        US chips ``1 - access`` (:attr:`us_compute_access`), times the capacity ``c`` to
        absorb what is offered (Cohen and Levinthal 1990): a middle-income state cut off from
        US chips needs them most, a state without a digital base cannot yet use them.

        Args:
            name: One of :data:`ATTRIBUTES`.

        Returns:
            A float array of shape ``(n,)``.

        Raises:
            ValueError: If ``name`` is not a known attribute.

        """
        if name == "uniform":
            return np.ones(self.n)
        if name == "ai_capacity":
            return self.ai_capacity
        if name == "low_ai_capacity":
            return 1.0 - self.ai_capacity
        if name == "absorptive_gap":
            # A gap to close (low AI capacity, little access to US chips) AND the capacity
            # to absorb what closes it: c * ((1 - c) + (1 - access)), in [0, 1].
            return self.ai_capacity * ((1.0 - self.ai_capacity) + (1.0 - self.us_compute_access))
        raise ValueError(f"unknown attribute '{name}', expected one of {ATTRIBUTES}")

    @cached_property
    def us_compute_access(self) -> np.ndarray:
        """``(n,)`` access to US advanced AI chips by AI Diffusion rule tier, in [0, 1].

        From the ``us_diffusion_rule`` rows of the affiliations (see
        :data:`US_COMPUTE_ACCESS`); a country the rule's lists do not name was in tier 2,
        as was every actor of a synthetic world; the USA, whose exports the rule
        restricts, has full access.
        """
        access = np.full(self.n, US_COMPUTE_ACCESS["tier2"])
        rows = self.affiliations[self.affiliations["framework"] == "us_diffusion_rule"]
        for code, tier in zip(rows["iso3"], rows["relation"], strict=True):
            if code in self.index and tier in US_COMPUTE_ACCESS:
                access[self.index[code]] = US_COMPUTE_ACCESS[tier]
        if "USA" in self.index:  # the rule restricts exports from the United States
            access[self.index["USA"]] = US_COMPUTE_ACCESS["tier1"]
        access.flags.writeable = False
        return access

    def agreement_with(self, code: str) -> np.ndarray | None:
        """Each actor's UNGA voting agreement with country ``code`` (2019-2023), if known.

        Args:
            code: An ISO3 code, e.g. ``"USA"``.

        Returns:
            ``(n,)`` shares in [0, 1] (read-only), or ``None`` when the table has no such
            column (only the USA and China have one in the shipped data; synthetic worlds
            have none).

        """
        if code not in self._agreement_cache:  # asked once per lead country by every parameter build
            column = AGREEMENT_COLUMN.format(code=code.lower())
            values = self.table[column].to_numpy(dtype=float) if column in self.table.columns else None
            if values is not None:
                values.flags.writeable = False
            self._agreement_cache[code] = values
        return self._agreement_cache[code]

    @cached_property
    def weights(self) -> dict[str, np.ndarray]:
        """Non-negative weights for membership shares, by weighting.

        Missing GDP counts as zero weight: such a country is in neither the numerator
        nor the denominator of a GDP share (the stated rule for missing GDP).
        """
        return {
            "count": np.ones(self.n),
            "gdp": np.nan_to_num(self.gdp, nan=0.0),
            "population": np.nan_to_num(self.population, nan=0.0),
            "ai_capacity": self.ai_capacity.astype(float),
        }

    @cached_property
    def alignment_spread(self) -> float:
        """Standard deviation of ideal points, the unit of alignment distance."""
        spread = float(np.std(self.ideal_point))
        return spread if spread > 0 else 1.0

    def peer_matrix(self, layer_weights: Mapping[str, float]) -> sparse.csr_array:
        """Combine tie layers into one row-normalised peer matrix.

        Row ``i`` gives the share of actor ``i``'s total tie weight that each other
        actor holds; an actor without ties has an all-zero row (no peer influence).

        Args:
            layer_weights: Weight of each tie layer; layers not named weigh zero.

        Returns:
            A sparse ``(n, n)`` matrix whose non-empty rows sum to one.

        Raises:
            ValueError: If a layer is unknown or a weight is negative.

        """
        key = tuple(sorted((k, float(v)) for k, v in layer_weights.items() if v != 0))
        if key in self._peer_cache:
            return self._peer_cache[key]
        combined = sparse.csr_array((self.n, self.n), dtype=float)
        for layer, weight in key:
            if layer not in self.ties:
                raise ValueError(f"unknown tie layer '{layer}', expected one of {sorted(self.ties)}")
            if weight < 0:
                raise ValueError(f"tie layer '{layer}' has negative weight {weight}")
            combined = combined + weight * self.ties[layer]
        totals = np.asarray(combined.sum(axis=1)).ravel()
        scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        normalised = sparse.csr_array(sparse.diags_array(scale) @ combined)
        self._peer_cache[key] = normalised
        return normalised

    def members(
        self,
        countries: list[str] | tuple[str, ...] = (),
        blocs: list[str] | tuple[str, ...] = (),
        affiliations: list[str] | tuple[str, ...] = (),
        as_of: str | None = None,
        everyone: bool = False,
    ) -> np.ndarray:
        """Select actors by identifier, bloc and AI-governance affiliation.

        Args:
            countries: Identifiers to include.
            blocs: Bloc ids whose members (any relation) are included.
            affiliations: Affiliation framework ids, optionally ``framework:relation``
                (e.g. ``us_diffusion_rule:tier1``), whose countries are included.
            as_of: Only affiliations and bloc memberships dated on or before this ISO
                date count; one without a date counts (the lists' dates are incomplete),
                and one dated by its year alone counts from that year's start.
            everyone: Include every actor.

        Returns:
            A boolean mask of shape ``(n,)``.

        Raises:
            KeyError: With the unknown identifier, bloc or affiliation as its argument.

        """
        key = (tuple(countries), tuple(blocs), tuple(affiliations), as_of, everyone)
        if key not in self._member_cache:  # scenarios of a sweep name the same sets again and again
            self._member_cache[key] = self._members(*key)
        return self._member_cache[key].copy()

    def _members(
        self,
        countries: tuple[str, ...],
        blocs: tuple[str, ...],
        affiliations: tuple[str, ...],
        as_of: str | None,
        everyone: bool,
    ) -> np.ndarray:
        """The mask :meth:`members` returns, computed (it keeps one per selection)."""
        mask = np.full(self.n, everyone, dtype=bool)
        for code in countries:
            if code not in self.index:
                raise KeyError(code)
        mask[[self.index[c] for c in countries]] = True
        for bloc in blocs:
            if bloc not in self.blocs.columns:
                raise KeyError(bloc)
            member = self.blocs[bloc].to_numpy(dtype=bool)
            if as_of is not None and bloc in self.bloc_since.columns:
                since = self.bloc_since[bloc].reindex(self.iso3).fillna("").to_numpy(dtype=str)
                member = member & (since <= as_of)  # "" (undated) sorts first
            mask |= member
        for spec in affiliations:
            framework, _, relation = spec.partition(":")
            rows = self.affiliations[self.affiliations["framework"] == framework]
            if rows.empty:
                raise KeyError(spec)
            if relation:
                rows = rows[rows["relation"] == relation]
                if rows.empty:
                    raise KeyError(spec)
            if as_of is not None:
                rows = rows[rows["date"].fillna("") <= as_of]
            mask[[self.index[c] for c in rows["iso3"] if c in self.index]] = True
        return mask

    @classmethod
    def from_arrays(
        cls,
        *,
        ideal_point: np.ndarray,
        gdp: np.ndarray | None = None,
        population: np.ndarray | None = None,
        ai_capacity: np.ndarray | None = None,
        region: np.ndarray | None = None,
        ties: Mapping[str, sparse.sparray] | None = None,
        iso3: np.ndarray | None = None,
    ) -> World:
        """Build a world from arrays; missing attributes default to neutral values.

        Args:
            ideal_point: Position of each actor, shape ``(n,)``; fixes ``n``.
            gdp: Economic weight (default 1 for everyone).
            population: Population weight (default 1 for everyone).
            ai_capacity: Capacity in [0, 1] (default 0.5 for everyone).
            region: Region label (default one region for everyone).
            ties: Tie layers (default none); each is symmetrised and its diagonal dropped.
            iso3: Identifiers (default ``A0000``, ``A0001``, ...).

        Returns:
            A synthetic :class:`World` with ``data_version == "synthetic"``.

        """
        ideal = np.asarray(ideal_point, dtype=float)
        n = len(ideal)
        codes = np.asarray(iso3) if iso3 is not None else np.array([f"A{i:04d}" for i in range(n)])
        ones = np.ones(n)
        layers = {name: _clean_layer(m) for name, m in (ties or {}).items()}
        table = pd.DataFrame(
            {
                "name": codes,
                "region": region if region is not None else np.full(n, "all"),
                "ideal_point": ideal,
                "gdp_usd": ones if gdp is None else gdp,
                "population": ones if population is None else population,
                "ai_capacity_proxy": np.full(n, 0.5) if ai_capacity is None else ai_capacity,
            },
            index=pd.Index(codes, name="iso3"),
        )
        return cls(
            iso3=codes,
            names=codes.copy(),
            region=table["region"].to_numpy(),
            ideal_point=ideal,
            gdp=table["gdp_usd"].to_numpy(dtype=float),
            population=table["population"].to_numpy(dtype=float),
            ai_capacity=table["ai_capacity_proxy"].to_numpy(dtype=float),
            ties=layers,
            blocs=pd.DataFrame(index=table.index),
            affiliations=pd.DataFrame(columns=["iso3", "framework", "relation", "date"]),
            table=table,
            data_version="synthetic",
        )

    @classmethod
    def synthetic(
        cls,
        n: int,
        *,
        rng: np.random.Generator | int | None = None,
        mean_degree: float = 10.0,
        n_regions: int = 5,
    ) -> World:
        """Build a random world of ``n`` actors with a sparse random tie network.

        Ideal points are standard normal, GDP and population log-normal, AI capacity
        the GDP rank scaled to [0, 1]; the ``random`` tie layer is an Erdős–Rényi graph
        with the given mean degree, and the ``alignment`` layer links each actor to its
        nearest neighbours in ideal point.

        Args:
            n: Number of actors (at least 2).
            rng: A numpy Generator or seed, for reproducible worlds.
            mean_degree: Expected number of random ties per actor.
            n_regions: Number of region labels assigned at random.

        Returns:
            A synthetic :class:`World`.

        Raises:
            ValueError: If ``n < 2`` or ``mean_degree`` is negative.

        """
        if n < 2:
            raise ValueError(f"a synthetic world needs at least 2 actors, got {n}")
        if mean_degree < 0:
            raise ValueError(f"mean_degree must be non-negative, got {mean_degree}")
        gen = np.random.default_rng(rng)
        ideal = gen.standard_normal(n)
        gdp = gen.lognormal(mean=25.0, sigma=2.0, size=n)
        population = gen.lognormal(mean=16.0, sigma=1.5, size=n)
        capacity = (np.argsort(np.argsort(gdp)) / max(n - 1, 1)).astype(float)
        edges = gen.binomial(n * (n - 1) // 2, min(mean_degree / max(n - 1, 1), 1.0))
        rows = gen.integers(0, n, size=edges)
        cols = gen.integers(0, n, size=edges)
        random_ties = sparse.coo_array((np.ones(edges), (rows, cols)), shape=(n, n))
        return cls.from_arrays(
            ideal_point=ideal,
            gdp=gdp,
            population=population,
            ai_capacity=capacity,
            region=np.array([f"R{r}" for r in gen.integers(0, n_regions, size=n)]),
            ties={
                "random": random_ties,
                "alignment": alignment_ties(ideal, min(ALIGNMENT_NEIGHBOURS, n - 1)),
            },
        )

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> World:
        """Load the shipped world of 193 UN member states (cached per process).

        Args:
            data_dir: A folder with the shipped data files; the package's own by default.

        Returns:
            The real-data :class:`World`.

        """
        return _load_world(str(data_dir) if data_dir is not None else "")


def _clean_layer(matrix: sparse.sparray) -> sparse.csr_array:
    """Symmetrise a tie layer (keeping the larger weight), drop its diagonal."""
    layer = sparse.csr_array(matrix, dtype=float)
    layer = layer.maximum(layer.T)
    layer.setdiag(0)
    layer.eliminate_zeros()
    return sparse.csr_array(layer)


def alignment_ties(ideal_point: np.ndarray, neighbours: int) -> sparse.csr_array:
    """Link each actor to its nearest neighbours in ideal point.

    Ties weigh ``exp(-|difference| / spread)`` (spread = standard deviation of ideal
    points), so closer positions tie more strongly; the layer is symmetrised.

    Args:
        ideal_point: Positions, shape ``(n,)``.
        neighbours: Neighbours per actor (on each side of the sorted order together).

    Returns:
        A symmetric sparse ``(n, n)`` matrix with zero diagonal.

    """
    n = len(ideal_point)
    order = np.argsort(ideal_point, kind="stable")
    spread = float(np.std(ideal_point)) or 1.0
    # In sorted order the k nearest neighbours lie within k places on either side;
    # take the k closest among those 2k candidates.
    position = np.arange(n)
    candidates = np.clip(position[:, None] + np.arange(-neighbours, neighbours + 1)[None, :], 0, n - 1)
    distance = np.abs(ideal_point[order][candidates] - ideal_point[order][:, None])
    distance[candidates == position[:, None]] = np.inf
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :neighbours]
    rows = np.repeat(order, neighbours)
    cols = order[np.take_along_axis(candidates, nearest, axis=1)].ravel()
    gaps = np.abs(ideal_point[rows] - ideal_point[cols])
    layer = sparse.coo_array((np.exp(-gaps / spread), (rows, cols)), shape=(n, n))
    return _clean_layer(layer)


#: Codes in wide use for places ISO 3166-1 does not assign (Kosovo: the EU, the World Bank
#: and the IMF use XKX), with their names.
UNASSIGNED_IN_USE = {"XKX": "Kosovo"}


def place_name(code: str) -> str | None:
    """The name of a place by its ISO 3166-1 alpha-3 code, whether or not the model has it.

    The shipped world's actors are the 193 UN member states; observations may also name
    places that are not (the State of Palestine, Taiwan, Kosovo). This tells such a code
    (a name) from a code that names no place (``None``). The names come from pycountry's
    copy of the ISO 3166-1 list, plus :data:`UNASSIGNED_IN_USE`.

    Args:
        code: A three-letter code in capitals.

    Returns:
        The place's name, or ``None`` when no place has that code.

    """
    if code in UNASSIGNED_IN_USE:
        return UNASSIGNED_IN_USE[code]
    place = pycountry.countries.get(alpha_3=code)
    return place.name if place is not None else None


def data_dir() -> Path:
    """Return the folder of the shipped data files."""
    return Path(__file__).resolve().parent / "data"


@cache
def _load_world(folder: str) -> World:
    """Read the shipped data files once per process and build the real world."""
    root = Path(folder) if folder else data_dir()
    read = {"keep_default_na": False, "na_values": [""]}
    table = pd.read_csv(root / "countries.csv", **read).set_index("iso3").sort_index()
    bloc_rows = pd.read_csv(root / "blocs.csv", dtype=str, **read)
    affiliations = pd.read_csv(root / "ai_affiliations.csv", dtype=str, **read)
    manifest = json.loads((root / "manifest.json").read_text())

    blocs = (
        pd.crosstab(bloc_rows["iso3"], bloc_rows["bloc"])
        .reindex(index=table.index, fill_value=0)
        .astype(bool)
    )
    iso3 = table.index.to_numpy(dtype=str)
    ideal = table["ideal_point_mean_2019_2023"].to_numpy(dtype=float)

    tie_blocs = blocs[[b for b in TIE_BLOCS if b in blocs.columns]].to_numpy(dtype=float)
    shared = sparse.csr_array(tie_blocs) @ sparse.csr_array(tie_blocs.T)
    subregion = pd.factorize(table["un_subregion"])[0]
    same_region = sparse.csr_array((subregion[:, None] == subregion[None, :]).astype(float))
    return World(
        iso3=iso3,
        names=table["name"].to_numpy(dtype=str),
        region=table["un_subregion"].to_numpy(dtype=str),
        ideal_point=ideal,
        gdp=table["gdp_usd"].to_numpy(dtype=float),
        population=table["population"].to_numpy(dtype=float),
        ai_capacity=table["ai_capacity_proxy"].to_numpy(dtype=float),
        ties={
            "blocs": _clean_layer(shared),
            "region": _clean_layer(same_region),
            "alignment": alignment_ties(ideal, ALIGNMENT_NEIGHBOURS),
        },
        blocs=blocs,
        affiliations=affiliations,
        table=table,
        data_version=str(manifest["data_version"]),
        bloc_since=bloc_rows.dropna(subset=["since"]).pivot_table(
            index="iso3", columns="bloc", values="since", aggfunc="min"
        ),
    )

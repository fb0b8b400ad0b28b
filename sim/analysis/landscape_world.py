"""The Axelrod-Bennett landscape applied to today's largest economies.

Axelrod and Bennett (1993) predicted the alignments of the Second World War from
pairwise propensities and sizes. This module does the same for the 20 largest
economies of the shipped world (:meth:`sim.World.load`) and compares the predicted
two-bloc split with observed alignment.

Choices (assumptions, stated here because no source fixes them):

* **Sizes** are GDP in trillions of current US$ (the unit does not change the minima).
* **Propensity** of a pair is a similarity minus its mean over all pairs:

      similarity_ij = -|ideal_i - ideal_j| / sd + bloc_weight * shared_ij
      p_ij = similarity_ij - mean_{k<l} similarity_kl

  where ``ideal`` is the UNGA ideal point (mean of sessions 74-78), ``sd`` its standard
  deviation over all 193 countries (the unit of the model's alignment term), and
  ``shared_ij`` the number of blocs the two share among those that create peer ties
  (:data:`sim.world.TIE_BLOCS`: EU, OECD, G7, G20, BRICS, SCO, NATO, ...). Centring is
  needed because a landscape whose propensities are all positive has the one-bloc
  partition as its only minimum: the mean pair is neutral, closer pairs attract and
  farther pairs repel. ``bloc_weight = 0.25`` counts a shared bloc as a quarter of a
  standard deviation of ideal-point distance.

The global minima are found exactly by :func:`sim.analysis.landscape.global_minima`
(2**19 labelings for 20 actors). What it can say: which split of the large economies
the voting record and bloc memberships favour. What it cannot: the propensities are a
static proxy, so the answer carries no information about incentives, levers or
penalties, and a different propensity definition can move the swing countries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.landscape import Partitions, canonical_labels, descend, global_minima
from sim.world import TIE_BLOCS, World

#: Number of economies in the landscape: 20 is the most the exact enumeration allows.
LARGEST_ECONOMIES = 20

#: Weight of one shared bloc, in standard deviations of ideal-point distance.
DEFAULT_BLOC_WEIGHT = 0.25

#: The anchor of the "US side": the bloc holding this country is labelled that way.
US = "USA"


@dataclass(frozen=True, eq=False)
class WorldLandscape:
    """The two-bloc landscape of the largest economies and how it compares with the record.

    Attributes:
        iso3: The economies, largest GDP first.
        sizes: GDP in trillions of US$, shape ``(n,)``.
        propensity: Pairwise propensities, ``(n, n)``, symmetric, zero diagonal.
        minima: The global minima of the two-bloc energy.
        table: One row per economy (index ``iso3``): name, gdp_trillions, ideal_point,
            g7, brics, us_side (one column per global minimum: ``us_side`` for the first,
            ``us_side_2`` ... for ties).
        comparison: For each minimum, the share of economies whose side matches the sign
            of their ideal point (positive = closer to the USA), and whether every G7
            member is on the US side and every BRICS member on the other.

    """

    iso3: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    minima: Partitions
    table: pd.DataFrame
    comparison: pd.DataFrame


def propensities(world: World, members: np.ndarray, bloc_weight: float = DEFAULT_BLOC_WEIGHT) -> np.ndarray:
    """Centred similarity of UNGA positions plus shared blocs (see the module docstring).

    Args:
        world: The world.
        members: Row indices of the actors, shape ``(n,)``.
        bloc_weight: Weight of one shared bloc, in standard deviations of ideal-point distance.

    Returns:
        The ``(n, n)`` propensity matrix, symmetric with zero diagonal.

    Raises:
        ValueError: If fewer than two actors are given or ``bloc_weight`` is not finite.

    """
    if len(members) < 2:
        raise ValueError(f"a landscape needs at least 2 actors, got {len(members)}")
    if not np.isfinite(bloc_weight):
        raise ValueError(f"bloc_weight must be finite, got {bloc_weight}")
    ideal = world.ideal_point[members]
    similarity = -np.abs(ideal[:, None] - ideal[None, :]) / world.alignment_spread
    tie_blocs = [b for b in TIE_BLOCS if b in world.blocs.columns]
    if tie_blocs:
        flags = world.blocs[tie_blocs].to_numpy(dtype=float)[members]
        similarity = similarity + bloc_weight * (flags @ flags.T)
    upper = np.triu_indices(len(members), 1)
    propensity = similarity - similarity[upper].mean()
    np.fill_diagonal(propensity, 0.0)
    return (propensity + propensity.T) / 2  # exactly symmetric, as the landscape requires


def world_landscape(
    world: World | None = None,
    n: int = LARGEST_ECONOMIES,
    bloc_weight: float = DEFAULT_BLOC_WEIGHT,
) -> WorldLandscape:
    """Find the two-bloc global minima for the ``n`` largest economies and compare them.

    Args:
        world: The world; the shipped 193 countries by default. It must hold the USA.
        n: How many of the largest economies (by GDP) to include, 2 to 20.
        bloc_weight: Weight of one shared bloc (see :func:`propensities`).

    Returns:
        The landscape, its minima and the comparison with observed alignment.

    Raises:
        ValueError: If ``n`` is outside 2..20 or the world has no USA among them.

    """
    world = World.load() if world is None else world
    if not 2 <= n <= LARGEST_ECONOMIES:
        raise ValueError(f"n must be between 2 and {LARGEST_ECONOMIES}, got {n}")
    gdp = np.nan_to_num(world.gdp, nan=0.0)
    members = np.argsort(-gdp, kind="stable")[:n]
    codes = tuple(world.iso3[members].tolist())
    if US not in codes:
        raise ValueError(f"the {n} largest economies do not include {US}, the anchor of the US side")
    sizes = gdp[members] / 1e12
    propensity = propensities(world, members, bloc_weight)
    minima = global_minima(sizes, propensity, n_blocs=2)

    table = pd.DataFrame(
        {
            "name": world.names[members],
            "gdp_trillions": sizes,
            "ideal_point": world.ideal_point[members],
            "g7": _bloc_flag(world, "g7", members),
            "brics": _bloc_flag(world, "brics", members),
        },
        index=pd.Index(codes, name="iso3"),
    )
    us = codes.index(US)
    rows = []
    for m, labels in enumerate(minima.labels):
        column = "us_side" if m == 0 else f"us_side_{m + 1}"
        table[column] = labels == labels[us]
        on_us_side = table[column]
        rows.append(
            {
                "minimum": m + 1,
                "energy": float(minima.energies[m]),
                "us_side_size": int(on_us_side.sum()),
                "matches_ideal_point_sign": float(((table["ideal_point"] > 0) == on_us_side).mean()),
                "g7_all_on_us_side": bool(on_us_side[table["g7"]].all()),
                "brics_all_on_other_side": bool((~on_us_side[table["brics"]]).all()),
            }
        )
    return WorldLandscape(
        iso3=codes, sizes=sizes, propensity=propensity, minima=minima, table=table,
        comparison=pd.DataFrame(rows).set_index("minimum"),
    )  # fmt: skip


def is_local_minimum(landscape: WorldLandscape, minimum: int = 0) -> bool:
    """Whether no single economy can lower the energy by switching blocs.

    Args:
        landscape: A result of :func:`world_landscape`.
        minimum: Which of its global minima to check.

    Returns:
        True when one-actor-at-a-time descent from that partition makes no move.

    """
    start = landscape.minima.labels[minimum]
    path = descend(landscape.sizes, landscape.propensity, start)
    return len(path.energies) == 1 and np.array_equal(canonical_labels(path.labels), start)


def _bloc_flag(world: World, bloc: str, members: np.ndarray) -> np.ndarray:
    """Membership of the selected actors in a bloc; all False if the world lacks it."""
    if bloc not in world.blocs.columns:
        return np.zeros(len(members), dtype=bool)
    return world.blocs[bloc].to_numpy(dtype=bool)[members]

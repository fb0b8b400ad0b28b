"""The shared vocabulary: the names that results, files, figures and commands all use.

One home for each (core layer: it imports nothing of ``sim``), so that a measure, a
weighting, an attribute or the non-aligned id is spelled the same wherever it appears.

**Non-aligned, two spellings, two roles** (both are in saved files, so neither changes):

* :data:`NON_ALIGNED` (``"non-aligned"``) is a *portfolio label*: the value of a country's
  ``portfolio`` column (``countries.parquet``) and of portfolio labels such as
  ``"waico+un"`` when the country holds no framework.
* :data:`NON_ALIGNED_ID` (``"non_aligned"``) is a *pseudo-framework id*: the row of the
  ``framework`` column of ``aggregates.parquet`` that counts countries holding no
  framework, and the framework part of outcome names (``final_share_gdp:non_aligned``).
  It is an identifier, so it uses an underscore like every framework id and column name.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Portfolio label of a country that holds no framework (``countries.portfolio``).
NON_ALIGNED = "non-aligned"

#: Pseudo-framework id that counts countries holding no framework (``aggregates.framework``).
NON_ALIGNED_ID = "non_aligned"

#: Weights by which membership shares are measured (``share_<weighting>`` columns).
WEIGHTINGS = ("count", "gdp", "population", "ai_capacity")

#: Measures of a framework's membership: the share columns of the aggregates, then members.
MEASURES = (*(f"share_{weighting}" for weighting in WEIGHTINGS), "members")

#: The measures figures and reports show, in their order (``share_count`` is members again).
MEMBERSHIP_MEASURES = ("members", "share_gdp", "share_population", "share_ai_capacity")

#: A country attribute a scenario may use to scale levers, penalties or autonomy.
Attribute = Literal["uniform", "ai_capacity", "low_ai_capacity", "absorptive_gap"]

#: The attributes, in order.
ATTRIBUTES: tuple[str, ...] = get_args(Attribute)

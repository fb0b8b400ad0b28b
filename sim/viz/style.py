"""One look for every figure: a colour-blind-safe palette with a fixed colour per framework.

Colours come from the Okabe-Ito palette (safe for the common colour-vision
deficiencies). The frameworks of the shipped scenarios always get the same colour;
other ids get the remaining colours in a stable order, so a framework keeps its colour
across figures of the same scenario.
"""

from __future__ import annotations

from collections.abc import Iterable

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}

#: Fixed colours for the frameworks of the shipped scenarios.
FIXED_COLOURS = {
    "waico": OKABE_ITO["vermillion"],
    "us_led": OKABE_ITO["blue"],
    "un": OKABE_ITO["sky_blue"],
    "eu_coe": OKABE_ITO["bluish_green"],
    "non_aligned": OKABE_ITO["grey"],
}

_SPARE = [OKABE_ITO[name] for name in ("orange", "reddish_purple", "yellow", "black")]


def framework_colours(framework_ids: Iterable[str]) -> dict[str, str]:
    """Colour for each framework id: fixed ones first, then spare colours in order.

    Args:
        framework_ids: The ids to colour (order decides who gets which spare colour).

    Returns:
        A hex colour per id.
    """
    colours: dict[str, str] = {}
    spare = iter(_SPARE)
    for fid in framework_ids:
        colours[fid] = FIXED_COLOURS.get(fid) or next(spare, OKABE_ITO["black"])
    return colours


#: Human labels for the share measures.
MEASURE_LABELS = {
    "share_count": "share of countries",
    "share_gdp": "share of world GDP (current US$)",
    "share_population": "share of world population",
    "share_ai_capacity": "share of AI capacity (proxy)",
}

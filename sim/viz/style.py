"""One look for every figure: a colour-blind-safe palette with a fixed colour per framework.

Colours come from the Okabe-Ito palette (safe for the common colour-vision
deficiencies). The frameworks of the shipped scenarios always get the same colour;
other ids get the remaining colours in a stable order, so a framework keeps its colour
across figures of the same scenario. Colour means "framework" in every figure: figures
about something else (sensitivity indices, utility components) draw in greys and
signs, never in framework colours.

A portfolio (a set of frameworks, labelled like ``"waico+un"``) is drawn in the colour
of its first framework, with diagonal stripes in the colour of each further one
(:func:`portfolio_style`).
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.vocabulary import NON_ALIGNED, NON_ALIGNED_ID

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

#: Short names for legends (the scenario's full names are long sentences).
SHORT_NAMES = {
    "waico": "WAICO",
    "us_led": "US/G7-led",
    "un": "UN track",
    "eu_coe": "EU/CoE",
    NON_ALIGNED_ID: "non-aligned",
}

#: Fill for map areas that are not modelled (non-members such as Taiwan or Kosovo).
NOT_MODELLED = "#F2F2F2"

#: Stripe patterns for the second, third, ... framework of a portfolio.
STRIPES = ("//", "\\\\", "||")

#: Greys for figures whose colours do not stand for frameworks.
INK = "#222222"
MID_GREY = "#7F7F7F"
LIGHT_GREY = "#D9D9D9"

#: Signs in the utility ("why") chart: greys, since colour is kept for frameworks.
GAIN = "#4D4D4D"
COST = "#BDBDBD"

#: One set of matplotlib settings for every figure (applied by :func:`styled`).
RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": 100,
    "hatch.linewidth": 2.2,
}

#: Resolution of saved figures (sharp on screen and in print at report width).
SAVE_DPI = 150


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


def framework_label(framework_id: str, names: Mapping[str, str] | None = None) -> str:
    """A short human name for a framework id (or ``non_aligned``).

    Args:
        framework_id: The id.
        names: The scenario's full names, used for ids without a short name.

    Returns:
        The short name, else the scenario's name, else the id itself.
    """
    return SHORT_NAMES.get(framework_id) or (names or {}).get(framework_id) or framework_id


def portfolio_frameworks(label: str) -> tuple[str, ...]:
    """The framework ids in a portfolio label (``"waico+un"``); empty for non-aligned."""
    return () if label in (NON_ALIGNED, NON_ALIGNED_ID) else tuple(label.split("+"))


def portfolio_display_label(label: str, names: Mapping[str, str] | None = None) -> str:
    """A readable portfolio name, e.g. ``"WAICO (Shanghai) + UN track"``."""
    parts = portfolio_frameworks(label)
    return " + ".join(framework_label(fid, names) for fid in parts) if parts else "non-aligned"


@dataclass(frozen=True)
class PortfolioStyle:
    """How to fill a portfolio's area: a face colour plus stripe layers.

    Attributes:
        face: Fill colour (the first framework's, grey when non-aligned).
        stripes: ``(hatch pattern, colour)`` for each further framework.
    """

    face: str
    stripes: tuple[tuple[str, str], ...]


def portfolio_style(label: str, colours: Mapping[str, str]) -> PortfolioStyle:
    """The fill of a portfolio: first framework's colour, stripes for the others.

    Args:
        label: Portfolio label (``"waico+un"``), a framework id, or non-aligned.
        colours: Colour per framework id (from :func:`framework_colours`).

    Returns:
        The portfolio's :class:`PortfolioStyle`.
    """
    parts = portfolio_frameworks(label)
    if not parts:
        return PortfolioStyle(colours.get(NON_ALIGNED_ID, FIXED_COLOURS[NON_ALIGNED_ID]), ())
    stripes = tuple(zip(STRIPES, (colours[fid] for fid in parts[1:]), strict=False))
    return PortfolioStyle(colours[parts[0]], stripes)


def styled[**P, R](draw: Callable[P, R]) -> Callable[P, R]:
    """Decorate a figure function so that it draws with the shared :data:`RC` settings."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def subplots(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float],
    **grid: object,
) -> tuple[Figure, Any]:
    """Like ``plt.subplots`` with the constrained layout, but the figure stays outside pyplot.

    A figure pyplot knows is drawn by Jupyter's inline backend at the end of the cell
    whenever pyplot is interactive (as ``%matplotlib inline`` makes it), on top of the
    figure a cell returns: the same figure twice. A figure outside pyplot shows once, as
    the value it is, and is freed with its last reference.

    Args:
        nrows: Rows of axes.
        ncols: Columns of axes.
        figsize: Width and height in inches.
        **grid: Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharey``,
            ``squeeze``, ``width_ratios``, ...).

    Returns:
        The figure and its axes, as ``plt.subplots`` returns them.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **grid)


class StepPercentFormatter(PercentFormatter):
    """Shares in [0, 1] as percentages, with as many decimals as the step between ticks needs.

    Whole percentages on ticks 2.5 points apart would print 22.5% as "22%" and 27.5% as
    "28%": labels that are not the values they mark. Here 20%, 22.5%, 25%; 20%, 40%.
    """

    def __init__(self) -> None:
        """A formatter of shares (1.0 is 100%)."""
        super().__init__(1.0)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """The labels of ticks at ``values``, with the decimals their step needs."""
        steps = np.diff(np.sort(np.asarray(values, dtype=float))) * 100.0
        step = float(steps[steps > 0].min()) if (steps > 0).any() else 1.0
        self.decimals = next((d for d in range(4) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 4)
        return super().format_ticks(values)


def save_figure(fig: Figure, target: str | Path | BinaryIO) -> None:
    """Write a figure as PNG with the shared resolution, trimmed to its content, then close it.

    Trimming (``bbox_inches="tight"``) keeps the captions and legends that figures
    place below their axes; closing frees the figure's memory.

    Args:
        fig: The figure.
        target: A file path or a binary file object.
    """
    fig.savefig(target, format="png", dpi=SAVE_DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, exactly as :func:`save_figure` writes them."""
    buffer = io.BytesIO()
    save_figure(fig, buffer)
    return buffer.getvalue()


CAPTION_SIZE = 8.5


def add_foot(
    fig: Figure,
    caption: str,
    handles: Sequence = (),
    labels: Sequence[str] = (),
    ncol: int = 3,
    title: str | None = None,
) -> None:
    """Put a legend (optional) and a grey caption under a constrained-layout figure.

    The axes are laid out above a band measured to fit both, so neither overlaps the
    axes, their labels or each other (a figure legend placed "outside" would collide
    with a caption, and one at the top with the title).

    Args:
        fig: A figure with ``layout="constrained"``.
        caption: The note: what lines and bands are, replications, sources.
        handles: Legend handles (none: no legend).
        labels: Legend labels.
        ncol: Legend columns.
        title: Legend title.
    """
    height = fig.get_figheight()
    width_chars = int(fig.get_figwidth() * 72 / (CAPTION_SIZE * 0.52))
    lines = textwrap.wrap(caption, width_chars)
    caption_height = len(lines) * CAPTION_SIZE * 1.35 / 72 + 0.1
    legend_height = 0.0
    legend = None
    if handles:
        legend = fig.legend(handles, labels, loc="upper center", ncol=ncol, title=title)
        legend_height = legend.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi + 0.05
    band = caption_height + legend_height
    fig.get_layout_engine().set(rect=(0, band / height, 1, 1 - band / height))
    if legend is not None:
        legend.set_bbox_to_anchor((0.5, band / height), transform=fig.transFigure)
    fig.text(
        0.01,
        0.04 / height,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=CAPTION_SIZE,
        color=MID_GREY,
        linespacing=1.35,
    )


#: Human labels for the share measures.
MEASURE_LABELS = {
    "share_count": "share of countries",
    "share_gdp": "share of world GDP (current US$)",
    "share_population": "share of world population",
    "share_ai_capacity": "share of AI capacity (proxy)",
}

#: Where each measure's weights come from (for captions and the report).
MEASURE_SOURCES = {
    "members": "UN member states (193)",
    "share_count": "UN member states (193)",
    "share_gdp": "GDP, current US$, latest year to 2023: World Bank WDI (CC BY 4.0)",
    "share_population": "population 2024: World Bank WDI (CC BY 4.0)",
    "share_ai_capacity": "AI-capacity proxy from GDP and GDP per capita (WDI), not a measured index",
}

#: Readable names of the utility components of ``Country.explain()``.
COMPONENT_LABELS = {
    "alignment": "alignment (UN votes)",
    "club": "club value (members' weight)",
    "open_models": "offer: open models",
    "capacity_building": "offer: capacity building",
    "infrastructure": "offer: infrastructure",
    "compute_access": "offer: compute access",
    "market_access": "offer: market access",
    "peer": "peers in it or declared",
    "penalty": "rival's penalty",
    "sovereignty": "sovereignty cost",
    "entry": "entry cost",
    "support": "support it declared",
    "partner": "partner of the lead",
    "dual_cost": "cost of holding several",
    "switching": "cost of switching",
}

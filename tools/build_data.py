"""Build the country data shipped in ``sim/data`` from the shared public source files.

Usage::

    python tools/build_data.py [--shared ../shared/data] [--out sim/data]

The default ``--shared`` is ``<repo>/../shared/data`` and the default ``--out`` is
``<repo>/sim/data``. The script uses only the standard library so that the output does
not depend on the installed pandas/numpy version: the same inputs always give
byte-identical files (UTF-8, Unix line endings, no timestamps). It writes:

* ``countries.csv``: the 193 UN member states, with GDP, population, UNGA alignment, the
  Tortoise AI index (where available) and a documented AI-capacity *proxy*;
* ``blocs.csv``: one row per (country, bloc) membership;
* ``ai_affiliations.csv``: AI-governance framework relations from
  ``domain/memberships.csv``;
* ``world_110m.geojson``: a verbatim copy of the shared Natural Earth map;
* ``SOURCES.md``: sources, licences, derivations, missing-value rules and gaps;
* ``manifest.json``: input and output sha256 hashes, counts and the data version.

Every figure comes from the shared files, except the membership lists marked
"hand-coded" below (NATO, ASEAN, GCC, AU, one CIS correction, the IOMed founding
signatories, the US major non-NATO allies and the Belt and Road signatories), which are
public facts typed in as literals with their official or primary source URL(s).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "sim" / "data"

#: Fixed date part of ``data_version``; bump it by hand when the data are rebuilt on purpose.
DATA_VERSION_DATE = "2026.11.30"

#: How the AI-capacity proxy is filled where GDP is missing (only PRK):
#: "global_median" or "subregion_median". See ``impute_proxy`` and SOURCES.md for why.
IMPUTATION = "global_median"

INPUT_FILES = (
    "countries.csv",
    "economy_wb.csv",
    "unga_alignment.csv",
    "ai_tortoise_global_ai_index.csv",
    "domain/memberships.csv",
    "world_110m.geojson",
)

COUNTRY_COLUMNS = (
    "iso3",
    "name",
    "m49",
    "un_region",
    "un_subregion",
    "un_intermediate_region",
    "capital",
    "un_member_since",
    "gdp_usd",
    "gdp_year",
    "population",
    "population_year",
    "gdp_per_capita_usd",
    "ideal_point_latest",
    "ideal_point_latest_session",
    "ideal_point_mean_2019_2023",
    "agree_usa_mean_2019_2023",
    "agree_chn_mean_2019_2023",
    "agree_usa_minus_chn_2019_2023",
    "tortoise_ai_total_score",
    "ai_capacity_proxy",
    "ai_capacity_proxy_rule",
)
BLOC_COLUMNS = ("iso3", "bloc", "relation", "since", "source")
AFFILIATION_COLUMNS = ("iso3", "framework", "relation", "date", "source")

# --------------------------------------------------------------------------------------
# Official list pages (recorded in blocs.csv and SOURCES.md). Not fetched at build time.
# --------------------------------------------------------------------------------------
URL_EU = "https://european-union.europa.eu/principles-countries-history/eu-countries_en"
URL_OECD = "https://www.oecd.org/en/about/members-partners.html"
URL_G7 = "https://www.g7.utoronto.ca/"
URL_G20 = "https://g20.org/about-g20/"
URL_NATO = "https://www.nato.int/cps/en/natohq/nato_countries.htm"
URL_ASEAN = "https://asean.org/member-states/"
URL_GCC = "https://www.gcc-sg.org/"
URL_AU = "https://au.int/en/member_states/countryprofiles2"
URL_COE = "https://www.coe.int/en/web/portal/46-members-states"
URL_APEC = "https://www.apec.org/about-us/about-apec/member-economies"
URL_CIS = "https://e-cis.info/"
URL_SCO = "https://eng.sectsco.org/"
URL_LDC = "https://www.un.org/ohrlls/content/list-ldcs"
URL_LLDC = "https://www.un.org/ohrlls/content/list-lldcs"
URL_SIDS = "https://www.un.org/ohrlls/content/list-sids"
URL_M49 = "https://unstats.un.org/unsd/methodology/m49/"
URL_MNNA = "https://www.state.gov/major-non-nato-ally-status/"

# --------------------------------------------------------------------------------------
# Hand-coded membership lists (public facts absent from the shared data).
# "as_of" is the date of the latest membership change the list reflects; the lists were
# typed in from the official pages' published content, not re-fetched at build time.
# --------------------------------------------------------------------------------------
#: NATO: 32 Allies with accession year.
NATO_ACCESSION = {
    "BEL": "1949", "CAN": "1949", "DNK": "1949", "FRA": "1949", "ISL": "1949",
    "ITA": "1949", "LUX": "1949", "NLD": "1949", "NOR": "1949", "PRT": "1949",
    "GBR": "1949", "USA": "1949",
    "GRC": "1952", "TUR": "1952",
    "DEU": "1955",
    "ESP": "1982",
    "CZE": "1999", "HUN": "1999", "POL": "1999",
    "BGR": "2004", "EST": "2004", "LVA": "2004", "LTU": "2004", "ROU": "2004",
    "SVK": "2004", "SVN": "2004",
    "ALB": "2009", "HRV": "2009",
    "MNE": "2017",
    "MKD": "2020",
    "FIN": "2023",
    "SWE": "2024",
}  # fmt: skip
NATO_AS_OF = "2024-03-07"

#: ASEAN: 10 members plus Timor-Leste, admitted at the 47th ASEAN Summit on 26 Oct 2025.
ASEAN_ADMISSION = {
    "IDN": "1967", "MYS": "1967", "PHL": "1967", "SGP": "1967", "THA": "1967",
    "BRN": "1984",
    "VNM": "1995",
    "LAO": "1997", "MMR": "1997",
    "KHM": "1999",
    "TLS": "2025-10-26",
}  # fmt: skip
ASEAN_AS_OF = "2025-10-26"

#: GCC: the six founding states (Charter of 25 May 1981); no change since.
GCC_MEMBERS = {"ARE": "1981", "BHR": "1981", "KWT": "1981", "OMN": "1981", "QAT": "1981",
               "SAU": "1981"}  # fmt: skip
GCC_AS_OF = "1981-05-25"

#: African Union: the 54 African UN member states (the AU's 55th member, the Sahrawi Arab
#: Democratic Republic, is not a UN member). Suspensions are NOT coded (see SOURCES.md).
AU_MEMBERS = (
    "AGO", "BDI", "BEN", "BFA", "BWA", "CAF", "CIV", "CMR", "COD", "COG", "COM", "CPV",
    "DJI", "DZA", "EGY", "ERI", "ETH", "GAB", "GHA", "GIN", "GMB", "GNB", "GNQ", "KEN",
    "LBR", "LBY", "LSO", "MAR", "MDG", "MLI", "MOZ", "MRT", "MUS", "MWI", "NAM", "NER",
    "NGA", "RWA", "SDN", "SEN", "SLE", "SOM", "SSD", "STP", "SWZ", "SYC", "TCD", "TGO",
    "TUN", "TZA", "UGA", "ZAF", "ZMB", "ZWE",
)  # fmt: skip
AU_AS_OF = "2017-01-30"  # Morocco's readmission, the latest change among UN members.

#: IOMed: the states that signed the Convention on the Establishment of the International
#: Organization for Mediation on site in Hong Kong on 30 May 2025 (its founding members).
#: The HKSAR government, Xinhua and Jurist count 33 (China "and 32 other countries"); the
#: only name lists found (Lianhe Zaobao and Zimbabwe Now, both of 30 May 2025) name the same
#: 32 states, China included, and Nepal's foreign ministry and Zimbabwe Now count 32 in
#: all. So one founding signatory, if the count of 33 is right, is not named by any source
#: found, and it is not guessed. Later signatories (37 by 20 Oct 2025 per Africanews, 38 by
#: 1 Dec 2025 per the IOMed deputy secretary-general) were not named by any source found.
IOMED_FOUNDING = (
    "CHN", "DZA", "BLR", "BEN", "KHM", "CMR", "COG", "CUB", "DJI", "DMA", "GNQ", "ETH",
    "GAB", "GNB", "IDN", "JAM", "KEN", "KIR", "LAO", "MRT", "NRU", "NIC", "PAK", "PNG",
    "SRB", "SLB", "SDN", "TLS", "UGA", "VUT", "VEN", "ZWE",
)  # fmt: skip
IOMED_SIGNED = "2025-05-30"
#: The official count of founding signatories the list is checked against in SOURCES.md.
IOMED_FOUNDING_COUNT = 33
#: Where the names come from (both list the same 32) and where the count comes from.
IOMED_LIST_URLS = (
    "https://hk.outputnews.com/2025/zaobao/news_2025_05_30_839370",
    "https://zimbabwenow.co.zw/articles/15037/landmark-international-mediation-body-launched-in-hong-kong",
)
IOMED_COUNT_URLS = (
    "https://asiapac.mil-osi.com/2025/05/page/2 (HKSAR Information Services, 'Mediation convention signed')",
    "https://www.jurist.org/news/2025/06/china-establishes-international-mediation-organization-for-alternative-dispute-resolution",
    "https://www.africanews.com/2025/10/21/international-organization-for-mediation-launches-in-hong-kong/",
)
#: A signatory's own government or national press confirming its signature on 30 May 2025.
IOMED_CONFIRMATIONS = {
    "CMR": "https://camerounactuel.com/le-cameroun-signe-la-convention-fondatrice-de-loimed-a-hong-kong/",
    "COG": "https://fr.allafrica.com/stories/202505310216.html",
    "DJI": "https://diplomatie.gouv.dj/Articles/DetailArticles/1198",
    "GAB": "https://www.focusgroupemedia.com/diplomatie-le-gabon-signe-la-convention-portant-creation-de-lorganisation-internationale-de-la-mediation-a-hongkong",
    "IDN": "https://en.antaranews.com/news/357829/indonesia-backs-launch-of-global-mediation-body-to-advance-peace",
    "KHM": "https://www.cpp.org.kh/en/details/418385",
    "PAK": "https://www.dawn.com/news/1914277/pakistan-becomes-co-signatory-to-chinas-global-mediation-body",
    "TLS": "https://timor-leste.gov.tl/?lang=en&p=43701&print=1",
}

#: The UN members that recognised the Republic of China (Taiwan) and not the People's Republic
#: as of July 2025 (Reuters factbox of 15 Jan 2024, after Nauru switched: these 11 and the
#: Holy See; The Diplomat, June 2025: "only 12 small states"). The PRC holds no diplomatic
#: relations with a state that recognises Taipei.
TAIWAN_RECOGNITION = ("BLZ", "GTM", "PRY", "HTI", "KNA", "LCA", "VCT", "MHL", "PLW", "TUV", "SWZ")
TAIWAN_RECOGNITION_URLS = (
    "https://www.dailymail.co.uk/wires/reuters/article-12963779/And-12-Taiwans-diplomatic-allies.html "
    "(Reuters, 15 Jan 2024)",
    "https://thediplomat.com/2025/06/how-secure-are-taiwans-remaining-diplomatic-partnerships/",
)
TAIWAN_RECOGNITION_AS_OF = "2025-07-26"

#: US major non-NATO allies (22 U.S.C. 2321k) that are UN members, with the date of
#: designation and its source. Taiwan ("treated as though designated", not a UN member)
#: and Afghanistan (designation rescinded in 2022) are not rows. The six countries the 1996
#: statute itself deems designated carry 1996 (they were first named under 10 U.S.C. 2350a
#: in 1987). Saudi Arabia carries the date of the President's announcement; the formal
#: determination is Federal Register document 2026-01421, whose signing date was not found.
URL_MNNA_STATUTE = (
    "https://law.justia.com/codes/us/2012/title-22/chapter-32/subchapter-ii/part-ii/section-2321k/"
)
URL_MNNA_FACTSHEET_2003 = (
    "https://www.outlookindia.com/amp/story/making-a-difference/the-mnna-fact-sheet-news-223363"
)
US_MNNA = {
    "AUS": ("1996", URL_MNNA_STATUTE),
    "EGY": ("1996", URL_MNNA_STATUTE),
    "ISR": ("1996", URL_MNNA_STATUTE),
    "JPN": ("1996", URL_MNNA_STATUTE),
    "KOR": ("1996", URL_MNNA_STATUTE),
    "NZL": ("1996", URL_MNNA_STATUTE),
    "JOR": ("1996", URL_MNNA_FACTSHEET_2003),
    "ARG": ("1998", URL_MNNA_FACTSHEET_2003),
    "BHR": ("2002", URL_MNNA_FACTSHEET_2003),
    "PHL": ("2003", URL_MNNA_FACTSHEET_2003),
    "THA": ("2003", URL_MNNA_FACTSHEET_2003),
    "KWT": ("2004-01-15", "https://www.worldtribune.com/worldtribune/WTARC/2004/ss_kuwait_01_19.html"),
    "MAR": ("2004-06-03", "https://www.news24.com/World/News/Morocco-major-non-Nato-ally-20040604"),
    "PAK": ("2004-06", "https://defence.pk/threads/pakistan-army-news-and-discussions.94/page-17"),
    "TUN": ("2015-07-10", "http://en.chinagate.cn/2015-07/11/content_36034838.htm"),
    "BRA": ("2019-07-31", "https://federalnewsnetwork.com/government-news/2019/07/trump-designates-brazil-a-major-non-nato-ally/"),
    "QAT": ("2022-03-10", "https://lexbuild.dev/fr/2022/03/2022-05773"),
    "COL": ("2022-05", "https://tass.com/world/1454871/amp"),
    "KEN": ("2024-06-24", "https://noticiabrasil.net.br/amp/20240624/washington-declara-o-quenia-como-principal-aliado-militar-fora-da-otan-35272318.html"),
    "SAU": ("2025-11-18",
            "https://www.wionews.com/world/trump-upgrades-saudi-arabia-to-major-non-nato-ally-status-as-mbs-gets-red-carpet-welcome-1763514788550"
            "; formal determination: https://govbase.com/policy/fr-2026-01421"),
}  # fmt: skip
#: The current-list source (19 UN members before Saudi Arabia, citing the State Department).
URL_MNNA_LIST_2025 = (
    "https://thenational-the-national-prod.cdn.arcpublishing.com/news/gulf/2025/11/19/"
    "what-does-it-mean-for-saudi-arabia-to-be-declared-a-major-non-nato-ally"
)
US_MNNA_AS_OF = "2025-11-18"

#: Belt and Road Initiative (BRI): the states that have signed a BRI cooperation document
#: (memorandum of understanding or cooperation plan) with China. The official portal
#: (https://www.yidaiyilu.gov.cn/, "countries that have signed cooperation documents") could
#: not be read here; the list is the Green Finance & Development Center's (GFDC, FISF Fudan
#: University; Nedopil 2025, "Countries of the Belt and Road Initiative", May 2025 update),
#: which follows that portal, as transcribed with GFDC's "likely MoU date" in the CSV at
#: URL_BRI_GFDC_CSV. Values are typed exactly as there: iso3 -> likely signing date, empty
#: where GFDC found no independent confirmation of an MoU (AUT, COG, NER, RUS). Not keyed
#: here: China (the initiator, below); Italy and Panama (withdrew, below). The Cook Islands
#: and Niue are in GFDC's list but are not UN members; they are dropped when the rows are
#: built. ``bri_since`` turns the likely dates into ``since`` values.
URL_BRI_GFDC = "https://greenfdc.org/countries-of-the-belt-and-road-initiative-bri/"
URL_BRI_GFDC_CSV = (
    "https://github.com/aarrigone00-cmd/bri-explorer/blob/"
    "edf17ed67e1ac7d70a44428eeb116c178e08a27c/scripts/gfdc-bri-countries-2025-05.csv"
)
BRI_GFDC_AS_OF = "2025-05"
BRI_GFDC = {
    "AFG": "2023-05-01", "ALB": "2017-05-01", "DZA": "2018-07-10", "AGO": "2018-09-01",
    "ATG": "2018-06-01", "ARG": "2022-02-06", "ARM": "2015-12-01", "AUT": "", "AZE": "2015-12-01",
    "BHR": "2018-07-01", "BGD": "2019-03-01", "BRB": "2019-02-01", "BLR": "2013-12-01",
    "BEN": "2018-09-01", "BOL": "2018-06-01", "BIH": "2017-05-01", "BWA": "2021-01-07",
    "BRN": "2018-11-01", "BGR": "2015-11-01", "BDI": "2018-09-01", "CPV": "2018-09-01",
    "KHM": "2013-12-01", "CMR": "2015-08-01", "CAF": "2021-11-01", "TCD": "2018-09-01",
    "CHL": "2018-11-06", "COL": "2025-05-14", "COM": "2015-12-01", "COD": "2021-01-06", "COG": "",
    "COK": "2018-11-01", "CRI": "2018-09-01", "CIV": "2017-05-23", "HRV": "2017-05-01",
    "CUB": "2019-06-20", "CYP": "2019-04-01", "CZE": "2015-11-01", "DJI": "2018-09-01",
    "DMA": "2018-07-13", "DOM": "2019-12-01", "ECU": "2018-12-01", "EGY": "2016-01-01",
    "SLV": "2018-11-01", "GNQ": "2019-04-01", "ERI": "2021-11-25", "EST": "2017-11-01",
    "ETH": "2018-09-01", "FJI": "2018-11-01", "GAB": "2018-09-01", "GMB": "2018-09-01",
    "GEO": "2016-12-01", "GHA": "2018-09-01", "GRC": "2018-08-01", "GRD": "2018-09-01",
    "GIN": "2018-09-01", "GNB": "2021-11-24", "GUY": "2018-07-01", "HND": "2023-10-18",
    "HUN": "2015-06-01", "IDN": "2015-03-01", "IRN": "2018-11-01", "IRQ": "2015-12-01",
    "JAM": "2019-04-01", "JOR": "2023-12-02", "KAZ": "2015-08-01", "KEN": "2017-06-01",
    "KIR": "2020-01-01", "KOR": "2018-05-01", "KWT": "2018-05-01", "KGZ": "2013-12-01",
    "LAO": "2018-09-01", "LVA": "2016-11-01", "LBN": "2017-09-01", "LSO": "2019-06-01",
    "LBR": "2019-04-01", "LBY": "2018-07-01", "LTU": "2017-11-01", "LUX": "2019-03-01",
    "MDG": "2017-03-01", "MWI": "2022-03-24", "MYS": "2017-05-01", "MDV": "2017-08-01",
    "MLI": "2019-07-26", "MLT": "2018-11-01", "MRT": "2018-09-01", "FSM": "2018-11-01",
    "MDA": "2013-12-01", "MNG": "2013-12-01", "MNE": "2017-05-01", "MAR": "2017-11-01",
    "MOZ": "2018-09-01", "MMR": "2016-08-01", "NAM": "2018-09-01", "NPL": "2017-05-01",
    "NZL": "2017-03-01", "NIC": "2022-01-06", "NER": "", "NGA": "2018-09-01", "NIU": "2018-07-01",
    "MKD": "2013-12-01", "OMN": "2018-05-01", "PAK": "2013-12-01", "PNG": "2016-07-01",
    "PER": "2019-05-01", "PHL": "2017-11-01", "POL": "2015-11-01", "PRT": "2018-12-01",
    "QAT": "2019-01-01", "ROU": "2015-06-01", "RUS": "", "RWA": "2018-07-01", "WSM": "2018-10-01",
    "SAU": "2018-08-01", "SEN": "2018-07-01", "SRB": "2015-11-01", "SYC": "2018-09-01",
    "SLE": "2018-08-01", "SGP": "2018-04-01", "SVK": "2015-11-01", "SVN": "2017-11-01",
    "SLB": "2019-10-01", "SOM": "2015-08-01", "ZAF": "2015-12-01", "SSD": "2018-09-01",
    "LKA": "2017-04-01", "SDN": "2018-09-01", "SUR": "2018-07-01", "SYR": "2022-01-06",
    "TJK": "2018-10-01", "TZA": "2018-09-01", "THA": "2014-12-01", "TLS": "2017-04-01",
    "TGO": "2018-09-01", "TON": "2018-03-01", "TTO": "2018-05-01", "TUN": "2018-07-01",
    "TUR": "2015-11-01", "TKM": "2017-06-01", "UGA": "2018-09-01", "UKR": "2017-12-01",
    "ARE": "2018-07-01", "URY": "2018-02-01", "UZB": "2015-06-01", "VUT": "2018-11-01",
    "VEN": "2018-09-01", "VNM": "2017-11-01", "YEM": "2017-11-01", "ZMB": "2018-09-01",
    "ZWE": "2018-09-01",
}  # fmt: skip
#: GFDC's date for China itself and for seven early signatories (BLR, KGZ, KHM, MDA, MKD,
#: MNG, PAK): read as a placeholder for "at the launch", not as a signing date, so not used.
BRI_GFDC_PLACEHOLDER = "2013-12-01"
#: China proposed the initiative in September-October 2013 (State Council Information Office
#: white paper, October 2023).
BRI_INITIATOR = ("CHN", "2013")
URL_BRI_WHITE_PAPER = "http://english.scio.gov.cn/m/whitepapers/2023-10/10/content_116735061_5.htm"
#: Signatories not in GFDC's May 2025 list, each named as a signatory by the source given.
#: Burkina Faso: China hoped to sign on 10 June 2021 (Xinhua via MarketScreener) and the NDRC
#: named it among the recent signatories in December 2021 (CRI via Brasil 247), hence 2021.
#: Sao Tome and Principe: named by the NDRC in December 2021 (Brasil 247) and on 18 Jan 2022
#: as having signed since December 2021 (Xinhua via AFPBB). Nauru: signed during President
#: Adeang's state visit, at the meeting of 25 March 2024 (Agenzia Nova, CRI).
URL_BRI_NDRC_2021 = (
    "https://www.brasil247.com/mundo/"
    "china-assina-cooperacao-com-145-paises-para-a-construcao-conjunta-do-cinturao-e-rota"
)
BRI_ADDED = {
    "BFA": ("2021",
            f"{URL_BRI_NDRC_2021}; https://www.marketscreener.com/news/latest/"
            "China-hopes-to-ink-BRI-cooperation-documents-with-Burkina-Faso-soon-FM--35586886/"),
    "STP": ("2021-12", f"{URL_BRI_NDRC_2021}; https://www.afpbb.com/articles/-/3385913"),
    "NRU": ("2024-03-25",
            "https://www.agenzianova.com/a/6602899847fd93.71564693/5126569/2024-03-26/"
            "cina-nauru-xi-ha-invitato-isola-ad-entrare-nella-nuova-via-della-seta; "
            "https://german.cri.cn/2024/03/26/ARTISMTWwZj9bC2h893sVwr5240326.shtml"),
}  # fmt: skip
#: Signatories that withdrew, with GFDC's exit date and a news source. No row.
BRI_WITHDRAWN = {
    "ITA": ("2023-12-06", "did not renew its 2019 MoU (due to renew in March 2024): formal "
            "notice to Beijing in early December 2023; https://www.ice.it/it/news/notizie-dal-"
            "mondo/253930 (Reuters, 7 Dec 2023); https://news.rediff.com/commentary/2023/dec/"
            "06/italy-pulls-out-chinas-belt-and-road-initiative/fa9290839f917b9ae84b6ce213011b9a"),
    "PAN": ("2025-02-04", "gave the 90-day notice to end its 2017 MoU, announced by President "
            "Mulino on 6 Feb 2025; https://www.anews.com.tr/world/2025/02/07/"
            "panama-to-withdraw-from-chinas-belt-and-road-initiative"),
}  # fmt: skip
URL_BRI_SMR_2019 = (
    "https://agenparl.eu/2019/08/06/san-marino-spera-di-rafforzare-la-cooperazione-bri-con-la-cina"
)
#: Official counts of signatory countries (China not counted), for SOURCES.md.
BRI_COUNT_SOURCES = (
    "149 by 4 July 2022 (Foreign Ministry spokesperson Wang Wenbin; transcript at "
    "https://www.reciyi.com/2022/08/3321-4.html)",
    "152 by 24 August 2023 (NDRC, reported by Xinhua; Xi'an Evening News, 25 Aug 2023, "
    "whose URL was not stored)",
    "'over 150' in 2026 (Advisory Council of the Belt and Road Forum report; "
    "https://www.bastillepost.com/global/article/"
    "5565687-report-highlights-deeper-trade-ties-in-chinas-belt-and-road-push)",
)

#: China's bilateral partnership designations ("partnership diplomacy"), as of the model's
#: start. China names its relations in tiers: (plain) partnership, comprehensive or
#: cooperative partnership, strategic partnership, comprehensive strategic (cooperative)
#: partnership, and "all-weather", "permanent" or "new era" partnerships above that; since
#: 2013 also bilateral documents on a "China-X community with a shared future". The
#: Wikipedia list ("Diplomatic partnerships of China", mirrored at URL_CN_PARTNERSHIP_LIST)
#: could be read only in part, so every row below cites the page that names its
#: designation, read for this purpose; a state whose level no such page established has no
#: row (SOURCES.md lists the gaps). ``since`` is the date the source gives for the cited
#: designation (an upper bound on when the state first reached the strategic level), empty
#: where the source dates nothing; no designation after CN_PARTNERSHIP_AS_OF is coded.
CN_PARTNERSHIP_AS_OF = "2025-07-26"
URL_CN_PARTNERSHIP_LIST = "https://wikimili.com/en/Diplomatic_partnerships_of_China"
URL_CN_TIERS = "https://interpret.csis.org/translations/what-partnerships-does-china-have/"
URL_CN_2023_UPGRADES = "http://chinascope.org/archives/33908"
URL_CN_MERICS_EUROPE = (
    "https://merics.org/en/comment/whats-name-rough-guide-chinas-elaborate-labeling-bilateral-"
    "relations-europe"
)
URL_CN_LAC_2021 = "https://www.thedialogue.org/blogs/2021/02/how-china-ranks-its-partners-in-lac/"
URL_CN_LAC_2017 = "http://en.chinagate.cn/2017-01/23/content_40159640_2.htm"
URL_CN_OCEANIA_2014 = "http://en.people.cn/n/2014/1219/c90883-8825191.html"
URL_CN_KGZ_2023 = (
    "https://www.america-times.com/joint-declaration-of-the-peoples-republic-of-china-and-the-"
    "kyrgyz-republic-on-establishing-a-comprehensive-strategic-partnership-for-a-new-era/"
)
URL_CN_PACIFIC_2018 = "http://www.globaltimes.cn/content/1127732.shtml"
URL_CN_SOUTH_EUROPE = (
    "http://1.203.103.66/ps/initDatabaseDetail?contentId=2263115&contentType=literature&"
    "siteId=14 (article abstract: Italy, Spain, Portugal and Greece raised relations to "
    "comprehensive strategic partnerships in 2003-2005)"
)
URL_CN_MEKONG_2024 = "https://www.nationthailand.com/news/asean/40040553"
URL_CN_KAZ_KGZ_2023 = (
    "https://mondo.rs/Info/Svet/amp/a1775663/"
    "Kina-i-Centralna-Azija-saglasne-o-produbljivanju-saradnje.html"
)
#: FOCAC Beijing summit, 5 Sep 2024: Xi proposed raising China's relations with every African
#: state that has diplomatic ties with it to the strategic level, and Wang Yi reported the
#: same day that China now has strategic partnerships with all of them (30 established or
#: elevated during the summit).
URL_CN_FOCAC_2024 = (
    "https://impactnews-wire.com/foreign-ministers-of-the-co-chairs-of-focac-jointly-meet-the-"
    "press (Wang Yi, 5 Sep 2024: 'strategic partnerships with all African countries having "
    "diplomatic ties with China'); https://www.capitalfm.co.ke/news/2024/09/"
    "xi-calls-for-building-all-weather-china-africa-community-with-shared-future-for-new-era/"
)
CN_FOCAC_2024 = "2024-09-05"
#: The African UN member with no diplomatic relations with China (it recognises Taipei).
CN_NO_RELATIONS = ("SWZ",)
#: The highest tier the source names (the ``relation`` column): "above_comprehensive"
#: (all-weather, permanent or new-era), "comprehensive_strategic" or "strategic".
CN_ABOVE, CN_COMPREHENSIVE, CN_STRATEGIC = (
    "above_comprehensive", "comprehensive_strategic", "strategic"
)  # fmt: skip
#: iso3 -> (tier, designation as the source words it, since, source). Comprehensive
#: strategic or higher; these rows are in both cn_strategic and cn_comprehensive_strategic.
CN_COMPREHENSIVE_STRATEGIC = {
    "RUS": (CN_ABOVE, "comprehensive strategic partnership of coordination for a new era",
            "2019-06-05", "http://ecns.cn/news/2019-06-06/detail-ifziyumy2109467.shtml"),
    "PAK": (CN_ABOVE, "all-weather strategic cooperative partnership", "",
            "https://www.nation.com.pk/22-May-2024/"
            "pakistan-china-celebrate-73rd-anniversary-of-diplomatic-relations"),
    "VEN": (CN_ABOVE, "all-weather strategic partnership", "2023-09-13",
            "https://www.breakinglatest.news/news/xi-jinping-and-president-maduro-elevate-china-"
            f"venezuela-relations-to-all-weather-strategic-partnership/; {URL_CN_2023_UPGRADES}"),
    "ETH": (CN_ABOVE, "all-weather partnership", "2023", URL_CN_2023_UPGRADES),
    "HUN": (CN_ABOVE, "all-weather comprehensive strategic partnership for the new era",
            "2024-05", URL_CN_MERICS_EUROPE),
    "UZB": (CN_ABOVE, "all-weather comprehensive strategic partnership", "",
            "https://cuu.coron.tech/news/262920202440019931809 (bne IntelliNews)"),
    "BLR": (CN_ABOVE, "all-weather comprehensive strategic partnership", "2022-09-15",
            "https://embcolombiaitalia.com/china-belarus-improve-bilateral-ties-to-boost-"
            "bilateral-cooperation-regional-stability-and-prosperity-amid-unilateral-sanctions-"
            f"and-threat-of-outside-interference/; {URL_CN_TIERS}"),
    "KAZ": (CN_ABOVE, "permanent comprehensive strategic partnership", "",
            f"{URL_CN_KAZ_KGZ_2023}; https://global.chinadaily.com.cn/china/2013-08/28/"
            "content_16927764_3.htm"),
    "TKM": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023",
            "https://socialistchina.org/2023/05/01/"
            f"china-deepens-its-friendship-with-central-asian-countries; {URL_CN_2023_UPGRADES}"),
    "KGZ": (CN_COMPREHENSIVE, "comprehensive strategic partnership for a new era", "2023-05-18",
            f"{URL_CN_KGZ_2023}; {URL_CN_2023_UPGRADES}"),
    "GAB": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "COD": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "2023",
            f"{URL_CN_2023_UPGRADES}; "
            "https://orcasia.org/public/article/347/chinas-partnerships-with-the-world"),
    "SLB": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "ZMB": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "URY": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "TLS": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2023-09-23",
            f"https://filipino.cri.cn/2023/09/23/ARTINdY8dQGF69xUhm7twIaC230923.shtml; "
            f"{URL_CN_2023_UPGRADES}"),
    "VNM": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_2023_UPGRADES),
    "MEX": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_LAC_2021),
    "ARG": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_LAC_2021),
    "BRA": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_LAC_2021),
    "PER": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2013",
            f"{URL_CN_LAC_2017}; {URL_CN_LAC_2021}"),
    "CHL": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2016-11",
            f"{URL_CN_LAC_2017}; {URL_CN_LAC_2021}"),
    "ECU": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2016-11",
            f"{URL_CN_LAC_2017}; {URL_CN_LAC_2021}"),
    "AUS": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2014-11",
            URL_CN_OCEANIA_2014),
    "NZL": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2014-11",
            URL_CN_OCEANIA_2014),
    "KHM": (CN_COMPREHENSIVE, "comprehensive strategic partnership of cooperation", "2010",
            "http://en.freshnewsasia.com/index.php/en/localnews/13941-2019-05-08-08-06-23.html"),
    "LAO": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "",
            "https://lecourrier.vn/laos-et-chine-renforcent-les-relations-de-cooperation-"
            "bilaterale/449584.html"),
    "MMR": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "",
            "http://italian.cri.cn/761/2014/11/15/69s229506.htm"),
    "ZAF": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership in the new era",
            "2024-09", "https://vietnam.vn/en/nang-cap-quan-he-khang-dinh-tuong-lai-chung"),
    "SAU": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2016-01",
            "http://www.fx361.com/page/2016/0322/16598814.shtml (China Today)"),
    "IRN": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2016-01",
            "http://en.cncnews.cn/news/v_show/54836_Xi_concludes_Middle_East_trip_-_China_"
            "boosts_ties_with_Iran,_Egypt,_Saudi_Arabia.shtml"),
    "ARE": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2018-07-20",
            "http://www.china.org.cn/world/2018-07/20/content_57807543.htm"),
    "DZA": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2014-02",
            "https://chinaandthemiddleeast.blogspot.com/2015/05/"
            "china-algeria-pledge-closer-partnership.html (Xinhua, 29 Apr 2015)"),
    "FRA": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2004-01",
            "http://keywords.china.org.cn/2020-01/19/content_75629456.html"),
    "DEU": (CN_COMPREHENSIVE, "all-round strategic partnership", "2014-03-28",
            "https://europe.chinadaily.com.cn/europe/2014-03/29/content_17389615.htm; "
            "http://www.china.org.cn/english/china_key_words/2020-01/19/content_75629671.htm"),
    "SRB": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2024-05",
            URL_CN_MERICS_EUROPE),
    "ESP": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2005-11-14",
            f"https://polish.cri.cn/177/2005/11/15/41@36821.htm; {URL_CN_SOUTH_EUROPE}"),
    "PRT": (CN_COMPREHENSIVE, "all-around strategic partnership", "2005-12-09",
            "http://english.eastday.com/eastday/englishedition/node20665/node20668/node22810/"
            "node104658/node104659/userobject1ai1713806.html"),
    "ITA": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_SOUTH_EUROPE),
    "GRC": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "", URL_CN_SOUTH_EUROPE),
    "POL": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2016-06-20",
            "https://dlib.eastview.com/browse/doc/46872815?enc=rus (Xinhua, 20 Jun 2016)"),
    "DNK": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2008",
            "https://um.dk/en/about-us/the-ministers/speeches-and-articles-by-former-ministers/"
            "martin-lidegaard-speeches-and-articles/"
            "deepening-china-denmark-comprehensive-strategic-partnership/"),
    "AZE": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2025-04-23",
            "https://anews.com.tr/diplomacy/2025/04/23/"
            "china-azerbaijan-elevate-ties-to-comprehensive-strategic-partnership"),
    "EGY": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2014-12-23",
            "https://wereadchina.wordpress.com/2014/12/23/"
            "china-egypt-elevate-bilateral-ties-to-comprehensive-strategic-partnership/"),
    "NGA": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2024-09",
            "https://filipino.cri.cn/2024/09/04/ARTICleIHT4u8rvjPzMXjkse240904.shtml"),
    "BDI": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2024-09-06",
            "http://www.swahili.people.cn/416719/518473/518474/index.html (Xinhua)"),
    "THA": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "2012-04-17",
            "http://china.org.cn/world/2012-04/18/content_25169642.htm"),
    "IDN": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2013",
            "http://id.china-embassy.org/eng/sgxx/dsjh/t1618743.htm (fifth anniversary in 2018)"),
    "MYS": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2013-10-04",
            "http://www.chinadaily.com.cn/china/2013xiapec/2013-10/04/content_17009806.htm"),
    "MNG": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2014-08-21",
            "http://www.scmp.com/news/china/article/1578567/"
            "xi-jinping-arrives-mongolia-two-day-state-visit"),
    "TJK": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2017-08-31",
            "http://cd.cnchemicals.com/Release_90031.html (Xinhua); "
            "http://en.people.cn/n3/2024/0705/c90000-20190374.html"),
    "BGD": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "",
            "https://qatarpress.qa/"
            "china-and-bangladesh-announce-the-raising-of-the-level-of-bilateral-relations-2; "
            "strategic since 2016: http://bd.chineseembassy.org/eng/zmgx/zyjh/t1436842.htm"),
    "COG": (CN_COMPREHENSIVE, "comprehensive strategic partnership of cooperation", "2016-07-05",
            "http://bb.chineseembassy.org/eng/zgyw/t1378212.htm"),
    "MOZ": (CN_COMPREHENSIVE, "comprehensive strategic cooperative partnership", "",
            "https://clubofmozambique.com/news/"
            "china-puts-ties-with-brother-mozambique-on-highest-footing-in-quest-for-stronger-"
            "links-in-africa"),
    "ZWE": (CN_COMPREHENSIVE, "comprehensive strategic partnership", "2018-04-04",
            "https://whoknows.me/newsticker/politik-wirtschaft/"
            "strategische-partnerschaft-zwischen-china-und-simbabwe/ (CCTV, 5 Apr 2018)"),
    "PNG": (CN_COMPREHENSIVE,
            "comprehensive strategic partnership of mutual respect and common development",
            "2018-11-16", "https://news.cgtn.com/news/3d3d514e354d6a4e30457a6333566d54/"
            "share_amp.html"),
    **dict.fromkeys(
        ("FJI", "FSM", "WSM", "TON", "VUT"),
        (CN_COMPREHENSIVE, "comprehensive strategic partnership featuring mutual respect and "
         "common development (agreed jointly with eight Pacific island countries)",
         "2018-11-16", URL_CN_PACIFIC_2018),
    ),
}  # fmt: skip
#: iso3 -> (designation as the source words it, since, source): strategic, with no source
#: found for a higher tier (African states covered only by FOCAC 2024 are added in
#: ``cn_partnership_rows``). Georgia: People's Daily's list of 2023 upgrades (via
#: Chinascope) puts it under "comprehensive strategic partnerships", which no other page
#: found confirms, so only the strategic level is coded. The same list puts Pakistan under
#: "strategic partnership", plainly wrong for the all-weather partner; not used for it.
CN_STRATEGIC_ONLY = {
    "GEO": ("strategic partnership (listed as comprehensive strategic; see the note)", "2023",
            URL_CN_2023_UPGRADES),
    "SYR": ("strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "COL": ("strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "NIC": ("strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "BEN": ("strategic partnership", "2023", URL_CN_2023_UPGRADES),
    "CRI": ("strategic cooperative partnership", "", URL_CN_LAC_2017),
    "KOR": ("strategic cooperative partnership", "2008-05-27",
            "https://en.trend.az/world/other/1209601.html; "
            "https://ciplawyer.com/articles/136443.html (Xinhua)"),
    "IND": ("strategic and cooperative partnership for peace and prosperity", "2005-04-11",
            "https://www.mfa.gov.cn/ce/cein/eng/ssygd/zygx/t191496.htm"),
    "CHE": ("innovative strategic partnership", "2016-04-08",
            "http://www.chinadaily.com.cn/opinion/2016-04/13/content_24493284.htm"),
    "IRQ": ("strategic partnership", "2015-12",
            "https://chinaandthemiddleeast.blogspot.com/2018/08/"
            "infographic-60-years-of-china-iraq.html (CGTN)"),
    "BOL": ("strategic partnership", "2018-06-19",
            "https://www.shine.cn/archive/nation/Xi-Morales-to-strengthen-strategic-ties/"
            "shdaily.shtml"),
    "TUR": ("strategic cooperative relationship", "2010-10-08",
            "https://turkcindostlukvakfi.org.tr/EN,2585/turkish-chinese-relations-today.html; "
            "https://polish.cri.cn/561/2010/10/08/162s101927.htm"),
    "QAT": ("strategic partnership", "2014-11-03",
            "https://www.business-standard.com/amp/article/news-ians/"
            "china-qatar-announce-strategic-partnership-114110400070_1.html"),
    "LKA": ("strategic cooperative partnership of sincere mutual assistance and everlasting "
            "friendship", "2013-05",
            "https://obor.nea.gov.cn/v_country/getDataCountry.html?id=1286&status=2&webSiteId=2"),
    "NPL": ("strategic partnership of cooperation featuring everlasting friendship for "
            "development and prosperity", "2019-10-12",
            "http://ecns.cn/news/2019-10-14/detail-ifzpuyxh5817750.shtml"),
    "CAN": ("strategic partnership", "",
            "http://english.hani.co.kr/arti/english_edition/e_international/288732.html "
            "(Hankyoreh, 2008: China's strategic partners)"),
    "GBR": ("strategic partnership", "2004",
            "https://issuhub.com/view/index?id=9701&pageIndex=17 (Reassessing the China-EU "
            "Comprehensive Strategic Partnership, Springer 2015)"),
}  # fmt: skip
#: iso3 -> (document as the source words it, since, source): states that have agreed with
#: China, in a signed joint statement or action plan, to build a bilateral "community with
#: a shared future" (命运共同体). Nation Thailand (13 Aug 2024) quotes China's foreign
#: ministry: Cambodia, Laos, Myanmar, Thailand and Vietnam "have each announced jointly with
#: China the building of a community with a shared future".
CN_SHARED_FUTURE = {
    "LAO": ("action plan on building a China-Laos community with a shared future", "2019-04",
            "https://en.yn2an.cn/news_1/1935909978887495680-2130-10.html; "
            f"{URL_CN_MEKONG_2024}"),
    "KHM": ("action plan 2019-2023 on building a China-Cambodia community of shared future",
            "2019-04",
            "http://en.freshnewsasia.com/index.php/en/localnews/13941-2019-05-08-08-06-23.html; "
            f"http://en.people.cn/n3/2023/0212/c90000-10206514.html; {URL_CN_MEKONG_2024}"),
    "PAK": ("joint statement on a closer China-Pakistan community of shared future in the new "
            "era", "2018-11",
            "https://www.thenews.com.pk/print/476548-china-pakistan-strive-to-build-closer-"
            "community"),
    "MMR": ("community with a shared future announced jointly with China", "",
            URL_CN_MEKONG_2024),
    "THA": ("community with a shared future announced jointly with China", "",
            URL_CN_MEKONG_2024),
    "VNM": ("building of a China-Vietnam community with a shared future", "2023",
            "https://bnnbreaking.com/world/china/a-new-chapter-in-international-relations-"
            f"chinas-head-of-state-diplomacy-in-2023/; {URL_CN_MEKONG_2024}"),
    "UZB": ("announcement of a China-Uzbekistan community with a shared future (state visit)",
            "2022-09", "http://m.o-olink.com/a/202305/19/WS64665f24a310b6054fad3cda_3.html"),
    "KAZ": ("heads of state's consensus on a China-Kazakhstan community with a shared future",
            "", URL_CN_KAZ_KGZ_2023),
    "TKM": ("joint announcement to practise a community with a shared future bilaterally",
            "2023",
            "https://socialistchina.org/2023/05/01/"
            "china-deepens-its-friendship-with-central-asian-countries"),
    "SRB": ("China-Serbia community with a shared future (community of common destiny)",
            "2024-05", URL_CN_MERICS_EUROPE),
    "TJK": ("announcement of a China-Tajikistan community with a shared future", "2023",
            "http://en.people.cn/n3/2024/0705/c90000-20190374.html"),
    "IDN": ("joint statement on promoting the comprehensive strategic partnership and building "
            "a China-Indonesia community with a shared future", "2024-11",
            "https://www.thestar.com.my/business/business-news/2024/11/11/"
            "china-indonesia-sign-multiple-cooperation-deals"),
    "CUB": ("leaders' consensus on jointly building a China-Cuba community with a shared "
            "future", "2022",
            "http://en.people.cn/n3/2025/1115/c90000-20390859.html; "
            "http://en.granma.cu/mundo/2024-10-22/challenges-of-building-a-shared-destiny"),
    "LKA": ("heads of state's consensus on jointly building a China-Sri Lanka community with a "
            "shared future", "",
            "https://menafn.com/1109793172/"
            "China-Willing-To-Promote-Strategic-Cooperative-Partnership-With-Sri-Lanka-Chinese-FM "
            "(Xinhua, July 2025)"),
    "KGZ": ("joint declaration: a community of shared future featuring good neighbourliness, "
            "friendship and shared prosperity", "2023-05-18", URL_CN_KGZ_2023),
    "KEN": ("elevation of ties to a China-Kenya community with a shared future for the new era",
            "2025-04-24", "http://en.people.cn/n3/2025/0424/c90000-20306830.html"),
    "BRA": ("elevation of the comprehensive strategic partnership to a China-Brazil community "
            "with a shared future for a more just world and a more sustainable planet",
            "2024-11-20",
            "https://eir.news/2024/11/news/china-and-brazil-map-out-plans-for-50-more-years-of-"
            "collaboration-on-world-peace-and-development; "
            "https://theeuropetoday.com/2024/11/21/"
            "china-and-brazil-elevate-ties-to-forge-a-community-with-a-shared-future"),
    "ZAF": ("joint statement pledging a high-quality China-South Africa community with a "
            "shared future", "2024-09",
            "https://vietnam.vn/en/nang-cap-quan-he-khang-dinh-tuong-lai-chung"),
}  # fmt: skip

#: CIS correction: the country_converter ``cis`` flag omits Kyrgyzstan, a CIS member state
#: since the 1991 Alma-Ata Protocol. It is added here by hand.
CIS_ADDITIONS = ("KGZ",)

# --------------------------------------------------------------------------------------
# AI-governance frameworks (domain/memberships.csv): id mapping and date normalisation.
# --------------------------------------------------------------------------------------
FRAMEWORK_IDS = {
    "WAICO": "waico",
    "G7_Hiroshima_AI_Process": "g7_hiroshima_process",
    "HAP_Friends_Group": "hap_friends_group",
    "OECD_AI_Principles": "oecd_ai_principles",
    "GPAI": "gpai",
    "CoE_AI_Convention": "coe_ai_convention",
    "Bletchley_Declaration_2023": "bletchley_2023",
    "Seoul_Declaration_2024": "seoul_2024",
    "Paris_AI_Action_Statement_2025": "paris_2025",
    "UNGA_78_265_safe_trustworthy_AI": "unga_78_265",
    "UNGA_78_311_AI_capacity_building": "unga_78_311",
    "UN_Sci_Panel_and_Global_Dialogue_79_325": "un_79_325",
    "GoF_AI_Capacity_Building": "gof_ai_capacity_building",
    "BRICS": "brics",
    "SCO": "sco",
    "SCO_2025_AI_Statement": "sco_ai_statement_2025",
    "US_AI_Diffusion_Rule": "us_diffusion_rule",
    "Pax_Silica": "pax_silica",
}

#: Every non-ISO date string in memberships.csv, mapped by hand to an ISO date (or to ""
#: where the text gives no join/sign date). Plain ISO dates pass through unchanged. An
#: unknown string stops the build, so a new source value cannot slip through unreviewed.
DATE_MAP = {
    "founding (2006/2011)": "",
    "2024-01-01 (status disputed)": "2024-01-01",
    "(as of 2025-09-01)": "",
    "2024-09-05 (per CoE via miragenews; absent from other 2024-09-05 lists)": "2024-09-05",
    "2025-02 (Paris AI Action Summit side event)": "2025-02",
    "by 2026-01-27 (exact date not found)": "",
    "2024-07 (OECD-GPAI integrated partnership, 44 members)": "2024-07",
    "by 2022-2023 (29 incl. EU)": "",
    "2025 (after 2025-02-28)": "2025",
    "2025-01-15 (rescinded 2025-05-13)": "2025-01-15",
}
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of ``data``.

    Args:
        data: The bytes to hash.

    Returns:
        The 64-character lower-case hex digest.

    """
    return hashlib.sha256(data).hexdigest()


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV into a list of dicts with every value kept as a string.

    The standard library never turns the string ``NA`` (Namibia's ISO2) into a missing
    value, so no special NA handling is needed; an empty cell is the empty string.

    Args:
        path: The CSV file.

    Returns:
        One dict per row, keyed by header.

    """
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_bytes(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    """Serialise rows to CSV bytes with Unix line endings and minimal quoting.

    Args:
        columns: Column order.
        rows: Rows keyed by column; every value must be a string.

    Returns:
        The UTF-8 encoded CSV.

    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    return buffer.getvalue().encode("utf-8")


def sig6(value: float) -> str:
    """Format a float with 6 significant digits, never in exponent notation.

    Args:
        value: The number (expected in [0, 1]).

    Returns:
        The formatted number, e.g. ``0.496275``.

    """
    if value == 0:
        return "0"
    decimals = max(0, 5 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_number(text: str, what: str) -> str:
    """Check that a non-empty cell parses as a finite number and return it unchanged.

    Args:
        text: The cell.
        what: A label for the error message.

    Returns:
        The same text.

    Raises:
        ValueError: If the cell is not a finite number.

    """
    if text != "" and not math.isfinite(float(text)):
        raise ValueError(f"{what}: not a finite number: {text!r}")
    return text


def ranks(values: list[float]) -> list[float]:
    """Return 1-based ranks, ties receiving their average rank.

    Args:
        values: The data.

    Returns:
        The rank of each value, in input order.

    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman rank correlation (Pearson correlation of average ranks).

    Args:
        x: First variable.
        y: Second variable, same length.

    Returns:
        The correlation coefficient.

    """
    return statistics.correlation(ranks(x), ranks(y))


# --------------------------------------------------------------------------------------
# Build steps
# --------------------------------------------------------------------------------------


def build_countries(shared: Path) -> tuple[list[dict[str, str]], dict[str, object]]:
    """Build the rows of countries.csv and the facts SOURCES.md reports about them.

    Args:
        shared: The shared data folder.

    Returns:
        The 193 rows sorted by iso3, and a dict of derived facts (proxy statistics,
        imputed rows, GDP years, Tortoise coverage).

    Raises:
        ValueError: If an input does not have the expected shape.

    """
    master = read_csv(shared / "countries.csv")
    members = sorted((r for r in master if r["un_status"] == "member"), key=lambda r: r["iso3"])
    if len(members) != 193 or len({r["iso3"] for r in members}) != 193:
        raise ValueError(f"expected 193 unique UN members, found {len(members)}")
    economy = {r["iso3"]: r for r in read_csv(shared / "economy_wb.csv")}
    unga = {r["iso3"]: r for r in read_csv(shared / "unga_alignment.csv")}
    tortoise = {r["iso3"]: r for r in read_csv(shared / "ai_tortoise_global_ai_index.csv")}

    rows: list[dict[str, str]] = []
    for m in members:
        iso3 = m["iso3"]
        econ = economy.get(iso3, {})
        vote = unga[iso3]
        gdp = econ.get("gdp_usd_latest", "")
        if gdp and not gdp.isdigit():
            raise ValueError(f"{iso3}: GDP is not a whole number: {gdp!r}")
        row = {
            "iso3": iso3,
            "name": m["name"],
            "m49": m["m49"],
            "un_region": m["un_region"],
            "un_subregion": m["un_subregion"],
            "un_intermediate_region": m["un_intermediate_region"],
            "capital": m["capital"],
            "un_member_since": m["un_member_since"],
            "gdp_usd": gdp,
            "gdp_year": econ.get("gdp_year", ""),
            "population": econ.get("population_latest", ""),
            "population_year": econ.get("population_year", ""),
            "gdp_per_capita_usd": check_number(econ.get("gdp_per_capita_usd_latest", ""), iso3),
            "ideal_point_latest": check_number(vote["ideal_point_latest"], iso3),
            "ideal_point_latest_session": vote["latest_session"],
            "ideal_point_mean_2019_2023": check_number(vote["ideal_point_mean_s74_78"], iso3),
            "agree_usa_mean_2019_2023": check_number(vote["agree_usa_mean_s74_78"], iso3),
            "agree_chn_mean_2019_2023": check_number(vote["agree_chn_mean_s74_78"], iso3),
            "agree_usa_minus_chn_2019_2023": check_number(vote["agree_usa_minus_chn_s74_78"], iso3),
            "tortoise_ai_total_score": check_number(
                tortoise.get(iso3, {}).get("total_score", ""), iso3
            ),
        }
        if bool(row["gdp_usd"]) != bool(row["gdp_per_capita_usd"]):
            raise ValueError(f"{iso3}: GDP and GDP per capita disagree on missingness")
        if not row["population"]:
            raise ValueError(f"{iso3}: population missing")
        rows.append(row)

    facts = compute_proxy(rows)
    facts["n_sessions"] = {r["iso3"]: unga[r["iso3"]]["n_sessions_s74_78"] for r in rows}
    return rows, facts


def scaled_logs(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    """Min-max scale log10 GDP and log10 GDP per capita over the rows that have GDP.

    Args:
        rows: countries.csv rows.

    Returns:
        iso3 -> (scaled log GDP, scaled log GDP per capita), both in [0, 1].

    """
    logs = {
        r["iso3"]: (math.log10(int(r["gdp_usd"])), math.log10(float(r["gdp_per_capita_usd"])))
        for r in rows
        if r["gdp_usd"]
    }
    lo_g = min(v[0] for v in logs.values())
    hi_g = max(v[0] for v in logs.values())
    lo_p = min(v[1] for v in logs.values())
    hi_p = max(v[1] for v in logs.values())
    return {
        iso3: ((g - lo_g) / (hi_g - lo_g), (p - lo_p) / (hi_p - lo_p))
        for iso3, (g, p) in logs.items()
    }


def impute_proxy(rows: list[dict[str, str]], proxy: dict[str, float], iso3: str) -> float:
    """Return the imputed proxy for a country without GDP, following ``IMPUTATION``.

    Args:
        rows: countries.csv rows.
        proxy: The computed proxies (countries with GDP).
        iso3: The country to impute.

    Returns:
        The median proxy over all computed countries ("global_median") or over the
        computed countries of the same UN subregion ("subregion_median").

    """
    if IMPUTATION == "global_median":
        return statistics.median(proxy.values())
    subregion = next(r["un_subregion"] for r in rows if r["iso3"] == iso3)
    return statistics.median(
        proxy[r["iso3"]] for r in rows if r["un_subregion"] == subregion and r["iso3"] in proxy
    )


def compute_proxy(rows: list[dict[str, str]]) -> dict[str, object]:
    """Fill ``ai_capacity_proxy`` and ``ai_capacity_proxy_rule`` in place.

    The proxy is the mean of min-max-scaled log10 GDP and log10 GDP per capita over the
    192 UN members with GDP. Where GDP is missing it is imputed (see ``impute_proxy``).

    Args:
        rows: countries.csv rows; modified in place.

    Returns:
        Facts for SOURCES.md: the Spearman correlations with Tortoise (chosen proxy and
        alternatives), the overlap size, the imputed rows and their alternative values.

    """
    scaled = scaled_logs(rows)
    proxy = {iso3: (g + p) / 2 for iso3, (g, p) in scaled.items()}
    by_iso = {r["iso3"]: r for r in rows}

    # Alternative values for an imputed country, reported in SOURCES.md.
    imputed: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["iso3"] in proxy:
            r["ai_capacity_proxy"] = sig6(proxy[r["iso3"]])
            r["ai_capacity_proxy_rule"] = "computed"
            continue
        value = impute_proxy(rows, proxy, r["iso3"])
        r["ai_capacity_proxy"] = sig6(value)
        r["ai_capacity_proxy_rule"] = f"imputed:{IMPUTATION}"
        subregion = r["un_subregion"]
        sub_median = statistics.median(
            proxy[x["iso3"]] for x in rows if x["un_subregion"] == subregion and x["iso3"] in proxy
        )
        imputed[r["iso3"]] = {
            "global_median": statistics.median(proxy.values()),
            "subregion_median": sub_median,
            "subregion_median_rank": 1 + sum(1 for v in proxy.values() if v > sub_median),
        }

    overlap = sorted(i for i in proxy if by_iso[i]["tortoise_ai_total_score"])
    score = [float(by_iso[i]["tortoise_ai_total_score"]) for i in overlap]
    alternatives = {
        "mean_scaled_logs (shipped)": [proxy[i] for i in overlap],
        "geometric_mean_scaled_logs": [math.sqrt(scaled[i][0] * scaled[i][1]) for i in overlap],
        "scaled_log_gdp_only": [scaled[i][0] for i in overlap],
        "scaled_log_gdp_per_capita_only": [scaled[i][1] for i in overlap],
    }
    correlations = {name: spearman(values, score) for name, values in alternatives.items()}
    return {
        "spearman": correlations,
        "overlap": overlap,
        "imputed": imputed,
        "proxy_min": min(proxy.values()),
        "proxy_max": max(proxy.values()),
        "proxy_median": statistics.median(proxy.values()),
    }


def build_affiliations(
    shared: Path, member_iso3: set[str]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Build ai_affiliations.csv rows from domain/memberships.csv (UN members only).

    Args:
        shared: The shared data folder.
        member_iso3: ISO3 codes of the 193 UN members.

    Returns:
        The kept rows (sorted by framework, iso3, relation) and the dropped rows.

    Raises:
        ValueError: On an unknown framework or date string.

    """
    kept, dropped = [], []
    for r in read_csv(shared / "domain" / "memberships.csv"):
        if r["framework"] not in FRAMEWORK_IDS:
            raise ValueError(f"unknown framework {r['framework']!r}: add it to FRAMEWORK_IDS")
        raw = r["date"].strip()
        if ISO_DATE.match(raw):
            date = raw
        elif raw in DATE_MAP:
            date = DATE_MAP[raw]
        else:
            raise ValueError(f"unknown date string {raw!r}: add it to DATE_MAP")
        row = {
            "iso3": r["iso3"],
            "framework": FRAMEWORK_IDS[r["framework"]],
            "relation": r["relation"],
            "date": date,
            "source": r["source"],
        }
        (kept if r["iso3"] in member_iso3 else dropped).append(row)
    kept.sort(key=lambda x: (x["framework"], x["iso3"], x["relation"]))
    dropped.sort(key=lambda x: (x["framework"], x["iso3"], x["relation"]))
    return kept, dropped


def flag_rows(
    master: dict[str, dict[str, str]], column: str, bloc: str, source: str, since_col: str = ""
) -> list[dict[str, str]]:
    """Bloc rows for the UN members flagged 1 in a shared countries.csv column.

    Args:
        master: UN-member rows of shared countries.csv keyed by iso3.
        column: The 0/1 flag column.
        bloc: The bloc id.
        source: The source text for the ``source`` column.
        since_col: Optional column holding the accession year.

    Returns:
        One ``member`` row per flagged country.

    """
    return [
        {
            "iso3": iso3,
            "bloc": bloc,
            "relation": "member",
            "since": row[since_col] if since_col else "",
            "source": source,
        }
        for iso3, row in master.items()
        if row[column] == "1"
    ]


def literal_rows(
    members: dict[str, str] | list[str] | tuple[str, ...],
    bloc: str,
    source: str,
    relation: str = "member",
) -> list[dict[str, str]]:
    """Bloc rows for a hand-coded list.

    Args:
        members: iso3 -> since, or a plain sequence of iso3 (since left empty).
        bloc: The bloc id.
        source: The source text for the ``source`` column.
        relation: The ``relation`` of every row.

    Returns:
        One row per country.

    """
    items = members.items() if isinstance(members, dict) else ((i, "") for i in members)
    return [
        {"iso3": iso3, "bloc": bloc, "relation": relation, "since": since, "source": source}
        for iso3, since in items
    ]


def bri_since(likely: str) -> str:
    """The ``since`` value for a GFDC "likely MoU date".

    GFDC dates on the first of a month are read as month-precision dates (they cluster on
    the first, e.g. the September 2018 FOCAC summit signatories), other dates as days.

    Args:
        likely: The GFDC date ``YYYY-MM-DD``, or empty.

    Returns:
        Empty for an empty date or the 2013 placeholder; ``YYYY-MM`` for a first of the
        month; the date itself otherwise.

    """
    if likely in ("", BRI_GFDC_PLACEHOLDER):
        return ""
    return likely[:7] if likely.endswith("-01") else likely


def bri_rows(un_members: set[str]) -> list[dict[str, str]]:
    """Bloc rows for the Belt and Road Initiative signatories that are UN members.

    Args:
        un_members: iso3 of the UN member states (GFDC also lists the Cook Islands and Niue).

    Returns:
        The initiator row (China) and one ``cooperation_document`` row per signatory.

    Raises:
        ValueError: If a state listed as withdrawn is also listed as a signatory.

    """
    withdrawn = set(BRI_WITHDRAWN) & (set(BRI_GFDC) | set(BRI_ADDED))
    if withdrawn:
        raise ValueError(f"bri: withdrawn states listed as signatories: {sorted(withdrawn)}")
    gfdc = f"hand-coded as of {BRI_GFDC_AS_OF}; GFDC list {URL_BRI_GFDC} (transcribed at "
    gfdc += f"{URL_BRI_GFDC_CSV})"
    china, launched = BRI_INITIATOR
    rows = literal_rows({china: launched}, "bri", f"{gfdc}; {URL_BRI_WHITE_PAPER}", "initiator")
    for iso3, likely in BRI_GFDC.items():
        if iso3 in un_members:
            rows += literal_rows({iso3: bri_since(likely)}, "bri", gfdc, "cooperation_document")
    for iso3, (since, urls) in BRI_ADDED.items():
        source = f"hand-coded (not in the GFDC list of {BRI_GFDC_AS_OF}); {urls}"
        rows += literal_rows({iso3: since}, "bri", source, "cooperation_document")
    return rows


def cn_partnership_rows(african: set[str]) -> list[dict[str, str]]:
    """Bloc rows for China's strategic partners and shared-future documents.

    Args:
        african: iso3 of the African UN members (the FOCAC 2024 elevation covers those
            with diplomatic relations with China).

    Returns:
        Rows of ``cn_strategic``, ``cn_comprehensive_strategic`` and ``cn_shared_future``.

    Raises:
        ValueError: If a state is listed in both tiers, or a designation is dated after
            ``CN_PARTNERSHIP_AS_OF``.

    """
    both = set(CN_COMPREHENSIVE_STRATEGIC) & set(CN_STRATEGIC_ONLY)
    if both:
        raise ValueError(f"cn partnerships: listed in two tiers: {sorted(both)}")
    prefix = f"hand-coded as of {CN_PARTNERSHIP_AS_OF}"
    rows = []
    for iso3, (tier, words, since, url) in CN_COMPREHENSIVE_STRATEGIC.items():
        source = f"{prefix}; '{words}'; {url}"
        rows += literal_rows({iso3: since}, "cn_strategic", source, tier)
        rows += literal_rows({iso3: since}, "cn_comprehensive_strategic", source, tier)
    for iso3, (words, since, url) in CN_STRATEGIC_ONLY.items():
        source = f"{prefix}; '{words}'; {url}"
        rows += literal_rows({iso3: since}, "cn_strategic", source, CN_STRATEGIC)
    coded = set(CN_COMPREHENSIVE_STRATEGIC) | set(CN_STRATEGIC_ONLY)
    focac = sorted(african - coded - set(CN_NO_RELATIONS))
    words = "strategic partnership (FOCAC 2024: every African state with diplomatic ties)"
    source = f"{prefix}; '{words}'; {URL_CN_FOCAC_2024}"
    rows += literal_rows(dict.fromkeys(focac, CN_FOCAC_2024), "cn_strategic", source, CN_STRATEGIC)
    for iso3, (words, since, url) in CN_SHARED_FUTURE.items():
        source = f"{prefix}; '{words}'; {url}"
        rows += literal_rows({iso3: since}, "cn_shared_future", source, "bilateral_document")
    late = [r["iso3"] for r in rows if r["since"] > CN_PARTNERSHIP_AS_OF]
    if late:
        raise ValueError(f"cn partnerships dated after {CN_PARTNERSHIP_AS_OF}: {late}")
    return rows


def build_blocs(shared: Path, affiliations: list[dict[str, str]]) -> list[dict[str, str]]:
    """Build blocs.csv rows.

    Args:
        shared: The shared data folder.
        affiliations: The ai_affiliations.csv rows (BRICS and SCO come from there).

    Returns:
        Rows sorted by bloc then iso3.

    Raises:
        ValueError: If a hand-coded list does not match its expected size or contains a
            non-member, or a (country, bloc) pair repeats.

    """
    master = {
        r["iso3"]: r for r in read_csv(shared / "countries.csv") if r["un_status"] == "member"
    }

    def shared_src(column: str, url: str) -> str:
        return f"shared:countries.csv({column}); {url}"

    m49 = f"UN M49 {URL_M49} via datasets/country-codes"
    rows = []
    rows += flag_rows(master, "eu27", "eu", shared_src("eu27", URL_EU))
    rows += flag_rows(
        master, "oecd", "oecd", shared_src("oecd,oecd_since", URL_OECD), since_col="oecd_since"
    )
    rows += flag_rows(master, "g7", "g7", shared_src("g7", URL_G7))
    rows += flag_rows(master, "g20_country", "g20", shared_src("g20_country", URL_G20))
    rows += flag_rows(master, "apec", "apec", shared_src("apec", URL_APEC))
    rows += flag_rows(
        master, "council_of_europe", "council_of_europe", shared_src("council_of_europe", URL_COE)
    )
    rows += flag_rows(master, "cis", "cis", shared_src("cis", URL_CIS))
    rows += literal_rows(
        list(CIS_ADDITIONS),
        "cis",
        f"hand-coded correction (shared cis flag omits it); {URL_CIS}",
    )
    rows += flag_rows(master, "ldc", "ldc", f"shared:countries.csv(ldc) from {m49}; {URL_LDC}")
    rows += flag_rows(master, "lldc", "lldc", f"shared:countries.csv(lldc) from {m49}; {URL_LLDC}")
    rows += flag_rows(master, "sids", "sids", f"shared:countries.csv(sids) from {m49}; {URL_SIDS}")
    rows += literal_rows(NATO_ACCESSION, "nato", f"hand-coded as of {NATO_AS_OF}; {URL_NATO}")
    rows += literal_rows(ASEAN_ADMISSION, "asean", f"hand-coded as of {ASEAN_AS_OF}; {URL_ASEAN}")
    rows += literal_rows(GCC_MEMBERS, "gcc", f"hand-coded as of {GCC_AS_OF}; {URL_GCC}")
    rows += literal_rows(AU_MEMBERS, "au", f"hand-coded as of {AU_AS_OF}; {URL_AU}")
    iomed_source = f"hand-coded; names: {'; '.join(IOMED_LIST_URLS)}"
    for iso3 in IOMED_FOUNDING:
        confirmation = IOMED_CONFIRMATIONS.get(iso3)
        source = f"{iomed_source}; own confirmation: {confirmation}" if confirmation else iomed_source
        rows += literal_rows({iso3: IOMED_SIGNED}, "iomed", source, "founding_signatory")
    for iso3, (since, url) in US_MNNA.items():
        source = f"hand-coded as of {US_MNNA_AS_OF}; {URL_MNNA}; date: {url}"
        rows += literal_rows({iso3: since}, "us_mnna", source, "designated")
    rows += literal_rows(TAIWAN_RECOGNITION, "taiwan_recognition",
                         f"hand-coded as of {TAIWAN_RECOGNITION_AS_OF}; {'; '.join(TAIWAN_RECOGNITION_URLS)}",
                         "recognises_roc")  # fmt: skip
    rows += bri_rows(set(master))
    rows += cn_partnership_rows({i for i, r in master.items() if r["un_region"] == "Africa"})

    # BRICS and SCO from domain/memberships.csv. Invited (not yet accepted) partners are not
    # memberships and stay only in ai_affiliations.csv.
    for a in affiliations:
        if a["framework"] == "brics" and a["relation"] in ("member", "member_disputed"):
            bloc = "brics"
        elif a["framework"] == "brics" and a["relation"] == "partner":
            bloc = "brics_partner"
        elif a["framework"] == "sco" and a["relation"] == "member":
            bloc = "sco"
        else:
            continue
        source = f"shared:domain/memberships.csv; {a['source']}"
        if bloc == "sco":
            source += f"; {URL_SCO}"
        since = a["date"] if a["date"] else ""
        rows.append(
            {"iso3": a["iso3"], "bloc": bloc, "relation": a["relation"], "since": since,
             "source": source}
        )  # fmt: skip

    expected = {
        "nato": 32, "asean": 11, "gcc": 6, "au": 54,
        "iomed": 32, "us_mnna": 20, "bri": 151, "taiwan_recognition": 11,
        "cn_strategic": 118, "cn_comprehensive_strategic": 61, "cn_shared_future": 18,
    }  # fmt: skip
    counts = Counter(r["bloc"] for r in rows)
    for bloc, size in expected.items():
        if counts[bloc] != size:
            raise ValueError(f"{bloc}: expected {size} members, built {counts[bloc]}")
    africa = {i for i, r in master.items() if r["un_region"] == "Africa"}
    if set(AU_MEMBERS) != africa:
        raise ValueError("AU list differs from the UN members in M49 region Africa")
    for r in rows:
        if r["iso3"] not in master:
            raise ValueError(f"{r['bloc']}: {r['iso3']} is not a UN member")
    pairs = Counter((r["iso3"], r["bloc"]) for r in rows)
    if max(pairs.values()) > 1:
        raise ValueError(f"duplicate bloc rows: {[p for p, n in pairs.items() if n > 1]}")
    rows.sort(key=lambda r: (r["bloc"], r["iso3"]))
    return rows


def missing_polygons(geojson: bytes, member_iso3: list[str]) -> list[str]:
    """UN members without a feature in the map.

    Args:
        geojson: The map file's bytes.
        member_iso3: ISO3 codes of the UN members.

    Returns:
        The sorted ISO3 codes that have no feature.

    """
    features = json.loads(geojson)["features"]
    present = {f["properties"].get("iso3") for f in features}
    return sorted(set(member_iso3) - present)


# --------------------------------------------------------------------------------------
# SOURCES.md
# --------------------------------------------------------------------------------------


def md_table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """Render a Markdown table.

    Args:
        header: Column titles.
        rows: Cell values.

    Returns:
        The table text, ending in a newline.

    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_sources(ctx: dict[str, object]) -> str:
    """Render SOURCES.md from the facts gathered during the build.

    Args:
        ctx: Counts, lists and statistics computed by ``build``.

    Returns:
        The Markdown text.

    """
    facts = ctx["facts"]
    countries = ctx["countries"]
    spearman_table = md_table(
        ("proxy variant", "Spearman ρ with Tortoise total score"),
        [(name, f"{value:.3f}") for name, value in facts["spearman"].items()],
    )
    rho = facts["spearman"]["mean_scaled_logs (shipped)"]
    imputed_lines = "\n".join(
        f"  * **{iso3}**: shipped value {sig6(v[IMPUTATION])} (`imputed:{IMPUTATION}`). The "
        f"alternative rule, the median of its UN subregion, would give "
        f"{sig6(v['subregion_median'])}, which would rank {v['subregion_median_rank']:.0f} of "
        f"{len(countries)}; the global median is {sig6(v['global_median'])}."
        for iso3, v in facts["imputed"].items()
    )
    old_gdp = ", ".join(
        f"{r['iso3']} {r['gdp_year']}"
        for r in sorted(countries, key=lambda r: (r["gdp_year"], r["iso3"]))
        if r["gdp_year"] and int(r["gdp_year"]) < 2023
    )
    no_gdp = ", ".join(r["iso3"] for r in countries if not r["gdp_usd"])
    short_unga = ", ".join(
        f"{i} ({n} sessions)" for i, n in sorted(facts["n_sessions"].items()) if n != "5"
    )
    not_latest = ", ".join(
        f"{r['iso3']} (session {r['ideal_point_latest_session']})"
        for r in countries
        if r["ideal_point_latest_session"] != "78"
    )
    pop_years = ", ".join(sorted({r["population_year"] for r in countries}))
    n_no_intermediate = sum(1 for r in countries if not r["un_intermediate_region"])
    with_intermediate = ", ".join(
        sorted({r["un_subregion"] for r in countries if r["un_intermediate_region"]})
    )
    n_tortoise = len(facts["overlap"])
    countries_table = md_table(
        ("column", "source, licence", "units, year, derivation", "missing"),
        [
            ("iso3, name, un_member_since",
             "shared `countries.csv` (from `country_converter` 1.3.2; GPL-3.0, factual data)",
             "ISO 3166-1 alpha-3; short English name; year of UN admission",
             "none"),
            ("m49, un_region, un_subregion, un_intermediate_region, capital",
             "shared `countries.csv` from `datasets/country-codes` (ODC-PDDL-1.0), i.e. "
             f"UN M49 ({URL_M49})",
             "M49 numeric code without leading zeros; M49 region names; capital city",
             f"`un_intermediate_region` is empty for {n_no_intermediate} members: among UN "
             f"members M49 defines intermediate regions only within {with_intermediate}. "
             "Not an error"),
            ("gdp_usd, gdp_year",
             "World Bank WDI NY.GDP.MKTP.CD via `datasets/gdp` (shared `economy_wb.csv` "
             "`gdp_usd_latest`, `gdp_year`). CC BY 4.0: \"World Bank, World Development "
             "Indicators\"",
             "current US$, whole dollars; latest non-missing year ≤ 2023 (an older WB "
             "vintage; e.g. USA 2023 = 2.7361e13)",
             f"{no_gdp}: no GDP in any year; left empty"),
            ("population, population_year",
             "WDI SP.POP.TOTL via `datasets/population` (shared `population_latest`). "
             "CC BY 4.0",
             f"persons; year {pop_years}",
             "none"),
            ("gdp_per_capita_usd",
             "shared `gdp_per_capita_usd_latest`, used as is (derived from WDI, CC BY 4.0)",
             "current US$ per person, 1 decimal: GDP of `gdp_year` ÷ population **of the "
             "same year**, computed by the shared-data builder (not a WB series). It is "
             "*not* `gdp_usd / population`, because `population` is 2024",
             f"empty where GDP is missing ({no_gdp})"),
            ("ideal_point_latest, ideal_point_latest_session",
             "Bailey, Strezhnev & Voeten, UNGA voting data, Harvard Dataverse "
             "hdl:1902.1/12379, file IdealpointestimatesAll_Jun2024.csv (shared "
             "`unga_alignment.csv`). Licence believed CC0 1.0, **unverified**",
             "`IdealPointAll` of the latest session available (higher = closer to the "
             "US-led order; range about −2.2 to 2.7) and that session's number",
             f"none; the latest session is 78 except {not_latest}"),
            ("ideal_point_mean_2019_2023, agree_usa_mean_2019_2023, "
             "agree_chn_mean_2019_2023, agree_usa_minus_chn_2019_2023",
             "same (`*_mean_s74_78` columns)",
             "unweighted means over UNGA sessions 74–78 (sessions opening 2019–2023). "
             "Agreement = share of roll calls where both states voted yes/no/abstain and "
             "voted the same; 4 decimals. Prefer the ideal point or the USA−CHN difference "
             "to raw agreement levels (median agreement is 0.75 with China vs 0.23 with the "
             "USA, because of the agenda)",
             f"none; means rest on fewer than 5 sessions for {short_unga}"),
            ("tortoise_ai_total_score",
             "\"Tortoise Global AI Index (c. 2021)\", via the Kaggle \"AI Global Index\" "
             "table (GitHub `williamjwall/AI_global_index`). **Licence unknown** (Tortoise "
             "Media data redistributed via Kaggle); verify before public redistribution",
             "0–100, relative, USA = 100; edition uncertain (its ordering matches the 2021 "
             "edition)",
             f"empty for the {len(countries) - n_tortoise} members the index does not "
             f"cover ({n_tortoise} covered). Not imputed"),
            ("ai_capacity_proxy",
             "derived here from `gdp_usd` and `gdp_per_capita_usd` (so WDI, CC BY 4.0)",
             "a PROXY (see below); in [0, 1]; 6 significant digits",
             "never empty: imputed where GDP is missing"),
            ("ai_capacity_proxy_rule", "derived here",
             f"`computed` or `imputed:{IMPUTATION}`", "never empty"),
        ],
    )  # fmt: skip
    bloc_counts = ctx["bloc_counts"]
    bri_added = "; ".join(f"{i} ({since})" for i, (since, _) in BRI_ADDED.items())
    bri_withdrawn = "; ".join(
        f"{i} (GFDC exit {exit_date}: {note})" for i, (exit_date, note) in BRI_WITHDRAWN.items()
    )
    bri_counts = "; ".join(BRI_COUNT_SOURCES)
    cn_above = ", ".join(sorted(i for i, v in CN_COMPREHENSIVE_STRATEGIC.items() if v[0] == CN_ABOVE))
    cn_focac = bloc_counts["cn_strategic"] - len(CN_COMPREHENSIVE_STRATEGIC) - len(CN_STRATEGIC_ONLY)
    bloc_table = md_table(
        ("bloc", "rows", "relation(s)", "since", "source of the list"),
        [
            ("eu", bloc_counts["eu"], "member", "empty", f"shared `eu27` flag; {URL_EU}"),
            ("oecd", bloc_counts["oecd"], "member", "`oecd_since` year",
             f"shared `oecd`, `oecd_since`; {URL_OECD}"),
            ("g7", bloc_counts["g7"], "member", "empty",
             f"shared `g7` flag; {URL_G7} (G7 Information Centre, Univ. of Toronto; "
             "the G7 has no secretariat or official member page)"),
            ("g20", bloc_counts["g20"], "member", "empty",
             f"shared `g20_country` (19 countries; the EU and AU seats have no ISO3); {URL_G20}"),
            ("brics", bloc_counts["brics"], "member; member_disputed (SAU)",
             "join date from source; empty for founders",
             "shared `domain/memberships.csv` (africanews.com, independent.co.ug: news "
             "reports; BRICS has no secretariat and no official member page was available)"),
            ("brics_partner", bloc_counts["brics_partner"], "partner", "date from source",
             "shared `domain/memberships.csv` (independent.co.ug, africanews.com)"),
            ("sco", bloc_counts["sco"], "member", "empty",
             f"shared `domain/memberships.csv` (geopolitechs.org, newsx.com); {URL_SCO}"),
            ("au", bloc_counts["au"], "member", "empty",
             f"**hand-coded**, as of {AU_AS_OF}; {URL_AU}"),
            ("asean", bloc_counts["asean"], "member", "admission year; TLS 2025-10-26",
             f"**hand-coded**, as of {ASEAN_AS_OF}; {URL_ASEAN}"),
            ("nato", bloc_counts["nato"], "member", "accession year",
             f"**hand-coded**, as of {NATO_AS_OF}; {URL_NATO}"),
            ("gcc", bloc_counts["gcc"], "member", "1981 (founding)",
             f"**hand-coded**, as of {GCC_AS_OF}; {URL_GCC}"),
            ("iomed", bloc_counts["iomed"], "founding_signatory", IOMED_SIGNED,
             f"**hand-coded** (news lists; see the note); {'; '.join(IOMED_LIST_URLS)}"),
            ("taiwan_recognition", bloc_counts["taiwan_recognition"], "recognises_roc", "empty",
             f"**hand-coded**, as of {TAIWAN_RECOGNITION_AS_OF}; {'; '.join(TAIWAN_RECOGNITION_URLS)}"),
            ("us_mnna", bloc_counts["us_mnna"], "designated", "designation date (per row)",
             f"**hand-coded**, as of {US_MNNA_AS_OF}; {URL_MNNA} (State Department fact "
             f"sheet); {URL_MNNA_LIST_2025}; dates per row"),
            ("bri", bloc_counts["bri"], "cooperation_document; initiator (CHN)",
             "likely signing date (per row; see the note)",
             f"**hand-coded**, as of {BRI_GFDC_AS_OF} (GFDC) + 3 later or missing signatories; "
             f"{URL_BRI_GFDC}"),
            ("cn_strategic", bloc_counts["cn_strategic"],
             f"{CN_STRATEGIC}; {CN_COMPREHENSIVE}; {CN_ABOVE}",
             "designation date (per row; see the note)",
             f"**hand-coded**, as of {CN_PARTNERSHIP_AS_OF}; a source per row; FOCAC 2024 "
             "for the other African states (see the note)"),
            ("cn_comprehensive_strategic", bloc_counts["cn_comprehensive_strategic"],
             f"{CN_COMPREHENSIVE}; {CN_ABOVE}", "designation date (per row)",
             f"**hand-coded**, as of {CN_PARTNERSHIP_AS_OF}; a source per row"),
            ("cn_shared_future", bloc_counts["cn_shared_future"], "bilateral_document",
             "document date (per row)",
             f"**hand-coded**, as of {CN_PARTNERSHIP_AS_OF}; a source per row"),
            ("council_of_europe", bloc_counts["council_of_europe"], "member", "empty",
             f"shared `council_of_europe` flag (46; Russia expelled 2022); {URL_COE}"),
            ("apec", bloc_counts["apec"], "member", "empty",
             f"shared `apec` flag (19 UN members; HKG and TWN are APEC economies but not "
             f"UN members); {URL_APEC}"),
            ("cis", bloc_counts["cis"], "member", "empty",
             f"shared `cis` flag + **hand-coded** KGZ; {URL_CIS}"),
            ("ldc", bloc_counts["ldc"], "member", "empty",
             f"shared `ldc` flag (UN M49 via datasets/country-codes); {URL_LDC}"),
            ("lldc", bloc_counts["lldc"], "member", "empty",
             f"shared `lldc` flag (UN M49); {URL_LLDC}"),
            ("sids", bloc_counts["sids"], "member", "empty",
             f"shared `sids` flag (UN M49); {URL_SIDS}"),
        ],
    )  # fmt: skip
    fw = ctx["framework_counts"]
    completeness = md_table(
        ("framework id", "rows (UN members)", "complete?", "basis (NOTES.md)"),
        [
            ("gpai", fw["gpai"], "complete", "44 members after the July 2024 OECD integration "
             "(28 from gpai.ai + 16 from a volunteer tracker; medium confidence)"),
            ("coe_ai_convention", fw["coe_ai_convention"], "complete to 2026-01-27",
             "17 signatories + Armenia; the EU signs too but has no ISO3; MNE disputed"),
            ("bletchley_2023", fw["bletchley_2023"], "complete", "28 countries + EU"),
            ("seoul_2024", fw["seoul_2024"], "complete", "10 countries + EU"),
            ("us_diffusion_rule", fw["us_diffusion_rule"],
             "tier1 complete; tier2/tier3 partial",
             "tier1 = 18 allies incl. Taiwan (dropped here: 17 UN members; the USA itself "
             "has no row); rule rescinded 2025-05-13"),
            ("sco_ai_statement_2025", fw["sco_ai_statement_2025"], "complete",
             "9 signatories (India is an SCO member but not listed)"),
            ("sco", fw["sco"], "complete", "10 member states"),
            ("brics", fw["brics"], "members complete; partners partial",
             "10 members + SAU disputed; 9 partners named of 10; 3 invited"),
            ("g7_hiroshima_process", fw["g7_hiroshima_process"], "complete", "the G7 states"),
            ("hap_friends_group", fw["hap_friends_group"], "**partial**", "11 named of 58–66"),
            ("oecd_ai_principles", fw["oecd_ai_principles"], "**partial**",
             "7 named non-OECD/US adherents of ~47"),
            ("paris_2025", fw["paris_2025"], "**partial**",
             "9 signatories + 2 non-signatories named of 58–64"),
            ("unga_78_265", fw["unga_78_265"], "**partial**", "3 named of 123 co-sponsors"),
            ("unga_78_311", fw["unga_78_311"], "**partial**", "20 named of 140+ co-sponsors"),
            ("un_79_325", fw["un_79_325"], "co-facilitators only",
             "universal UN membership; no opt-in list exists"),
            ("gof_ai_capacity_building", fw["gof_ai_capacity_building"], "**partial**",
             "2 co-chairs + 6 meeting participants; no member list"),
            ("waico", fw["waico"], "**partial**",
             "proposer, 5 WAIC 2025 participants, 1 supporter; the 29 founders are not listed"),
            ("pax_silica", fw["pax_silica"], "signatories complete per sources",
             "7 signatories; NLD and ARE disputed; CAN guest (TWN guest dropped)"),
        ],
    )  # fmt: skip
    date_rows = [(f"`{raw}`", f"`{iso}`" if iso else "empty") for raw, iso in DATE_MAP.items()]
    date_table = md_table(("date text in memberships.csv", "shipped `date`"), date_rows)
    dropped = ", ".join(f"{d['iso3']} ({d['framework']}, {d['relation']})" for d in ctx["dropped"])
    no_poly = " ".join(ctx["missing_polygons"])

    return f"""# Shipped data: sources, licences and derivations

Generated by `tools/build_data.py` from the files in `shared/data/` (see that folder's
`SOURCES.md`). Data version `{ctx["data_version"]}`; input and output sha256 hashes are in
`manifest.json`. Do not edit these files by hand: change the script and rebuild.

**Licences.** The coalsim code is MIT. These data keep their own licences, listed per file
below; the MIT licence does not apply to them. In short: World Bank WDI data are CC BY 4.0
(attribute "World Bank, World Development Indicators"); the UNGA voting data are by Bailey,
Strezhnev & Voeten and believed CC0 1.0 (**not verified**); Natural Earth is public domain;
`datasets/country-codes` is ODC-PDDL-1.0; the Tortoise index has an **unknown licence**.
Membership flags taken from `country_converter` (GPL-3.0) are used only as factual 0/1
membership; its table is not copied, and each list names its official source.

**Missing values** are empty cells. Nothing is filled in except the one documented
imputation of `ai_capacity_proxy`.

## countries.csv ({len(countries)} rows)

The 193 UN member states (`un_status == member` in shared `countries.csv`), sorted by
`iso3`. Observers (VAT, PSE) and non-members (e.g. TWN, XKX) are excluded.

{countries_table}
Citation for the UNGA data: Michael A. Bailey, Anton Strezhnev and Erik Voeten (2017),
"Estimating Dynamic State Preferences from United Nations Voting Data", *Journal of
Conflict Resolution* 61(2): 430–456; and the Dataverse dataset hdl:1902.1/12379.

### ai_capacity_proxy: a PROXY, not a measure of AI capacity

No open, complete AI-capacity index covering all 193 states was available (the Oxford
Insights Government AI Readiness Index was not obtainable as data; Tortoise covers
{len(facts["overlap"])} UN members and has an unknown licence). The model therefore uses an
**economic proxy**:

    ai_capacity_proxy = ( minmax(log10 gdp_usd) + minmax(log10 gdp_per_capita_usd) ) / 2

with both min-max scalings taken over the {len(countries) - len(facts["imputed"])} UN members
that have GDP (range of the result: {sig6(facts["proxy_min"])} to
{sig6(facts["proxy_max"])}; median {sig6(facts["proxy_median"])}).

* *Why these two terms:* total GDP stands for the scale of resources a state can put into
  compute, firms, research and a domestic market; GDP per capita stands for the
  development level behind talent, digital infrastructure and research intensity. Both
  span five orders of magnitude, hence logs.
* *Why an equal-weight arithmetic mean:* equal weights are the no-information default. A
  geometric mean would set the proxy to exactly 0 for the smallest economy and the poorest
  country, because min-max scaling maps each to 0.
* *Validation:* Spearman rank correlation with the Tortoise total score on the
  {len(facts["overlap"])} UN members covered by both, measured by the build script:
  **ρ = {rho:.3f}**. The weights were fixed before this check; the alternatives are
  shown only for comparison:

{spearman_table}
  The Tortoise sample consists mostly of richer and larger economies, so this correlation
  says nothing about how the proxy ranks low-income states.
* *Missing rule:* where GDP is missing the proxy is imputed and
  `ai_capacity_proxy_rule` says so. Rule used: **{IMPUTATION.replace("_", " ")}** of the
  computed proxies.
{imputed_lines}
  The subregion median was rejected: PRK's subregion (Eastern Asia) is otherwise China,
  Japan, the Republic of Korea and Mongolia, so its median would place an economy that
  other sources describe as low-income and heavily sanctioned near the top of the ranking.
  The global median carries no country-specific claim. `IMPUTATION` in the script switches the rule.

## blocs.csv ({ctx["n_blocs"]} rows)

Long format `iso3,bloc,relation,since,source`: one row per (UN member, bloc) membership,
sorted by bloc then iso3. A missing row means "not a member" for every bloc except where a
note below says otherwise. `since` is a year or ISO date where the source gives one, else
empty. "Hand-coded" lists are typed into `tools/build_data.py` as literals from the named
official page; the as-of date is that of the latest membership change the list reflects.
They were **not re-fetched at build time** (no web access during the build).

{bloc_table}
Notes:

* **BRICS.** Saudi Arabia is `member_disputed` (TASS-based reports list it as a member
  from 1 Jan 2024; Africanews, Jul 2025, omits it). Founding members' `since` is empty
  (the source gives "founding (2006/2011)"). Invited partners that had not been confirmed
  in the sources (DZA, TUR, NGA: `invited_partner`, 2024-10-24) are **not** bloc rows;
  they are in `ai_affiliations.csv`. Vietnam is a partner with `since` 2025 (year only).
* **SCO.** `since` is empty: the source only says "as of 2025-09-01".
* **AU.** The 54 African UN member states, checked by the script against M49 region
  Africa; the 55th AU member (the Sahrawi Arab Democratic Republic) is not a UN member.
  **Suspensions are not coded**: no official AU (Peace and Security Council) source was
  available to this build. A secondary source (Amani Africa, 12 Nov 2025,
  https://amaniafrica-et.org/informal-consultation-with-member-states-in-political-transition-burkina-faso-guinea-mali-niger-sudan)
  names Burkina Faso, Guinea, Mali, Niger and Sudan as suspended, with Gabon's suspension
  lifted in 2025; treat that as unverified and incomplete.
* **CIS.** The shared `cis` flag (from `country_converter`) lists 8 states and omits
  Kyrgyzstan, a member since the 1991 Alma-Ata Protocol; KGZ is added by hand.
  Turkmenistan (an associate member) and Ukraine are not coded as members; Moldova is
  coded as in the source.
* **LDC.** The M49 snapshot behind the flag predates 13 Dec 2024: it still lists São Tomé
  and Príncipe (graduated Dec 2024) and not Bhutan (graduated 2023). Kept as in the source.
* **SIDS.** The flag follows UN M49's SIDS grouping ({bloc_counts["sids"]} UN members);
  the UN-OHRLLS list linked above may differ by a state or two (e.g. it includes Bahrain).
  Not reconciled.
* **G20.** `g20_country` = the raw G20 flag minus EU members other than FRA, DEU and ITA.
* **NATO** years are accession years (FIN 2023, SWE 2024). **GCC** `since` is 1981.
* **IOMed** (International Organization for Mediation, the China-led mediation body
  headquartered in Hong Kong; not WAICO). Rows are the states that signed its founding
  Convention on site in Hong Kong on {IOMED_SIGNED}. The HKSAR government, Xinhua and
  Jurist count **{IOMED_FOUNDING_COUNT}** signatories ("China and 32 other countries"); the
  only name lists found, Lianhe Zaobao and Zimbabwe Now (both 30 May 2025, linked above),
  name the same **{bloc_counts["iomed"]}** states, China included, and Nepal's foreign
  ministry (https://english.kathmandupati.com/?p=27026) also counts 32.
  **{IOMED_FOUNDING_COUNT - bloc_counts["iomed"]} founding signatory is missing**: no source
  found names a 33rd state (if the count of 33 is right), and none is guessed. Eight
  signatories' own governments or national press confirm their signature (the URL is in
  the row's `source`): {", ".join(sorted(IOMED_CONFIRMATIONS))}.
  **Later signatories are missing**: the Convention entered into force on 29 Aug 2025;
  Africanews counts 37 signatory states (8 ratified) at the inauguration on 20 Oct 2025
  and the IOMed's deputy secretary-general 38 (10 ratified) on 1 Dec 2025 (Chinanews,
  mirrored at http://blog.lgjyuntun.com/p?id=6772225), but no source found names them, so
  38 - 32 = 6 signatories of 1 Dec 2025 (the unnamed founder included) have no row.
  Ratifications are not coded. Nepal attended as an observer and declined to join
  (https://kathmandupost.com/national/2025/05/28/foreign-minister-deuba-heads-for-hong-kong).
  Count sources: {"; ".join(IOMED_COUNT_URLS)}.
* **US major non-NATO allies** (`us_mnna`, 22 U.S.C. 2321k). The 19 UN members on the State
  Department's list before November 2025 plus Saudi Arabia. `since` is the designation date,
  from the source in each row: the six states the 1996 statute itself deems designated
  (AUS, EGY, ISR, JPN, KOR, NZL; {URL_MNNA_STATUTE}) carry 1996, although the first five
  were named under 10 U.S.C. 2350a in 1987; JOR, ARG, BHR, PHL and THA carry the year in the
  US Embassy Bangkok fact sheet of 2003 ({URL_MNNA_FACTSHEET_2003}); the rest carry the
  date of the presidential memorandum as reported (PAK and COL to the month only; the PAK
  date is from a forum repost of that fact sheet). Saudi Arabia carries 2025-11-18, the day
  the President announced the designation; the formal determination is Federal Register
  document 2026-01421, whose signing date was not found. Not rows: Taiwan (treated as
  though designated, not a UN member) and Afghanistan (designation rescinded in 2022). No
  designation after Saudi Arabia up to 2026-11-30 was found.
* **Belt and Road Initiative** (`bri`): the UN members that have signed a BRI cooperation
  document (MoU or cooperation plan) with China, plus China as `initiator` (`since` 2013,
  the year it proposed the initiative; {URL_BRI_WHITE_PAPER}). The official list
  (yidaiyilu.gov.cn) could not be read; the rows follow the Green Finance & Development
  Center's list "Countries of the Belt and Road Initiative" (Nedopil, FISF Fudan
  University), **as of {BRI_GFDC_AS_OF}**, which follows that portal, transcribed in a public
  repository ({URL_BRI_GFDC_CSV}), minus the Cook Islands and Niue (not UN members) and
  the two states that withdrew, plus {len(BRI_ADDED)} signatories that list lacks:
  {bri_added}. The State of Palestine has signed but is not a UN member. **Withdrawn, no
  row:** {bri_withdrawn}. `since` is GFDC's "likely MoU date": a first-of-month date is
  coded to the month, other dates to the day; it is empty where GFDC found no independent
  confirmation of a full MoU (AUT, COG, NER, RUS: kept as members because the official
  list names them) and for the seven states GFDC dates 2013-12-01 like China itself
  (BLR, KGZ, KHM, MDA, MKD, MNG, PAK), read as a placeholder. A later document (e.g. a
  cooperation plan) does not change `since`. **Count:** official counts of signatory
  countries, China not counted, are {bri_counts}. This list has
  **{bloc_counts["bri"]} UN members, China included** ({bloc_counts["bri"] - 1} signatories).
  The 152 of August 2023 include three non-UN signatories (Palestine, the Cook Islands,
  Niue), so 149 UN members; adding Honduras (2023-10-18), Nauru and Colombia and removing
  Italy and Panama gives 150, the number of signatories here. That checks the count, not
  each name: every name here is from GFDC or the sources in its row, and none is guessed.
  San Marino said in 2019 it hoped to sign ({URL_BRI_SMR_2019}); no signature was found,
  so it has no row. No accession after Colombia (2025-05-14) was found in the sources
  searched (2026-11-30).
* **China's partnerships** (`cn_strategic`, `cn_comprehensive_strategic`,
  `cn_shared_future`), **as of {CN_PARTNERSHIP_AS_OF}** (the model's start). China ranks its
  bilateral relations in named tiers (typology: {URL_CN_TIERS}; the Wikipedia list
  "Diplomatic partnerships of China", {URL_CN_PARTNERSHIP_LIST}, could be read only in
  excerpts and is cited by no row). Every row names, in its `source`, the designation as
  the cited page words it and the page's URL; `relation` is the tier: `{CN_STRATEGIC}`,
  `{CN_COMPREHENSIVE}` (comprehensive strategic, including "comprehensive strategic
  cooperative", "all-round" and "all-around" strategic partnerships) or `{CN_ABOVE}`
  (all-weather, permanent or new-era: {cn_above}).
  `cn_comprehensive_strategic` has the **{bloc_counts["cn_comprehensive_strategic"]}** states
  at the two upper tiers; `cn_strategic` has those plus **{len(CN_STRATEGIC_ONLY)}** states
  sourced at the strategic tier ({", ".join(sorted(CN_STRATEGIC_ONLY))}) and **{cn_focac}**
  other African states, coded `{CN_STRATEGIC}` from {CN_FOCAC_2024}: at the FOCAC Beijing
  summit China raised its relations with every African state having diplomatic ties with
  it to the strategic level ({URL_CN_FOCAC_2024}); Eswatini, which recognises Taipei, has no
  row. `since` is the date the cited page gives for the designation (for an upgrade, the
  upgrade's date, so an upper bound on when the strategic tier was reached), empty where
  it gives none. A designation is taken to stand unless a page found says it lapsed: the
  USA's "constructive strategic partnership" of 1997 had given way to a "cooperative
  partnership" by 2011 (https://magazine.thediplomat.com/2024-06/chinas-diplomatic-partnerships-whats-in-a-name),
  so the USA has no row; Japan's "strategic beneficial relationship" (2008,
  http://english.hani.co.kr/arti/english_edition/e_international/288732.html) is not a
  partnership tier, so Japan has none either. No designation after
  {CN_PARTNERSHIP_AS_OF} is coded (Armenia's strategic partnership of 2025-08-31 is left
  out; the build refuses a later `since`). `cn_shared_future`: **{bloc_counts["cn_shared_future"]}**
  states with a joint statement, action plan or joint announcement on building a bilateral
  "China-X community with a shared future" (命运共同体). **Not established, so missing or
  at a lower tier:** the Wikipedia list could not be read whole, so this is a partial
  list. Searched for without finding a page that names the designation: Afghanistan,
  Kuwait, Oman, Jordan, Ukraine, the Czech Republic and Austria (no row), Cuba's partnership
  tier (it has a shared-future row only), the comprehensive tier of the United Kingdom (coded strategic)
  and of the African states upgraded at FOCAC 2024 beyond those sourced here (coded
  strategic); Georgia is coded strategic because only People's Daily's list of 2023
  upgrades ({URL_CN_2023_UPGRADES}) calls its 2023 partnership comprehensive strategic, and
  that list is unreliable (it puts Pakistan under "strategic partnership"). Shared-future
  documents were searched for in Southeast, South and Central Asia, Serbia, Cuba, Brazil,
  Kenya and South Africa only; other states that may have signed one have no row. Canada's row rests
  on a 2008 list and may be stale. None of these blocs is a
  tie layer or other input of the model.

## ai_affiliations.csv ({ctx["n_affiliations"]} rows)

From shared `domain/memberships.csv` (compiled from public web pages; each row keeps its
`source` URL or `repo:path` verbatim; per-page licences vary and these are short factual
records). Restricted to UN members: dropped {dropped}. Framework names are mapped to
lower-snake-case ids; `relation` is verbatim (vocabulary in shared `NOTES.md`). `date` is
ISO (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); plain ISO dates pass through and the non-ISO
texts are mapped by this table (an unknown text stops the build):

{date_table}
**Absence of a row does not mean non-membership** for the partial lists below.

{completeness}
WAICO founding (16 Jul 2026, 29 states) is reported only by low-confidence secondary
notes and no founder list was found, so no `waico` membership rows exist beyond the
proposer, WAIC 2025 participants and one supporter. Dated observations after July 2025
(the founding count, Pax Silica and CoE signatures, the SCO and BRICS AI statements, the
UN track) are hand-curated in `observations.csv` for scoring the model; their sources and
what could not be found are in `SOURCES_observations.md` (not built by this script).

## world_110m.geojson

A byte-for-byte copy of shared `world_110m.geojson`: Natural Earth
`ne_110m_admin_0_countries` (public domain), properties cut to a few name fields plus
`iso3` (Kosovo = XKX; N. Cyprus and Somaliland null). It also contains non-member
features (e.g. TWN, XKX, ESH, ATA). **{len(ctx["missing_polygons"])} UN members have no
polygon at 1:110m**: {no_poly}. Draw them as points.

## manifest.json

Written last by the script. `data_version` is `<fixed date>-<first 12 hex digits of the
sha256 of the three CSV files' bytes concatenated in file-name order>`; the date part is
the constant `DATA_VERSION_DATE` in the script, so the file has no build timestamp.
`inputs` holds the sha256 of each shared file read, `outputs` the sha256 of every other
shipped file, and `counts` the row counts per file, bloc and framework.

## Known gaps

* **No trade-exposure data** (bilateral trade shares with China and the USA): no compact
  public file was found; the model has no trade variable from data.
* **GDP year varies.** Latest GDP is before 2023 for: {old_gdp}. {no_gdp} has none.
  GDP is in current US$ of its own year, so older values are not comparable in real terms.
* **Map:** {len(ctx["missing_polygons"])} members without a 110m polygon (listed above); the
  map draws them as points at their capitals, from GeoNames (CC BY 4.0): see
  `SOURCES_points.md` and `small_states_points.csv`, built by
  `tools/build_small_state_points.py`.
* **Tortoise index:** {len(facts["overlap"])} UN members only, edition c. 2021, licence
  unknown.
* **Membership lists not in the data:** Non-Aligned Movement; AU suspensions; the WAICO
  founders; full HAP Friends, Paris, UNGA co-sponsor and OECD AI Principles lists; one
  IOMed founding signatory and the IOMed's later signatories (see the IOMed note).
* **Nigeria as a BRICS partner:** it is coded only as `invited_partner` (2024-10-24), as in
  the shared sources; later confirmation as a partner is not in the shared data.
"""


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def build(shared: Path, out: Path) -> dict[str, object]:
    """Read the shared files and write every output file into ``out``.

    Args:
        shared: The shared data folder.
        out: The output folder (created if needed).

    Returns:
        The manifest that was written.

    """
    countries, facts = build_countries(shared)
    member_iso3 = [r["iso3"] for r in countries]
    affiliations, dropped = build_affiliations(shared, set(member_iso3))
    blocs = build_blocs(shared, affiliations)
    geojson = (shared / "world_110m.geojson").read_bytes()

    files: dict[str, bytes] = {
        "countries.csv": csv_bytes(COUNTRY_COLUMNS, countries),
        "blocs.csv": csv_bytes(BLOC_COLUMNS, blocs),
        "ai_affiliations.csv": csv_bytes(AFFILIATION_COLUMNS, affiliations),
        "world_110m.geojson": geojson,
    }
    csv_names = sorted(name for name in files if name.endswith(".csv"))
    digest = sha256_bytes(b"".join(files[name] for name in csv_names))
    data_version = f"{DATA_VERSION_DATE}-{digest[:12]}"

    bloc_counts = dict(sorted(Counter(r["bloc"] for r in blocs).items()))
    framework_counts = dict(sorted(Counter(r["framework"] for r in affiliations).items()))
    no_poly = missing_polygons(geojson, member_iso3)
    ctx = {
        "facts": facts,
        "countries": countries,
        "bloc_counts": bloc_counts,
        "framework_counts": framework_counts,
        "dropped": dropped,
        "missing_polygons": no_poly,
        "n_blocs": len(blocs),
        "n_affiliations": len(affiliations),
        "data_version": data_version,
    }
    files["SOURCES.md"] = render_sources(ctx).encode("utf-8")

    manifest = {
        "data_version": data_version,
        "built_by": "tools/build_data.py",
        "inputs": {name: sha256_bytes((shared / name).read_bytes()) for name in INPUT_FILES},
        "outputs": {name: sha256_bytes(data) for name, data in sorted(files.items())},
        "counts": {
            "countries": len(countries),
            "countries_with_gdp": sum(1 for r in countries if r["gdp_usd"]),
            "countries_with_tortoise": len(facts["overlap"]),
            "countries_with_polygon": len(countries) - len(no_poly),
            "ai_capacity_proxy_imputed": len(facts["imputed"]),
            "bloc_rows": len(blocs),
            "blocs": bloc_counts,
            "ai_affiliation_rows": len(affiliations),
            "ai_affiliations_dropped_non_members": len(dropped),
            "frameworks": framework_counts,
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_bytes(text.encode("utf-8"))

    print(f"data_version {data_version}")
    print(f"wrote {len(files) + 1} files to {out}")
    for name, value in facts["spearman"].items():
        print(f"spearman(tortoise, {name}) = {value:.4f} on n={len(facts['overlap'])}")
    print("bloc rows:", ", ".join(f"{b}={n}" for b, n in bloc_counts.items()))
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.

    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    if not (args.shared / "countries.csv").is_file():
        print(f"build_data: no countries.csv in {args.shared}", file=sys.stderr)
        return 2
    build(args.shared, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One self-contained HTML file a policy team can open offline, forward and print.

:func:`build_report` turns scenarios (each a :class:`~sim.replications.Replications`) into
HTML: per scenario its question, a key-numbers table with intervals across
replications, its figures and, where sponsors courted countries, what they spent and on
whom; then the scenario comparison, an optional "why" chart per chosen country, the
answers of ``coalsim what-it-takes`` (:func:`sim.analysis.answers.load_answer`:
the offer that wins a country, or what a sponsor's budget buys), the outputs of
``coalsim discover``, ``robustness`` and ``optimize``
(:func:`sim.analysis.explore_outputs.load_explore_output`), the data sources (read
from ``sim/data/SOURCES.md``), the caveats and the provenance of every run and answer.
Figures are embedded as base64 PNG; the page has no script, no web font, no stylesheet
link and no remote image, so opening it makes no request of any kind, and its print
stylesheet keeps figures and tables whole.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.abc import load_predictive_summary
from sim.analysis.explore_outputs import DISCOVERY_KIND, OPTIMIZATION_KIND, ROBUSTNESS_KIND
from sim.analysis.sensitivity import Sensitivity, sensitivity
from sim.errors import InputError
from sim.experiment.spec import SENSITIVITY_DESIGNS, ExperimentSpec, ParameterRange
from sim.experiment.store import Outcome, SweepResults
from sim.metrics import summarise_outcome
from sim.replications import Replications
from sim.scenario import get_dotted
from sim.viz.maps import MAP_SOURCE, final_map_figure, membership_frequency_figure
from sim.viz.plots import (
    QUANTILES,
    budget_curve_figure,
    comparison_figure,
    membership_figure,
    scenario_transitions,
    transition_figure,
)
from sim.viz.style import (
    MEASURE_SOURCES,
    framework_label,
    png_bytes,
    portfolio_display_label,
    portfolio_frameworks,
)
from sim.viz.summary import FOUNDING_STEP, ScenarioHeadlines, headline_steps, scenario_headlines
from sim.viz.sweep import SweepTable, figure_name, outcome_ranges, parameter_label, sweep_figures
from sim.vocabulary import MEMBERSHIP_MEASURES, NON_ALIGNED_ID
from sim.world import World

if TYPE_CHECKING:
    from sim.analysis.answers import Answer
    from sim.analysis.explore_outputs import ExploreOutput

#: Headings of the measures of the key-numbers table and the comparison figures.
MEASURE_HEADINGS = {
    "members": "member countries",
    "share_gdp": "share of world GDP",
    "share_population": "share of world population",
    "share_ai_capacity": "share of AI capacity (proxy)",
}

#: Number formats of a split's groups: shares (index 0) and member counts (index 1).
_NUMBERS = ("{:.0%}", "{:.0f}")

#: An observation to read the month-12 headline against (public count; see issue 12).
WAICO_FOUNDING = (
    "For comparison: 29 states signed WAICO's founding agreement in Shanghai on 16 July 2026 (month 12) "
    '(CGTN, 17 July 2026, "29 countries sign agreement on establishing WAICO").'
)
#: The tag near the top of every report: ``coalsim report`` overwrites only a file that has it.
GENERATOR = '<meta name="generator" content="coalsim report">'

#: How many countries the "Sponsors' offers" table lists per scenario.
TOP_RECIPIENTS = 10

#: Caveats of every report: magnitudes, partial lists, the AI proxy, GDP years.
MAGNITUDES_CAVEAT = (
    "Magnitudes are assumptions. Lever sizes, costs, weights and decision-rule parameters are set in "
    "each scenario file; no source states them in utility units. Results show what follows from those "
    "assumptions: they are explorations, not forecasts."
)
MEMBERSHIP_CAVEAT = (
    "Membership lists are partial. The shipped affiliation data list only part of several memberships "
    "(for example WAICO's founding members, the Hiroshima Process Friends Group, the Paris declaration "
    "and UNGA co-sponsors); a missing entry does not mean a country stayed out."
)
AI_PROXY_CAVEAT = (
    "AI capacity is a proxy: an index computed from GDP and GDP per capita (World Bank WDI), not a "
    "measure of compute, talent or firms."
)
GDP_CAVEAT = (
    "GDP is in current US$ of the latest year available up to 2023, which differs between countries; "
    "North Korea has no GDP figure and weighs zero in GDP shares."
)

#: The caveat on intervals over seeds.
SEED_INTERVALS_CAVEAT = (
    "Intervals show the spread across replications (random seeds) of one scenario only. They do not "
    "include uncertainty in the parameters or the data; sensitivity analyses address those."
)

#: The caveat on intervals of a report whose scenarios ran over a calibration's posterior.
POSTERIOR_INTERVALS_CAVEAT = (
    "Intervals of a scenario run over a calibration's posterior (its summary says so) hold the spread "
    "across seeds and what the calibration leaves uncertain about the calibrated parameters; the other "
    "intervals show the spread across seeds only. None includes uncertainty in the data or in the "
    "magnitudes no calibration estimated; sensitivity analyses address those."
)

#: What every reader of a scenario report must keep in mind, whatever the scenario.
CAVEATS = (
    MAGNITUDES_CAVEAT,
    MEMBERSHIP_CAVEAT,
    AI_PROXY_CAVEAT,
    SEED_INTERVALS_CAVEAT,
    GDP_CAVEAT,
    "The 28 UN members too small for the 1:110m map are drawn as circles at their capitals.",
)

#: What every reader of a sweep report must keep in mind.
SWEEP_CAVEATS = (
    MAGNITUDES_CAVEAT,
    "A sweep's ranges are assumptions too: its spec sets which parameters vary and over what range; an "
    "outcome's range over the design is its range over those choices and the replications' seeds, not "
    "a probability. Each panel of an outcome figure pools the runs over the parameters not on its axis.",
    MEMBERSHIP_CAVEAT,
    AI_PROXY_CAVEAT,
    GDP_CAVEAT,
)

CSS = """
:root { --ink: #222; --muted: #666; --rule: #ddd; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--ink); padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
.meta, figcaption, .note { color: var(--muted); font-size: 0.9rem; }
blockquote { margin: 0.8rem 0; padding: 0.6rem 1rem; border-left: 4px solid var(--ink); background: #f6f6f6; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: right;
         vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
code.path { overflow-wrap: anywhere; }
.headline { margin: 0.6rem 0; padding-left: 1.2rem; }
td .range { color: var(--muted); font-size: 0.85em; white-space: nowrap; }
td .split { font-style: italic; white-space: nowrap; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; display: block; }
@media screen and (min-width: 80rem) { figure { margin-left: -6rem; margin-right: -6rem; } }
nav ol { columns: 2; }
code { font-size: 0.9em; }
table.facts td { text-align: left; }
table.facts td:first-child { width: 14rem; color: var(--muted); }
table.ranges td:first-child { min-width: 13rem; }
td .where { color: var(--muted); font-size: 0.85em; }
pre { background: #f6f6f6; padding: 0.6rem 0.8rem; overflow-x: auto; font-size: 0.85rem; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  section.scenario, section.comparison, section.answers { break-before: page; }
  nav + section.scenario { break-before: auto; }
  figure { margin: 0.8rem 0; }
  figure, table, blockquote, .headline { break-inside: avoid; }
  h2, h3, .lead-in { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


@dataclass(frozen=True)
class _Figure:
    """A figure to embed: how to draw it, its heading and its alt text."""

    heading: str
    draw: Callable[[], Figure]
    alt: str


def _embed(figure: _Figure) -> str:
    return _embed_png(png_bytes(figure.draw()), figure.heading, figure.alt)


def _embed_png(png: bytes, heading: str, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(heading)}</figcaption></figure>"
    )


def _cell(mid: float, low: float, high: float, number: Callable[[float], str], unit: str = "") -> str:
    """A table cell: a central value with its 5–95% range in brackets."""
    text = html.escape(number(mid) + unit)
    low_text, high_text = html.escape(number(low)), html.escape(number(high) + unit)
    return f'{text} <span class="range">[{low_text}–{high_text}]</span>'


def _spread(values: np.ndarray, number: Callable[[float], str], unit: str = "") -> str:
    """The median of ``values`` with their 5–95% range, as a table cell."""
    low, mid, high = np.quantile(values, QUANTILES)
    return _cell(mid, low, high, number, unit) if len(values) > 1 else html.escape(number(mid) + unit)


def _interval(values: np.ndarray, measure: str, n_countries: int) -> str:
    """A final value across runs as a table cell: median [5–95%], or the two groups of a split."""
    summary = summarise_outcome(values, scale=n_countries if measure == "members" else 1.0)
    if summary.split:
        return _split_cell(summary.short(_NUMBERS[measure == "members"]))
    if measure == "members":
        return _spread(values, lambda v: f"{v:.0f}")
    return _spread(100 * np.asarray(values), lambda v: f"{v:.1f}", "%")


def _split_cell(text: str) -> str:
    """A split's short text (``"split: 3 ~1-4, 7 ~184-193"``) as a cell, one group per line."""
    head, groups = text.split(": ", 1)
    lines = [f"{head}:", *(f"{group.replace(' ~', ' runs ~', 1)}" for group in groups.split(", "))]
    return f'<span class="split">{"<br>".join(html.escape(line) for line in lines)}</span>'


def _amount(value: float) -> str:
    """A budget or utility amount: three significant digits, whole numbers from 100 on."""
    if not np.isfinite(value):
        return "–" if np.isnan(value) else "not reached"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def key_numbers(reps: Replications) -> pd.DataFrame:
    """The final value of each measure per framework: median and 5–95% range as text.

    Args:
        reps: The scenario's replications.

    Returns:
        One row per framework (and non-aligned), one column per measure, HTML cells.
    """
    ids = [*reps.framework_ids, NON_ALIGNED_ID]
    columns = {}
    for measure in MEMBERSHIP_MEASURES:
        finals = reps.final(measure)
        columns[MEASURE_HEADINGS[measure]] = [
            _interval(finals.loc[finals["framework"] == fid, "value"].to_numpy(), measure, reps.n_countries)
            for fid in ids
        ]
    return pd.DataFrame(columns, index=[framework_label(fid, reps.names) for fid in ids])


def _table(frame: pd.DataFrame, corner: str, css_class: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    body = "".join(
        f"<tr><td>{html.escape(str(index))}</td>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for index, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    opening = f'<table class="{css_class}">' if css_class else "<table>"
    return (
        f"{opening}<thead><tr><th>{html.escape(corner)}</th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _runs_line(reps: Replications) -> str:
    meta = reps.metadata
    settled = [run.metadata["converged_at"] for run in reps.runs if run.metadata["converged_at"] is not None]
    settle_text = (
        f"{len(settled)} of {len(reps.runs)} runs settled (median month {int(np.median(settled))})"
        if settled
        else f"none of the {len(reps.runs)} runs settled"
    )
    saved = meta.get("posterior")
    draw = (
        f" under posterior draw {meta['posterior_draw']} of the {saved['draws']} drawn from "
        f"<code>{html.escape(str(saved['folder']))}</code> (the summary's headlines cover all "
        f"{saved['draws'] * saved['seeds_per_draw']} runs)"
        if reps.posterior is None and len(reps.runs) == 1 and saved
        else ""
    )
    return (
        f"{html.escape(reps.seeds_text())}{draw}; {meta['steps']} monthly steps from July 2025; "
        f"{settle_text}. "
        f"Scenario file <code>{html.escape(str(meta.get('scenario_source', '?')))}</code>, "
        f"hash <code>{html.escape(meta['scenario_hash'][:12])}</code>."
    )


def _key_numbers_note(reps: Replications) -> str:
    """What the key numbers are: medians with ranges, or one run's values (and where the intervals are)."""
    if len(reps.runs) > 1:
        return "Median across replications, with the 5–95% range in brackets."
    runs = scenario_headlines(reps).runs
    summary = (
        f" The summary above gives each headline's median and 90% interval over all {runs} runs."
        if runs > 1
        else ""
    )
    return f"The values of one run ({html.escape(_one_run(reps))}), with no interval.{summary}"


def _one_run(reps: Replications) -> str:
    """The one run a scenario folder holds in full, for sentences: ``"seed 3"``."""
    return f"seed {reps.runs[0].metadata['seed']}"


def _in_runs(reps: Replications) -> str:
    """Where a per-country answer comes from: the majority of the runs, or the one saved run."""
    return "in most runs" if len(reps.runs) > 1 else f"in its one saved run, {_one_run(reps)}"


def _scenario_section(reps: Replications, anchor: str) -> str:
    figures = [
        _Figure(
            "Membership over time: median and 5–95% range across replications; an outcome that splits "
            "across runs is drawn as its two groups of runs, each with its number of runs.",
            lambda: membership_figure(reps),
            f"Line charts of membership over time in {reps.label}, by count, GDP, population, AI capacity.",
        ),
        _Figure(
            "Final portfolios: the frameworks each country holds in most replications.",
            lambda: final_map_figure(reps),
            f"World map of the final portfolio of each country in {reps.label}.",
        ),
    ]
    if len(reps.runs) > 1:
        figures.append(
            _Figure(
                "How often each country ends as a member of each framework.",
                lambda: membership_frequency_figure(reps),
                f"Small world maps, one per framework, shaded by membership frequency in {reps.label}.",
            )
        )
    figures.append(
        _Figure(
            "Who switched where between the first and the last month.",
            lambda: transition_figure(reps),
            f"Heatmap of countries by initial and final portfolio in {reps.label}.",
        )
    )
    question = html.escape(reps.metadata.get("question", ""))
    return (
        f'<section class="scenario" id="{anchor}"><h2>Scenario: {html.escape(reps.label)}</h2>'
        f"<blockquote><strong>Question.</strong> {question}</blockquote>"
        f'<p class="meta">{_runs_line(reps)}</p>'
        "<h3>Key numbers at the last step</h3>"
        + _table(key_numbers(reps), "framework")
        + f'<p class="note">{_key_numbers_note(reps)} Shares add up to more than 100% where countries hold '
        "several frameworks at once.</p>"
        + _offers_part(reps)
        + "".join(_embed(figure) for figure in figures)
        + "</section>"
    )


def sponsor_offers(reps: Replications, top: int = TOP_RECIPIENTS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each sponsor spent, and the countries offered the most, across replications.

    Offers hold for one month, so a country courted every month is offered (and paid for)
    every month: amounts are totals over the run.

    Args:
        reps: The scenario's replications.
        top: How many countries to list.

    Returns:
        Two tables of HTML cells (median with 5–95% range across replications): per
        sponsor, its total spend, the offers it made and the countries it courted; and per
        country (the ``top`` by median units offered in total), the units from each
        sponsor, their cost and the levers used. Both are empty when no offer was made.
    """
    offers = pd.concat([run.offers.assign(seed=run.metadata["seed"]) for run in reps.runs], ignore_index=True)
    if offers.empty:
        return pd.DataFrame(), pd.DataFrame()
    sponsors = list(dict.fromkeys(offers["sponsor"]))
    per_seed = offers.groupby(["sponsor", "seed"])
    spending = {
        "total spend (budget units)": per_seed["cost"].sum(),
        "offers made": per_seed.size(),
        "countries courted": per_seed["iso3"].nunique(),
    }
    full = pd.MultiIndex.from_product([sponsors, reps.seeds], names=["sponsor", "seed"])
    spend = pd.DataFrame(
        {
            heading: [
                _spread(values.reindex(full, fill_value=0).loc[sponsor].to_numpy(float), _amount)
                for sponsor in sponsors
            ]
            for heading, values in spending.items()
        },
        index=[f"{framework_label(sponsor, reps.names)}'s sponsor" for sponsor in sponsors],
    )
    units = offers.pivot_table(
        index="iso3", columns=["sponsor", "seed"], values="units", aggfunc="sum", fill_value=0.0
    ).reindex(columns=full, fill_value=0.0)
    costs = offers.pivot_table(index="iso3", columns="seed", values="cost", aggfunc="sum", fill_value=0.0)
    totals = units.T.groupby(level="seed").sum().T
    ranked = totals.median(axis=1).sort_values(ascending=False, kind="stable").index[:top]
    names = World.load().table["name"]
    levers = offers.groupby(["iso3", "sponsor"])["lever"].unique()
    recipients = pd.DataFrame(
        {
            **{
                f"units from {framework_label(sponsor, reps.names)}'s sponsor": [
                    _spread(units.loc[iso3, sponsor].to_numpy(float), _amount) for iso3 in ranked
                ]
                for sponsor in sponsors
            },
            "cost to the sponsors (budget units)": [
                _spread(costs.reindex(columns=reps.seeds, fill_value=0.0).loc[iso3].to_numpy(float), _amount)
                for iso3 in ranked
            ],
            "levers": [_levers_text(levers.loc[iso3], reps.names) for iso3 in ranked],
        },
        index=[str(names.get(iso3, iso3)) for iso3 in ranked],
    )
    return spend, recipients


def _levers_text(levers: pd.Series, names: Mapping[str, str]) -> str:
    """Which sponsor offered which levers, e.g. "WAICO: open models; US/G7-led: market access"."""
    return "; ".join(
        html.escape(f"{framework_label(sponsor, names)}: {', '.join(sorted(used)).replace('_', ' ')}")
        for sponsor, used in levers.items()
    )


def _offers_part(reps: Replications) -> str:
    spend, recipients = sponsor_offers(reps)
    if spend.empty:
        return ""
    return (
        "<h3>Sponsors' offers</h3>"
        + _table(spend, "sponsor")
        + f'<p class="lead-in">The {len(recipients)} countries offered the most '
        "(units of all levers, over the run):</p>"
        + _table(recipients, "country")
        + '<p class="note">Totals over the whole run, median across replications with the 5–95% range. '
        "Offers hold for one month, so a country courted every month is offered, and paid, every month. "
        "Units of different levers are worth different amounts to a country; budget units are the "
        "scenario's assumed costs.</p>"
    )


def _comparison_section(scenarios: Sequence[Replications], baseline: Replications) -> str:
    figures = [
        _Figure(
            f"{_sentence(MEASURE_HEADINGS[measure])} at the last step; change against {baseline.label}.",
            lambda measure=measure: comparison_figure(scenarios, baseline, measure),
            f"Dot-and-interval chart comparing scenarios by {MEASURE_HEADINGS[measure]}.",
        )
        for measure in MEMBERSHIP_MEASURES
    ]
    return (
        '<section class="comparison" id="comparison"><h2>Scenario comparison</h2>'
        f"<p>Reference scenario: <strong>{html.escape(baseline.label)}</strong>. Marker shape tells the "
        "scenarios apart; colour is the framework, as in every figure.</p>"
        + "".join(_embed(figure) for figure in figures)
        + "</section>"
    )


def _sentence(text: str) -> str:
    """``text`` with a capital first letter, keeping the case of the rest ("GDP", "AI")."""
    return text[:1].upper() + text[1:]


def _share_words(share: float) -> str:
    return {0.5: "half", 1.0: "all"}.get(share, f"{share:.0%}")


def _question_words(answer: Answer) -> str:
    """The question an answer answers, in plain words."""
    question = answer.question
    framework = framework_label(question["framework"], {question["framework"]: question["framework_name"]})
    if answer.kind == "offer":
        return (
            f"What permanent offer makes {question['country_name']} join {framework} and stay, "
            f"in at least {_share_words(question['share'])} of {question['seeds']} seeds?"
        )
    budgets = [_amount(b) for b in question["budgets"]]
    listed = budgets[0] if len(budgets) == 1 else f"{', '.join(budgets[:-1])} or {budgets[-1]}"
    period = "per month" if question["budget_period"] == "step" else "over the whole run"
    country = f", and does {question['country_name']} join?" if question["country"] else "?"
    return (
        f"How many members does {framework}'s sponsor win with a budget of {listed} budget units {period}, "
        f"courting countries greedily{country}"
    )


def _answer_meta(answer: Answer) -> str:
    question = answer.question
    scenario = question["scenario"]
    costs = "; ".join(
        f"{lever.replace('_', ' ')} {_amount(spec['cost']) if spec.get('cost') is not None else '–'}"
        for lever, spec in question["levers"].items()
    )
    what = "Lever costs per unit" if answer.kind == "budget" else "The sponsor's lever costs per unit"
    return (
        f'<p class="meta">Scenario <strong>{html.escape(scenario["name"])}</strong> '
        f"(file <code>{html.escape(str(scenario['path']))}</code>, "
        f"hash <code>{html.escape(scenario['hash'][:12])}</code>); "
        f"{question['seeds']} seeds spawned from root seed {question['root_seed']}; "
        f"{question['steps']} monthly steps. {what} (budget units): {html.escape(costs)}. "
        f"Answer folder <code>{html.escape(str(answer.folder))}</code>.</p>"
    )


def _offer_answer(answer: Answer) -> str:
    question, headline = answer.question, answer.headline
    country, share = question["country_name"], _share_words(question["share"])
    table = answer.tables["what_it_takes"]
    rows = pd.DataFrame(
        {
            "worth of one unit (utility)": [_amount(v) for v in table["worth_per_unit"]],
            f"units to win in {share} of seeds [5–95% across seeds]": [
                _cell(r.units, r.units_p05, r.units_p95, _amount) for r in table.itertuples()
            ],
            "cost per unit": [_amount(v) for v in table["cost_per_unit"]],
            "cost per month [5–95%]": [
                _cell(r.cost, r.cost_p05, r.cost_p95, _amount) if np.isfinite(r.cost) else "not offered"
                for r in table.itertuples()
            ],
        },
        index=[str(lever).replace("_", " ") for lever in table.index],
    )
    facts = [
        f"Offer that wins {html.escape(country)} in at least {share} of the seeds: "
        f"<strong>{_amount(_or_inf(headline['required_utility']))} utility units</strong> per month.",
        f"Per seed, the smallest winning offer: median {_amount(_or_inf(headline['median_utility']))} "
        f"utility units, 5–95% range {_amount(_or_inf(headline['p05_utility']))} to "
        f"{_amount(_or_inf(headline['p95_utility']))}.",
        f"{html.escape(country)} joins and stays with no offer in {headline['seeds_without_offer']} of "
        f"{question['seeds']} seeds; no offer up to {_amount(question['max_offer'])} units wins it in "
        f"{question['seeds'] - headline['seeds_won']}.",
    ]
    if headline["cheapest_lever"] is not None and headline["cheapest_cost"] is not None:
        facts.append(
            f"Cheapest: everything on <strong>{html.escape(headline['cheapest_lever'].replace('_', ' '))}"
            f"</strong>, {_amount(headline['cheapest_units'])} units costing the sponsor "
            f"<strong>{_amount(headline['cheapest_cost'])} budget units per month</strong> (offers add up "
            "linearly and nothing caps a lever, so no mix of levers costs less)."
        )
    return (
        f'<ul class="headline">{"".join(f"<li>{fact}</li>" for fact in facts)}</ul>'
        + _table(rows, "lever")
        + f'<p class="note">"Stay" means a member at each of the last {question["stay"]} of '
        f"{question['steps']} months. The offer is permanent, from the first month, outside any sponsor's "
        f"budget; each seed's threshold is bisected to {question['tolerance']:g} utility units. Costs are "
        "those of the scenario's sponsor for this framework; levers it does not offer have none.</p>"
    )


def _or_inf(value: float | None) -> float:
    """A headline number back from JSON, where None stands for 'not reached'."""
    return float("inf") if value is None else float(value)


def _budget_answer(answer: Answer) -> str:
    question = answer.question
    runs = answer.tables["budget_runs"]
    grouped = runs.groupby("budget")
    n = World.load().n
    columns = {
        "members at the end": grouped["members"].apply(lambda v: _interval(v.to_numpy(), "members", n)),
        "share of world GDP": grouped["share_gdp"].apply(lambda v: _interval(v.to_numpy(), "share_gdp", n)),
        "share of world population": grouped["share_population"].apply(
            lambda v: _interval(v.to_numpy(), "share_population", n)
        ),
        "spent over the run (budget units)": grouped["spent"].apply(
            lambda v: _spread(v.to_numpy(float), _amount)
        ),
    }
    if question["country"]:
        columns[f"seeds in which {question['country_name']} is a member"] = grouped["country_member"].apply(
            lambda v: f"{int(v.sum())} of {len(v)}"
        )
    rows = pd.DataFrame(columns)
    rows.index = [_amount(b) for b in rows.index]
    period = "per month" if question["budget_period"] == "step" else "in total"
    figure = _Figure(
        "Members at the end against the sponsor's budget: each seed and the median across seeds.",
        lambda: budget_curve_figure(answer.result()),
        f"Line chart of {question['framework_name']} members at the end against the sponsor's budget.",
    )
    return (
        _embed(figure)
        + _table(rows, f"budget ({period})")
        + '<p class="note">Median across seeds with the 5–95% range. The framework\'s sponsor keeps its '
        "levers, costs and targets, with its budget replaced and the greedy strategy (the smallest offer "
        "that wins each country, cheapest first); other sponsors act as in the scenario.</p>"
    )


def _answers_section(answers: Sequence[Answer]) -> str:
    parts = []
    for answer in answers:
        body = _offer_answer(answer) if answer.kind == "offer" else _budget_answer(answer)
        parts.append(
            f'<article class="answer"><h3>{html.escape(_question_words(answer))}</h3>{_answer_meta(answer)}'
            f"{body}</article>"
        )
    return (
        '<section class="answers" id="answers"><h2>What would it take?</h2>'
        "<p>Answers of <code>coalsim what-it-takes</code>: runs of a scenario with one extra permanent offer "
        "to one country (the smallest that wins it, bisected seed by seed), or with a framework's sponsor at "
        "several budgets. A utility unit is the model's own scale: what an offer is worth rests on the "
        "scenario's assumed lever sizes and costs (see the caveats).</p>" + "".join(parts) + "</section>"
    )


#: The exploration sections, by output kind: anchor, heading and what the section shows.
EXPLORE_SECTIONS = {
    DISCOVERY_KIND: (
        "discovery", "Under which conditions?",
        "Scenario discovery (<code>coalsim discover</code>): boxes of parameter values that hold the runs "
        "of a sweep whose outcome met a condition. Coverage is the share of those runs inside the box, "
        "density the share of the box's runs that are of interest, mass the share of all runs inside it.",
    ),
    ROBUSTNESS_KIND: (
        "robustness", "Which policy holds up?",
        "Robustness of a sweep's policies across its sampled scenarios (<code>coalsim robustness</code>): "
        "satisficing is the share of scenarios in which a policy meets the goal, regret what it loses "
        "against the best policy in each scenario (maximum and 90th percentile over scenarios).",
    ),
    OPTIMIZATION_KIND: (
        "optimization", "What is the cheapest robust package?",
        "Search for lever packages (<code>coalsim optimize</code>, NSGA-II): the Pareto front of cost "
        "against the outcome reached in the spec's share of sampled scenarios. Costs are the spec's "
        "assumed costs (see the caveats).",
    ),
}  # fmt: skip


def _number(value: object) -> str:
    """A table cell: numbers to four significant digits, anything else as text."""
    if isinstance(value, float | np.floating):
        return "–" if np.isnan(value) else f"{value:.4g}"
    return html.escape(str(value))


def _number_table(frame: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """A table's cells as text; column names in words, dotted parameter paths as :func:`parameter_label`.

    A path has no space to wrap at: two levers' paths as headers pushed the Pareto front's
    table off a laptop's page.
    """
    return pd.DataFrame(
        {
            (parameter_label(str(c)) if "." in str(c) else str(c).replace("_", " ")): [
                _number(v) for v in frame[c]
            ]
            for c in frame.columns
        },
        index=index,
    )


def _limit_text(limit: object) -> str:
    if isinstance(limit, list) and len(limit) == 2 and all(isinstance(v, int | float) for v in limit):
        return f"{limit[0]:.4g} to {limit[1]:.4g}"
    return ", ".join(map(str, limit)) if isinstance(limit, list) else str(limit)


def _discovery_body(output: ExploreOutput) -> str:
    head = output.headline
    boxes = output.tables["boxes"]
    meta = (
        f'<p class="meta">{html.escape(str(head["method"]).upper())} on {head["cases"]} runs, '
        f"{head['of_interest']} of interest ({html.escape(str(head['condition']))}). "
        f"Output folder <code>{html.escape(str(output.folder))}</code>.</p>"
    )
    if boxes.empty:
        return meta + '<p class="note">No box is denser than the runs overall.</p>'
    rows = pd.DataFrame(
        {
            "parameter": [html.escape(str(v)) for v in boxes["parameter"]],
            "limits": [html.escape(_limit_text(v)) for v in boxes["limit"]],
            "quasi-p": [_number(v) if v is not None else "–" for v in boxes["quasi_p"]],
            "coverage": [f"{v:.2f}" for v in boxes["coverage"]],
            "density": [f"{v:.2f}" for v in boxes["density"]],
            "mass": [f"{v:.2f}" for v in boxes["mass"]],
        },
        index=[f"box {b}" for b in boxes["box"]],
    )
    figures = {
        "tradeoff.png": "PRIM's peeling trajectory: coverage against density; the chosen box is marked.",
        "box_limits.png": "Each box's limits within the sampled range of its parameters.",
    }
    return (
        meta
        + _table(rows, "box")
        + "".join(
            _embed_png(output.figures[n], text, text) for n, text in figures.items() if n in output.figures
        )
    )


def _robustness_body(output: ExploreOutput) -> str:
    table = output.tables["robustness"]
    rows = _number_table(table, [str(policy) for policy in table.index])
    return (
        f'<p class="meta">{output.headline["policies"]} policies across {output.headline["scenarios"]} '
        f"scenarios (each the mean over its replications). Output folder "
        f"<code>{html.escape(str(output.folder))}</code>.</p>"
        + _table(rows, "policy")
        + _embed_png(
            output.figures["robustness.png"], "Satisficing and regret of each policy across the scenarios.",
            "Chart of each policy's satisficing share and regret.",
        )
    )  # fmt: skip


def _optimization_body(output: ExploreOutput) -> str:
    head = output.headline
    best = head["cheapest_feasible"]
    share = f"{float(head['reliability']):.0%}"
    goal = html.escape(str(head["goal"]))
    if best:
        levers = ", ".join(f"{html.escape(str(p))} = {_number(v)}" for p, v in best["levers"].items())
        answer = (
            f"Cheapest package reaching {goal} in {share} of the scenarios: <strong>{levers}</strong> "
            f"(cost <strong>{_number(float(best['cost']))}</strong>; "
            f"outcome {_number(float(best['robust_outcome']))} there, goal met in "
            f"{float(best['satisficing']):.0%} of scenarios)."
        )
    else:
        answer = f"No package evaluated reaches {goal} in {share} of the scenarios."
    front = output.tables["front"]
    rows = _number_table(front, [str(i + 1) for i in range(len(front))])
    return (
        f'<ul class="headline"><li>{answer}</li><li>{head["front_size"]} packages on the '
        f"Pareto front of {head['evaluated']} evaluated.</li></ul>"
        f'<p class="meta">Output folder <code>{html.escape(str(output.folder))}</code>.</p>'
        + _table(rows, "package")
        + _embed_png(output.figures["pareto.png"], "Cost against robust outcome: every package evaluated and "
                     "the Pareto front.", "Scatter chart of cost against robust outcome.")
        + _embed_png(output.figures["convergence.png"], "Hypervolume of each optimiser seed's front by "
                     "generation.", "Line chart of hypervolume by generation.")
    )  # fmt: skip


_EXPLORE_BODIES = {
    DISCOVERY_KIND: _discovery_body,
    ROBUSTNESS_KIND: _robustness_body,
    OPTIMIZATION_KIND: _optimization_body,
}


def _explore_sections(outputs: Sequence[ExploreOutput]) -> tuple[list[str], list[str]]:
    """Contents entries and sections, one per kind of exploration output given, in a fixed order."""
    contents, parts = [], []
    for kind, (anchor, heading, lead) in EXPLORE_SECTIONS.items():
        mine = [output for output in outputs if output.kind == kind]
        if not mine:
            continue
        contents.append(f'<li><a href="#{anchor}">{html.escape(heading)}</a></li>')
        articles = "".join(
            f'<article class="explore"><h3>{html.escape(output.folder.name)}</h3>'
            f"{_EXPLORE_BODIES[kind](output)}</article>"
            for output in mine
        )
        parts.append(
            f'<section class="answers" id="{anchor}"><h2>{html.escape(heading)}</h2>'
            f"<p>{lead}</p>{articles}</section>"
        )
    return contents, parts


def _inline_markdown(text: str) -> str:
    """Escape text and render the inline marks SOURCES.md uses: **bold**, *italic*, `code`, [links](url)."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    escaped = re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", escaped)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', escaped)


#: A SOURCES.md heading that names a data file (``## countries.csv (193 rows)``), not a note.
DATA_FILE_HEADING = r"^## (\S+\.(?:csv|json|geojson|parquet|yaml)\b.*)$"


def data_sources() -> list[str]:
    """The attribution paragraphs and file headings of the shipped data, as HTML.

    Read from ``sim/data/SOURCES.md`` (its licence paragraph, the UNGA citation and each
    file's heading) and ``sim/data/SOURCES_points.md``, so the report says what the data
    files say.

    Returns:
        HTML fragments (paragraphs and one list), in reading order.
    """
    data = resources.files("sim") / "data"
    text = (data / "SOURCES.md").read_text(encoding="utf-8")
    paragraphs = [block.strip() for block in text.split("\n\n")]
    wanted = [p for p in paragraphs if p.startswith(("**Licences.**", "Citation for the UNGA data"))]
    points = data / "SOURCES_points.md"
    headings = re.findall(DATA_FILE_HEADING, text, flags=re.MULTILINE)
    if points.is_file():
        headings += re.findall(DATA_FILE_HEADING, points.read_text(encoding="utf-8"), flags=re.MULTILINE)
    items = "".join(f"<li><code>{html.escape(heading)}</code></li>" for heading in headings)
    return [
        *(f"<p>{_inline_markdown(paragraph)}</p>" for paragraph in wanted),
        f"<p>{html.escape(MAP_SOURCE)}</p>",
        "<p>Weights behind the shares: "
        + "; ".join(
            html.escape(f"{MEASURE_HEADINGS[m]}: {MEASURE_SOURCES[m]}") for m in MEMBERSHIP_MEASURES[1:]
        )
        + ".</p>",
        f"<p>Shipped data files, each documented in <code>sim/data/SOURCES.md</code>:</p><ul>{items}</ul>",
    ]


def _path_cell(path: object) -> str:
    """A folder for a table cell: a long path may break anywhere rather than widen the page."""
    return f'<code class="path">{html.escape(str(path))}</code>'


def _provenance(scenarios: Sequence[Replications]) -> str:
    rows = []
    for reps in scenarios:
        meta = reps.metadata
        rows.append(
            {
                "folder": _path_cell(reps.folder) if reps.folder else "(in memory)",
                "seeds": html.escape(", ".join(map(str, reps.seeds))),
                "scenario hash": f"<code>{html.escape(meta['scenario_hash'][:12])}</code>",
                "coalsim": html.escape(str(meta.get("coalsim_version", "?"))),
                "data version": html.escape(str(meta.get("data_version", "?"))),
                "engine": html.escape(str(meta.get("engine", "?"))),
            }
        )
    frame = pd.DataFrame(rows, index=[reps.label for reps in scenarios])
    return _table(frame, "scenario")


def _answers_provenance(answers: Sequence[Answer]) -> str:
    rows = [
        {
            "folder": _path_cell(answer.folder),
            "scenario": html.escape(answer.question["scenario"]["name"]),
            "scenario hash": f"<code>{html.escape(answer.question['scenario']['hash'][:12])}</code>",
            "root seed, seeds": f"{answer.question['root_seed']}, {answer.question['seeds']}",
            "coalsim": html.escape(str(answer.metadata.get("coalsim_version", "?"))),
        }
        for answer in answers
    ]
    labels = [
        f"{answer.kind}, {framework_label(answer.question['framework'])}"
        + (f", {answer.question['country']}" if answer.question["country"] else "")
        for answer in answers
    ]
    return _table(pd.DataFrame(rows, index=labels), "what-it-takes answer")


def headline_table(reps: Replications) -> pd.DataFrame:
    """A scenario's headlines per framework (:func:`sim.viz.summary.scenario_headlines`) as HTML cells.

    For a folder written by ``coalsim run``, the headlines it stored over all its seeds
    (and posterior draws); otherwise those of the runs at hand.

    Args:
        reps: The scenario's replications.

    Returns:
        One row per framework (and non-aligned); columns: members at month 12 (when
        the runs reach it) and at the last month, shares of world population and GDP
        at the last month. Cells: median [90% interval], or the split's groups.
    """
    table = scenario_headlines(reps).table
    last = int(reps.metadata["steps"])
    headings = {
        ("members", step): f"members at month {step}" + (" (end)" if step == last else "")
        for step in headline_steps(reps)
    }
    headings |= {
        ("share_population", last): "share of world population",
        ("share_gdp", last): "share of world GDP",
    }
    cells = {heading: [] for heading in headings.values()}
    for row in table.itertuples():
        cell = _split_cell(row.cell) if row.split else html.escape(row.cell)
        cells[headings[row.measure, row.step]].append(cell)
    return pd.DataFrame(cells, index=list(dict.fromkeys(table["name"])))


def _split_sentences(reps: Replications) -> str:
    """The split outcomes of a scenario in words, or nothing."""
    table = scenario_headlines(reps).table
    split = table[table["split"]]
    if split.empty:
        return ""
    items = "".join(
        f"<li>{html.escape(row.name)}, {html.escape(_headline_name(row.measure, row.step))}: "
        f"{html.escape(row.text)}.</li>"
        for row in split.itertuples()
    )
    return f'<p class="lead-in">Outcomes that split across runs (no single answer):</p><ul>{items}</ul>'


FIT_HEADING = "Does the model fit what happened?"

#: What a calibration target's statistic is, in words.
FIT_STATISTICS = {"count": "member countries", "coverage": "share of the named countries in it"}


def _fit_section(compared: Sequence[Replications]) -> str:
    """The calibration's checks against dated observations, for each scenario run over its posterior."""
    parts = [
        f'<section id="fit"><h2>{FIT_HEADING}</h2><p>These numbers deserve belief only as far as the model '
        "reproduces what has already happened. A scenario run over a calibration's posterior "
        "(what <code>coalsim run</code> does for a scenario that names one, as the baseline does) comes with "
        "that calibration's check: each dated "
        "observation it was calibrated to, beside the model's median and 90% interval over the posterior "
        "draws; an observation outside its interval is a pattern the model does not reproduce. How the model "
        "ranks who joins against naive forecasts, out of sample, is in <code>docs/model.md</code>, section "
        "8.4 (<code>coalsim score</code>).</p>"
    ]
    shown = 0
    for reps in compared:
        posterior = scenario_headlines(reps).posterior
        if posterior is None:
            continue
        shown += 1
        folder = str(posterior["folder"])
        parts.append(f"<h3>{html.escape(reps.label)}</h3>")
        try:
            table = load_predictive_summary(folder)
        except InputError as exc:
            parts.append(
                f'<p class="note">The calibration\'s check is not shown: {html.escape(exc.message)}</p>'
            )
            continue
        covered = int(table["covered"].astype(bool).sum())
        parts.append(
            f"<p>The calibration in <code>{html.escape(folder)}</code> reproduces {covered} of its "
            f"{len(table)} observations within the 90% interval.</p>"
            + _table(_fit_table(table, reps), "observation")
        )
    if not shown:
        parts.append(
            '<p class="note">No scenario here ran over a calibration\'s posterior, so no check against what '
            "happened is shown beyond the count of WAICO's founders in the summary. Run the scenario "
            "without <code>--point</code> (or with <code>--posterior "
            "scenarios/calibration/baseline_posterior</code>) for its calibration's check and intervals "
            "that hold what the calibration leaves uncertain.</p>"
        )
    return "".join(parts) + "</section>"


def _fit_table(table: pd.DataFrame, reps: Replications) -> pd.DataFrame:
    """A predictive check's rows in words: what was observed, what the model gives, whether it covers it."""

    def value(number: float, statistic: str) -> str:
        return f"{number:.0%}" if statistic == "coverage" else f"{number:.0f}"

    rows = []
    for row in table.itertuples():
        what = FIT_STATISTICS.get(row.statistic, row.statistic)
        low, mid, high = (value(number, row.statistic) for number in (row.q05, row.median, row.q95))
        rows.append({
            "what": f"{framework_label(row.framework, reps.names)}: {what}",
            "month": str(row.step),
            "observed": value(row.observed, row.statistic),
            "model: median [90%]": f'{mid} <span class="range">[{low}–{high}]</span>',
            "reproduced": "yes" if bool(row.covered) else "<strong>no</strong>",
        })  # fmt: skip
    return pd.DataFrame(rows, index=[str(target) for target in table["target"]])


def _posterior_note(head: ScenarioHeadlines) -> str:
    """What headlines over posterior draws are taken over, or nothing for headlines over seeds."""
    if head.posterior is None:
        return ""
    paths = html.escape(", ".join(sorted({path for draw in head.posterior["parameters"] for path in draw})))
    folder = html.escape(str(head.posterior["folder"]))
    return (
        f'<p class="note">Over the calibration\'s posterior: {html.escape(head.over)} ({head.runs} runs), '
        f"each draw a parameter set drawn by weight from <code>{folder}</code> ({paths}). The intervals "
        "hold both the runs' chance and what the calibration leaves uncertain.</p>"
    )


def _headline_name(measure: str, step: int) -> str:
    return f"members at month {step}" if measure == "members" else MEASURE_HEADINGS[measure]


def transition_table(before: Replications, after: Replications) -> pd.DataFrame:
    """:func:`~sim.viz.plots.scenario_transitions` with readable names and totals, as HTML cells.

    Args:
        before: The reference scenario (rows).
        after: The other scenario (columns).

    Returns:
        Counts of countries by modal final portfolio, with a total row and column;
        countries that keep their portfolio are in bold.
    """
    counts = scenario_transitions(before, after)
    names = {**before.names, **after.names}
    cells = pd.DataFrame(
        [
            [
                (f"<strong>{n}</strong>" if row == column else str(n)) if n else ""
                for column, n in zip(counts.columns, values, strict=True)
            ]
            + [str(values.sum())]
            for row, values in zip(counts.index, counts.to_numpy(), strict=True)
        ],
        index=[portfolio_display_label(p, names) for p in counts.index],
        columns=[*(portfolio_display_label(p, names) for p in counts.columns), "total"],
    )
    cells.loc["total"] = [str(n) for n in counts.sum(axis=0)] + [str(counts.to_numpy().sum())]
    return cells


def _where_waico_members_go(before: Replications, after: Replications) -> str:
    """One sentence: where the countries that end in WAICO in ``before`` end in ``after``."""
    counts = scenario_transitions(before, after)
    rows = [p for p in counts.index if "waico" in portfolio_frameworks(p)]
    if not rows:
        return ""
    moved = counts.loc[rows].sum(axis=0)
    stay = int(sum(n for p, n in moved.items() if "waico" in portfolio_frameworks(p)))
    names = {**before.names, **after.names}
    elsewhere = ", ".join(
        f"{n} to {portfolio_display_label(p, names)}"
        for p, n in moved.sort_values(ascending=False).items()
        if n and "waico" not in portfolio_frameworks(p)
    )
    total = int(moved.sum())
    absent = "" if "waico" in after.framework_ids else f" (WAICO does not exist in {after.label})"
    return (
        f"<p>Of the {total} countries that end in WAICO in {html.escape(before.label)} "
        f"({html.escape(_in_runs(before))}), "
        f"{stay} end in WAICO in {html.escape(after.label + absent)}"
        + (f"; {html.escape(elsewhere)}." if elsewhere else ".")
        + "</p>"
    )


def _summary_section(compared: Sequence[Replications], reference: Replications) -> str:
    """The answers first: each scenario's question and headlines, then where countries go."""
    heads = [scenario_headlines(reps) for reps in compared]
    overs = list(dict.fromkeys(head.over for head in sorted(heads, key=lambda head: head.runs)))
    parts = [
        '<section class="summary" id="summary"><h2>Summary</h2>',
        '<p class="note">Each cell: median across runs with the 90% interval (5th to 95th percentile) '
        f"in brackets, over {html.escape(' or '.join(overs))} per scenario "
        "(with one run there is no interval). Where the runs fall into two "
        'groups far apart ("split: 4 ~0-5, 6 ~184-193": 4 runs between 0 and 5, 6 between 184 and 193; '
        '"2 between": two more runs in the sparse valley between the groups), the groups are given '
        "instead of a median, which would say little about either.</p>",
    ]
    for reps, head in zip(compared, heads, strict=True):
        question = html.escape(reps.metadata.get("question", ""))
        founding = (
            f'<p class="note">{html.escape(WAICO_FOUNDING)}</p>'
            if "waico" in reps.framework_ids and FOUNDING_STEP in headline_steps(reps)
            else ""
        )
        parts.append(
            f"<h3>{html.escape(reps.label)}</h3><p><strong>Question.</strong> {question}</p>"
            + _table(headline_table(reps), "framework")
            + _posterior_note(head)
            + founding
            + _split_sentences(reps)
        )
    others = [reps for reps in compared if reps is not reference]
    if others:
        parts.append("<h3>Where do would-be WAICO members go?</h3>")
        for other in others:
            parts.append(
                _where_waico_members_go(reference, other)
                + f'<p class="lead-in">Countries by their final portfolio: rows '
                f"{html.escape(reference.label)} ({html.escape(_in_runs(reference))}), columns "
                f"{html.escape(other.label)} ({html.escape(_in_runs(other))}).</p>"
                + _table(transition_table(reference, other), f"{reference.label} \u2192 {other.label}")
            )
    return "".join(parts) + "</section>"


def _anchor(index: int) -> str:
    return f"scenario-{index + 1}"


def build_report(
    scenarios: Sequence[Replications],
    baseline: Replications | None = None,
    why: Mapping[str, Callable[[], Figure]] | None = None,
    title: str = "Coalitions in global AI governance: scenario report",
    answers: Sequence[Answer] = (),
    explore: Sequence[ExploreOutput] = (),
) -> str:
    """The report as one HTML document.

    Args:
        scenarios: The scenarios, each with its replications (labels must differ).
        baseline: The reference for the comparison (default: the first scenario).
        why: Optional "why" figures by heading (e.g. ``{"Brazil": lambda: why_figure(...)}``).
        title: The page title.
        answers: ``coalsim what-it-takes`` answers (see
            :func:`sim.analysis.answers.load_answer`), one "What would it take?"
            entry each.
        explore: Outputs of ``coalsim discover``, ``robustness`` and ``optimize`` (see
            :func:`sim.analysis.explore_outputs.load_explore_output`), in the sections "Under which
            conditions?", "Which policy holds up?" and "What is the cheapest robust package?".

    Returns:
        The HTML text.
    """
    reference = baseline if baseline is not None else scenarios[0]
    compared = list(scenarios) if reference in scenarios else [reference, *scenarios]
    contents = [
        f'<li><a href="#{_anchor(i)}">{html.escape(r.label)}</a></li>' for i, r in enumerate(compared)
    ]
    contents.insert(0, '<li><a href="#summary">Summary</a></li>')
    parts = [_summary_section(compared, reference)]
    parts += [_scenario_section(reps, _anchor(i)) for i, reps in enumerate(compared)]
    if len(compared) > 1:
        contents.append('<li><a href="#comparison">Scenario comparison</a></li>')
        parts.append(_comparison_section(compared, reference))
    contents.append(f'<li><a href="#fit">{FIT_HEADING}</a></li>')
    parts.append(_fit_section(compared))
    if why:
        contents.append('<li><a href="#why">Why countries choose as they do</a></li>')
        parts.append(
            '<section id="why"><h2>Why countries choose as they do</h2>'
            + "".join(
                _embed(
                    _Figure(f"Utility of each option for {name}, by component.", draw, f"Bar charts: {name}")
                )
                for name, draw in why.items()
            )
            + "</section>"
        )
    if answers:
        contents.append('<li><a href="#answers">What would it take?</a></li>')
        parts.append(_answers_section(answers))
    explore_contents, explore_parts = _explore_sections(explore)
    contents += explore_contents
    parts += explore_parts
    contents += [
        '<li><a href="#sources">Data sources</a></li>',
        '<li><a href="#caveats">Caveats</a></li>',
        '<li><a href="#provenance">Provenance</a></li>',
    ]
    versions = sorted({str(r.metadata.get("coalsim_version", "?")) for r in compared})
    runs = sum(scenario_headlines(r).runs for r in compared)  # all a folder's seeds (and draws)
    saved = sum(len(r.runs) for r in compared)
    body = (
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="meta">Made on {date.today().isoformat()} with coalsim {html.escape(", ".join(versions))} '
        f"from {runs} model run{'' if runs == 1 else 's'}"
        f"{'' if saved == runs else f' ({saved} saved in full)'}.</p></header>"
        f"<nav><h2>Contents</h2><ol>{''.join(contents)}</ol></nav>"
        + "".join(parts)
        + '<section id="sources"><h2>Data sources</h2>'
        + "".join(data_sources())
        + "</section>"
        + '<section id="caveats"><h2>Caveats</h2><ul>'
        + "".join(f"<li>{html.escape(caveat)}</li>" for caveat in scenario_caveats(compared))
        + "</ul></section>"
        + '<section id="provenance"><h2>Provenance</h2>'
        + '<p class="note">Every run can be reproduced from its scenario file and seed.</p>'
        + _provenance(compared)
        + (_answers_provenance(answers) if answers else "")
        + "</section>"
    )
    return _page(title, body)


def scenario_caveats(compared: Sequence[Replications]) -> tuple[str, ...]:
    """:data:`CAVEATS`, their caveat on intervals widened where a scenario ran over a posterior.

    Args:
        compared: The report's scenarios.

    Returns:
        The caveats, in order.
    """
    if all(scenario_headlines(reps).posterior is None for reps in compared):
        return CAVEATS
    return tuple(
        POSTERIOR_INTERVALS_CAVEAT if caveat == SEED_INTERVALS_CAVEAT else caveat for caveat in CAVEATS
    )


def _page(title: str, body: str) -> str:
    """The HTML document around a report's body: the generator mark, the stylesheet, no requests."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"{GENERATOR}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


# -- The report of a sweep store ---------------------------------------------------------

#: What each sensitivity index means, for the table's note.
INDEX_NOTES = {
    "sobol": "S1: the share of the outcome's variance due to the parameter alone; ST: its share with all "
    "its interactions (ST well above S1: the parameter matters through others). ±: half-width of the "
    "95% bootstrap interval; an index whose ± exceeds it cannot be told from zero (more samples narrow the "
    "intervals).",
    "morris": "μ*: the mean absolute elementary effect, the outcome's change when the parameter moves one "
    "grid step divided by that step's share of the parameter's range (its overall influence, in the "
    "outcome's units per whole range); σ: the spread of those effects (non-linear effects or "
    "interactions); ±: half-width of the 95% bootstrap interval of μ*.",
}


#: How to read a sweep's figures (their captions in the report).
READ_PANELS = (
    "How to read it: along a panel, how the outcome moves with that parameter; the spread of the dots "
    "at one value is what the other parameters and the random seeds add to it. Panels share the "
    "outcome axis, so a flat panel beside a steep one means the first parameter matters less."
)
READ_SURFACE = (
    "How to read it: along a row, the effect of the first parameter at a fixed value of the second; "
    "when rows differ in slope, the two parameters interact."
)


def _swept_over(spec: ParameterRange | None, values: pd.Series) -> str:
    """How a parameter varies: its listed values, its range, or (a policy's lever) the values it took."""
    if spec is None:
        return "set by the policies: " + ", ".join(map(str, sorted(values.unique())))
    if spec.values is not None:
        return ", ".join(map(str, spec.values))
    return f"{spec.low:g} to {spec.high:g}"


def sweep_parameters(data: SweepTable) -> pd.DataFrame:
    """The swept parameters as HTML cells: readable name, path, what the sweep varied, the scenario's value.

    Args:
        data: The store's table.

    Returns:
        One row per parameter, indexed by its readable name.

    """
    spec = data.results.spec
    rows = {}
    for path, column in data.columns.items():
        stored = get_dotted(dict(data.scenario), path, where="the store's scenario")
        rows[parameter_label(path, data.names)] = {
            "path": f"<code>{html.escape(path)}</code>",
            "swept over": html.escape(_swept_over(spec.sampled.get(path), data.table[column])),
            "the scenario's value": html.escape("–" if stored is None else str(stored)),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _settled_text(results: SweepResults) -> str:
    succeeded = results.succeeded
    settled = succeeded["converged_at"].dropna()
    nash = int(succeeded["is_nash"].fillna(False).sum())
    text = (
        f"{len(settled)} of {len(succeeded)} succeeded runs settled (median month {int(settled.median())})"
        if len(settled)
        else f"none of the {len(succeeded)} succeeded runs settled"
    )
    return f"{text}; {nash} ended in a Nash equilibrium"


def _has_levels(spec: ExperimentSpec) -> bool:
    """Whether a spec's ``levels`` matter: a morris design, or a grid over at least one range."""
    ranges = any(sampled.values is None for sampled in spec.sampled.values())
    return spec.design == "morris" or (spec.design == "grid" and ranges)


def sweep_facts(data: SweepTable) -> dict[str, str]:
    """What the sweep was: scenario, design, points, replications, runs and how they ended, as HTML cells.

    Args:
        data: The store's table.

    Returns:
        HTML values by fact.

    """
    results, spec = data.results, data.results.spec
    status = results.runs["status"].value_counts()
    runs = ", ".join(f"{int(status.get(name, 0))} {name}" for name in ("succeeded", "failed", "pending"))
    facts = {
        "scenario": f"{html.escape(data.scenario['name'])} (<code>{html.escape(spec.scenario)}</code>)",
        "design": html.escape(spec.design)
        + (f", {spec.samples} samples" if spec.samples else "")
        + (f", {results.manifest['levels']} levels per range" if _has_levels(spec) else ""),
        "design points": str(results.runs["sample"].nunique()),
        "replications per point": f"{spec.replications} (seed {spec.seed}; the same seeds at every point)",
        "runs": f"{len(results.runs)}: {runs}",
        "settled": html.escape(_settled_text(results)),
        "months per run": str(data.steps),
    }
    if results.policies:
        facts["policies"] = html.escape(", ".join(results.policies))
    return facts


def _facts_table(facts: Mapping[str, str]) -> str:
    """Facts as a two-column table without a header: a name, then its value (HTML)."""
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{value}</td></tr>" for name, value in facts.items())
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def _point(value: float, at: str, outcome: Outcome) -> str:
    number = f"{value:.0f}" if outcome.measure == "members" else f"{100 * value:.1f}%"
    return f'{html.escape(number)}<br><span class="where">at {html.escape(at)}</span>'


def sweep_ranges(data: SweepTable) -> pd.DataFrame:
    """Each outcome's range over the design (:func:`~sim.viz.sweep.outcome_ranges`) as HTML cells.

    Args:
        data: The store's table.

    Returns:
        One row per outcome (its readable name): all runs (median [5–95%], or a split's
        groups), and the lowest and highest design point (median of its replications)
        with the parameter values there.

    """
    ranges = outcome_ranges(data)
    n_countries = World.load().n
    rows = {}
    for outcome in data.outcomes:
        row = ranges.loc[outcome.name]
        rows[data.label(outcome)] = {
            "all runs": _interval(data.table[outcome.name].to_numpy(), outcome.measure, n_countries),
            "lowest design point": _point(row["lowest_point"], row["lowest_at"], outcome),
            "highest design point": _point(row["highest_point"], row["highest_at"], outcome),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _left_out(results: SweepResults) -> str:
    """A warning that runs which did not succeed are missing from the numbers and figures, or nothing."""
    missing = len(results.runs) - len(results.succeeded)
    if not missing:
        return ""
    return (
        f"<p><strong>{missing} of {len(results.runs)} runs did not succeed</strong> and are left out of "
        "the ranges and figures below (their errors are in the store's run table; "
        "<code>coalsim sweep SPEC --resume</code> runs them again).</p>"
    )


def _index_table(found: Sensitivity) -> str:
    """A sensitivity table as HTML, parameters by readable name, index ± half-width."""
    table = found.indices
    if found.method == "sobol":
        pairs = {"S1 (alone)": ("S1", "S1_conf"), "ST (with interactions)": ("ST", "ST_conf")}
        cells = {
            heading: [f"{value:.2f} ± {table.loc[name, conf]:.2f}" for name, value in table[column].items()]
            for heading, (column, conf) in pairs.items()
        }
        order = table["ST"].sort_values(ascending=False).index
    else:
        cells = {
            "μ* (influence)": [
                f"{v:.3g} ± {table.loc[n, 'mu_star_conf']:.2g}" for n, v in table["mu_star"].items()
            ],
            "σ (non-linear or interacting)": [f"{v:.3g}" for v in table["sigma"]],
        }
        order = table["mu_star"].sort_values(ascending=False).index
    frame = pd.DataFrame(cells, index=table.index).loc[order]
    frame.index = [parameter_label(path) for path in frame.index]
    return _table(frame.map(html.escape), "parameter")


def _sensitivity_section(data: SweepTable) -> str:
    """Sobol or Morris indices of each outcome (a sweep with either design), or why there are none."""
    method = data.results.spec.design
    parts = [
        f'<section class="sensitivity" id="sensitivity"><h2>Which parameters matter? ({method.capitalize()} '
        "indices)</h2>",
        f'<p class="note">{html.escape(INDEX_NOTES[method])} Each design point is the mean of its '
        "replications; parameters in order of influence.</p>",
    ]
    for outcome in data.outcomes:
        parts.append(f"<h3>{html.escape(data.label(outcome))}</h3>")
        try:
            parts.append(_index_table(sensitivity(data.results, outcome.name)))
        except InputError as error:
            parts.append(
                f"<p>No indices: {html.escape(error.found)}; they need {html.escape(error.expected)}.</p>"
            )
    return "".join(parts) + "</section>"


def _sweep_provenance(data: SweepTable) -> str:
    manifest = data.results.manifest
    facts = {
        "store": f"<code>{html.escape(str(data.results.folder))}</code>",
        "spec": f"<code>{html.escape(str(manifest.get('spec_source', '?')))}</code>, "
        f"hash <code>{html.escape(manifest['spec_hash'][:12])}</code>",
        "scenario hash": f"<code>{html.escape(manifest['scenario_hash'][:12])}</code>",
        "created": html.escape(str(manifest.get("created", "?"))),
        "versions": html.escape(", ".join(f"{k} {v}" for k, v in manifest.get("versions", {}).items())),
    }
    spec_text = (data.results.folder / "spec.yaml").read_text(encoding="utf-8")
    return (
        _facts_table(facts) + '<p class="note">The spec as stored (<code>spec.yaml</code>); '
        "<code>coalsim sweep</code> on it makes the same runs:</p>"
        + f"<pre><code>{html.escape(spec_text)}</code></pre>"
    )


def build_sweep_report(data: SweepTable, title: str | None = None) -> str:
    """The report of a sweep store as one HTML document.

    The sweep (scenario, design, parameters and their ranges, runs and how they ended),
    each outcome's range over the design, its figures (:func:`~sim.viz.sweep.sweep_figures`),
    the Sobol or Morris indices of a sensitivity design, the caveats, the data sources and
    the provenance, with the stored spec.

    Args:
        data: The store's table with the outcomes to report (:meth:`SweepTable.read`).
        title: The page title (default: "Sweep <name>: <description or scenario question>").

    Returns:
        The HTML text.

    """
    results = data.results
    name = results.manifest["name"]
    title = title or f"Sweep {name}: how outcomes respond to {len(results.parameters)} parameters"
    described = (
        f"<p><strong>The sweep.</strong> {html.escape(results.spec.description)}</p>"
        if results.spec.description
        else ""
    )
    figures = sweep_figures(data)
    sections = [
        ("sweep", "The sweep", (
            described
            + f"<p><strong>The scenario's question.</strong> {html.escape(data.scenario['question'])}</p>"
            + _facts_table(sweep_facts(data))
            + '<p class="lead-in">Parameters the sweep varied:</p>'
            + _table(sweep_parameters(data), "parameter")
        )),
        ("ranges", "Outcomes over the design", (
            '<p class="note">All runs: median with the 90% interval (5th to 95th percentile) over every run '
            "of the sweep, or the two groups of a split. Design points: the median of a point's "
            "replications, at its lowest and highest, with the parameter values there.</p>"
            + _left_out(results)
            + _table(sweep_ranges(data), "outcome", "ranges")
        )),
    ]  # fmt: skip
    for index, outcome in enumerate(data.outcomes):
        embedded = "".join(
            _embed(_Figure(heading, figures[file], alt))
            for file, heading, alt in (
                (figure_name(outcome), READ_PANELS, f"{data.label(outcome)} against each swept parameter"),
                (figure_name(outcome, "surface"), READ_SURFACE,
                 f"{data.label(outcome)} over both swept parameters"),
            )
            if file in figures
        )  # fmt: skip
        sections.append((f"outcome-{index + 1}", data.label(outcome), embedded))
    parts = [
        f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>{body}</section>'
        for anchor, heading, body in sections
    ]
    contents = [f'<li><a href="#{anchor}">{html.escape(heading)}</a></li>' for anchor, heading, _ in sections]
    if results.spec.design in SENSITIVITY_DESIGNS:
        parts.append(_sensitivity_section(data))
        contents.append('<li><a href="#sensitivity">Which parameters matter?</a></li>')
    contents += [
        '<li><a href="#caveats">Caveats</a></li>',
        '<li><a href="#sources">Data sources</a></li>',
        '<li><a href="#provenance">Provenance</a></li>',
    ]
    version = results.manifest.get("versions", {}).get("coalsim", "?")
    body = (
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="meta">Made on {date.today().isoformat()} from the {len(data.table)} succeeded runs of '
        f"the sweep store <code>{html.escape(str(results.folder))}</code> "
        f"(coalsim {html.escape(version)}).</p>"
        "</header>"
        f"<nav><h2>Contents</h2><ol>{''.join(contents)}</ol></nav>"
        + "".join(parts)
        + '<section id="caveats"><h2>Caveats</h2><ul>'
        + "".join(f"<li>{html.escape(caveat)}</li>" for caveat in SWEEP_CAVEATS)
        + "</ul></section>"
        + '<section id="sources"><h2>Data sources</h2>'
        + "".join(data_sources())
        + "</section>"
        + f'<section id="provenance"><h2>Provenance</h2>{_sweep_provenance(data)}</section>'
    )
    return _page(title, body)


__all__ = [
    "CAVEATS",
    "GENERATOR",
    "build_report",
    "build_sweep_report",
    "data_sources",
    "headline_table",
    "key_numbers",
    "sponsor_offers",
    "sweep_facts",
    "sweep_parameters",
    "sweep_ranges",
    "transition_table",
]

"""What ``coalsim run`` prints and writes beside one run: headlines across seeds.

A number from one seed is an anecdote, so ``coalsim run`` runs the scenario with several
seeds (``seed, seed + 1, ...``), saves the first seed's full result as before, and writes
beside it the headlines of all of them: each framework's members at the end and at
month 12 (WAICO's founding, July 2026) and its shares of world population and GDP at the
end, as a median with a 90% interval, or as a split when the runs fall into two groups
(:func:`sim.metrics.summarise_outcome`). Files written beside the run (:data:`HEADLINE_FILES`):
``headlines.csv`` and ``headlines.json`` (one row per framework and headline) and
``membership.png`` (:func:`sim.viz.plots.membership_figure` over all seeds).

Over a posterior (the one a scenario names, or ``coalsim run --posterior DIR``; ``--draws
K``), the runs are the seeds times K parameter sets drawn from a calibration's posterior
(:func:`sim.analysis.abc.load_draws`), run as one ensemble (:func:`sim.run_many`), and each
headline is a median and 90% interval over seeds and draws together; ``headlines.json`` and
the saved run's ``metadata.json`` record the posterior's folder and every drawn parameter
set. :func:`scenario_headlines` reads the headlines back for the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from sim.ensemble import run_many
from sim.errors import InputError
from sim.files import read_json
from sim.metrics import HEADLINE_QUANTILES, SPLIT_GAP, SPLIT_MIN_SHARE, SPLIT_VALLEY_SHARE
from sim.replications import Replications, over_text
from sim.results import run
from sim.scenario import Scenario
from sim.schema import check_runs
from sim.viz.plots import groups_text, membership_figure
from sim.viz.style import framework_label, png_bytes
from sim.vocabulary import NON_ALIGNED_ID

#: The month of the headline "members at founding": WAICO was founded on 16 July 2026.
FOUNDING_STEP = 12

#: Files ``coalsim run`` writes beside the run's own result files.
HEADLINE_FILES = ("headlines.csv", "headlines.json", "membership.png")

#: Headline measures, with their table heading and number format.
HEADLINE_MEASURES = {
    "members": ("members", "{:.0f}"),
    "share_population": ("population share", "{:.0%}"),
    "share_gdp": ("GDP share", "{:.0%}"),
}


def run_replications(
    scenario: Scenario,
    seeds: int,
    seed: int | None = None,
    steps: int | None = None,
    posterior: Mapping[str, Any] | None = None,
) -> Replications:
    """Run a scenario with ``seeds`` consecutive seeds, or with them under each posterior draw.

    The first run keeps every step's per-country state (it is the one saved in full);
    the others, run as one ensemble (:func:`sim.run_many`), keep only the last step's,
    which is all the headlines need.

    Args:
        scenario: The scenario.
        seeds: How many seeds (per posterior draw, when given).
        seed: The first seed (default: the scenario's).
        steps: Steps per run (default: the scenario's).
        posterior: Posterior draws to run over: ``folder`` (where they came from),
            ``draw_seed`` (what seeded them) and ``parameters`` (one override mapping
            per draw, see :func:`sim.analysis.abc.load_draws`). Draw ``j`` runs with
            seeds ``seed + j * seeds`` to ``seed + (j + 1) * seeds - 1``, so every run has
            a seed of its own.

    Returns:
        The replications, the first seed's run (of the first draw) first; over a
        posterior each run's metadata names its ``posterior_draw``, the first run's
        also the whole ``posterior`` provenance.

    Raises:
        InputError: If ``seeds`` is below 1, seeds times draws is more than
            :data:`sim.schema.MAX_RUNS_IN_MEMORY`, or a draw is not a valid override.
    """
    check_runs(seeds, "run_replications()", draws=1 if posterior is None else len(posterior["parameters"]))
    first = scenario.seed if seed is None else seed
    if posterior is None:
        runs = [run(scenario, seed=first, steps=steps)]
        if seeds > 1:
            runs += run_many(scenario, list(range(first + 1, first + seeds)), steps=steps, record="final")
        return Replications.from_runs(runs)
    draws = list(posterior["parameters"])
    provenance = {**posterior, "parameters": draws, "draws": len(draws), "seeds_per_draw": seeds}
    total = seeds * len(draws)
    runs = [run(scenario.with_overrides(draws[0]), seed=first, steps=steps)]
    if total > 1:
        runs += run_many(
            scenario, list(range(first + 1, first + total)), [draws[r // seeds] for r in range(1, total)],
            steps=steps, record="final",
        )  # fmt: skip
    runs = [
        replace(one, metadata={**one.metadata, "posterior_draw": i // seeds}) for i, one in enumerate(runs)
    ]
    runs[0] = replace(runs[0], metadata={**runs[0].metadata, "posterior": provenance})
    return Replications.from_runs(runs, posterior=provenance)


def headline_steps(reps: Replications) -> list[int]:
    """The steps the headlines are read at: month 12 if the runs go beyond it, and the last one."""
    last = int(reps.metadata["steps"])
    return [FOUNDING_STEP, last] if last > FOUNDING_STEP else [last]


def headlines(reps: Replications) -> pd.DataFrame:
    """Every headline of a scenario across its runs.

    Members at the last step and at month 12 (when the runs reach it), and the shares
    of world population and GDP at the last step, per framework and for non-aligned.

    Args:
        reps: The scenario's replications.

    Returns:
        One row per framework and headline: framework, name, measure, step, median, low
        (5th percentile), high (95th), runs, split, groups (``"4 runs 0-5; 6 runs
        184-193"`` when split, with ``"; 2 runs between"`` when runs lie between the
        groups, else empty) and text (the headline in words).
    """
    last = int(reps.metadata["steps"])
    rows = []
    for fid in [*reps.framework_ids, NON_ALIGNED_ID]:
        for measure, (_, number) in HEADLINE_MEASURES.items():
            for step in headline_steps(reps) if measure == "members" else [last]:
                summary = reps.outcome(fid, measure, step)
                rows.append(
                    {
                        "framework": fid,
                        "name": framework_label(fid, reps.names),
                        "measure": measure,
                        "step": step,
                        "median": summary.median,
                        "low": summary.low,
                        "high": summary.high,
                        "runs": summary.runs,
                        "split": summary.split,
                        "groups": groups_text(summary),
                        "text": summary.describe(number),
                        "cell": summary.short(number),
                    }
                )
    return pd.DataFrame(rows)


def summary_text(reps: Replications) -> str:
    """The headlines as aligned text for the terminal, under a title line.

    Args:
        reps: The scenario's replications (the first is the run saved in full).

    Returns:
        A title (scenario, seeds, steps, how many runs settled), a table with one row
        per framework, a note on how to read it, and the equilibrium check of the
        first run's final state.
    """
    table = headlines(reps)
    last = int(reps.metadata["steps"])
    table["column"] = [
        f"members at month {s}" if m == "members" else HEADLINE_MEASURES[m][0]
        for m, s in zip(table["measure"], table["step"], strict=True)
    ]
    wide = table.pivot(index="framework", columns="column", values="cell")
    wide = wide.reindex(
        index=list(dict.fromkeys(table["framework"])), columns=list(dict.fromkeys(table["column"]))
    )
    wide.columns.name = None
    settled = [r.metadata["converged_at"] for r in reps.runs if r.metadata["converged_at"] is not None]
    first = reps.runs[0].metadata
    seeds = reps.seeds
    runs = (
        f"{len(seeds)} runs (seeds {seeds[0]}-{seeds[-1]})" if len(seeds) > 1 else f"1 run (seed {seeds[0]})"
    )
    if reps.posterior is not None:
        runs += f" over {reps.over_text()} from {reps.posterior['folder']}"
    title = f"{first['scenario']}: {runs}, {last} steps; {len(settled)} of {len(seeds)} runs settled"
    over = f"{reps.over_text()} ({len(seeds)} runs)" if reps.posterior is not None else f"{len(seeds)} runs"
    split = table["cell"].astype(str).str.startswith("split")
    note = (
        f"Cells: median [90% interval] over {over}."
        + (
            " A cell 'split: a ~x-y, b ~z-w' means the runs fall into two groups far apart (a runs "
            "between x and y, b between z and w; 'c between': c runs in the sparse valley between "
            "them); no median is given, as it would say little about either group."
            if split.any()
            else ""
        )
        if len(seeds) > 1
        else "One run: no interval; run more seeds (--seeds) for one."
    )
    draw = f" (posterior draw {first['posterior_draw']})" if reps.posterior is not None else ""
    equilibrium = [f"Seed {first['seed']}'s final state{draw}:", *first.get("equilibrium_summary", [])]
    return "\n".join([title, wide.to_string(), note, "", *equilibrium]).rstrip()


def headline_files(reps: Replications) -> dict[str, bytes]:
    """The files written beside the run's own results (see :data:`HEADLINE_FILES`).

    Args:
        reps: The scenario's replications.

    Returns:
        File contents by name: the headlines as CSV and JSON, and the membership figure.
        The JSON also says what the runs vary over (``over``, ``runs``) and, over a
        posterior, where the draws came from (``posterior``; ``null`` otherwise).
    """
    table = headlines(reps)
    meta = reps.metadata
    document = {
        "scenario": meta["scenario"],
        "scenario_hash": meta["scenario_hash"],
        "seeds": reps.seeds,
        "runs": len(reps.runs),
        "over": reps.over_text(),
        "posterior": None if reps.posterior is None else dict(reps.posterior),
        "steps": meta["steps"],
        "quantiles": list(HEADLINE_QUANTILES),
        "split_rule": {
            "gap_share_of_range": SPLIT_GAP,
            "min_share_of_runs_per_group": SPLIT_MIN_SHARE,
            "max_share_of_runs_between": SPLIT_VALLEY_SHARE,
            "doc": "sim.metrics.summarise_outcome",
        },
        "headlines": json.loads(table.to_json(orient="records")),
    }
    return {
        "headlines.csv": table.drop(columns="cell").to_csv(index=False).encode("utf-8"),
        "headlines.json": (json.dumps(document, indent=2) + "\n").encode("utf-8"),
        "membership.png": png_bytes(membership_figure(reps)),
    }


@dataclass(frozen=True)
class ScenarioHeadlines:
    """A scenario's headlines and what they are taken over.

    Attributes:
        table: :func:`headlines` of all the runs the headlines were taken over.
        runs: How many runs.
        over: What they vary over (``"10 seeds x 20 posterior draws"``, ``"4 runs"``).
        posterior: The posterior draws' provenance, or ``None`` (see
            :attr:`Replications.posterior`).
    """

    table: pd.DataFrame
    runs: int
    over: str
    posterior: Mapping[str, Any] | None


def scenario_headlines(reps: Replications) -> ScenarioHeadlines:
    """A scenario's headlines: those ``coalsim run`` stored beside its saved run, or the runs' own.

    ``coalsim run`` saves one run in full and the headlines of all its seeds (and posterior
    draws) in ``headlines.json`` beside it; for a folder holding just that run, the stored
    headlines are the ones over all runs. Anything else (runs in memory, a folder of run
    folders, a folder whose ``headlines.json`` was written by an older coalsim without
    table cells) gives the headlines of the runs at hand.

    Args:
        reps: The scenario's replications.

    Returns:
        The headlines, with what they were taken over.

    Raises:
        InputError: If the folder's ``headlines.json`` is not a JSON object of headlines
            of this run.
    """
    path = None if reps.folder is None else reps.folder / "headlines.json"
    if len(reps.runs) == 1 and path is not None and path.is_file():
        try:
            document = read_json(path)
            stored = pd.DataFrame(document["headlines"])
            same_run = document["scenario_hash"] == reps.metadata["scenario_hash"] and (
                document["seeds"][0] == reps.seeds[0]
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise InputError(str(path), "", "the headlines coalsim run wrote beside the run",
                             f"{type(exc).__name__}: {exc}") from None  # fmt: skip
        if not same_run:
            raise InputError(str(path), "scenario_hash", "the headlines of the run saved beside it",
                             "headlines of another run")  # fmt: skip
        if "cell" in stored.columns:
            posterior = document.get("posterior")
            runs = len(document["seeds"])
            return ScenarioHeadlines(stored, runs, over_text(runs, posterior), posterior)
    return ScenarioHeadlines(headlines(reps), len(reps.runs), reps.over_text(), reps.posterior)


__all__ = [
    "FOUNDING_STEP",
    "HEADLINE_FILES",
    "ScenarioHeadlines",
    "headline_files",
    "headline_steps",
    "headlines",
    "membership_figure",
    "run_replications",
    "scenario_headlines",
    "summary_text",
]

"""What ``coalsim run`` prints and writes beside one run: headlines across seeds.

A number from one seed is an anecdote, so ``coalsim run`` runs the scenario with several
seeds (``seed, seed + 1, ...``), saves the first seed's full result as before, and writes
beside it the headlines of all of them: each framework's members at the end and at
month 12 (WAICO's founding, July 2026) and its shares of world population and GDP at the
end, as a median with a 90% interval, or as a split when the runs fall into two groups
(:func:`sim.metrics.summarise_outcome`). Files written beside the run (:data:`HEADLINE_FILES`):
``headlines.csv`` and ``headlines.json`` (one row per framework and headline) and
``membership.png`` (:func:`sim.viz.plots.membership_figure` over all seeds).
"""

from __future__ import annotations

import json

import pandas as pd

from sim.errors import InputError
from sim.metrics import HEADLINE_QUANTILES, SPLIT_GAP, SPLIT_MIN_SHARE
from sim.replications import Replications
from sim.results import run
from sim.scenario import Scenario
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
    scenario: Scenario, seeds: int, seed: int | None = None, steps: int | None = None
) -> Replications:
    """Run a scenario with ``seeds`` consecutive seeds.

    The first run keeps every step's per-country state (it is the one saved in full);
    the others keep only the last step's, which is all the headlines need.

    Args:
        scenario: The scenario.
        seeds: How many seeds.
        seed: The first seed (default: the scenario's).
        steps: Steps per run (default: the scenario's).

    Returns:
        The replications, the first seed's run first.

    Raises:
        InputError: If ``seeds`` is below 1.
    """
    if seeds < 1:
        raise InputError("run_replications()", "seeds", "a whole number of at least 1", str(seeds))
    first = scenario.seed if seed is None else seed
    runs = [run(scenario, seed=first, steps=steps)]
    runs += [run(scenario, seed=first + i, steps=steps, record="final") for i in range(1, seeds)]
    return Replications.from_runs(runs)


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
        184-193"`` when split, else empty) and text (the headline in words).
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
    title = (
        f"{first['scenario']}: "
        + (
            f"{len(seeds)} runs (seeds {seeds[0]}-{seeds[-1]})"
            if len(seeds) > 1
            else f"1 run (seed {seeds[0]})"
        )
        + f", {last} steps; "
        f"{len(settled)} of {len(seeds)} runs settled"
    )
    note = (
        f"Cells: median [90% interval] over {len(seeds)} runs. 'split: 4 ~0-5, 6 ~184-193': the runs fall "
        "into two groups (4 runs between 0 and 5, 6 between 184 and 193); no median is given."
        if len(seeds) > 1
        else "One run: no interval; run more seeds (--seeds) for one."
    )
    equilibrium = [f"Seed {first['seed']}'s final state:", *first.get("equilibrium_summary", [])]
    return "\n".join([title, wide.to_string(), note, "", *equilibrium]).rstrip()


def headline_files(reps: Replications) -> dict[str, bytes]:
    """The files written beside the run's own results (see :data:`HEADLINE_FILES`).

    Args:
        reps: The scenario's replications.

    Returns:
        File contents by name: the headlines as CSV and JSON, and the membership figure.
    """
    table = headlines(reps).drop(columns="cell")
    meta = reps.metadata
    document = {
        "scenario": meta["scenario"],
        "scenario_hash": meta["scenario_hash"],
        "seeds": reps.seeds,
        "steps": meta["steps"],
        "quantiles": list(HEADLINE_QUANTILES),
        "split_rule": {
            "gap_share_of_range": SPLIT_GAP,
            "min_share_of_runs_per_group": SPLIT_MIN_SHARE,
            "doc": "sim.metrics.summarise_outcome",
        },
        "headlines": json.loads(table.to_json(orient="records")),
    }
    return {
        "headlines.csv": table.to_csv(index=False).encode("utf-8"),
        "headlines.json": (json.dumps(document, indent=2) + "\n").encode("utf-8"),
        "membership.png": png_bytes(membership_figure(reps)),
    }


__all__ = [
    "FOUNDING_STEP",
    "HEADLINE_FILES",
    "headline_files",
    "headline_steps",
    "headlines",
    "membership_figure",
    "run_replications",
    "summary_text",
]

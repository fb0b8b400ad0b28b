"""Why a country ended where it did in a saved run: the run is rebuilt and the country asked.

A saved run keeps states, not utilities. :func:`explain_final_state` rebuilds a
scenario's first replication from its scenario file and seed (under its posterior draw, for
a run over a posterior), checks that the rebuilt
run ends where the saved one did, and returns ``Country.explain()`` at the last step
(the utility of each option by component), which ``coalsim plot --why`` and
``coalsim report --why`` draw.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import ARGUMENTS, InputError, did_you_mean
from sim.replications import Replications
from sim.results import package_version


def explain_final_state(reps: Replications, iso3: str) -> pd.DataFrame:
    """Rebuild a scenario's first replication and ask a country why it holds what it holds.

    The run is reproduced from its scenario file and seed, and the country's final
    portfolio is checked against the saved one.

    Args:
        reps: The scenario's replications (their ``scenario_source`` must still exist).
        iso3: The country.

    Returns:
        ``Country.explain()`` at the last step of the first replication.

    Raises:
        InputError: If the country is unknown (naming ``iso3``), the scenario file is
            missing or has changed since the run, or the rebuilt run differs from the
            saved one.

    """
    from sim.model import CoalitionModel
    from sim.scenario import load_scenario
    from sim.world import World

    run = reps.runs[0]
    meta = run.metadata
    codes = set(run.countries["iso3"])
    if iso3 not in codes:
        raise InputError(
            ARGUMENTS,
            "iso3",
            "the ISO3 code of a modelled country",
            repr(iso3),
            hint=did_you_mean(iso3, codes),
        )
    source = meta.get("scenario_source", "")
    if not Path(source).is_file():
        raise InputError(
            str(reps.folder),
            "metadata.scenario_source",
            "the scenario file the run was made from",
            f"'{source}', which does not exist here",
            hint="run coalsim from the folder the runs were made in",
        )
    scenario = load_scenario(source)
    if meta.get("posterior") is not None:  # a run over a posterior ran the file's values under its draw
        scenario = scenario.with_overrides(_posterior_draw(meta, str(reps.folder)))
    if scenario.digest() != meta["scenario_hash"]:
        made_by = meta.get("coalsim_version")
        why = (
            f"the run was made by coalsim {made_by}, this is {package_version()}, which reads the file "
            "into another scenario" if made_by not in (None, package_version())
            else "edited since, or the run used --set overrides"
        )  # fmt: skip
        raise InputError(
            source,
            "",
            "the scenario the run was made with (same hash)",
            f"a different scenario ({why})",
            hint="a why chart needs the exact scenario; re-run it to explain it",
        )
    model = CoalitionModel(scenario, World.load(), rng=meta["seed"], engine=meta.get("engine", "vectorized"))
    model.run_for(meta["steps"])
    country = model.country(iso3)
    saved = run.countries[(run.countries["step"] == meta["steps"]) & (run.countries["iso3"] == iso3)]
    if str(saved["portfolio"].iloc[0]) != country.portfolio:
        raise InputError(
            str(reps.folder),
            "countries.portfolio",
            f"the rebuilt run to match ({country.portfolio})",
            str(saved["portfolio"].iloc[0]),
            hint="the installed coalsim differs from the run's",
        )
    return country.explain()


def _posterior_draw(meta: dict, where: str) -> dict:
    """The parameter set a run over a posterior ran with (its metadata's ``posterior_draw``)."""
    try:
        draw = meta["posterior"]["parameters"][meta["posterior_draw"]]
    except (KeyError, IndexError, TypeError):
        draw = None
    if not isinstance(draw, dict) or not all(isinstance(path, str) for path in draw):
        raise InputError(where, "metadata.posterior", "the parameter set of the run's posterior draw",
                         "none it can be read from", "re-run the scenario to explain it")  # fmt: skip
    return draw


__all__ = ["explain_final_state"]


"""The runs of one scenario with different seeds (:class:`Replications`), read from a scenario folder.

**Scenario folder layout.** A scenario on disk is either one run folder (written by
``coalsim run ... --out DIR`` or ``RunResult.save(DIR)``: ``DIR/metadata.json`` plus the
Parquet files) or a folder of such run folders, one per replication seed::

    results/baseline/
        seed1/metadata.json, aggregates.parquet, countries.parquet, dynamics.parquet
        seed2/...
        seed3/...

made e.g. by ``coalsim run scenarios/baseline.yaml --seed N --seeds 1 --out results/baseline/seedN``.
All runs of one scenario folder must come from the same scenario file and parameters
(equal ``scenario_hash``), with different seeds and the same number of steps.

**Over a posterior.** Replications may also be runs of one scenario under parameter sets
drawn from a calibration's posterior (``coalsim run --posterior DIR --draws K``): each run's
``metadata["posterior_draw"]`` says which draw it ran with, the runs' parameters (and so
their ``scenario_hash``) differ by draw, and :attr:`Replications.posterior` records where
the draws came from. Seeds still differ between all runs: each draw runs with seeds of its
own, so no two runs share a random stream.
:meth:`Replications.load` reads either layout; hidden folders and folders without
``metadata.json`` (such as ``figures/``) are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.metrics import OutcomeSummary, summarise_outcome
from sim.results import RunResult
from sim.vocabulary import NON_ALIGNED


@dataclass(frozen=True, eq=False)
class Replications:
    """The runs of one scenario with different seeds.

    Attributes:
        runs: One result per seed, sorted by seed.
        label: A display name (the scenario name unless given).
        folder: Where the runs were read from, if from disk.
        posterior: Where the runs' parameters came from when they ran over posterior
            draws (``folder``, ``draws``, ``seeds_per_draw``, ``draw_seed``, ``parameters``:
            one mapping per draw), else ``None``.
    """

    runs: tuple[RunResult, ...]
    label: str
    folder: Path | None = None
    posterior: Mapping[str, Any] | None = None

    @classmethod
    def from_runs(
        cls,
        runs: Sequence[RunResult],
        label: str | None = None,
        folder: Path | None = None,
        posterior: Mapping[str, Any] | None = None,
    ) -> Replications:
        """Group runs of one scenario, checking that they are replications of it.

        Args:
            runs: Results of the same scenario with different seeds.
            label: Display name (default: the scenario name).
            folder: The folder they came from, for messages.
            posterior: The posterior draws' provenance (see :attr:`posterior`) when each
                run carries ``metadata["posterior_draw"]``: the runs' parameters may then
                differ, their scenario name may not.

        Returns:
            The replications, sorted by seed.

        Raises:
            InputError: If there are no runs, they come from different scenarios or
                step counts, two share a seed, or (over a posterior) a run names no draw
                of it.
        """
        where = str(folder) if folder is not None else "replications"
        if not runs:
            raise InputError(where, "runs", "at least one run", "none")
        ordered = tuple(sorted(runs, key=lambda run: run.metadata["seed"]))
        first = ordered[0].metadata
        if posterior is not None:
            _check_draws(ordered, len(posterior["parameters"]), where)
        same = "scenario" if posterior is not None else "scenario_hash"
        for run in ordered[1:]:
            meta = run.metadata
            if meta[same] != first[same]:
                raise InputError(
                    where,
                    "scenario_hash",
                    f"the same scenario in every run ({first['scenario']})",
                    f"{meta['scenario']} with different parameters",
                    hint="put each scenario's runs in a folder of their own",
                )
            if meta["steps"] != first["steps"]:
                raise InputError(where, "steps", f"{first['steps']} steps in every run", str(meta["steps"]))
        seeds = [run.metadata["seed"] for run in ordered]
        if len(set(seeds)) < len(seeds):
            duplicated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
            raise InputError(
                where,
                "seed",
                "a different seed for each replication",
                f"seeds {duplicated} twice",
                hint="identical runs would make the intervals look narrower than they are",
            )
        return cls(ordered, label or first["scenario"], folder, posterior)

    @classmethod
    def load(cls, folder: str | Path, label: str | None = None) -> Replications:
        """Read a scenario folder (see the module docstring for the layout).

        Args:
            folder: One run folder, or a folder of run folders.
            label: Display name (default: the scenario name).

        Returns:
            The replications found.

        Raises:
            InputError: If the folder holds no complete run, or runs that are not
                replications of one scenario.
        """
        root = Path(folder)
        if not root.is_dir():
            raise InputError(str(root), "", "a scenario folder", "no such folder")
        if (root / "metadata.json").is_file():
            run_folders = [root]
        else:
            run_folders = sorted(
                path.parent for path in root.glob("*/metadata.json") if not path.parent.name.startswith(".")
            )
        if not run_folders:
            raise InputError(
                str(root),
                "metadata.json",
                "a run folder, or a folder of run folders",
                "no metadata.json in it or in its subfolders",
                hint=f"make one with: coalsim run scenarios/baseline.yaml --seed 1 --out {root}/seed1",
            )
        runs = []
        for run_folder in run_folders:
            try:
                runs.append(RunResult.load(run_folder))
            except FileNotFoundError as exc:
                raise InputError(str(run_folder), "", "a complete run folder", str(exc)) from None
            except (json.JSONDecodeError, OSError, ValueError) as exc:
                raise InputError(
                    str(run_folder), "", "readable result files", f"{type(exc).__name__}: {exc}"
                ) from None
        return cls.from_runs(runs, label, root)

    # -- what the figures read --------------------------------------------------------
    @property
    def metadata(self) -> dict:
        """The first run's metadata (scenario, question, frameworks are shared)."""
        return self.runs[0].metadata

    @property
    def framework_ids(self) -> tuple[str, ...]:
        """The scenario's framework ids, in order."""
        return tuple(self.metadata["frameworks"])

    @property
    def names(self) -> dict[str, str]:
        """The scenario's full framework names."""
        return dict(self.metadata.get("framework_names", {}))

    @property
    def seeds(self) -> list[int]:
        """The replications' seeds."""
        return [run.metadata["seed"] for run in self.runs]

    @property
    def n_countries(self) -> int:
        """How many countries the runs model."""
        return int(self.runs[0].countries["iso3"].nunique())

    def aggregates(self) -> pd.DataFrame:
        """All runs' aggregates stacked, with a ``seed`` column."""
        return pd.concat(
            [run.aggregates.assign(seed=run.metadata["seed"]) for run in self.runs], ignore_index=True
        )

    def final(self, measure: str) -> pd.DataFrame:
        """Each run's value of ``measure`` at its last step: columns seed, framework, value."""
        return self.at_step(measure)

    def at_step(self, measure: str, step: int | None = None) -> pd.DataFrame:
        """Each run's value of ``measure`` at ``step`` (default: the last): columns seed, framework, value."""
        frame = self.aggregates()
        chosen = frame["step"].max() if step is None else step
        rows = frame[frame["step"] == chosen]
        return rows[["seed", "framework", measure]].rename(columns={measure: "value"}).reset_index(drop=True)

    def outcome(self, framework: str, measure: str, step: int | None = None) -> OutcomeSummary:
        """A framework's ``measure`` at ``step`` (default: the last) summarised across runs.

        Args:
            framework: A framework id or ``non_aligned``.
            measure: ``"members"`` or a share column.
            step: The step (default: the last).

        Returns:
            Median and 90% interval, or the split (see :func:`sim.metrics.summarise_outcome`).
        """
        values = self.at_step(measure, step)
        chosen = values.loc[values["framework"] == framework, "value"].to_numpy(float)
        return summarise_outcome(chosen, scale=self.n_countries if measure == "members" else 1.0)

    def seed_groups(self, summary: OutcomeSummary, framework: str, measure: str) -> list[list[int]]:
        """The seeds of each group of a split final outcome (all seeds in one group otherwise).

        Args:
            summary: :meth:`outcome` of ``framework`` and ``measure`` at the last step.
            framework: The framework id.
            measure: The measure.

        Returns:
            One list of seeds, or the seeds below and above the split's threshold.
        """
        if summary.threshold is None:
            return [self.seeds]
        finals = self.at_step(measure)
        finals = finals[finals["framework"] == framework]
        below = finals["value"] < summary.threshold
        return [finals.loc[below, "seed"].tolist(), finals.loc[~below, "seed"].tolist()]

    def portfolios_at(self, step: int) -> pd.DataFrame:
        """Each country's portfolio at ``step`` in every run: index iso3, one column per seed.

        Raises:
            InputError: If a run did not record that step (``record="final"``).
        """
        columns = {}
        for run in self.runs:
            rows = run.countries[run.countries["step"] == step]
            if rows.empty:
                recorded = sorted(run.countries["step"].unique())
                raise InputError(
                    str(self.folder or self.label),
                    "countries.step",
                    f"per-country states at step {step}",
                    f"only steps {recorded[:3]}{'...' if len(recorded) > 3 else ''}",
                    hint="run with record='all' (the CLI default)",
                )
            columns[run.metadata["seed"]] = rows.set_index("iso3")["portfolio"].astype(str)
        return pd.DataFrame(columns)

    def final_membership_shares(self) -> pd.DataFrame:
        """Share of replications in which each country ends as a member of each framework.

        Returns:
            Index iso3, one column per framework id, values in [0, 1].
        """
        step = self.metadata["steps"]
        finals = []
        for run in self.runs:
            rows = run.countries[run.countries["step"] == step]
            finals.append(rows.set_index("iso3")[list(self.framework_ids)].astype(float))
        return sum(finals[1:], finals[0]) / len(finals)

    def majority_final_portfolios(self) -> pd.DataFrame:
        """The frameworks each country holds at the end in more than half of the replications.

        Returns:
            Index iso3; columns ``portfolio`` (a label like ``"waico+un"`` or
            ``"non-aligned"``) and ``agreement`` (share of replications that end with
            exactly that portfolio).
        """
        shares = self.final_membership_shares()
        held = shares.to_numpy() > 0.5
        ids = np.array(self.framework_ids)
        labels = ["+".join(ids[row]) if row.any() else NON_ALIGNED for row in held]
        portfolios = pd.Series(labels, index=shares.index, name="portfolio")
        finals = self.portfolios_at(self.metadata["steps"]).reindex(shares.index)
        agreement = finals.eq(portfolios, axis=0).mean(axis=1)
        return pd.DataFrame({"portfolio": portfolios, "agreement": agreement})

    def modal_final_portfolios(self) -> pd.Series:
        """Each country's most frequent portfolio at the last step across the runs.

        Ties go to the portfolio label that sorts first.

        Returns:
            Portfolio labels (``"waico+un"``, ``"non-aligned"``) indexed by iso3.
        """
        finals = self.portfolios_at(self.metadata["steps"])
        return finals.mode(axis=1).iloc[:, 0].rename("portfolio")

    def seeds_text(self) -> str:
        """How many replications and which seeds, for captions."""
        seeds = self.seeds
        shown = ", ".join(map(str, seeds[:6])) + (", ..." if len(seeds) > 6 else "")
        plural = "s" if len(seeds) != 1 else ""
        over = f" over {self.over_text()}" if self.posterior is not None else ""
        return f"{len(seeds)} replication{plural}{over} (seed{plural} {shown})"

    def over_text(self) -> str:
        """What the runs vary over: ``"10 seeds x 20 posterior draws"``, or ``"4 runs"``."""
        return over_text(len(self.runs), self.posterior)


def over_text(runs: int, posterior: Mapping[str, Any] | None) -> str:
    """What ``runs`` runs vary over, with or without posterior draws (see :attr:`Replications.posterior`)."""
    if posterior is None:
        return f"{runs} run{'s' if runs != 1 else ''}"
    seeds, draws = posterior["seeds_per_draw"], posterior["draws"]
    return f"{seeds} seed{'s' if seeds != 1 else ''} x {draws} posterior draw{'s' if draws != 1 else ''}"


def _check_draws(runs: Sequence[RunResult], draws: int, where: str) -> None:
    """Check that every run names one of ``draws`` posterior draws."""
    for run in runs:
        draw = run.metadata.get("posterior_draw")
        if not (isinstance(draw, int) and 0 <= draw < draws):
            raise InputError(
                where, "posterior_draw", f"each run's posterior draw (0 to {draws - 1})",
                f"{draw!r} in the run of seed {run.metadata['seed']}",
            )  # fmt: skip

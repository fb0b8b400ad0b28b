"""``coalsim calibrate`` (ABC-SMC of the simulation, or the old logit fit) and ``coalsim score``.

``coalsim score`` scores the model's membership forecast against observed members (a CSV
with an ``iso3`` column, or an observation id from ``sim/data/observations.csv``) beside
the naive baselines of :mod:`sim.analysis.scoring`.

``coalsim calibrate --method logit`` loads the base scenario, fits and cross-validates the
pooled logit of :mod:`sim.analysis.calibration`, prints the weights and figures, and
writes a scenario that ``extends`` the base one with the fitted field(s)
(:func:`sim.analysis.calibration.write_scenario`: validated before it is renamed into
place, so a failure leaves nothing behind).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sim.analysis.calibration import CALIBRATED_MARK, NOT_IDENTIFIED, write_scenario
from sim.cli import file_path, shown
from sim.errors import InputError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SCENARIO = Path("scenarios") / "baseline.yaml"
DEFAULT_OUT = Path("scenarios") / "calibrated.yaml"
DEFAULT_SPEC = Path("scenarios") / "calibration" / "baseline.yaml"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand to the ``coalsim`` parser.

    Args:
        commands: The subparsers object of ``coalsim``.

    """
    calibrate = commands.add_parser(
        "calibrate",
        help="calibrate the simulation to observations by ABC-SMC (or fit the old reduced-form logit)",
        description="Estimate a scenario's unobserved magnitudes by approximate Bayesian computation "
        "(ABC-SMC with pyabc): the priors and targets come from a calibration spec (default "
        f"{DEFAULT_SPEC}); the posterior, its identification table, posterior predictive checks, "
        "figures and a calibrated scenario go into --out. An interrupted calibration continues with "
        "--resume. With --method logit, the reduced-form pooled logit of earlier versions is fitted "
        "instead and a scenario file written (it is not a calibration of the simulation: "
        + NOT_IDENTIFIED + ")",
    )
    calibrate.add_argument(
        "spec", type=file_path, nargs="?", default=str(DEFAULT_SPEC),
        help="calibration spec (default: %(default)s)"
    )
    calibrate.add_argument(
        "--method", choices=("abc", "logit"), default="abc", help="abc (default) or the old logit fit"
    )
    calibrate.add_argument(
        "--budget", choices=("default", "quick"), default="default",
        help="the spec's budget, or its small 'quick' one (CI, a first look)",
    )  # fmt: skip
    calibrate.add_argument("--resume", action="store_true", help="continue the calibration stored in --out")
    calibrate.add_argument(
        "--workers", type=int, default=1, help="processes simulating particles (default: %(default)s)"
    )
    calibrate.add_argument(
        "--draws", type=int, default=100,
        help="posterior draws for the predictive check (default: %(default)s)",
    )  # fmt: skip
    calibrate.add_argument(
        "--scenario", type=file_path, default=str(DEFAULT_SCENARIO),
        help="logit only: base scenario (default: %(default)s)"
    )
    calibrate.add_argument(
        "--folds", type=int, default=5, help="logit only: cross-validation folds (default: %(default)s)"
    )
    calibrate.add_argument(
        "--seed", type=int, default=0, help="logit only: seed of the fold assignment (default: %(default)s)"
    )
    calibrate.add_argument(
        "--out", type=file_path,
        help="abc: output folder (default: results/calibration/SPEC-NAME); "
        f"logit: scenario file to write (default: {DEFAULT_OUT})",
    )
    calibrate.set_defaults(handler=run_calibrate)
    register_score(commands)


def run_calibrate(args: argparse.Namespace) -> int:
    """Handle ``coalsim calibrate``: ABC-SMC by default, the reduced-form logit on request."""
    return run_abc(args) if args.method == "abc" else run_logit(args)


#: The first bytes of every SQLite database (pyabc's working database is one).
SQLITE_MARK = b"SQLite format 3\x00"


def run_abc(args: argparse.Namespace) -> int:
    """Calibrate the simulation by ABC-SMC and write the calibration folder.

    Args:
        args: Parsed arguments: ``spec``, ``budget``, ``resume``, ``workers``, ``draws``, ``out``.

    Returns:
        0 when the folder was written.

    Raises:
        InputError: For a bad spec, argument or output folder (nothing written).

    """
    import shutil
    import sys

    from sim.analysis import abc
    from sim.atomic import check_output_file, check_output_folder, write_folder_atomically
    from sim.schema import MAX_RUNS_IN_MEMORY, MAX_WORKERS, check_whole
    from sim.viz.calibration import posterior_figure, predictive_figure
    from sim.viz.style import png_bytes

    spec_path = Path(args.spec)
    out = Path(args.out) if args.out else Path("results") / "calibration" / spec_path.stem
    check_output_folder(out, "calibration", sources=[spec_path], given_as="--out")
    check_whole(args.workers, 1, MAX_WORKERS, "command line", "--workers")
    check_whole(args.draws, 10, MAX_RUNS_IN_MEMORY, "command line", "--draws")
    spec = abc.load_calibration_spec(spec_path)
    budget = spec.budget if args.budget == "default" else spec.quick_budget
    database = out.parent / f".{out.name}.abc.db"
    signature = database.with_name(database.name + ".signature.json")
    if (database.exists() or database.is_symlink()) and not signature.is_file():
        # Only a working database coalsim wrote (it writes the signature with it) is replaced.
        raise InputError(str(database), "", "no file, or the working database of an earlier calibration "
                         "(with its .signature.json)", "a file coalsim did not write: move it, or choose "
                         "another --out")  # fmt: skip
    check_output_file(database, SQLITE_MARK)  # written through and removed: never a link or a user's file
    check_output_file(signature, abc.SIGNATURE_MARK)  # a signature coalsim wrote, no user's file of its name
    stored = out / "abc.db"
    if args.resume and not database.exists() and stored.is_file():
        # Checked before the copy: a working database left beside --out would stop every later run.
        problem = abc.database_problem(stored)
        if not (out / "abc.db.signature.json").is_file():
            problem = "no abc.db.signature.json beside it, which says what calibration it holds"
        if problem is not None:
            raise InputError(str(stored), "", "a calibration database pyabc can resume", problem,
                             "Start anew without --resume, or write into another folder.")  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stored, database)
        shutil.copyfile(out / "abc.db.signature.json", signature)
        copied = True
    else:
        copied = False
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"Calibrating {spec.scenario.name} ({spec.scenario_path}) on {len(spec.targets)} targets, "
          f"{len(spec.priors)} parameters: up to {budget.generations} generations of {budget.population} "
          f"particles{' (resuming)' if args.resume else ''}.", flush=True)  # fmt: skip
    try:
        posterior = abc.calibrate(
            spec.scenario, spec.priors, spec.targets, database, budget=budget, seed=spec.seed,
            resume=args.resume, workers=args.workers, progress=sys.stderr.isatty(),
        )  # fmt: skip
    except InputError:
        for path in (database, signature) if copied else ():
            path.unlink(missing_ok=True)  # copies of --out's files, refused: they stay only there
        raise
    predictive = abc.posterior_predictive(spec.scenario, posterior, draws=args.draws, seed=spec.seed)
    summary = abc.predictive_summary(predictive)
    point = abc.point_estimate(posterior)
    extends = Path(os.path.relpath(spec.scenario_path, out.resolve())).as_posix()
    files = {
        **posterior.save(out),
        "predictive.csv": predictive.to_csv(index=False).encode(),
        "predictive_summary.csv": summary.to_csv(index=False).encode(),
        "posterior.png": png_bytes(posterior_figure(posterior)),
        "predictive.png": png_bytes(predictive_figure(predictive)),
        "calibrated.yaml": abc.calibrated_scenario_text(spec, posterior, extends, point).encode(),
        "abc.db": database.read_bytes(),
        "abc.db.signature.json": database.with_name(database.name + ".signature.json").read_bytes(),
    }
    write_folder_atomically(out, files, "calibration", sources=[spec_path])
    for path in (database, database.with_name(database.name + ".signature.json")):
        path.unlink(missing_ok=True)  # the folder holds them now; --resume copies them back
    print("\n".join(abc.report_lines(posterior, summary)))
    print("\nSet in calibrated.yaml (the posterior's medoid, its most central particle): "
          + ", ".join(f"{path} = {value:.4g}" for path, value in point.items()))
    print(f"\nWrote {shown(out)}/ ({', '.join(sorted(files))}).")
    return 0


def run_logit(args: argparse.Namespace) -> int:
    """Fit the reduced-form pooled logit and write a scenario (``--method logit``).

    Args:
        args: Parsed arguments: ``scenario``, ``folds``, ``seed``, ``out``.

    Returns:
        0 when the scenario was written, 1 when the fit did not converge (nothing written).

    Raises:
        InputError: For a bad scenario, fold count or output path (nothing written). An
            existing ``--out`` file is replaced only when ``coalsim calibrate`` wrote it.

    """
    from sim.analysis.calibration import build_dataset, calibrate, report_lines
    from sim.atomic import check_output_file
    from sim.scenario import load_scenario
    from sim.world import World

    base, out = Path(args.scenario), Path(args.out or DEFAULT_OUT)
    check_output_file(out, CALIBRATED_MARK, sources=[base], given_as="--out")
    scenario = load_scenario(base)
    world = World.load()
    countries = build_dataset(world).rows["iso3"].nunique()
    if not 2 <= args.folds <= countries:
        raise InputError("command line", "--folds", f"a whole number from 2 to {countries}", str(args.folds))
    if scenario.rule.kind != "logit":
        raise InputError(
            str(base), "rule.kind", "'logit' (fitted weights become utilities through the temperature)",
            f"'{scenario.rule.kind}'",
        )  # fmt: skip
    calibration = calibrate(scenario, world, folds=args.folds, seed=args.seed)
    print("\n".join(report_lines(calibration)))
    if not calibration.fit.converged:
        print(f"coalsim: the fit did not converge; {out} was not written.")
        return 1
    write_scenario(calibration, base, out, scenario.name)
    print(f"\nWrote {out} (extends {base}).")
    return 0


def register_score(commands: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand to the ``coalsim`` parser.

    Args:
        commands: The subparsers object of ``coalsim``.

    """
    from sim.analysis.scoring import BASELINES, EPS, ESTIMATORS, FOLDS
    from sim.cli.scenarios import add_posterior_options

    score = commands.add_parser(
        "score",
        help="score the model's membership forecast against observed members, beside naive baselines",
        description="Run the scenario's seeds, estimate each country's probability of holding the framework "
        "at the step (by default Rao-Blackwellised: each run's probability given its state a step "
        "before; or the share of runs), and report AUC, Brier score and log loss (probabilities clipped to "
        f"[{EPS:g}, {1 - EPS:g}]) for the model and for the naive baselines {', '.join(BASELINES)}, "
        f"each scored out of sample by stratified {FOLDS}-fold cross-validation. Countries the scenario "
        "fixes (members at step 0 or committed by an event) are not scored, nor the countries of an "
        "observation id whose support the scenario declares (its inputs).",
    )
    score.add_argument("scenario", type=file_path, help="scenario YAML file, e.g. scenarios/baseline.yaml")
    score.add_argument(
        "--observed", required=True, metavar="FILE|ID|bloc:ID",
        help="a CSV file with an 'iso3' column of observed members (or the codes alone, one per line; "
        "any case; comma, semicolon or tab separated; places that are not UN member states, e.g. PSE, "
        "are named and not scored; a table shaped like sim/data/observations.csv counts its member, "
        "supporter and endorser rows, of --framework if it names several), an observation id from "
        "sim/data/observations.csv (e.g. brics_rio_ai_2025; listed countries the scenario declares "
        "supporters of the framework are its inputs and left out), or bloc:ID, the members of a bloc "
        "of sim/data/blocs.csv (e.g. bloc:iomed, IOMed's founding signatories)",
    )  # fmt: skip
    score.add_argument(
        "--framework",
        help="framework scored (default: the observation's, or the one a file's 'framework' column "
        "names, else waico)",
    )
    score.add_argument(
        "--step", type=int,
        help="step scored (default: the observation's, or the latest of a file's 'step' or 'date' "
        "column, else 12)",
    )  # fmt: skip
    score.add_argument(
        "--seeds", type=int, default=50,
        help="runs, seeds spawned from the scenario's (default: %(default)s; per-country "
        "frequencies from fewer runs are coarse); over a posterior (the scenario's own, or --posterior), "
        "every seed runs under each draw",
    )
    add_posterior_options(score)
    score.add_argument(
        "--estimator", choices=ESTIMATORS, default=ESTIMATORS[0],
        help="rao-blackwell: mean over runs of each country's membership probability given the run's "
        "state a step before (orders countries no run moves); frequency: share of runs holding it "
        "(default: %(default)s)",
    )  # fmt: skip
    score.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    score.set_defaults(handler=run_score)


def run_score(args: argparse.Namespace) -> int:
    """Handle ``coalsim score``.

    Args:
        args: Parsed arguments: ``scenario``, ``observed``, ``framework``, ``step``,
            ``seeds``, ``posterior``, ``draws``, ``estimator``, ``json``.

    Returns:
        0 (the scores are printed; with ``--json`` one object that also records ``seeds``,
        ``draws`` (0 without ``--posterior``) and ``posterior``: its folder, the seed of
        the draws and every drawn parameter set, or ``null``).

    Raises:
        InputError: For a bad scenario, observed file or id, framework, step, seed count,
            posterior folder or number of draws.

    """
    import json

    from sim.analysis.scoring import report_lines, scenario_inputs, score
    from sim.cli.scenarios import posterior_draws
    from sim.observations import load_observations
    from sim.scenario import load_scenario
    from sim.schema import MAX_STEPS, check_runs
    from sim.world import World

    check_runs(args.seeds, "command line", "--seeds")
    scenario = load_scenario(args.scenario)
    observations = load_observations()
    members, framework, step, where, observed_id = _observed(args, observations)
    frameworks = list(scenario.active_frameworks)
    if framework not in frameworks:
        raise InputError(
            "command line", "--framework", f"one of the scenario's frameworks ({', '.join(frameworks)})",
            repr(framework), did_you_mean(framework, frameworks),
        )  # fmt: skip
    if not 1 <= step <= MAX_STEPS:
        hint = "Pass --step to score an observation dated at step 0 at a later step." if step < 1 else ""
        expected = f"a step from 1 (step 0 is the starting state) to {MAX_STEPS:,}"
        raise InputError("command line", "--step", expected, str(step), hint)
    # A recorded list may be the scenario's own input (declared support): not forecast from itself.
    exclude = scenario_inputs(scenario, World.load(), members, framework, step) if observed_id else []
    posterior = posterior_draws(args, scenario, scenario.seed)
    draws = None if posterior is None else posterior["parameters"]
    result = score(
        scenario, members, framework, step,
        seeds=args.seeds, draws=draws, observations=observations, where=where, estimator=args.estimator,
        exclude=exclude,
    )  # fmt: skip
    if args.json:
        runs = {"seeds": args.seeds, "draws": 0 if draws is None else len(draws), "posterior": posterior}
        print(json.dumps({**result.to_dict(), **runs}))
    else:
        over = (
            []
            if posterior is None
            else [f"Model probabilities over {args.seeds} seeds x {len(draws)} posterior draws from "
                  f"{posterior['folder']} ({args.seeds * len(draws)} runs).", ""]
        )  # fmt: skip
        print("\n".join([*over, *report_lines(result)]))
    return 0


def _framework_or_waico(args: argparse.Namespace) -> str:
    """``--framework`` as given (an empty one is refused later, not read as waico), else waico."""
    return "waico" if args.framework is None else args.framework


def _observed(
    args: argparse.Namespace, observations: pd.DataFrame
) -> tuple[list[str], str, int, str, bool]:
    """Members, framework, step, source name and whether it is an observation id, from ``--observed``."""
    from sim.observations import POSITIVE_KINDS, load_member_list

    path = Path(args.observed)
    default_step = 12 if args.step is None else args.step
    if args.observed.startswith("bloc:") and not path.is_file():
        return _bloc_members(args), _framework_or_waico(args), default_step, args.observed, False
    if path.is_file():
        listed = load_member_list(path, args.framework)
        framework = args.framework if args.framework is not None else listed.framework or "waico"
        step = listed.step if args.step is None and listed.step is not None else default_step
        return listed.codes, framework, step, str(path), False
    ids = sorted(observations["observation_id"].unique())
    if args.observed not in ids:
        raise InputError(
            "command line", "--observed",
            "a CSV file with an 'iso3' column, or an observation id from sim/data/observations.csv",
            repr(args.observed), did_you_mean(args.observed, ids),
        )  # fmt: skip
    rows = observations[observations["observation_id"] == args.observed]
    named = rows[rows["kind"].isin(POSITIVE_KINDS)]
    if named.empty:
        raise InputError(
            "command line", "--observed",
            f"an observation naming members or supporters ({', '.join(POSITIVE_KINDS)})",
            f"'{args.observed}', whose rows are {', '.join(sorted(rows['kind'].unique()))}",
            "Counts are reported with every score of their framework and step.",
        )  # fmt: skip
    framework = rows["framework"].iloc[0]
    if args.framework is not None and args.framework != framework:
        raise InputError("command line", "--framework", f"'{framework}', the framework of '{args.observed}'",
                         repr(args.framework))  # fmt: skip
    step = int(named["step"].max()) if args.step is None else args.step
    return named["iso3"].tolist(), framework, step, f"observation '{args.observed}'", True


def _bloc_members(args: argparse.Namespace) -> list[str]:
    """The members of the bloc ``--observed bloc:ID`` names (sim/data/blocs.csv)."""
    from sim.world import World

    world = World.load()
    bloc = args.observed.removeprefix("bloc:")
    if bloc not in world.blocs.columns:
        blocs = sorted(world.blocs.columns)
        raise InputError("command line", "--observed", f"bloc:ID with one of the blocs {', '.join(blocs)}",
                         repr(args.observed), did_you_mean(bloc, blocs))  # fmt: skip
    return world.iso3[world.blocs[bloc].to_numpy()].tolist()

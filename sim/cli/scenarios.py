"""``coalsim run``, ``validate``, ``list`` and ``params``: one scenario at a time."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli import file_path, shown, writing_to
from sim.errors import InputError, did_you_mean

if TYPE_CHECKING:
    from sim.scenario import Scenario

#: Posterior draws ``--posterior`` takes when ``--draws`` is not given.
DEFAULT_DRAWS = 20


def load_with_overrides(path: str, overrides: Sequence[str]):
    """Load a scenario, blaming ``--set`` (not the file) for errors the overrides cause.

    The file is loaded first without the overrides, so that its own mistakes name the
    file; an error that appears only with the overrides names ``--set``.

    Args:
        path: The scenario file.
        overrides: The ``--set`` values as typed.

    Returns:
        The scenario with the overrides applied.

    Raises:
        InputError: Naming the file, or ``--set`` and the override.

    """
    from sim.scenario import load_scenario

    scenario = load_scenario(path)
    if not overrides:
        return scenario
    try:
        return load_scenario(path, overrides=overrides)
    except InputError as exc:
        field = "--set" if exc.field in ("", "overrides") else f"--set {exc.field}"
        raise InputError("command line", field, exc.expected, exc.found, _without_marks(exc.hint)) from None


def _without_marks(text: str) -> str:
    """A YAML error's context and problem, without the lines that point into the value."""
    lines = [line.strip() for line in text.splitlines() if line[:1].strip() and not line.startswith("in ")]
    return "; ".join(lines)


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.atomic import check_output_folder
    from sim.results import RESULT_FILES
    from sim.schema import check_runs, check_steps
    from sim.viz.summary import HEADLINE_FILES, headline_files, run_replications, summary_text

    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    check_output_folder(out, "run", sources=[args.scenario], given_as="--out")
    scenario = load_with_overrides(args.scenario, args.set)
    if args.steps is not None:
        check_steps(args.steps, "command line", "--steps")
    check_runs(args.seeds, "command line", "--seeds")
    first = scenario.seed if args.seed is None else args.seed
    posterior = posterior_draws(args, scenario, first)
    reps = run_replications(scenario, args.seeds, seed=first, steps=args.steps, posterior=posterior)
    result = reps.runs[0]
    with writing_to(out):
        result.save(out, extras=headline_files(reps))
    print(summary_text(reps))
    runs = "its headlines" if len(reps.runs) == 1 else f"headlines of all {len(reps.runs)} runs"
    print(f"\nResults of seed {result.metadata['seed']} and {runs} "
          f"in {shown(out)}/ ({', '.join([*RESULT_FILES, *HEADLINE_FILES])})")  # fmt: skip
    return 0


def posterior_draws(args: argparse.Namespace, scenario: Scenario, seed: int) -> dict[str, Any] | None:
    """The posterior draws to run over (see :func:`sim.analysis.abc.load_draws`).

    ``--posterior DIR`` names a calibration folder; without it, the folder the scenario
    names (its ``posterior`` field) is used, unless ``--point`` asks for the scenario's own
    values. A scenario's own posterior must be centred on the values the file sets
    (:meth:`sim.analysis.abc.Posterior.check_point`): its draws would replace them.

    Args:
        args: Parsed arguments with ``posterior`` (a folder or ``None``), ``point``,
            ``draws`` (``None`` when not given) and, for ``run``, ``set`` (the ``--set``
            values).
        scenario: The scenario the draws override.
        seed: Seeds the draws.

    Returns:
        ``None`` when there is no posterior to run over (or ``--point``); else the
        provenance ``run_replications`` and ``coalsim score`` take: ``folder``,
        ``draw_seed`` and ``parameters`` (one mapping per draw).

    Raises:
        InputError: For ``--point`` with ``--posterior`` or ``--draws``, ``--draws`` without
            a posterior or out of range, ``--seeds`` times ``--draws`` above
            :data:`sim.schema.MAX_RUNS_IN_MEMORY`, a posterior folder that is not one of this
            scenario (or, for its own, not centred on its values), or a ``--set`` of a
            parameter the draws would replace.

    """
    from sim.analysis.abc import load_draws
    from sim.schema import MAX_RUNS_IN_MEMORY, check_runs, check_whole

    if args.point:
        for option, value in (("--posterior", args.posterior), ("--draws", args.draws)):
            if value is not None:
                found = f"{option} {value}"
                hint = "--point runs the values the scenario file sets."
                raise InputError("command line", option, "no posterior options with --point", found, hint)
        return None
    declared = args.posterior is None
    folder = scenario.posterior_folder() if declared else args.posterior
    if folder is None:
        if args.draws is not None:
            raise InputError("command line", "--draws", "--posterior DIR to draw from", "--draws alone",
                             f"{scenario.source} names no posterior of its own ('posterior').")  # fmt: skip
        return None
    draws = check_whole(DEFAULT_DRAWS if args.draws is None else args.draws, 1, MAX_RUNS_IN_MEMORY,
                        "command line", "--draws")  # fmt: skip
    check_runs(args.seeds, "command line", "--seeds", draws)
    try:
        posterior, parameters = load_draws(folder, scenario, draws, seed)
    except InputError as exc:
        if not declared:
            raise
        hint = f"{scenario.source} names this posterior (its 'posterior' field); --point runs without it."
        hint = f"{exc.hint} {hint}".strip()
        raise InputError(exc.where, exc.field, exc.expected, exc.found, hint) from None
    for item in getattr(args, "set", ()):
        path = item.split("=", 1)[0].strip()
        if path in posterior.paths:
            run_it = "--point" if declared else "no --posterior"
            raise InputError(
                "command line", f"--set {path}", "a parameter the posterior does not draw",
                f"'{item}', which every draw of the posterior in {folder} would replace",
                f"Leave out --set for it, or use {run_it} to run the value you set.",
            )  # fmt: skip
    if declared:
        posterior.check_point(scenario, scenario.source, str(folder))
    return {"folder": str(folder), "draw_seed": seed, "parameters": parameters}


def add_posterior_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--posterior DIR``, ``--draws K`` and ``--point`` to a command that runs seeds."""
    parser.add_argument("--posterior", type=file_path, metavar="DIR",
                        help="also vary the calibrated parameters: run the seeds under K parameter sets "
                             "drawn by weight (reproducibly, seeded) from this coalsim calibrate folder "
                             "(default: the folder the scenario names in its 'posterior' field, e.g. "
                             "the baseline's scenarios/calibration/baseline_posterior)")  # fmt: skip
    parser.add_argument("--draws", type=int, metavar="K",
                        help=f"posterior draws (default: {DEFAULT_DRAWS})")  # fmt: skip
    parser.add_argument("--point", action="store_true",
                        help="run only the values the scenario file sets (its calibrated point), not "
                             "over its posterior: narrower intervals that leave out what the "
                             "calibration could not pin down")  # fmt: skip


#: Keys that only a calibration, optimisation or sweep spec has (a scenario file has none of them).
SPEC_KEYS = {
    "calibration": {"priors", "targets"},
    "optimisation": {"cost", "goal", "reliability"},
    "sweep": {"scenario", "design", "parameters", "uncertainties", "levers", "policies", "samples"},
}


def file_kind(path: str) -> str:
    """What a YAML file to validate holds, from its top-level keys: a scenario, unless a spec's keys say so.

    Args:
        path: The file.

    Returns:
        ``"calibration"``, ``"optimisation"``, ``"sweep"`` or ``"scenario"`` (also for a
        file that cannot be read, so that the scenario loader names what is wrong).

    """
    from sim.files import read_yaml_mapping

    try:
        _, raw = read_yaml_mapping(Path(path), "YAML file", "fields")
    except InputError:
        return "scenario"
    return next((kind for kind, keys in SPEC_KEYS.items() if keys & raw.keys()), "scenario")


def _validated(path: str) -> str:
    """Check one file as what it is, and describe it in a few words."""
    kind = file_kind(path)
    if kind == "calibration":
        from sim.analysis.abc import load_calibration_spec

        spec = load_calibration_spec(path)
        return (f"calibration spec of {spec.scenario.name}: {len(spec.priors)} priors, "
                f"{len(spec.targets)} targets")  # fmt: skip
    if kind == "optimisation":
        from sim.analysis.optimize import load_problem

        problem = load_problem(path)
        return (f"optimisation spec {problem.spec.name or Path(path).stem} of {problem.scenario.name}: "
                f"{len(problem.levers)} levers, goal {problem.outcome.name} {problem.spec.goal}")  # fmt: skip
    if kind == "sweep":
        from sim.experiment.spec import load_experiment

        experiment = load_experiment(path)
        return (f"sweep spec {experiment.name} of {experiment.scenario.name}: {experiment.spec.design} "
                f"design, {len(experiment.parameter_names)} parameters, {experiment.spec.replications} "
                "replications per point")  # fmt: skip
    from sim.analysis.abc import Posterior
    from sim.scenario import load_scenario

    scenario = load_scenario(path)
    described = (f"{scenario.name}: {len(scenario.active_frameworks)} frameworks, {scenario.steps} steps, "
                 f"{len(scenario.events)} events")  # fmt: skip
    folder = scenario.posterior_folder()
    if folder is None:
        return described
    posterior = Posterior.load(folder)
    posterior.check_point(scenario, scenario.source, str(folder))
    return f"{described}, centred on its posterior in {folder} ({len(posterior.paths)} parameters)"


def _cmd_validate(args: argparse.Namespace) -> int:
    for path in args.files:
        print(f"{path}: valid ({_validated(path)})")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from sim.scenario import SCENARIOS_ENV, load_scenario, scenarios_folder

    folder = scenarios_folder() if args.scenarios is None else Path(args.scenarios)
    files = [path for path in sorted(folder.glob("*.yaml")) if file_kind(str(path)) == "scenario"]
    if not files:
        state = "which has no scenario files" if folder.is_dir() else "which does not exist"
        hint = "" if args.scenarios is not None else (
            f"The default is the project's scenarios/ folder (or ${SCENARIOS_ENV}); outside the project, "
            "name a folder of scenario files with --scenarios FOLDER."
        )  # fmt: skip
        raise InputError("command line", "--scenarios", "a folder of scenario files (*.yaml)",
                         f"'{folder}', {state}", hint)  # fmt: skip
    for path in files:
        scenario = load_scenario(path)
        print(f"{path.name:36s} {scenario.question}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    scenario = load_with_overrides(args.scenario, args.set)
    lines = [
        f"{path} = {value!r}" if isinstance(value, str) else f"{path} = {value}"
        for path, value in scenario.parameters().items()
    ]
    if args.grep is not None:
        found = [line for line in lines if args.grep.lower() in line.lower()]
        if not found:
            words = {word for line in lines for word in line.split(" = ")[0].split(".")}
            raise InputError("command line", "--grep", f"text in one of the {len(lines)} parameter lines",
                             repr(args.grep), did_you_mean(args.grep, words))  # fmt: skip
        lines = found
    print("\n".join(lines))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``run``, ``validate``, ``list`` and ``params`` to the ``coalsim`` subcommands.

    Args:
        commands: The subparsers object of the ``coalsim`` parser.

    """
    run = commands.add_parser("run", help="run one scenario and write its results and a plot")
    run.add_argument("scenario", type=file_path, help="scenario YAML file, e.g. scenarios/baseline.yaml")
    run.add_argument("--seed", type=int, help="first random seed (default: the scenario's seed)")
    run.add_argument("--seeds", type=int, default=10, metavar="N",
                     help="run N seeds (seed, seed+1, ...) for the headline intervals; "
                          "the first seed's run is saved in full (default: 10)")  # fmt: skip
    run.add_argument("--steps", type=int, help="number of steps (default: the scenario's steps)")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="override a parameter, e.g. --set rule.temperature=0.2 (repeatable)")  # fmt: skip
    run.add_argument("--out", type=file_path, help="output folder (default: results/<scenario name>)")
    add_posterior_options(run)
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser(
        "validate",
        help="check scenario files and sweep, optimisation or calibration specs without running them",
        description="Check each file as what its fields say it is: a scenario, a sweep spec (coalsim sweep), "
        "an optimisation spec (coalsim optimize) or a calibration spec (coalsim calibrate), with the "
        "scenario it names.",
    )
    validate.add_argument("files", type=file_path, nargs="+", help="scenario or spec YAML files")
    validate.set_defaults(handler=_cmd_validate)

    listing = commands.add_parser("list", help="list the scenarios and the question each asks")
    listing.add_argument("--scenarios", type=file_path, metavar="FOLDER", deprecated_names=["--folder"],
                         help="folder of scenario files (default: the project's scenarios/, "
                              "or $COALSIM_SCENARIOS)")  # fmt: skip
    listing.set_defaults(handler=_cmd_list)

    params = commands.add_parser("params", help="print every tunable parameter as path = value")
    params.add_argument("scenario", type=file_path, help="scenario YAML file")
    params.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="override a parameter first (repeatable)")  # fmt: skip
    params.add_argument("--grep", metavar="TEXT",
                        help="only the lines holding TEXT (any case), e.g. --grep waico.levers")  # fmt: skip
    params.set_defaults(handler=_cmd_params)

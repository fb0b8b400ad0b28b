"""``coalsim what-it-takes``: the smallest offer that wins a country, or what a budget buys.

Without ``--budget`` the command
answers "what would it take for COUNTRY to join FRAMEWORK and stay?"
(:func:`sim.analysis.what_it_takes.what_it_takes`); with ``--budget B ...`` it answers
"what membership does FRAMEWORK's sponsor reach for each budget?"
(:func:`sim.analysis.what_it_takes.budget_curve`). Every argument is checked before any
run; the tables (CSV), ``answer.json`` (the question and the headline numbers, read back
by :func:`sim.analysis.answers.load_answer` and ``coalsim report --answers``) and, in
budget mode, the figure (PNG) are written to ``--out`` atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import file_path, shown, writing_to
from sim.errors import InputError

#: Where results go without ``--out``: results/<scenario stem>_<framework>_what_it_takes.
RESULTS_DIR = Path("results")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``what-it-takes`` subcommand to the ``coalsim`` parser.

    Args:
        commands: The subparsers object of ``coalsim``.

    """
    parser = commands.add_parser(
        "what-it-takes",
        help="the smallest offer that makes a country join and stay, or what a sponsor's budget buys",
        description="Without --budget: bisect, seed by seed, the smallest permanent offer (in utility units "
        "and in units of each lever) that makes --country a member of --framework at each of the last --stay "
        "steps, and report it with its spread across seeds. With --budget: run the framework's sponsor with "
        "the greedy strategy at each budget and report the members and shares it reaches (median and 5-95% "
        "across seeds), as a table and a figure.",
    )
    parser.add_argument(
        "scenario", type=file_path,
        help="scenario YAML file, e.g. scenarios/courting_and_counter.yaml"
    )
    parser.add_argument("--framework", required=True, help="framework id, e.g. waico")
    parser.add_argument("--country", help="ISO3 code (required without --budget), e.g. IND")
    parser.add_argument("--budget", type=float, nargs="+", metavar="B",
                        help="budgets to try (budget mode; at most 100), e.g. --budget 0 1 2 4")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=8, help="replications (default: %(default)s)")
    parser.add_argument("--seed", type=int, help="root seed of the replications (default: the scenario's)")
    parser.add_argument("--steps", type=int, help="steps per run (default: the scenario's)")
    parser.add_argument("--share", type=float, default=0.5,
                        help="share of seeds the offer must win (default: %(default)s)")  # fmt: skip
    parser.add_argument("--stay", type=int, default=12,
                        help="the country must hold the framework at each of the last N steps "
                        "(default: %(default)s)")  # fmt: skip
    parser.add_argument(
        "--out", type=file_path,
        help="output folder (default: results/<scenario>_<framework>_what_it_takes)"
    )
    parser.set_defaults(handler=run_what_it_takes, flags={"budgets": "--budget"})


def run_what_it_takes(args: argparse.Namespace) -> int:
    """Handle ``coalsim what-it-takes``.

    Args:
        args: Parsed arguments (see :func:`register`).

    Returns:
        0 when the answer was printed and written.

    Raises:
        InputError: For a bad scenario, country, framework, number or output folder.

    """
    from sim.analysis.answers import ANSWER_KIND, BUDGET_FIGURE, save_answer
    from sim.analysis.what_it_takes import budget_curve, what_it_takes
    from sim.atomic import check_output_folder
    from sim.scenario import load_scenario
    from sim.viz.plots import budget_curve_figure
    from sim.viz.style import png_bytes

    out = (
        Path(args.out)
        if args.out
        else RESULTS_DIR / f"{Path(args.scenario).stem}_{args.framework}_what_it_takes"
    )
    check_output_folder(out, ANSWER_KIND, sources=[args.scenario], given_as="--out")
    scenario = load_scenario(args.scenario)
    if args.budget is None:
        if args.country is None:
            raise InputError("command line", "--country", "an ISO3 code (or --budget B ... for budget mode)",
                             "nothing")  # fmt: skip
        answer = what_it_takes(
            scenario, args.country, args.framework, seeds=args.seeds, seed=args.seed, steps=args.steps,
            share=args.share, stay=args.stay,
        )  # fmt: skip
        print(answer.report())
        figures = {}
    else:
        answer = budget_curve(
            scenario, args.framework, args.budget, country=args.country, seeds=args.seeds, seed=args.seed,
            steps=args.steps,
        )  # fmt: skip
        print(answer.summary().T.to_string(float_format=lambda v: f"{v:.3g}"))
        figures = {BUDGET_FIGURE: png_bytes(budget_curve_figure(answer))}
    with writing_to(out):
        save_answer(answer, scenario, out, sources=[args.scenario], figures=figures)
    names = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    print(f"\nAnswer in {shown(out)}/ ({', '.join(names)}); add it to a report with: "
          f"coalsim report RUN_DIR... --answers {out} --out report.html")  # fmt: skip
    return 0

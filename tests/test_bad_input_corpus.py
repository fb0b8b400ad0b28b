"""The bad-input corpus: every case exits 2 with one line naming where, and writes nothing.

Scenario-file cases live in ``tests/test_cli.py`` (BAD_SCENARIOS and the tests after it);
this corpus covers sweep specs and the command-line arguments of every subcommand. Each
case runs the real CLI entry point in-process and checks the contract: exit status 2, a
single ``coalsim:`` line on stderr that names the file or the argument, no traceback, and
no new file anywhere under the case's working folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from coalsim_testing import SCENARIOS

from sim.cli import build_parser, main

BASELINE = str(SCENARIOS / "baseline.yaml")
SPEC_HEAD = f"scenario: {BASELINE}\nseed: 1\n"

#: Sweep specs: (file text, text the message must contain).
BAD_SPECS = {
    "malformed yaml": ("scenario: [unclosed\n", "valid YAML"),
    "empty file": ("", "spec.yaml"),
    "a list": ("- 1\n- 2\n", "spec.yaml"),
    "unknown key": (SPEC_HEAD + "desgin: grid\nparameters: {}\n", "Did you mean 'design'?"),
    "unknown design": (SPEC_HEAD + "design: fractal\nparameters: {}\n", "design"),
    "missing scenario": ("seed: 1\ndesign: grid\nparameters: {}\n", "scenario"),
    "scenario not found": ("scenario: nowhere.yaml\nseed: 1\ndesign: grid\nparameters: {}\n", "nowhere.yaml"),
    "unknown parameter path": (SPEC_HEAD + "design: grid\nparameters:\n  rule.temprature: {values: [0.1]}\n",
                               "temprature"),
    "low above high": (SPEC_HEAD + "design: lhs\nsamples: 4\nparameters:\n"
                       "  rule.temperature: {low: 0.5, high: 0.1}\n", "rule.temperature"),
    "value the scenario rejects": (SPEC_HEAD + "design: grid\nparameters:\n"
                                   "  rule.activation_rate: {values: [0.5, 1.5]}\n", "activation_rate"),
    "zero replications": (SPEC_HEAD + "design: grid\nreplications: 0\nparameters: {}\n", "replications"),
    "negative seed": (f"scenario: {BASELINE}\nseed: -3\ndesign: grid\nparameters: {{}}\n", "seed"),
    "samples as text": (SPEC_HEAD + "design: random\nsamples: many\nparameters:\n"
                        "  rule.temperature: {low: 0.1, high: 0.5}\n", "samples"),
    "range without high": (SPEC_HEAD + "design: lhs\nsamples: 4\nparameters:\n"
                           "  rule.temperature: {low: 0.1}\n", "rule.temperature"),
    "name with a path": ("name: ../out\n" + SPEC_HEAD + "design: grid\nparameters: {}\n", "name"),
    # '²' is a digit to str.isdigit but not to int(): read as a list index, it was a ValueError
    "a superscript list index": (SPEC_HEAD + "design: grid\nparameters:\n  events.².step: {values: [1]}\n",
                                 "events.²"),
}


def contract(argv: list[str], expected: str, folder: Path, capsys) -> None:
    before = {p for p in folder.rglob("*")}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert expected in err, err
    assert {p for p in folder.rglob("*")} == before, "bad input must write nothing"


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_sweep_spec(case, tmp_path, capsys, monkeypatch):
    text, expected = BAD_SPECS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    contract(["sweep", str(spec), "--quiet", "--out", str(tmp_path / "store")], expected, tmp_path, capsys)


def good_spec(tmp_path: Path) -> str:
    spec = tmp_path / "good.yaml"
    spec.write_text(SPEC_HEAD + "design: grid\nreplications: 1\nparameters: {}\n", encoding="utf-8")
    return str(spec)


def a_file(tmp_path: Path) -> str:
    path = tmp_path / "plain.txt"
    path.write_text("not a folder", encoding="utf-8")
    return str(path)


#: Command lines: (builder of argv from tmp_path, text the message must contain; TMP
#: stands for the case's temporary folder).
BAD_ARGUMENTS = {
    "run: no such scenario": (lambda t: ["run", str(t / "absent.yaml")], "absent.yaml"),
    "run: seed not a number": (lambda t: ["run", BASELINE, "--seed", "abc"], "--seed"),
    "run: unknown option": (lambda t: ["run", BASELINE, "--sed", "3"], "--sed"),
    "run: out is a file": (lambda t: ["run", BASELINE, "--out", a_file(t)], "--out"),
    "run: bad --set value": (lambda t: ["run", BASELINE, "--set", "rule.kind=majority"], "rule.kind"),
    "run: --set into a scalar": (lambda t: ["run", BASELINE, "--set", "steps.x=1"], "steps"),
    "validate: no files": (lambda t: ["validate"], "validate"),
    "list: empty folder": (lambda t: ["list", "--scenarios", str(t)], "TMP"),
    "params: no such scenario": (lambda t: ["params", str(t / "absent.yaml")], "absent.yaml"),
    "unknown subcommand": (lambda t: ["runn"], "runn"),
    "sweep: no such spec": (lambda t: ["sweep", str(t / "absent.yaml"), "--quiet"], "absent.yaml"),
    "sweep: unknown executor": (lambda t: ["sweep", good_spec(t), "--executor", "gpu"], "--executor"),
    "sweep: zero workers": (lambda t: ["sweep", good_spec(t), "--workers", "0", "--quiet",
                                       "--out", str(t / "s")], "--workers"),
    "sweep: out is a file": (lambda t: ["sweep", good_spec(t), "--quiet", "--out", a_file(t)], "plain.txt"),
    "sensitivity: not a store": (lambda t: ["sensitivity", str(t), "--outcome", "final_share_gdp:waico"],
                                 "TMP"),
    "tipping: unknown parameter": (lambda t: ["tipping", BASELINE, "--param", "rule.temprature",
                                              "--outcome", "final_share_gdp:waico", "--level", "0.5"],
                                   "temprature"),
    "tipping: unknown outcome": (lambda t: ["tipping", BASELINE, "--param", "rule.temperature",
                                            "--outcome", "final_share_gdp:waicoo", "--level", "0.5"],
                                 "waicoo"),
    "plot: not a run folder": (lambda t: ["plot", str(t)], "TMP"),
    "compare: not run folders": (lambda t: ["compare", str(t), "--out", str(t / "cmp")], "TMP"),
    "report: not run folders": (lambda t: ["report", str(t), "--out", str(t / "r.html")], "TMP"),
    "what-it-takes: unknown country": (lambda t: ["what-it-takes", BASELINE, "--country", "XXX",
                                                  "--framework", "waico", "--out", str(t / "w")], "XXX"),
    "what-it-takes: unknown framework": (lambda t: ["what-it-takes", BASELINE, "--country", "IND",
                                                    "--framework", "wai", "--out", str(t / "w")], "wai"),
    "what-it-takes: negative budget": (lambda t: ["what-it-takes", str(SCENARIOS / "waico_courting.yaml"),
                                                  "--framework", "waico", "--budget", "-1",
                                                  "--out", str(t / "w")], "budget"),
    # 1,001 budgets x 8 seeds ran for over five minutes: nothing bounded how many (audit round 4)
    "what-it-takes: a thousand budgets": (
        lambda t: ["what-it-takes", str(SCENARIOS / "waico_courting.yaml"), "--framework", "waico",
                   "--budget", *map(str, range(1001)), "--out", str(t / "w")], "at most 100 different"),
    "what-it-takes: budgets times seeds": (
        lambda t: ["what-it-takes", str(SCENARIOS / "waico_courting.yaml"), "--framework", "waico", "--seeds",
                   "5000", "--budget", "0", "1", "2", "--out", str(t / "w")], "at most 10,000 runs in all"),
    "calibrate: one fold": (lambda t: ["calibrate", "--method", "logit", "--scenario", BASELINE,
                                       "--folds", "1", "--out", str(t / "c.yaml")], "--folds"),
    "calibrate: no such scenario": (lambda t: ["calibrate", "--method", "logit", "--scenario",
                                               str(t / "absent.yaml"), "--out", str(t / "c.yaml")],
                                    "absent.yaml"),
    "app: port out of range": (lambda t: ["app", "--port", "99999"], "--port"),
    "discover: not a store": (lambda t: ["discover", str(t), "--outcome", "final_share_gdp:waico",
                                         "--above", "0.5"], "TMP"),
    "robustness: no comparison": (lambda t: ["robustness", str(t), "--outcome", "final_share_gdp:waico",
                                             "--goal", "0.5"], "--goal"),
    "optimize: no such spec": (lambda t: ["optimize", str(t / "absent.yaml")], "absent.yaml"),
}


#: ``--set`` overrides the file's values: every error they cause names ``--set``, in one line.
BAD_SETS = {
    "a Python-tagged YAML value": "x=!!python/object:os.system",
    "a Python-tagged value at a real path": "rule.temperature=!!python/name:os.system",
    "malformed YAML": "rule=[1",
    "an unknown key": "rule.temprature=0.2",
    "a value the schema rejects": "rule.temperature=-1",
    "text for a number": "rule.temperature=abc",
    "a non-finite number": "rule.temperature=.nan",
    "no '='": "rule.temperature",
    "no path": "=0.2",
    "into a scalar": "steps.x=1",
    "a superscript list index": "events.².step=3",
}
for _command in ("run", "params"):
    for _case, _text in BAD_SETS.items():
        BAD_ARGUMENTS[f"{_command}: --set with {_case}"] = (
            lambda t, c=_command, x=_text: [c, BASELINE, "--set", x], "--set"
        )

#: Counts that fit in 64 bits but not in memory or time: each is refused before any run.
TRILLION = str(10**12)
CALIBRATION_SPEC = str(SCENARIOS / "calibration" / "baseline.yaml")
BAD_ARGUMENTS |= {
    "run: a trillion seeds": (lambda t: ["run", BASELINE, "--seeds", TRILLION], "--seeds"),
    "score: a trillion seeds": (lambda t: [*MINIMAL_ARGV["score"](t), "--seeds", TRILLION], "--seeds"),
    "score: a step beyond the longest run": (lambda t: [*MINIMAL_ARGV["score"](t), "--step", TRILLION],
                                             "--step"),
    "what-it-takes: a trillion seeds": (lambda t: [*MINIMAL_ARGV["what-it-takes"](t), "--seeds", TRILLION],
                                        "--seeds"),
    "tipping: a trillion seeds": (lambda t: [*MINIMAL_ARGV["tipping"](t), "--seeds", TRILLION], "--seeds"),
    "sweep: a trillion workers": (lambda t: [*MINIMAL_ARGV["sweep"](t), "--executor", "processes",
                                             "--workers", TRILLION], "--workers"),
    "calibrate: a trillion workers": (lambda t: ["calibrate", CALIBRATION_SPEC, "--workers", TRILLION],
                                      "--workers"),
}  # fmt: skip

BAD_ARGUMENTS["what-it-takes: a country that may never hold the framework"] = (
    lambda t: ["what-it-takes", BASELINE, "--country", "USA", "--framework", "waico", "--seeds", "1",
               "--steps", "13", "--stay", "1", "--out", str(t / "w")],
    "USA may not hold",
)  # fmt: skip

#: The smallest command line of each subcommand, to which one bad option is added.
MINIMAL_ARGV = {
    "run": lambda t: ["run", BASELINE, "--steps", "2"],
    "validate": lambda t: ["validate", BASELINE],
    "list": lambda t: ["list"],
    "params": lambda t: ["params", BASELINE],
    "sweep": lambda t: ["sweep", good_spec(t), "--quiet"],
    "sensitivity": lambda t: ["sensitivity", str(t), "--outcome", "final_share_gdp:waico"],
    "tipping": lambda t: ["tipping", BASELINE, "--param", "rule.temperature", "--outcome",
                          "final_share_gdp:waico", "--level", "0.5", "--low", "0.1", "--steps", "2"],
    "plot": lambda t: ["plot", str(t)],
    "compare": lambda t: ["compare", str(t)],
    "report": lambda t: ["report", str(t)],
    "what-it-takes": lambda t: ["what-it-takes", BASELINE, "--framework", "waico", "--country", "IND"],
    "calibrate": lambda t: ["calibrate", "--method", "logit", "--scenario", BASELINE],
    "app": lambda t: ["app"],
    "check": lambda t: ["check", str(t)],
    "score": lambda t: ["score", BASELINE, "--observed", "brics_rio_ai_2025", "--step", "12", "--seeds", "2"],
    "discover": lambda t: ["discover", str(t), "--outcome", "final_share_gdp:waico", "--above", "0.5"],
    "robustness": lambda t: ["robustness", str(t), "--outcome", "final_share_gdp:waico", "--goal", ">= 0.5"],
    "optimize": lambda t: ["optimize", str(SCENARIOS / "optimize" / "us_offer.yaml")],
}  # fmt: skip


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def users_folder(t: Path) -> str:
    folder = t / "mine"
    folder.mkdir(exist_ok=True)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    return str(folder)


def option_cases() -> dict[str, tuple]:
    """Bad values for every option of a class, found by walking the parser (new options included).

    Every ``type=float`` option gets NaN, infinities and an overflow; every ``--seed`` a
    negative and a too-large seed; every other ``type=int`` option (counts, steps, ports) a
    number too large for any count, which must not reach numpy; every ``--out`` a folder and
    a file holding a user's data.
    """
    cases = {}
    for name, sub in subcommands().items():
        for action in sub._actions:
            flag = action.option_strings[-1] if action.option_strings else ""
            if action.type is float:
                bad = ["nan", "inf", "-inf", "1e999"]
            elif "--seed" in action.option_strings:
                bad = ["-1", str(2**63)]
            elif action.type is int:
                bad = [str(10**30)]
            elif action.dest == "out":
                bad = [users_folder, a_file]
            else:
                continue
            for value in bad:
                label = value if isinstance(value, str) else value.__name__
                cases[f"{name}: {flag} {label}"] = (
                    lambda t, n=name, f=flag, v=value: [*MINIMAL_ARGV[n](t), f, v(t) if callable(v) else v],
                    flag,
                )  # fmt: skip
    return cases


OPTION_CASES = option_cases()


def test_every_subcommand_has_a_minimal_command_line():
    assert set(subcommands()) <= set(MINIMAL_ARGV), "add the new subcommand to MINIMAL_ARGV"


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_bad_option_of_a_class(case, tmp_path, capsys, monkeypatch):
    check_command_line(OPTION_CASES[case], tmp_path, capsys, monkeypatch)


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_command_line(case, tmp_path, capsys, monkeypatch):
    check_command_line(BAD_ARGUMENTS[case], tmp_path, capsys, monkeypatch)


def check_command_line(case: tuple, tmp_path: Path, capsys, monkeypatch) -> None:
    build, expected = case
    argv, expected = build(tmp_path), expected.replace("TMP", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    try:
        contract(argv, expected, tmp_path, capsys)
    except SystemExit as exit_:  # argparse's own errors exit through our parser's error()
        assert exit_.code == 2
        err = capsys.readouterr().err
        assert err.startswith("coalsim:") and expected in err and "Traceback" not in err


def test_the_corpus_is_at_least_forty_cases():
    from test_cli import BAD_SCENARIOS

    assert len(BAD_SPECS) + len(BAD_ARGUMENTS) + len(BAD_SCENARIOS) >= 40

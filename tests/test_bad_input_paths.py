"""Paths the system cannot use, given anywhere a command takes a file or folder.

A third hostile-input audit found that ``--out ''`` silently meant the default folder
(and replaced an earlier result there), that a name longer than the system takes ended in
an ``OSError`` traceback from whichever ``Path.exists`` met it first, that an output name
just short of that limit failed later, when its hidden staging sibling was named, and that
a symlink loop given as a scenario folder ended in a ``RuntimeError``. Each class is tested
over every argument the parser marks as a path, found by walking the parser, so a new
command's paths are covered too.
"""

from __future__ import annotations

import argparse
import errno
from pathlib import Path

import pytest
from coalsim_testing import SCENARIOS
from test_bad_input_corpus import MINIMAL_ARGV, check_command_line, subcommands

from sim.atomic import SIBLING_RESERVE, check_output_file, check_output_folder
from sim.cli import file_path, main
from sim.errors import InputError
from sim.files import MAX_NAME_BYTES, MAX_PATH_BYTES

BASELINE = str(SCENARIOS / "baseline.yaml")

#: Paths no system call can use, by label.
UNUSABLE = {
    "empty": "",
    "blank": "   ",
    "a name too long": "x" * (MAX_NAME_BYTES + 1),
    "a path too long": "/".join(["d" * 100] * (MAX_PATH_BYTES // 100 + 1)),
}


def path_cases() -> dict[str, tuple]:
    """Every ``type=file_path`` argument of every command, with each unusable path."""
    cases = {}
    for name, sub in subcommands().items():
        for action in sub._actions:
            if action.type is not file_path:
                continue
            shown = argparse._get_action_name(action)
            for label, bad in UNUSABLE.items():

                def build(t: Path, n=name, a=action, v=bad) -> list[str]:
                    argv = MINIMAL_ARGV[n](t)
                    if a.option_strings:
                        return [*argv, a.option_strings[-1], v]
                    rest = argv[2:] if len(argv) > 1 and not argv[1].startswith("-") else argv[1:]
                    return [n, v, *rest]

                cases[f"{name}: {shown} {label}"] = (build, f"argument {shown}:")
    return cases


PATH_CASES = path_cases()


#: The names of the arguments that take a file or folder.
PATH_DESTS = {"scenario", "spec", "store", "folder", "folders", "files", "out", "posterior", "baseline",
              "answers", "explore", "scenarios"}  # fmt: skip


def test_every_file_and_folder_argument_is_a_path():
    """The arguments named like files and folders all take the path type (so the cases cover them)."""
    untyped = [
        f"{name} {action.dest}"
        for name, sub in subcommands().items()
        for action in sub._actions
        if action.dest in PATH_DESTS and action.type is not file_path
    ]
    assert not untyped
    assert len(PATH_CASES) >= 4 * 30


@pytest.mark.parametrize("case", sorted(PATH_CASES))
def test_a_path_the_system_cannot_use_is_refused_naming_the_argument(case, tmp_path, capsys, monkeypatch):
    check_command_line(PATH_CASES[case], tmp_path, capsys, monkeypatch)


def text_cases() -> dict[str, tuple]:
    """Every other option that takes text (not a number, path or choice), given ``''`` and ``' '``."""
    cases = {}
    for name, sub in subcommands().items():
        for action in sub._actions:
            if action.type is not None or not action.option_strings or action.nargs == 0 or action.choices:
                continue
            flag = action.option_strings[-1]
            for value in ("", " "):
                build = lambda t, n=name, f=flag, v=value: [*MINIMAL_ARGV[n](t), f, v]  # noqa: E731
                cases[f"{name}: {flag} {value!r}"] = (build, f"argument {flag}:")
    return cases


TEXT_CASES = text_cases()


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_an_empty_text_option_is_refused_not_read_as_its_default(case, tmp_path, capsys, monkeypatch):
    """``score --framework ''`` silently meant waico, ``--policy ''`` every policy: a blank is refused."""
    check_command_line(TEXT_CASES[case], tmp_path, capsys, monkeypatch)


@pytest.mark.parametrize("check", [check_output_folder, check_output_file])
def test_an_output_name_leaves_room_for_its_staging(check, tmp_path):
    """A name the system takes, but not once ``.NAME.partial-HOST-PID-ID`` is made of it, is refused first."""
    longest = tmp_path / ("o" * (MAX_NAME_BYTES - SIBLING_RESERVE))
    args = (b"mark",) if check is check_output_file else ("run",)
    check(longest, *args)  # the longest name allowed is fine
    with pytest.raises(InputError, match="to leave room"):
        check(tmp_path / ("o" * (MAX_NAME_BYTES - SIBLING_RESERVE + 1)), *args, given_as="--out")
    assert list(tmp_path.iterdir()) == []


def test_the_longest_output_name_allowed_is_written_with_its_staging(tmp_path, capsys):
    out = tmp_path / ("r" * (MAX_NAME_BYTES - SIBLING_RESERVE))
    assert main(["run", BASELINE, "--steps", "1", "--seeds", "1", "--out", str(out)]) == 0
    assert (out / "metadata.json").is_file()
    assert [path.name for path in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize("command", ["compare", "report"])
def test_a_symlink_loop_given_as_a_scenario_folder_is_named(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    out = "out" if command == "compare" else "out.html"
    assert main([command, str(tmp_path / "a"), "--out", out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1 and str(tmp_path / "a") in err, err


def test_a_path_the_system_refuses_past_every_check_is_one_paragraph(tmp_path, capsys, monkeypatch):
    """The last guard: an ``OSError`` naming a file ends as one ``coalsim:`` line and exit 2."""
    import sim.cli.scenarios as scenarios

    def refuse(*args, **kwargs):
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(tmp_path / "deep"))

    monkeypatch.setattr(scenarios, "load_with_overrides", refuse)
    assert main(["run", BASELINE, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1, err
    assert str(tmp_path / "deep") in err and "File name too long" in err

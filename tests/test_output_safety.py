"""Never lose a user's file: every command that writes refuses what coalsim did not write.

Each command with ``--out``/``-o`` is pointed at a folder holding a user's file, at the
working folder, at a file where it writes a folder (or a user's file where it writes a
file), at an input's folder, and at its own earlier output, which it must replace. After
every refusal (exit 2, one ``coalsim:`` line naming ``--out``) all files are byte-identical.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from coalsim_testing import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.atomic import MARKER, check_output_file, check_output_folder, staging_path, write_folder_atomically
from sim.cli import main
from sim.errors import InputError

BASELINE = str(SCENARIOS / "baseline.yaml")
USER_FILE = ("notes.txt", b"my own notes, not coalsim's\n")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too) with its bytes."""
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return {str(path.relative_to(root)): path.read_bytes() for path in files}


def user_folder(root: Path, name: str = "mine") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / USER_FILE[0]).write_bytes(USER_FILE[1])
    return folder


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A short run to feed compare and report."""
    folder = tmp_path_factory.mktemp("runs") / "baseline"
    assert main(["run", BASELINE, "--steps", "2", "--seed", "1", "--out", str(folder)]) == 0
    return folder


def spec_file(root: Path) -> str:
    spec = root / "spec.yaml"
    spec.write_text(
        f"scenario: {BASELINE}\nseed: 1\nsteps: 2\ndesign: grid\nreplications: 1\nparameters: {{}}\n",
        encoding="utf-8",
    )
    return str(spec)


#: Commands that write a folder: argv given (temporary folder, run folder, output path).
FOLDER_COMMANDS = {
    "run": lambda t, r, out: ["run", BASELINE, "--steps", "2", "--seed", "1", "--out", out],
    "sweep": lambda t, r, out: ["sweep", spec_file(t), "--quiet", "--out", out],
    "what-it-takes": lambda t, r, out: ["what-it-takes", BASELINE, "--framework", "waico", "--budget", "0",
                                        "--seeds", "1", "--steps", "2", "--out", out],
    "compare": lambda t, r, out: ["compare", str(r), "--out", out],
    "calibrate": lambda t, r, out: ["calibrate", str(SCENARIOS / "calibration" / "baseline.yaml"),
                                    "--budget", "quick", "--draws", "10", "--out", out],
}  # fmt: skip

#: Commands that write one file, with the same arguments.
FILE_COMMANDS = {
    "report": lambda t, r, out: ["report", str(r), "--out", out],
    "calibrate": lambda t, r, out: ["calibrate", "--method", "logit", "--scenario", BASELINE, "--out", out],
}


def refused(argv: list[str], root: Path, capsys, *, names: str = "--out") -> str:
    """Run ``argv``, expect a refusal that changes nothing under ``root``; return the message."""
    capsys.readouterr()
    before = snapshot(root)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("coalsim:") and err.count("\n") == 1 and "Traceback" not in err, err
    assert names in err, err
    assert snapshot(root) == before, "a refusal must leave every file as it was"
    return err


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_a_folder_with_a_users_file_is_refused(command, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = user_folder(tmp_path)
    err = refused(FOLDER_COMMANDS[command](tmp_path, run_folder, str(out)), tmp_path, capsys)
    assert "did not write" in err and USER_FILE[0] in err


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
@pytest.mark.parametrize("holds_a_file", [False, True])
def test_the_working_folder_is_never_an_output(command, holds_a_file, run_folder, tmp_path, capsys,
                                               monkeypatch):  # fmt: skip
    work = user_folder(tmp_path, "work") if holds_a_file else tmp_path / "work"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    refused(FOLDER_COMMANDS[command](tmp_path, run_folder, "."), tmp_path, capsys)
    refused(FOLDER_COMMANDS[command](tmp_path, run_folder, str(tmp_path)), tmp_path, capsys)  # a parent


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_a_file_where_a_folder_goes_is_refused(command, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / USER_FILE[0]
    path.write_bytes(USER_FILE[1])
    refused(FOLDER_COMMANDS[command](tmp_path, run_folder, str(path)), tmp_path, capsys)


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_the_home_folder_is_never_an_output(command, run_folder, tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    refused(FOLDER_COMMANDS[command](tmp_path, run_folder, str(home)), tmp_path, capsys)


@pytest.mark.parametrize("command", ["compare", "run", "what-it-takes"])
def test_a_folder_holding_an_input_is_never_an_output(command, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, scenarios, ignore=shutil.ignore_patterns("sweeps"))
    runs = tmp_path / "runs"
    shutil.copytree(run_folder, runs / "baseline")
    argv = {
        "run": ["run", str(scenarios / "baseline.yaml"), "--steps", "2", "--out", str(scenarios)],
        "what-it-takes": ["what-it-takes", str(scenarios / "baseline.yaml"), "--framework", "waico",
                          "--budget", "0", "--seeds", "1", "--steps", "2", "--out", str(scenarios)],
        "compare": ["compare", str(runs / "baseline"), "--out", str(runs)],
    }[command]  # fmt: skip
    assert "the input" in refused(argv, tmp_path, capsys)


@pytest.mark.parametrize("command", sorted(FOLDER_COMMANDS))
def test_a_commands_own_earlier_output_is_replaced(command, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    argv = FOLDER_COMMANDS[command](tmp_path, run_folder, str(out))
    again = [*argv, "--resume"] if command == "sweep" else argv  # a store is continued, not replaced
    assert main(argv) == 0
    assert main(again) == 0, capsys.readouterr().err
    assert (out / MARKER).is_file() or command == "sweep"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")], "no staging left"


@pytest.mark.parametrize("command", ["compare", "run", "what-it-takes"])
def test_an_earlier_output_with_a_users_file_added_is_refused(command, run_folder, tmp_path, capsys,
                                                             monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    argv = FOLDER_COMMANDS[command](tmp_path, run_folder, str(out))
    assert main(argv) == 0
    (out / USER_FILE[0]).write_bytes(USER_FILE[1])
    assert USER_FILE[0] in refused(argv, tmp_path, capsys)


def test_an_output_of_another_kind_is_refused(run_folder, tmp_path, capsys, monkeypatch):
    """what-it-takes may not replace a run (nor a run an answer)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    shutil.copytree(run_folder, out)
    assert "coalsim run output" in refused(FOLDER_COMMANDS["what-it-takes"](tmp_path, run_folder, str(out)),
                                           tmp_path, capsys)  # fmt: skip


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_users_file_is_never_overwritten(command, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "out.txt"
    path.write_bytes(USER_FILE[1])
    argv = FILE_COMMANDS[command](tmp_path, run_folder, str(path))
    assert "did not write" in refused(argv, tmp_path, capsys)


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
@pytest.mark.parametrize("where", [".", "folder"])
def test_a_folder_where_a_file_goes_is_refused(command, where, run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = "." if where == "." else str(user_folder(tmp_path))
    refused(FILE_COMMANDS[command](tmp_path, run_folder, out), tmp_path, capsys)


def test_a_report_replaces_its_own_earlier_report(run_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.html"
    assert main(FILE_COMMANDS["report"](tmp_path, run_folder, str(out))) == 0
    first = out.read_bytes()
    out.write_bytes(first.replace(b"</body>", b"<p>EARLIER-7f3a</p></body>"))
    assert main(FILE_COMMANDS["report"](tmp_path, run_folder, str(out))) == 0
    assert b"EARLIER-7f3a" not in out.read_bytes()


def test_the_shipped_calibrated_scenario_may_be_rewritten_by_calibrate(tmp_path):
    """The mark that lets calibrate replace its file is in the file it ships."""
    from sim.analysis.calibration import CALIBRATED_MARK

    copy = tmp_path / "calibrated.yaml"
    shutil.copy(SCENARIOS / "calibrated.yaml", copy)
    check_output_file(copy, CALIBRATED_MARK)
    copy.write_text("name: mine\n", encoding="utf-8")
    with pytest.raises(InputError, match="did not write"):
        check_output_file(copy, CALIBRATED_MARK)


def test_plot_refuses_a_figures_folder_holding_a_users_file(run_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "baseline"
    shutil.copytree(run_folder, runs)
    user_folder(runs, "figures")
    assert "did not write" in refused(["plot", str(runs)], tmp_path, capsys, names="figures")


def test_the_library_refuses_too(tmp_path, baseline):
    """``RunResult.save`` keeps the rule without the CLI."""
    folder = user_folder(tmp_path)
    before = snapshot(tmp_path)
    result = sim.run(baseline, seed=1, steps=2)
    with pytest.raises(InputError, match="did not write"):
        result.save(folder)
    assert snapshot(tmp_path) == before
    assert result.save(tmp_path / "new") == tmp_path / "new"
    assert result.save(tmp_path / "new") == tmp_path / "new"  # its own output: replaced


def test_an_output_folder_with_a_subfolder_of_ours_is_still_ours(tmp_path):
    """A run folder with its plot's figures/ inside may be replaced; a stranger inside it may not."""
    write_folder_atomically(tmp_path / "run", {"a.json": b"{}"}, kind="run")
    write_folder_atomically(tmp_path / "run" / "figures", {"m.png": b"png"}, kind="figures")
    check_output_folder(tmp_path / "run", "run")
    user_folder(tmp_path / "run" / "figures", "extra")
    with pytest.raises(InputError, match="'figures'"):
        check_output_folder(tmp_path / "run", "run")


def test_a_folder_of_runs_is_not_one_run(tmp_path):
    """results/NAME with seed1, seed2 inside is not replaced by a run into results/NAME."""
    for seed in ("seed1", "seed2"):
        write_folder_atomically(tmp_path / "runs" / seed, {"a.json": b"{}"}, kind="run")
    with pytest.raises(InputError, match="other coalsim outputs"):
        check_output_folder(tmp_path / "runs", "run")


NAMES = st.text(alphabet="abcxyz._-0123456789", min_size=1, max_size=12).filter(lambda n: n.strip(".") != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ours=st.sets(NAMES, min_size=1, max_size=4), theirs=st.lists(st.tuples(
    st.lists(NAMES, max_size=2), NAMES), max_size=3))  # fmt: skip
def test_any_file_coalsim_did_not_write_blocks_the_replacement(ours, theirs, tmp_path_factory):
    """Write an output, drop any files of a user's into it: replaced only when none were dropped."""
    root = tmp_path_factory.mktemp("tree")
    out = root / "out"
    write_folder_atomically(out, {name: name.encode() for name in ours}, kind="run")
    dropped = []
    for folders, name in theirs:
        path = out.joinpath(*folders, name)
        blocked = [parent for parent in path.parents if parent.is_relative_to(out) and parent.is_file()]
        if path.exists() or blocked or name == MARKER:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"user data")
        dropped.append(path)
    before = snapshot(root)
    try:
        write_folder_atomically(out, {"new": b"new"}, kind="run")
    except InputError:
        assert dropped, "an output holding only coalsim's files must be replaceable"
        assert snapshot(root) == before
    else:
        assert not dropped, f"replaced a folder holding a user's {dropped}"
        assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "new"])


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)  # fmt: skip
    return int(child.stdout)


def test_staging_of_a_killed_writer_is_removed_and_a_live_ones_is_kept(tmp_path):
    target = tmp_path / "out"
    dead = staging_path(target, "partial")
    dead = dead.with_name(dead.name.replace(f"-{os.getpid()}-", f"-{_dead_pid()}-"))
    live = staging_path(target, "partial")  # this process: alive, maybe writing
    other = tmp_path / ".out.partial-notes"  # not a staging name of ours
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "x").write_bytes(b"x")
    write_folder_atomically(target, {"a.json": b"{}"}, kind="run")
    assert not dead.exists() and live.exists() and other.exists()


def test_a_signal_between_the_two_renames_leaves_the_old_output(tmp_path, monkeypatch):
    """Interrupted after the old folder was set aside: it is put back, whole."""
    out = write_folder_atomically(tmp_path / "out", {"a.json": b"old"}, kind="run")
    rename = Path.rename

    def interrupted_rename(self, target):
        if ".partial-" in self.name:
            raise KeyboardInterrupt
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", interrupted_rename)
    with pytest.raises(KeyboardInterrupt):
        write_folder_atomically(out, {"a.json": b"new"}, kind="run")
    monkeypatch.undo()
    assert (out / "a.json").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _marker_linked_to_dev_zero(folder: Path) -> None:
    (folder / MARKER).symlink_to("/dev/zero")


def _marker_a_named_pipe(folder: Path) -> None:
    os.mkfifo(folder / MARKER)


def _marker_nested_too_deep(folder: Path) -> None:
    (folder / MARKER).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


@pytest.mark.parametrize("damage", [_marker_linked_to_dev_zero, _marker_a_named_pipe,
                                    _marker_nested_too_deep])  # fmt: skip
def test_a_marker_that_cannot_be_read_is_no_marker_in_a_fresh_process(damage, tmp_path):
    """Every --out is checked by reading its marker: one that never ends or nests too deep is refused.

    A bounded subprocess (memory and time), so a hang or an exhausted memory fails the test.
    """
    folder = tmp_path / "out"
    folder.mkdir()
    damage(folder)
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", BASELINE, "--steps", "2", "--out", str(folder)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, preexec_fn=_memory_cap,
        env={**os.environ, "PYTHONPATH": str(Path(sim.__file__).parents[1])},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("coalsim: command line, field '--out'") and MARKER in done.stderr
    assert sorted(path.name for path in folder.iterdir()) == [MARKER]


def _memory_cap() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_a_folder_named_like_an_output_file_is_not_ours(tmp_path):
    """A marker lists only the files coalsim wrote; a folder under a listed name holds a user's files."""
    out = tmp_path / "out"
    write_folder_atomically(out, {"metadata.json": b"{}"}, kind="run")
    (out / "metadata.json").unlink()
    user_folder(out, "metadata.json")
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match=r"'metadata\.json'"):
        write_folder_atomically(out, {"metadata.json": b"{}"}, kind="run")
    assert snapshot(tmp_path) == before


def test_an_input_that_is_a_symlink_loop_is_named_not_a_traceback(tmp_path, capsys, monkeypatch):
    """The output rule resolves the inputs' paths: a link to itself is the loader's to refuse."""
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    monkeypatch.chdir(tmp_path)
    err = refused(["run", str(loop), "--steps", "2", "--out", str(tmp_path / "out")], tmp_path, capsys,
                  names=str(loop))  # fmt: skip
    assert "expected" in err
    refused(["calibrate", "--method", "logit", "--scenario", BASELINE, "--out", str(loop)], tmp_path, capsys)


# --- Working files kept beside an output: optimize's checkpoint, calibrate's database ---------

CALIBRATION_SPEC = str(SCENARIOS / "calibration" / "baseline.yaml")

#: Commands that keep a working file beside --out (replaced as they go, removed at the end):
#: argv for an output folder, the working file's name, and files that make it look resumable.
SIBLING_COMMANDS = {
    "optimize": (lambda out: ["optimize", str(SCENARIOS / "optimize" / "us_offer.yaml"), "--out", out],
                 ".{}.optimize-checkpoint.json", ()),
    "calibrate": (lambda out: ["calibrate", CALIBRATION_SPEC, "--budget", "quick", "--out", out],
                  ".{}.abc.db", (".{}.abc.db.signature.json",)),
}  # fmt: skip


def _a_users_file(path: Path) -> None:
    path.write_bytes(USER_FILE[1])


def _a_link_to_a_users_file(path: Path) -> None:
    (path.parent / USER_FILE[0]).write_bytes(USER_FILE[1])
    path.symlink_to(path.parent / USER_FILE[0])


@pytest.mark.parametrize("command", sorted(SIBLING_COMMANDS))
@pytest.mark.parametrize("make", [_a_users_file, _a_link_to_a_users_file])
def test_a_users_file_where_a_working_file_goes_is_kept(command, make, tmp_path, capsys, monkeypatch):
    """The checkpoint and the database are written through and removed: a user's file there is refused."""
    monkeypatch.chdir(tmp_path)
    argv, name, companions = SIBLING_COMMANDS[command]
    make(tmp_path / name.format("out"))
    for companion in companions:
        (tmp_path / companion.format("out")).write_text("{}\n")
    err = refused(argv(str(tmp_path / "out")), tmp_path, capsys, names=name.format("out"))
    assert "did not write" in err or "link" in err


def test_a_removed_working_folder_still_takes_an_absolute_output_and_names_a_relative_one(
    tmp_path, capsys, monkeypatch
):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    out = tmp_path / "out"
    assert main(["run", BASELINE, "--steps", "1", "--seeds", "1", "--out", str(out)]) == 0
    assert (out / "metadata.json").is_file()
    assert main(["run", BASELINE, "--steps", "1", "--seeds", "1", "--out", "relative"]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("coalsim:") and "working folder that no longer exists" in err, err


def test_a_users_file_where_calibrates_signature_goes_is_kept(tmp_path, capsys, monkeypatch):
    """With no working database beside it, a file named like its signature was overwritten."""
    monkeypatch.chdir(tmp_path)
    signature = tmp_path / ".out.abc.db.signature.json"
    signature.write_bytes(USER_FILE[1])
    argv = ["calibrate", CALIBRATION_SPEC, "--budget", "quick", "--out", str(tmp_path / "out")]
    err = refused(argv, tmp_path, capsys, names=signature.name)
    assert "did not write" in err and signature.read_bytes() == USER_FILE[1]

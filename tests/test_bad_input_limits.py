"""Hostile input by class: the YAML reader's limits, the schema's ranges, and sweep sizes.

Each section is one class of the hostile corpus of issue 17, with several cases, most of
which the issue does not name. Every case must end in an :class:`~sim.errors.InputError`
(exit 2 and one ``coalsim:`` line on the command line) that names the file and, where
there is one, the field; never a hang, a traceback, a silently changed value or a write.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pydantic
import pytest
import yaml
from coalsim_testing import REPO, SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_input_corpus import contract

import sim
from sim.errors import InputError
from sim.experiment.spec import design_points, load_experiment
from sim.files import MAX_ALIASES, MAX_DEPTH, MAX_YAML_BYTES, parse_yaml, read_yaml_mapping
from sim.scenario import MAX_EXTENDS, read_with_extends, validate_scenario
from sim.schema import MAX_SEED, MAX_STEPS, RESERVED_NAMES

BASELINE = SCENARIOS / "baseline.yaml"
BASELINE_RAW = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(text: str, *fragments: str) -> InputError:
    """Parse YAML text that must be refused, with every fragment in the message."""
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "case.yaml")
    for fragment in ("case.yaml", *fragments):
        assert fragment in caught.value.message, caught.value.message
    return caught.value


# --- Duplicate keys: the last one used to win silently ------------------------------------

DUPLICATES = {
    "top level": ("steps: 10\nseed: 1\nsteps: 20\n", "'steps' twice (line 1 and line 3)"),
    "nested block": ("rule:\n  temperature: 0.1\n  kind: logit\n  temperature: 0.3\n", "'temperature'"),
    "flow mapping": ("frameworks: {waico: {name: A, name: B}}\n", "'name' twice"),
    "quoted and plain spelling": ("a: 1\n'a': 2\n", "'a' twice"),
    "true and yes are one key": ("ties: {yes: 1, true: 2}\n", "twice"),
    "inside a list item": ("events:\n  - {step: 1, step: 2, launch: un}\n", "'step' twice"),
    "integer keys": ("x: {1: a, 01: b}\n", "twice"),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_a_duplicate_key_is_refused_with_its_lines(case):
    text, fragment = DUPLICATES[case]
    refused(text, "each key once", fragment)


def test_merge_keys_are_not_duplicates():
    assert parse_yaml("base: &b {a: 1, b: 2}\nx: {<<: *b, a: 3}\n", "f") == {
        "base": {"a": 1, "b": 2},
        "x": {"a": 3, "b": 2},
    }


keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)


@given(
    mapping=st.dictionaries(keys, st.integers(-5, 5) | st.floats(-1, 1) | st.booleans(), min_size=1),
    data=st.data(),
)
def test_any_mapping_with_a_duplicated_key_is_refused(mapping, data):
    items = [f"{key}: {yaml.safe_dump(value).splitlines()[0]}" for key, value in mapping.items()]
    key = data.draw(st.sampled_from(sorted(mapping)))
    items.insert(data.draw(st.integers(0, len(items))), f"{key}: 0")
    indent = data.draw(st.sampled_from(["", "  "]))
    text = ("outer:\n" if indent else "") + "".join(f"{indent}{item}\n" for item in items)
    with pytest.raises(InputError, match=f"'{key}' twice"):
        parse_yaml(text, "f.yaml")


def test_a_duplicate_key_in_a_scenario_stops_the_command_line(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "dup.yaml", f"extends: {BASELINE}\nrule:\n  temperature: 0.2\n  temperature: 9\n")
    monkeypatch.chdir(tmp_path)
    contract(["run", str(path), "--out", str(tmp_path / "out")], "'temperature' twice", tmp_path, capsys)


def test_a_sweep_parameter_named_twice_is_refused(tmp_path):
    head = f"scenario: {BASELINE}\ndesign: grid\nparameters:\n"
    for body, fragment in [
        ("  rule.temperature: {values: [0.1]}\n  rule.temperature: {values: [0.2]}\n", "twice"),
        ("  events.0.step: {values: [1]}\n  events.00.step: {values: [2]}\n", "the same parameter as"),
        ("  events.1.step: {values: [1]}\n  ' events.1.step': {values: [2]}\n", "the same parameter as"),
    ]:
        with pytest.raises(InputError, match=fragment):
            load_experiment(write(tmp_path, "spec.yaml", head + body))


# --- Alias bombs, deep nesting, huge files: refused before any work -----------------------


def _laughs(levels: int, width: int, flow: str) -> str:
    """A billion-laughs document: each level holds ``width`` aliases of the level below."""
    lines = ['l0: &l0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * width)
        body = (
            f"[{refs}]"
            if flow == "list"
            else "{" + ", ".join(f"k{i}: *l{level - 1}" for i in range(width)) + "}"
        )
        lines.append(f"l{level}: &l{level} {body}")
    return "\n".join(lines) + "\n"


EXHAUSTING = {
    "list bomb (9^9 strings)": (_laughs(9, 9, "list"), "alias bomb"),
    "mapping bomb": (_laughs(8, 9, "map"), "alias bomb"),
    "wide and shallow bomb": (_laughs(3, 200, "list"), "aliases"),
    "recursive alias": ("a: &a [1, *a]\n", "recursive alias"),
    "recursive mapping alias": ("a: &a {self: *a}\n", "recursive alias"),
    "deep flow lists": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", f"nested at most {MAX_DEPTH} deep"),
    "deep flow mappings": ("a: " + "{b: " * 5_000 + "1" + "}" * 5_000 + "\n", "nested at most"),
    "deep block mappings": ("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n",
                            "nested at most"),
    "deep through aliases": (f"a: &a {'[' * 30}1{']' * 30}\nb: {'[' * 30}*a{']' * 30}\n",
                             "once aliases are expanded"),
    "too many aliases": ("a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n", "aliases"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(EXHAUSTING))
def test_exhausting_documents_are_refused(case):
    text, fragment = EXHAUSTING[case]
    refused(text, fragment)


def test_a_bomb_and_a_deep_document_end_within_seconds_in_a_fresh_process(tmp_path):
    """A bounded subprocess, not a timing assertion: a hang or a crash fails the test."""
    bomb = write(tmp_path, "bomb.yaml", _laughs(9, 9, "list") + f"extends: {BASELINE}\nsources: *l9\n")
    deep = write(tmp_path, "deep.yaml", f"extends: {BASELINE}\ndescription: " + "[" * 200_000 + "]" * 200_000)
    script = textwrap.dedent("""
        import sys
        import sim
        from sim.errors import InputError
        for path in sys.argv[1:]:
            try:
                sim.load_scenario(path)
            except InputError as exc:
                print(exc.message)
            else:
                print("accepted", path)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb), str(deep)],
        capture_output=True, text=True, timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and "accepted" not in done.stdout, done.stdout
    assert "alias bomb" in lines[0] and "nested at most" in lines[1]


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path):
    path = write(tmp_path, "big.yaml", "description: '" + "x" * MAX_YAML_BYTES + "'\n")
    with pytest.raises(InputError, match="at most 1,000,000 bytes"):
        read_yaml_mapping(path, "scenario file", "scenario fields")


def test_a_dotted_override_path_deeper_than_the_limit_is_refused(baseline):
    with pytest.raises(InputError, match="at most"):
        baseline.with_overrides({".".join(["a"] * (MAX_DEPTH + 1)): 1})


# --- Text that is not text: NUL, binary, bad UTF-8, lone surrogates ---------------------------

ENCODINGS = {
    "NUL byte": (b"name: a\x00b\n", "NUL byte on line 1"),
    "NUL on a later line": (b"name: a\nquestion: q\n\x00\n", "line 3"),
    "invalid UTF-8": (b"name: caf\xe9\n", "non-UTF-8"),
    "UTF-16 without its byte-order mark": ("name: x\n".encode("utf-16-le"), "NUL byte on line 1"),
    "UTF-16 cut mid-character": ("name: x\n".encode("utf-16")[:-1], "non-UTF-8"),
    "PNG header": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "non-UTF-8"),
    "surrogate encoded in UTF-8": (b"name: \xed\xa0\x80\n", "non-UTF-8"),
    "lone surrogate escape in a list": (b'countries: ["CHN", "\\ud800"]\n', "lone surrogate"),
    "lone low surrogate in a key": (b'"\\udc00x": 1\n', "lone surrogate"),
    "surrogate via an alias": (b'a: &s "\\udfff"\nb: [*s]\n', "lone surrogate"),
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_text_that_is_not_text_is_refused(case, tmp_path):
    content, fragment = ENCODINGS[case]
    path = write(tmp_path, "case.yaml", content)
    with pytest.raises(InputError) as caught:
        read_yaml_mapping(path, "scenario file", "scenario fields")
    assert fragment in caught.value.message and str(path) in caught.value.message


@pytest.mark.parametrize(
    "encoded",
    ["\ufeffname: x\n".encode(), "name: x\n".encode("utf-16"), b"\xfe\xff" + "name: x\n".encode("utf-16-be")],
    ids=["UTF-8", "UTF-16", "UTF-16 big-endian"],
)
def test_a_byte_order_mark_says_how_the_text_is_encoded(encoded, tmp_path):
    # UTF-8 with a mark, and UTF-16 (either byte order) as spreadsheets save "Unicode text"
    path = write(tmp_path, "bom.yaml", encoded)
    assert read_yaml_mapping(path, "scenario file", "scenario fields")[1] == {"name": "x"}


def test_a_lone_surrogate_in_countries_stops_the_command_line(tmp_path, capsys, monkeypatch):
    path = write(
        tmp_path, "s.yaml", f'extends: {BASELINE}\nframeworks:\n  waico:\n    initial: ["\\ud800"]\n'
    )
    monkeypatch.chdir(tmp_path)
    contract(["run", str(path), "--out", str(tmp_path / "out")], "lone surrogate", tmp_path, capsys)


# --- Tags and values YAML cannot build -------------------------------------------------------

TAGS = {
    "python object": ("a: !!python/object/apply:os.system ['true']\n", "build Python objects"),
    "python name": ("a: !!python/name:os.system\n", "build Python objects"),
    "python tuple": ("a: !!python/tuple [1, 2]\n", "build Python objects"),
    "local tag": ("a: !include other.yaml\n", "the tag '!include'"),
    "tagged mapping": ("a: !thing {b: 1}\n", "the tag '!thing'"),
    "an integer of 5000 digits": ("a: " + "7" * 5_000 + "\n", "cannot read"),
    "a date that does not exist": ("a: 2025-13-45\n", "month must be in 1..12"),
}


@pytest.mark.parametrize("case", sorted(TAGS))
def test_tags_and_unbuildable_values_are_refused(case):
    text, fragment = TAGS[case]
    refused(text, fragment)


def test_a_python_tag_in_a_set_override_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(BASELINE), "--set", "rule.temperature=!!python/object/apply:os.system ['true']",
            "--out", str(tmp_path / "out")]  # fmt: skip
    contract(argv, "build Python objects", tmp_path, capsys)


def test_exponent_numbers_are_numbers_so_their_range_is_checked():
    assert parse_yaml("[1e-3, 2E+2, -1.5e3]", "f") == [0.001, 200.0, -1500.0]
    with pytest.raises(InputError, match="less than or equal to"):
        validate_scenario(scenario_raw(rule={"temperature": parse_yaml("1e308", "f")}), "f")



@pytest.mark.parametrize("text", ["1:30", "1:30.5", "190:20:30", "0b101"])
def test_numbers_that_yaml_1_1_reads_as_other_numbers_are_text(text, tmp_path, capsys, monkeypatch):
    """Base-60 and binary spellings, which YAML 1.1 reads as 90, 90.5, 685230 and 5, are text
    in YAML 1.2: refused by the schema naming the field, not run as another number."""
    assert parse_yaml(f"a: {text}", "f") == {"a": text}
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "s.yaml", f"extends: {BASELINE}\nsteps: {text}\n")
    contract(["run", str(path), "--out", str(tmp_path / "out")], "'steps'", tmp_path, capsys)


def test_numbers_are_read_as_yaml_1_2_reads_them():
    # a leading zero is decimal (YAML 1.1: octal, 010 was 8); hexadecimal, signs and specials stay
    assert parse_yaml("[010, 007, -012, 0x10, -.5, 1_000, .inf, 1e-3]", "f") == [
        10, 7, -12, 16, -0.5, 1000, math.inf, 0.001,
    ]


# --- extends: loops, cycles, long chains ------------------------------------------------------


def test_an_extends_symlink_loop_is_refused(tmp_path):
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    child = write(tmp_path, "child.yaml", "extends: loop1.yaml\nname: x\n")
    with pytest.raises(InputError, match="cannot be resolved") as caught:
        read_with_extends(child)
    assert caught.value.field == "extends"
    with pytest.raises(InputError, match="cannot be resolved"):
        read_with_extends(tmp_path / "loop1.yaml")


def test_extends_cycles_through_a_symlink_and_to_itself_are_refused(tmp_path):
    write(tmp_path, "a.yaml", "extends: link.yaml\nname: a\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(InputError, match="without cycles"):
        read_with_extends(tmp_path / "a.yaml")
    me = write(tmp_path, "me.yaml", "extends: ./me.yaml\n")
    with pytest.raises(InputError, match="without cycles"):
        read_with_extends(me)


def test_extends_of_a_folder_or_an_overlong_chain_is_refused(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match="not a file"):
        read_with_extends(write(tmp_path, "f.yaml", "extends: folder\n"))
    for i in range(MAX_EXTENDS + 1):
        write(tmp_path, f"c{i}.yaml", f"extends: c{i + 1}.yaml\n" if i < MAX_EXTENDS else "name: end\n")
    with pytest.raises(InputError, match=f"at most {MAX_EXTENDS} files"):
        read_with_extends(tmp_path / "c0.yaml")


# --- Reserved and malformed ids ----------------------------------------------------------------


def scenario_raw(**changes) -> dict:
    raw = {key: value for key, value in BASELINE_RAW.items() if key != "extends"}
    raw.update(changes)
    return raw


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_a_framework_id_that_is_a_result_column_is_refused(name):
    raw = scenario_raw(frameworks={**BASELINE_RAW["frameworks"], name: {"name": "X"}})
    with pytest.raises(InputError, match="not a column of the result tables") as caught:
        validate_scenario(raw, "s.yaml")
    assert caught.value.field == f"frameworks.{name}"


def test_the_reserved_names_cover_every_column_coalsim_writes(baseline):
    from sim.experiment.store import OUTCOME_COLUMNS, RUN_COLUMNS
    from sim.vocabulary import MEASURES, NON_ALIGNED_ID

    result = sim.run(baseline, steps=3)
    written = {NON_ALIGNED_ID, *RUN_COLUMNS, *OUTCOME_COLUMNS, *MEASURES}
    for table in (result.aggregates, result.countries, result.dynamics, result.offers):
        written |= set(table.columns)
    written -= set(baseline.frameworks)
    assert written <= RESERVED_NAMES, sorted(written - RESERVED_NAMES)


@pytest.mark.parametrize("fid", ["Waico", "1st", "a-b", "a b", "", "é_fw", "a" * 41, "waico\n"])
def test_an_id_that_is_not_a_plain_identifier_is_refused(fid):
    raw = scenario_raw(frameworks={**BASELINE_RAW["frameworks"], fid: {"name": "X"}})
    with pytest.raises(InputError, match=r"plain id|at most 40"):
        validate_scenario(raw, "s.yaml")


@pytest.mark.parametrize("name", ["../escape", "/abs", ".hidden", "a/b", "a\\b", ""])
def test_a_scenario_name_that_would_escape_results_is_refused(name):
    with pytest.raises(InputError, match="folder name"):
        validate_scenario(scenario_raw(name=name), "s.yaml")


# --- Strict types: no booleans as numbers, no numbers as booleans ------------------------------

STRICT = {
    "boolean temperature": ({"rule": {"temperature": True}}, "rule.temperature"),
    "boolean entry cost": ({"frameworks": {"waico": {"name": "W", "entry_cost": False}}},
                           "frameworks.waico.entry_cost"),
    "boolean steps": ({"steps": True}, "steps"),
    "boolean lever": ({"frameworks": {"waico": {"name": "W", "levers": {"open_models": True}}}},
                      "frameworks.waico.levers.open_models"),
    "number as enabled": ({"frameworks": {"waico": {"name": "W", "enabled": 0}}}, "frameworks.waico.enabled"),
    "text as enabled": ({"frameworks": {"waico": {"name": "W", "enabled": "no"}}},
                        "frameworks.waico.enabled"),
    "number as all": ({"frameworks": {"waico": {"name": "W", "eligible": {"all": 1}}}},
                      "frameworks.waico.eligible.all"),
    "fraction as steps": ({"steps": 10.5}, "steps"),
    "text as weight": ({"utility": {"club": "1.0"}}, "utility.club"),
    "fraction as window": ({"convergence": {"window": 2.5}}, "convergence.window"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(STRICT))
def test_values_of_the_wrong_kind_are_not_converted(case):
    changes, field = STRICT[case]
    with pytest.raises(InputError) as caught:
        validate_scenario(scenario_raw(**changes), "s.yaml")
    assert caught.value.field == field


# --- Every number finite and in its documented range --------------------------------------------


def numeric_paths(scenario: sim.Scenario) -> list[str]:
    return sorted(
        path for path, value in scenario.parameters().items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    )  # fmt: skip


OUT_OF_RANGE = st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -1e308, 1e7, -1e7, 2**64, -(2**64)])

#: Shipped scenarios whose numeric fields together cover every part of the schema with numbers.
SHIPPED = ("baseline.yaml", "waico_courting.yaml")


@cache
def shipped(name: str) -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / name)


@settings(max_examples=200)
@given(data=st.data(), value=OUT_OF_RANGE)
def test_any_non_finite_or_out_of_range_number_is_refused_naming_its_field(data, value):
    scenario = shipped(data.draw(st.sampled_from(SHIPPED)))
    path = data.draw(st.sampled_from(numeric_paths(scenario)))
    with pytest.raises(InputError) as caught:
        scenario.with_overrides({path: value})
    assert caught.value.field == path, caught.value.message


def test_the_shipped_scenarios_have_numeric_fields_to_check(baseline):
    assert len(numeric_paths(baseline)) >= 30


RANGES = {
    "cost overflowing to inf": ("frameworks.waico.entry_cost", 1e308),
    "negative sovereignty cost": ("frameworks.waico.sovereignty_cost", -0.5),
    "activation rate above one": ("rule.activation_rate", 1.0001),
    "zero activation rate": ("rule.activation_rate", 0.0),
    "temperature too small to divide by": ("rule.temperature", 1e-300),
    "tolerance above one": ("convergence.tolerance", 1.5),
    "club exponent above ten": ("utility.club_exponent", 11.0),
    "steps beyond the limit": ("steps", MAX_STEPS + 1),
    "seed beyond 64 bits": ("seed", MAX_SEED + 1),
    "negative seed": ("seed", -1),
    "launch after the horizon": ("frameworks.waico.launch_step", 101),
    "event after the horizon": ("events.0.step", 101),
    "window beyond the step limit": ("convergence.window", MAX_STEPS + 1),
}


@pytest.mark.parametrize("case", sorted(RANGES))
def test_numbers_outside_their_range_are_refused(case, baseline):
    path, value = RANGES[case]
    with pytest.raises(InputError) as caught:
        baseline.with_overrides({path: value})
    assert caught.value.field == path


@pytest.mark.parametrize(
    ("as_of", "fragment"),
    [("2025-02-30", "real date"), ("2025-13-01", "real date"), ("1800-01-01", "from 1900-01-01"),
     ("2500-01-01", "to 2100-12-31"), ("2025-1-1", "as_of"), ("yesterday", "as_of")],
)  # fmt: skip
def test_an_invalid_as_of_date_is_refused(as_of, fragment):
    eligible = {"affiliations": ["gpai"], "as_of": as_of}
    raw = scenario_raw(frameworks={**BASELINE_RAW["frameworks"], "un": {"name": "UN", "eligible": eligible}})
    with pytest.raises(InputError, match=fragment) as caught:
        validate_scenario(raw, "s.yaml")
    assert caught.value.field == "frameworks.un.eligible.as_of"


def test_an_unquoted_as_of_date_is_read_as_the_date_it_is():
    raw = parse_yaml("as_of: 2025-07-26\n", "f")
    eligible = {"affiliations": ["gpai"], **raw}
    frameworks = {**BASELINE_RAW["frameworks"], "un": {"name": "UN", "eligible": eligible}}
    scenario = validate_scenario(scenario_raw(frameworks=frameworks), "s.yaml")
    assert scenario.frameworks["un"].eligible.as_of == "2025-07-26"


def test_a_scenario_whose_frameworks_are_all_disabled_is_refused(baseline):
    overrides = {f"frameworks.{fid}.enabled": False for fid in baseline.frameworks}
    with pytest.raises(InputError, match="at least one enabled framework"):
        baseline.with_overrides(overrides)
    keep = next(iter(baseline.frameworks))
    assert baseline.with_overrides(
        {k: v for k, v in overrides.items() if keep not in k}
    ).active_frameworks == [keep]


@pytest.mark.parametrize("steps", [0, -1, MAX_STEPS + 1, 1_000_000_000, True, 2.5])
def test_run_refuses_steps_beyond_the_scenario_limit_before_any_work(baseline, steps):
    with pytest.raises(InputError, match="at most 10,000") as caught:
        sim.run(baseline, steps=steps)
    assert caught.value.field == "steps"


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, True])
def test_run_refuses_a_seed_outside_the_scenario_range(baseline, seed):
    with pytest.raises(InputError) as caught:
        sim.run(baseline, seed=seed, steps=2)
    assert caught.value.field == "seed"


def test_the_command_line_refuses_a_billion_steps_before_running(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(BASELINE), "--steps", "1000000000", "--out", str(tmp_path / "out")]
    contract(argv, "10,000", tmp_path, capsys)


# --- Sweep designs too large to plan, and ranges beyond a field's limits ------------------------

SPEC_HEAD = f"scenario: {BASELINE}\nseed: 1\n"
ONE_RANGE = "parameters:\n  rule.temperature: {low: 0.1, high: 0.5}\n"

OVERSIZED = {
    "morris with 10^7 trajectories": ("design: morris\nsamples: 10000000\n" + ONE_RANGE, "samples"),
    "sobol with 2^26 samples": ("design: sobol\nsamples: 67108864\n" + ONE_RANGE, "samples"),
    "lhs with 10^8 samples": ("design: lhs\nsamples: 100000000\n" + ONE_RANGE, "samples"),
    "random with 10^12 samples": ("design: random\nsamples: 1000000000000\n" + ONE_RANGE, "samples"),
    "replications times samples": ("design: lhs\nsamples: 2000\nreplications: 1000\n" + ONE_RANGE,
                                   "at most 1,000,000 runs"),
    "sobol points times parameters": ("design: sobol\nsamples: 262144\nparameters:\n"
                                      + "".join(f"  utility.levers.{lever}: {{low: 0, high: 1}}\n"
                                                for lever in ("open_models", "capacity_building",
                                                              "infrastructure", "compute_access")),
                                      "at most 1,000,000 runs"),
    "grid of 1000^3 levels": ("design: grid\nlevels: 1000\nparameters:\n"
                              "  rule.temperature: {low: 0.1, high: 0.5}\n"
                              "  rule.activation_rate: {low: 0.1, high: 0.5}\n"
                              "  utility.club: {low: 0.1, high: 0.5}\n", "at most 1,000,000 runs"),
    "boolean replications": ("design: grid\nreplications: true\nparameters: {}\n", "replications"),
    "fractional samples": ("design: lhs\nsamples: 4.5\n" + ONE_RANGE, "samples"),
    "negative samples": ("design: lhs\nsamples: -4\n" + ONE_RANGE, "samples"),
    "levels as a boolean": ("design: grid\nlevels: true\n" + ONE_RANGE, "levels"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(OVERSIZED))
def test_oversized_sweeps_are_refused_before_sampling(case, tmp_path, capsys, monkeypatch):
    body, fragment = OVERSIZED[case]
    spec = write(tmp_path, "spec.yaml", SPEC_HEAD + body)
    monkeypatch.chdir(tmp_path)
    contract(["sweep", str(spec), "--quiet", "--out", str(tmp_path / "store")], fragment, tmp_path, capsys)


def test_a_plan_too_large_for_memory_is_refused(tmp_path):
    paths = [path for path, value in sim.load_scenario(BASELINE).parameters().items()
             if isinstance(value, float) and path.startswith(("frameworks.", "utility.levers"))
             and "entry_cost" not in path][:10]  # fmt: skip
    ranges = "".join(f"  {path}: {{low: 0.0, high: 0.5}}\n" for path in paths)
    spec = write(tmp_path, "spec.yaml", SPEC_HEAD + "design: lhs\nsamples: 900000\nparameters:\n" + ranges)
    with pytest.raises(InputError, match="GiB of memory"):
        load_experiment(spec)


@pytest.mark.parametrize("design", ["grid", "random", "lhs", "sobol", "morris"])
def test_the_planned_size_is_the_drawn_size(design, tmp_path):
    samples = "" if design == "grid" else "samples: 8\n"
    ranges = "parameters:\n  rule.temperature: {low: 0.1, high: 0.5}\n  utility.club: {low: 0.1, high: 1}\n"
    experiment = load_experiment(
        write(tmp_path, "spec.yaml", f"{SPEC_HEAD}design: {design}\n{samples}{ranges}")
    )
    assert design_points(experiment.spec, experiment.axes) == len(experiment.design)


BEYOND_FIELD = {
    "launch step up to 1e20": ("frameworks.waico.launch_step", "{low: 0, high: 1e20}"),
    "launch step past the horizon": ("frameworks.waico.launch_step", "{low: 0, high: 500}"),
    "steps up to a billion": ("steps", "{low: 10, high: 1000000000}"),
    "temperature beyond the magnitude limit": ("rule.temperature", "{low: 0.1, high: 1e7}"),
    "activation rate above one": ("rule.activation_rate", "{low: 0.5, high: 2}"),
    "negative cost": ("frameworks.waico.sovereignty_cost", "{low: -1, high: 1}"),
    "listed booleans for a number": ("rule.temperature", "{values: [true, false]}"),
    "listed numbers for a flag": ("frameworks.un.enabled", "{values: [0, 1]}"),
}


@pytest.mark.parametrize("case", sorted(BEYOND_FIELD))
def test_sweep_ranges_are_checked_against_the_fields_own_limits(case, tmp_path, capsys, monkeypatch):
    path, entry = BEYOND_FIELD[case]
    design = "grid" if "values" in entry else "lhs\nsamples: 4"
    spec = write(tmp_path, "spec.yaml", f"{SPEC_HEAD}design: {design}\nparameters:\n  {path}: {entry}\n")
    monkeypatch.chdir(tmp_path)
    contract(
        ["sweep", str(spec), "--quiet", "--out", str(tmp_path / "store")],
        f"parameters.{path}",
        tmp_path,
        capsys,
    )


def test_a_spec_seed_beyond_64_bits_is_refused(tmp_path):
    spec = write(
        tmp_path, "spec.yaml", f"scenario: {BASELINE}\nseed: {2**64}\ndesign: grid\nparameters: {{}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_experiment(spec)
    assert caught.value.field == "seed"


def test_scenarios_and_sweep_specs_share_one_strict_base():
    import sim.experiment.spec as spec_module
    import sim.scenario as scenario_module
    from sim.schema import StrictModel

    models = [
        value
        for module in (scenario_module, spec_module)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == module.__name__
    ]
    assert len(models) >= 15
    assert all(issubclass(model, StrictModel) for model in models), [
        m for m in models if not issubclass(m, StrictModel)
    ]


def test_the_limits_section_of_the_scenario_doc_is_the_code():
    from sim import files
    from sim.experiment import spec

    section = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8").split("## Limits", 1)[1]
    reserved = section.split("Framework ids may not be", 1)[1].split("(`sim.schema.RESERVED_NAMES`)")[0]
    assert set(re.findall(r"`([a-z0-9_]+)`", reserved)) == RESERVED_NAMES
    for number in (files.MAX_YAML_BYTES, files.MAX_ALIASES, files.MAX_NODES, MAX_STEPS, spec.MAX_RUNS):
        assert f"{number:,}" in section, number
    for number in (files.MAX_DEPTH, MAX_EXTENDS):
        assert f"at most {number} " in section, number
    assert f"{spec.MAX_PLAN_BYTES / 2**30:.0f} GiB" in section


# --- Files that are not files: a FIFO would block a reader forever, a folder, a device -------


@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "several documents"])
def test_a_path_that_is_not_one_yaml_file_is_refused_without_blocking(kind, tmp_path):
    path = tmp_path / "scenario.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path.write_text(f"extends: {BASELINE}\n---\nname: second\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        sim.load_scenario(path)
    assert str(path) in caught.value.message


def test_a_set_override_gets_the_same_limits_as_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bomb = "[" + ", ".join(["&a [1, 2]"] + ["*a"] * (MAX_ALIASES + 1)) + "]"
    argv = ["run", str(BASELINE), "--set", f"sources={bomb}", "--out", str(tmp_path / "out")]
    contract(argv, "aliases", tmp_path, capsys)


# --- Many events: the dry run at load grows with their number, not with its square ----------


def test_the_dry_run_of_set_events_validates_each_event_a_bounded_number_of_times(baseline, monkeypatch):
    """Each ``set`` event is tried at load; trying it once validated every event again.

    5,000 small events (200 kB, well inside the file limit) took over 40 s to load; now the
    scenarios in between are validated without their events and the last one with them.
    """
    import sim.scenario as scenario_module

    validated: list[int] = []
    original = scenario_module.validate_scenario

    def counting(raw, where="scenario"):
        validated.append(len(raw.get("events", ())))
        return original(raw, where)

    raw = baseline.model_dump(mode="json")
    raw["events"] = [*raw["events"], *({"step": 1, "set": {"rule.temperature": 0.1}} for _ in range(80))]
    scenario = original(raw, "many_events.yaml")
    monkeypatch.setattr(scenario_module, "validate_scenario", counting)
    scenario_module.check_against_world(scenario, sim.World.load())
    assert len(validated) >= 80, "every set event is still tried"
    assert sum(validated) <= 2 * len(raw["events"]), sum(validated)


def test_a_run_applies_a_steps_set_events_as_one_override(baseline, world, monkeypatch):
    """Applying each set event by itself validated the whole scenario per event: 5,000 set
    events at one step ran for minutes. The step's sets are one override, and give what
    applying them one by one gives, also when a path or the mapping around it is set again."""
    sets = [
        {"frameworks.waico.levers.open_models": 0.5, "rule.temperature": 0.2},
        {"frameworks.waico.levers": {"open_models": 0.1, "capacity_building": 0.3}},
        {"frameworks.waico.levers.open_models": 0.7},
        {"rule.temperature": 0.25},
        *({"utility.peer": 0.1 * (i % 7)} for i in range(40)),
    ]
    raw = baseline.model_dump(mode="json")
    raw["events"] = [*raw["events"], *({"step": 1, "set": one} for one in sets)]
    scenario = sim.load_scenario(BASELINE, overrides={"events": raw["events"]})
    expected = scenario
    for one in sets:  # one by one, as the events are listed
        expected = expected.with_overrides(one)
    calls: list[int] = []
    original = type(scenario).with_overrides

    def counting(self, overrides):
        calls.append(len(overrides))
        return original(self, overrides)

    model = sim.CoalitionModel(scenario, world, rng=1)  # loading tries each event (linear, tested above)
    monkeypatch.setattr(type(scenario), "with_overrides", counting)
    model.apply_events(1)
    assert len(calls) == 1
    assert model.spec.model_dump(exclude={"events"}) == expected.model_dump(exclude={"events"})

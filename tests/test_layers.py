"""Imports run one way: core <- experiment <- analysis <- viz <- cli (docs/architecture.md).

Every module in ``sim/`` is read with :mod:`ast`; an import of a higher layer fails the
test, at module level or inside a function alike. Imports under ``if TYPE_CHECKING:`` are
for type hints and never run, so they are allowed. A module named by a string (for
``importlib``) counts as an import too, except the one documented lazy re-export:
``sim.load_results`` from :mod:`sim.experiment.store` (the API the batches issue asked for).
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The layers, lowest first; a module of ``sim`` not in a package here is core.
LAYERS = {"experiment": 1, "analysis": 2, "viz": 3, "cli": 4}

#: Module names written as strings that may name a higher layer: (importer, imported).
LAZY_EXPORTS = {("sim", "sim.experiment.store")}

MODULE_NAME = re.compile(r"sim(\.[A-Za-z_][A-Za-z0-9_]*)*")


def layer(module: str) -> int | None:
    """The layer of a ``sim`` module (0 core ... 4 cli), or None for modules outside ``sim``."""
    parts = module.split(".")
    if parts[0] != "sim":
        return None
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 0


def module_name(path: Path, root: Path) -> str:
    """``sim/viz/plots.py`` -> ``sim.viz.plots``; a package's ``__init__`` is the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, package: bool) -> list[tuple[int, str, bool]]:
    """Each ``(line, imported module, named by a string)``, outside ``if TYPE_CHECKING:`` bodies."""
    found: list[tuple[int, str, bool]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base, False))
            for alias in node.names:  # `from sim import viz` imports the viz package
                if layer(f"{base}.{alias.name}") != layer(base):
                    found.append((node.lineno, f"{base}.{alias.name}", False))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and MODULE_NAME.fullmatch(node.value)
            and "." in node.value
        ):
            found.append((node.lineno, node.value, True))
        stack.extend(ast.iter_child_nodes(node))
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import in ``root/sim`` that runs against the layer order, as readable lines.

    Args:
        root: A project folder holding a ``sim`` package.

    Returns:
        ``"sim.x (core) imports sim.viz.y (viz), line N"`` per violation, sorted.

    """
    names = {0: "core", **{number: name for name, number in LAYERS.items()}}
    violations = []
    for path in sorted((root / "sim").rglob("*.py")):
        module = module_name(path, root)
        own = layer(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, imported, as_string in _imports(tree, module, path.name == "__init__.py"):
            theirs = layer(imported)
            if theirs is None or theirs <= own or (as_string and (module, imported) in LAZY_EXPORTS):
                continue
            violations.append(
                f"{module} ({names[own]}) imports {imported} ({names[theirs]}), line {line}"
            )
    return sorted(set(violations))


def test_no_module_imports_a_higher_layer():
    assert upward_imports(ROOT) == []


def test_every_module_is_read():
    modules = {module_name(path, ROOT) for path in (ROOT / "sim").rglob("*.py")}
    assert {"sim", "sim.results", "sim.experiment.store", "sim.analysis.tipping", "sim.viz.plots",
            "sim.cli"} <= modules  # fmt: skip


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"sim/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"sim/results.py": "from sim.analysis.equilibrium import check\n"},
         "sim.results (core) imports sim.analysis.equilibrium (analysis), line 1"),
        ({"sim/experiment/commands.py": "def f():\n    from sim.analysis import tipping\n"},
         "sim.experiment.commands (experiment) imports sim.analysis (analysis), line 2"),
        ({"sim/analysis/__init__.py": "from .. import viz\n"},
         "sim.analysis (analysis) imports sim.viz (viz), line 1"),
        ({"sim/viz/plots.py": "import sim.cli\n"}, "sim.viz.plots (viz) imports sim.cli (cli), line 1"),
        ({"sim/model.py": "import importlib\nimportlib.import_module('sim.viz.style')\n"},
         "sim.model (core) imports sim.viz.style (viz), line 2"),
        ({"sim/__init__.py": "HOMES = {'plot': 'sim.viz.plots'}\n"},
         "sim (core) imports sim.viz.plots (viz), line 1"),
    ],
)  # fmt: skip
def test_the_check_catches_a_planted_upward_import(tmp_path, files, expected):
    assert expected in upward_imports(_plant(tmp_path, files))


def test_the_check_allows_type_hints_downward_imports_and_the_lazy_load_results(tmp_path):
    root = _plant(
        tmp_path,
        {
            "sim/__init__.py": "HOMES = {'load_results': 'sim.experiment.store'}\n",
            "sim/results.py": "import typing\nif typing.TYPE_CHECKING:\n    from sim.viz import plots\n",
            "sim/cli/__init__.py": "from sim.viz import plots\nfrom sim import results\n",
            "sim/viz/plots.py": "import numpy\nfrom sim.analysis import tipping\n",
        },
    )
    assert upward_imports(root) == []

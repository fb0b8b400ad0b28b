"""Every notebook runs top to bottom without an error, and is stored without outputs.

Each notebook is executed by nbclient with the ``python3`` kernel (ipykernel in this
interpreter's environment) and the project folder as its working directory, so that
``scenarios/...`` resolves as it does for a student. The executed copy is written to the
test's temporary folder only; the stored notebooks stay stripped. Set
``COALSIM_NOTEBOOK_OUTPUT`` to a folder to keep the executed copies there (to look at
their figures).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from coalsim_testing import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

#: Longest any one cell may take; a notebook as a whole is meant to take under a minute.
CELL_TIMEOUT_SECONDS = 120


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks", REPO / "tools" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_notebooks_in_reading_order():
    names = [path.name for path in NOTEBOOKS]
    assert names[:2] == ["01_first_steps.ipynb", "02_incentives.ipynb"]
    assert [name[:2] for name in names] == [f"{number:02d}" for number in range(1, len(names) + 1)]


def test_notebooks_are_what_the_generator_writes():
    generator = _generator()
    assert sorted(generator.NOTEBOOKS) == [path.name for path in NOTEBOOKS]
    assert generator.main(["--check"]) == 0, "run: python tools/make_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert notebook.cells[-1].cell_type == "markdown" and "Your turn" in notebook.cells[-1].source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    from nbclient import NotebookClient

    working_copy = tmp_path / path.name
    shutil.copyfile(path, working_copy)
    notebook = nbformat.read(working_copy, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    nbformat.write(notebook, working_copy)
    if os.environ.get("COALSIM_NOTEBOOK_OUTPUT"):
        keep = Path(os.environ["COALSIM_NOTEBOOK_OUTPUT"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(working_copy, keep / path.name)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert figures, "every notebook draws at least one figure"

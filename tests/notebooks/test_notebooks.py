"""Every notebook runs top to bottom, as Jupyter runs it, and is stored without outputs.

Jupyter starts a notebook's kernel in the notebook's own folder, so each notebook is
executed by nbclient with the ``python3`` kernel (ipykernel in this interpreter's
environment) and ITS OWN FOLDER as working directory. It runs in a copy of the project
(``notebooks/`` and ``scenarios/``, with ``COALSIM_SCENARIOS`` pointing at the copy), so
that what a notebook writes lands in the copy's ``results/`` and nowhere in the checkout;
``jupyter nbconvert --execute`` is also run on the first notebook in the real
``notebooks/`` folder, finding the scenarios beside the package. Set
``COALSIM_NOTEBOOK_OUTPUT`` to a folder to keep the executed copies there (to look at
their figures).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
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


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project's scenarios/ and an empty notebooks/ beside it, found by name."""
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv("COALSIM_SCENARIOS", str(tmp_path / "scenarios"))
    return tmp_path


def execute_in_own_folder(path: Path, project: Path) -> nbformat.NotebookNode:
    """Execute a copy of the notebook in project/notebooks/, the working folder Jupyter gives it."""
    from nbclient import NotebookClient

    working_copy = project / "notebooks" / path.name
    shutil.copyfile(path, working_copy)
    notebook = nbformat.read(working_copy, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(working_copy.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    return notebook


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_its_own_folder(path, project):
    notebook = execute_in_own_folder(path, project)
    if os.environ.get("COALSIM_NOTEBOOK_OUTPUT"):
        keep = Path(os.environ["COALSIM_NOTEBOOK_OUTPUT"])
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, keep / path.name)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert figures, "every notebook draws at least one figure"
    for cell in (cell for cell in notebook.cells if cell.cell_type == "code"):
        images = [out.data["image/png"] for out in cell.outputs if "image/png" in out.get("data", {})]
        assert len(images) == len(set(images)), f"a figure shows twice in:\n{cell.source}"
    assert [p.name for p in (project / "notebooks").iterdir()] == [path.name], "results go to results/"
    written = sorted(p.name for p in project.iterdir())
    assert written in (["notebooks", "scenarios"], ["notebooks", "results", "scenarios"])


@pytest.mark.slow
def test_a_sweep_notebook_runs_again_on_its_stored_results(project):
    path = REPO / "notebooks" / "03_batches.ipynb"
    execute_in_own_folder(path, project)
    assert (project / "results" / "notebook_03" / "store" / "manifest.json").is_file()
    again = execute_in_own_folder(path, project)
    printed = "".join(output.get("text", "") for cell in again.cells for output in cell.get("outputs", []))
    assert "0 runs made, 20 reused, 0 failed" in printed


needs_nbconvert = pytest.mark.skipif(
    importlib.util.find_spec("nbconvert") is None and not os.environ.get("CI"),
    reason="needs nbconvert (pip install -e '.[notebooks]', which ./dev test does)",
)


@pytest.mark.slow
@needs_nbconvert
def test_jupyter_nbconvert_executes_a_notebook_from_the_notebooks_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COALSIM_SCENARIOS", raising=False)
    folder = REPO / "notebooks"
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
    command += ["01_first_steps.ipynb", "--output-dir", str(tmp_path)]
    subprocess.run(command, cwd=folder, check=True, capture_output=True, timeout=300)
    executed = nbformat.read(tmp_path / "01_first_steps.ipynb", as_version=4)
    assert executed.cells[1].outputs, "the first code cell ran"

"""Headless Chromium opens a sweep report offline: no request, no error, nothing too wide or too small."""

from __future__ import annotations

from pathlib import Path

import pytest
from coalsim_testing import chrome, needs_browser
from sweep_stores import SOBOL, make_store
from test_report_browser import _open  # the request and console check of the scenario report

import sim
from sim.atomic import atomic_write
from sim.viz.report import build_sweep_report
from sim.viz.sweep import SweepTable

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_browser]

#: The smallest share of its own width a figure may be shown at (its text stays readable).
MIN_SCALE = 0.6


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep_browser")
    data = SweepTable.read(sim.load_results(make_store(folder, SOBOL)))
    path = folder / "sweep.html"
    atomic_write(path, build_sweep_report(data).encode("utf-8"))
    return path


@pytest.fixture
def browser(tmp_path):
    driver = chrome(tmp_path / "profile", window_size="1280,1000", performance_log=True)
    yield driver
    driver.quit()


def test_the_sweep_report_opens_offline_without_requests_or_errors(browser, report_file):
    fetched, failed, problems = _open(browser, report_file)
    assert fetched == [] and failed == [] and problems == []
    assert browser.title.startswith("Sweep spec: how outcomes respond to 3 parameters")
    images = browser.execute_script(
        "return Array.from(document.images)"
        ".map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width]);"
    )
    assert len(images) == 2  # one figure per outcome (three parameters: no surface)
    assert all(done and natural > 0 and shown / natural >= MIN_SCALE for done, natural, shown in images)


@pytest.mark.parametrize("width", [1280, 800])
def test_nothing_is_wider_than_the_window(browser, report_file, width):
    browser.set_window_size(width, 1000)
    browser.get(report_file.as_uri())
    overflow = browser.execute_script(
        "const body = document.body.getBoundingClientRect();"
        "return [document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " Array.from(document.querySelectorAll('table'))"
        ".filter(t => t.getBoundingClientRect().right > body.right + 1).length];"
    )
    assert overflow == [0, 0]


def test_the_sweep_report_prints_to_pdf(browser, report_file):
    browser.get(report_file.as_uri())
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    assert pdf["data"].startswith("JVBERi")  # "%PDF" in base64

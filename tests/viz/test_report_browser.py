"""A real headless Chromium opens the report offline: no request leaves the page, no console error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coalsim_testing import chrome, needs_browser

import sim
from sim.atomic import atomic_write
from sim.replications import Replications
from sim.viz.report import build_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_browser,
]


@pytest.fixture(scope="module")
def report_file(baseline, world, tmp_path_factory) -> Path:
    runs = [sim.run(baseline, seed=seed, steps=12, world=world) for seed in (1, 2)]
    page = build_report([Replications.from_runs(runs)])
    path = tmp_path_factory.mktemp("browser") / "report.html"
    atomic_write(path, page.encode("utf-8"))
    return path


@pytest.fixture
def browser(tmp_path):
    driver = chrome(tmp_path / "profile", performance_log=True)
    yield driver
    driver.quit()


def _open(driver, path: Path) -> tuple[list[str], list[str], list[dict]]:
    """Open a file; return what its page fetched, which of its requests failed, and console problems."""
    url = path.as_uri()
    driver.get_log("performance")  # drop what the browser's own start page did
    driver.get_log("browser")
    driver.get(url)
    messages = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    sent = [m["params"] for m in messages if m["method"] == "Network.requestWillBeSent"]
    assert url in [params["request"]["url"] for params in sent]  # the log does see the page's own load
    ours = {
        params["requestId"]: params["request"]["url"] for params in sent if params.get("documentURL") == url
    }
    fetched = [address for address in ours.values() if address != url and not address.startswith("data:")]
    failed = [
        ours[m["params"]["requestId"]]
        for m in messages
        if m["method"] == "Network.loadingFailed" and m["params"]["requestId"] in ours
    ]
    problems = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    return fetched, failed, problems


def test_report_opens_offline_without_requests_or_errors(browser, report_file):
    fetched, failed, problems = _open(browser, report_file)
    assert fetched == [] and failed == [] and problems == []
    assert browser.title.startswith("Coalitions in global AI governance")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 22)]);"
    )
    assert images and all(
        done and width > 0 and src == "data:image/png;base64," for done, width, src in images
    )
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert resources == []


def test_the_check_sees_a_remote_image_and_a_console_error(browser, tmp_path):
    page = tmp_path / "leaky.html"
    remote = "http://127.0.0.1:9/logo.png"  # loopback discard port: refused at once
    page.write_text(f'<!DOCTYPE html><title>t</title><img src="{remote}"><script>console.error("x")</script>')
    fetched, failed, problems = _open(browser, page)
    assert fetched == [remote] and failed == [remote]
    assert any("x" in entry["message"] for entry in problems)


def test_report_prints_to_pdf(browser, report_file):
    browser.get(report_file.as_uri())
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    assert pdf["data"].startswith("JVBERi")  # "%PDF" in base64

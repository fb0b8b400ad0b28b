"""The app in a real browser: headless Chromium steps it five times and sees it change.

The Solara server runs as ``coalsim app`` would run it (:func:`sim.cli.app.solara_command`)
on a free localhost port. Set ``COALSIM_APP_SCREENSHOT`` to a path (e.g. ``docs/img/app.png``)
to keep the screenshot there as well as in the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from coalsim_testing import REPO, SCENARIOS, chrome, needs_browser

from sim.cli.app import solara_command
from sim.viz.app import SCENARIO_DIR_VARIABLE

#: Longest wait for the server to answer, the page to render, or one step to show.
SERVER_START_SECONDS = 40
RENDER_SECONDS = 40
STEP_SECONDS = 30

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_browser,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _missing_assets(url: str) -> list[str]:
    """Front-end files the page links through Solara's asset proxy that the server cannot serve."""
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode("utf-8")
    links = sorted(set(re.findall(r'"(/_solara/cdn/[^"?]+)', page)))
    return [link for link in links if not _answers(url.rstrip("/") + link)]


@dataclass(frozen=True)
class AppServer:
    """A running app server: where it answers and where it logs."""

    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    """Serve the app on a free port until the module's tests are done."""
    log_path = tmp_path_factory.mktemp("app_server") / "solara.log"
    port = _free_port()
    environment = {**os.environ, SCENARIO_DIR_VARIABLE: str(SCENARIOS)}
    with log_path.open("w") as log:
        server = subprocess.Popen(
            solara_command("127.0.0.1", port), cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app server did not answer at {url}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        missing = _missing_assets(url)
        if missing:
            pytest.fail(
                f"Solara cannot serve {missing}: it fetches its front-end files from a CDN into "
                "<venv>/share/solara/cdn/ on first use, and this machine cannot reach the CDN. Install "
                "the 'app' extra (solara-assets ships them for the pinned solara), or put the npm "
                "packages there (npm pack <package>@<version>, unpacked into <package>@<version>/)."
            )
        yield AppServer(url, log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser(tmp_path):
    driver = chrome(tmp_path / "profile", window_size="1600,1200")
    yield driver
    driver.quit()


def _image(driver, css: str) -> tuple[str, int]:
    """The ``src`` and natural width of the image inside ``css`` (width 0 until it has loaded)."""
    return tuple(driver.execute_script(
        "const img = document.querySelector(arguments[0] + ' img');"
        "return img ? [img.src, img.complete ? img.naturalWidth : 0] : ['', 0];",
        css,
    ))  # fmt: skip


class SessionRestarted(Exception):
    """The app was back at step 0 in the middle of stepping: Solara put it on a fresh kernel."""


def test_stepping_the_app_updates_counter_plot_and_map(browser, app_server, tmp_path):
    """Step five times; once, start again on a fresh page if the session restarted meanwhile.

    When Solara's websocket reconnects, the front end re-mounts the app on a fresh kernel
    and the model starts again at step 0. On a loaded two-core machine this happened in 2
    of about 50 runs. Only a counter that went backwards counts as a restart: a Step button
    that does nothing leaves the counter where it was and fails at once.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as when
    from selenium.webdriver.support.ui import WebDriverWait

    counter = (By.CSS_SELECTOR, ".coalsim-step")

    def shown_step() -> int | None:
        texts = [element.text for element in browser.find_elements(*counter)]
        if len(texts) != 1 or not texts[0].startswith("Step "):
            return None
        return int(texts[0].removeprefix("Step "))

    def wait_for(condition: Callable, what: str, seconds: float = STEP_SECONDS, reached: int | None = None):
        """Wait; on timeout, fail, or raise SessionRestarted if the counter fell below ``reached``."""
        try:
            return WebDriverWait(browser, seconds).until(condition)
        except TimeoutException:
            counter_text = [element.text for element in browser.find_elements(*counter)]
            now = shown_step()
            if reached is not None and now is not None and now < reached:
                raise SessionRestarted(f"{what}: the counter is back at step {now}") from None
            browser.save_screenshot(str(tmp_path / "timeout.png"))
            console = [entry["message"] for entry in browser.get_log("browser") if entry["level"] != "DEBUG"]
            pytest.fail(
                f"waited {seconds} s for {what} (screenshot: {tmp_path / 'timeout.png'}); step counter: "
                f"{counter_text}\nbrowser console: {console[-10:]}\nserver log:\n{app_server.log_tail()}"
            )

    def open_page() -> tuple[str, str]:
        browser.get(app_server.url)
        wait_for(when.text_to_be_present_in_element(counter, "Step 0"), "the page", RENDER_SECONDS)
        for panel in (".coalsim-map", ".coalsim-membership", ".coalsim-why"):

            def loaded(driver, panel=panel) -> bool:
                return _image(driver, panel)[1] > 0

            wait_for(loaded, f"{panel} to load", RENDER_SECONDS)
        first_map, map_width = _image(browser, ".coalsim-map")
        assert map_width > 400, "the map should fill its card"
        return first_map, _image(browser, ".coalsim-membership")[0]

    def step_five_times(first_plot: str) -> None:
        plots = [first_plot]
        step_button = (By.XPATH, "//button[normalize-space()='Step']")
        for done in range(1, 6):
            wait_for(when.element_to_be_clickable(step_button), "the Step button", reached=done - 1).click()
            shows_step = when.text_to_be_present_in_element(counter, f"Step {done}")
            wait_for(shows_step, f"step {done}", reached=done - 1)
            # the sidebar's counter and the plot are redrawn last: once they show this step,
            # the page has finished with it and the next click cannot race its redraw
            sidebar = (By.XPATH, f"//*[normalize-space()='Time: {done}.0']")
            wait_for(when.presence_of_element_located(sidebar), f"the sidebar at step {done}", reached=done)

            def new_plot(driver) -> bool:
                return _image(driver, ".coalsim-membership")[0] != plots[-1]

            wait_for(new_plot, f"the plot at step {done}", reached=done)
            plots.append(_image(browser, ".coalsim-membership")[0])

    first_map, first_plot = open_page()
    try:
        step_five_times(first_plot)
    except SessionRestarted:
        first_map, first_plot = open_page()
        step_five_times(first_plot)

    wait_for(lambda driver: _image(driver, ".coalsim-map")[0] != first_map, "the map to be redrawn")
    assert _image(browser, ".coalsim-map")[1] > 400

    screenshot = tmp_path / "app.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 50_000
    if os.environ.get("COALSIM_APP_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["COALSIM_APP_SCREENSHOT"])
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []

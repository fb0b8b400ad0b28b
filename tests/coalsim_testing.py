"""Helpers shared by the top-level tests: repository paths and a small synthetic scenario.

Kept out of conftest.py so that ``from coalsim_testing import ...`` is unambiguous when
subfolders have conftest files of their own.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import strategies as st

import sim
from sim.scenario import validate_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

def synthetic_scenario(**changes) -> sim.Scenario:
    """A two-framework scenario for synthetic worlds; keyword arguments override fields."""
    raw = {
        "name": "synthetic",
        "question": "test",
        "steps": 30,
        "seed": 5,
        "frameworks": {
            "a": {"name": "A", "lead": ["A0000"], "levers": {"open_models": 0.5}, "entry_cost": 0.2},
            "b": {"name": "B", "lead": ["A0001"], "levers": {"compute_access": 0.5}, "entry_cost": 0.2},
            "c": {"name": "C", "entry_cost": 0.4, "launch_step": 5},
        },
        "compatibility": {"exclusive": [["a", "b"]], "dual_cost": 0.1},
        "utility": {"peer": 0.5},
        "peers": {"ties": {"random": 1.0, "alignment": 1.0}},
        "rule": {"temperature": 0.2, "activation_rate": 0.3, "switching_cost": 0.05},
    }
    raw.update(changes)
    return validate_scenario(raw, where="synthetic")


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Browser tests skip where Debian's Chromium is missing, except on CI (CI=true), where
#: ./dev test installs it: there a missing browser must fail, not pass as skipped.
needs_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"),
    reason="needs Debian's chromium and chromium-driver (./dev test installs them as root)",
)


def chrome(profile: Path, *, window_size: str | None = None, performance_log: bool = False):
    """Headless Debian Chromium driven by selenium, with the flags this machine needs.

    The background-networking flags keep Chromium from calling home (this machine has no
    network, and the report and app tests count every request). Call ``quit()`` when done.
    """
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}",
    ]  # fmt: skip
    if window_size:
        flags.append(f"--window-size={window_size}")
    for flag in flags:
        options.add_argument(flag)
    logs = {"browser": "ALL", **({"performance": "ALL"} if performance_log else {})}
    options.set_capability("goog:loggingPrefs", logs)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(str(CHROMEDRIVER)))


class PageResources(HTMLParser):
    """Every attribute of an HTML page that could make a browser fetch something, and its text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "poster", "data", "action"}:
                self.references.append((tag, name, value or ""))

    def handle_data(self, data):
        self.text.append(data)


def assert_self_contained(page: str) -> PageResources:
    """Fail if the page would fetch anything: every reference is inline data or an anchor."""
    resources = PageResources(page)
    for tag, name, value in resources.references:
        assert value.startswith(("data:", "#")), f"<{tag} {name}={value[:40]}> would be fetched"
    assert "script" not in resources.tags and "@import" not in page and "url(" not in page
    return resources


def yaml_values(words: list[str], max_leaves: int = 8) -> st.SearchStrategy:
    """Random YAML-shaped data (scalars, lists, mappings) for fuzzing file loaders.

    Args:
        words: Strings worth planting besides random text (ids the loader knows).
        max_leaves: Largest number of scalars in one value.
    """
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True),
        st.text(max_size=12), st.sampled_from(words),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=max_leaves,
    )

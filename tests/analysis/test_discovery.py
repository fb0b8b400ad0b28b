"""Scenario discovery finds planted boxes and reads stores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.discovery import condition_mask, discover
from sim.errors import InputError


def planted(seed: int, cut: float, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    """Three parameters and a label; only ``decisive`` above ``cut`` makes a run of interest."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "decisive": rng.random(n),
            "noise": rng.random(n),
            "rule": rng.choice(["logit", "best_response"], n),
        }
    )
    return x, (x["decisive"] > cut).to_numpy()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.3, 0.7))
def test_prim_restricts_the_planted_parameter_alone(seed, cut):
    x, y = planted(seed, cut)
    found = discover(x, y, "prim", min_coverage=0.8)
    box = found.boxes[0]
    assert set(box.limits) == {"decisive"}
    assert box.coverage > 0.8 and box.density > 0.8
    low, high = box.limits["decisive"]
    # Within two peels of the cut: each peel removes 5% of the box's runs (peel_alpha), about
    # 0.05 of decisive's range near the end; one peel alone failed (seed 10769: 0.053).
    assert abs(low - cut) < 2 * 0.05 and high == x["decisive"].max()
    assert box.significance["decisive"] < 0.05
    chosen = found.trajectory[found.trajectory["chosen"]]
    assert len(chosen) == 1 and chosen["coverage"].iloc[0] == box.coverage
    assert found.trajectory["coverage"].iloc[0] == 1.0  # the trajectory starts from every run


def test_prim_finds_a_box_on_a_category():
    x, _ = planted(3, 0.5)
    y = ((x["decisive"] > 0.5) & (x["rule"] == "logit")).to_numpy()
    box = discover(x, y, "prim").boxes[0]
    assert box.limits["rule"] == ["logit"] and set(box.limits) == {"decisive", "rule"}
    assert box.density > 0.9


def test_cart_finds_the_planted_split():
    x, y = planted(5, 0.6)
    box = discover(x, y, "cart").boxes[0]
    assert set(box.limits) == {"decisive"} and abs(box.limits["decisive"][0] - 0.6) < 0.02
    assert box.coverage > 0.9 and box.density > 0.9 and box.significance == {}


def test_json_lists_boxes_with_plain_limits():
    x, y = planted(1, 0.5)
    content = discover(x, y).to_json()
    box = content["boxes"][0]
    assert set(box) >= {"coverage", "density", "limits"}
    assert all(isinstance(v, float) for v in box["limits"]["decisive"])
    assert content["ranges"]["rule"] == ["best_response", "logit"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "priм"}, "method"),
        ({"min_coverage": 0.0}, "min_coverage"),
        ({"max_boxes": 0}, "max_boxes"),
        ({"mass_min": float("nan")}, "mass_min"),
    ],
)
def test_bad_settings_name_their_parameter(kwargs, field):
    x, y = planted(1, 0.5)
    with pytest.raises(InputError) as caught:
        discover(x, y, **kwargs)
    assert caught.value.field == field


def test_no_run_of_interest_is_an_input_error():
    x, y = planted(1, 0.5)
    with pytest.raises(InputError, match="no run met it"):
        discover(x, np.zeros_like(y))


def test_condition_is_strict_and_needs_a_level():
    values = pd.Series([0.2, 0.5, 0.8])
    assert condition_mask(values, 0.5, None).tolist() == [False, False, True]
    assert condition_mask(values, None, 0.5).tolist() == [True, False, False]
    assert condition_mask(values, 0.1, 0.6).tolist() == [True, True, False]
    with pytest.raises(InputError) as caught:
        condition_mask(values, None, None)
    assert caught.value.field == "above"

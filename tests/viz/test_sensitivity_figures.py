"""The figures of coalsim sensitivity and tipping, drawn from synthetic results with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import Sensitivity
from sim.analysis.tipping import Probe, TippingPoint
from sim.viz.sensitivity import outcome_label, sensitivity_result_figure, tipping_point_figure


def caption(fig) -> str:
    return " ".join(text.get_text() for text in fig.texts)


@pytest.mark.parametrize(
    ("outcome", "label", "share"),
    [
        ("final_share_gdp:waico", "WAICO share of world GDP (current US$) at the end", True),
        ("mean_members:un", "UN track members (countries) averaged over the run", False),
        ("final_share_count:my_club", "my_club share of countries at the end", True),
    ],
)
def test_an_outcome_is_named_in_words(outcome, label, share):
    assert outcome_label(outcome) == (label, share)


def sobol_result(conf_level: float) -> Sensitivity:
    indices = pd.DataFrame(
        {"S1": [0.6, 0.1], "S1_conf": [0.05, 0.02], "ST": [0.7, 0.3], "ST_conf": [0.06, 0.03]},
        index=pd.Index(["a.x", "b.y"], name="parameter"),
    )
    return Sensitivity("final_share_gdp:waico", "sobol", indices, 64, 2, conf_level)


def test_sensitivity_figure_states_the_confidence_level_it_was_computed_at():
    fig = sensitivity_result_figure(sobol_result(0.9))
    assert "90% confidence interval" in caption(fig) and "95%" not in caption(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "Sensitivity of WAICO share of world GDP (current US$) at the end"
    assert [label.get_text() for label in ax.get_yticklabels()] == ["b.y", "a.x"]  # most influential on top


def test_sensitivity_table_is_tidy():
    table = sobol_result(0.95).table()
    assert list(table.columns) == ["outcome", "method", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["parameter"].tolist() == ["a.x", "b.y"]
    assert set(table["outcome"]) == {"final_share_gdp:waico"} and set(table["method"]) == {"sobol"}


def falling_point() -> TippingPoint:
    """An outcome falling from 0.8 to 0.2 over [0, 2], bracketed in [1, 1.5] around the level 0.5."""
    probes = [Probe(v, np.array(o)) for v, o in ((0.0, [0.8, 0.8]), (2.0, [0.2, 0.2]), (1.0, [0.6, 0.7]),
                                                 (1.5, [0.3, 0.4]))]  # fmt: skip
    return TippingPoint("rule.temperature", "final_share_population:waico", 0.5, probes[2], probes[3],
                        tuple(probes))  # fmt: skip


def test_tipping_figure_marks_the_level_the_bracket_and_the_crossing():
    point = falling_point()
    ax = tipping_point_figure(point).axes[0]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[-3:] == ["level 0.5", "bracket [1, 1.5]", "crossing ≈ 1.25"]
    assert point.estimate == pytest.approx(1.25)
    assert ax.get_title() == "Where WAICO share of world population at the end falls through 0.5"
    level = [line for line in ax.get_lines() if list(line.get_ydata()) == [0.5, 0.5]]
    assert len(level) == 1
    median = next(line for line in ax.get_lines() if line.get_label() == "median")
    np.testing.assert_allclose(median.get_ydata(), [0.8, 0.65, 0.35, 0.2])


def test_tipping_summary_holds_the_report_numbers():
    summary = falling_point().summary()
    assert summary["bracket"] == [1.0, 1.5] and summary["rises"] is False
    assert summary["low_end"]["mean"] == pytest.approx(0.65) and summary["replications"] == 2
    assert summary["estimate"] == pytest.approx(1.25) and summary["probes"] == 4

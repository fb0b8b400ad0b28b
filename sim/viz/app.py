"""The interactive app: step the coalition model in a browser with Mesa's SolaraViz.

Start it from the project folder with ``coalsim app`` or
``solara run --no-check-version sim/viz/app.py``. (Without ``--no-check-version``, Solara asks
PyPI for its latest version before it imports this module and may advise ``pip install
solara==<latest>``, which breaks the app's pinned dependencies; solara 1.58 has no setting or
environment variable for that check, so nothing in this module can turn it off.)
Pick a scenario (any ``scenarios/*.yaml``; ``$COALSIM_SCENARIOS`` names another folder),
move the sliders (each shows its value under its thumb and its unit in its label), press
Reset to rebuild the model with them, then Step or Play. The page shows the step and who holds
what now (frameworks by their short names), a world map of portfolios
(:func:`sim.viz.maps.world_map_figure`), membership over time (from the model's
DataCollector) and a country inspector: a country's options term by term
(``Country.explain()`` drawn by :func:`sim.viz.plots.why_figure`) and its portfolio
history (``model.history``).

Sliders are SolaraViz ``model_params``: SolaraViz builds :class:`CoalitionApp` with the
sliders' values as keyword arguments, and :class:`CoalitionApp` turns them into dotted
scenario overrides. The sliders start at the picked scenario's own values, and picking
another scenario rebuilds the controls, so a slider never silently overrides the value
a scenario file was written to test.

Staying responsive: the world map and the why-chart are the heavy figures (~0.2-0.3 s
each per draw, mostly drawing and PNG encoding; the map's shapes are read and projected
once per process by :func:`sim.viz.maps.world_shapes`). They are redrawn every N steps
(default :data:`REDRAW_EVERY`, a slider on the "Now" card) or at once with "Draw map and
why-chart now", and each says which step it shows; the map of a past step comes from ``model.history``, so
what it shows never depends on when it was drawn. The step counter, the membership plot
(~0.1-0.25 s) and the inspector's text follow every step. While playing, SolaraViz's "Render
Interval" slider skips redraws of everything for that many steps.

Legibility: the map and the membership plot each take a row of the page's width (side by side
only on screens at Vuetify's "xlarge" breakpoint, 1904 px and wider), at resolutions chosen
so that their smallest text stays at least 10 px high in a 1280 x 900 window.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the server encodes PNGs; it never opens a window

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.errors import InputError
from sim.metrics import NON_ALIGNED_ID
from sim.model import CoalitionModel
from sim.results import RunResult
from sim.scenario import SCENARIOS_ENV, Scenario, load_scenario, scenarios_folder
from sim.utility import NON_ALIGNED
from sim.viz import plots
from sim.viz.maps import world_map_figure
from sim.viz.plots import why_figure
from sim.viz.style import framework_label, portfolio_display_label
from sim.world import World

#: Environment variable naming the scenario folder (``coalsim app --scenarios`` sets it).
SCENARIO_DIR_VARIABLE = SCENARIOS_ENV

#: Scenario shown first when it exists.
DEFAULT_SCENARIO = "baseline.yaml"

#: Country the inspector opens on when it exists.
DEFAULT_COUNTRY = "BRA"

#: The map and the why-chart are redrawn every this many steps unless asked (~0.2-0.3 s each).
REDRAW_EVERY = 5

#: Pixels per inch of the membership figure (5.4 in wide: ~600 px; its 8.5 pt caption ~13 px
#: high) and of the map (8 in: ~770 px). Each shrinks to its card when the card is narrower.
MEMBERSHIP_DPI = 110
MAP_DPI = 96

#: Figures shrink to their card; the wide explanation table scrolls inside its card. Every
#: slider (ours and SolaraViz's) shows its value under its thumb: Vuetify draws that label
#: only while dragging, so it is shown always and restyled from a bubble to plain text. In
#: the narrow sidebar a slider's label (with its unit) sits above it, so the slider keeps
#: the sidebar's width.
PAGE_CSS = """
.coalsim-map img, .coalsim-membership img, .coalsim-why img { max-width: 100%; height: auto; }
.coalsim-main { min-width: 0; max-width: 100%; }
.coalsim-inspector { overflow-x: auto; }
.v-slider .v-slider__thumb-label-container { display: block !important; }
.v-slider .v-slider__thumb-label.primary {
  background-color: transparent !important; color: inherit; width: auto !important; height: auto !important;
  border-radius: 0; font-size: 12px; line-height: 1; transform: translate(-50%, 28px) !important;
}
.v-slider .v-slider__thumb-label > div { transform: none !important; }
.v-input__slider { padding-bottom: 10px; }
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-label { flex: 0 0 100%; margin-bottom: 4px; }
"""


@dataclass(frozen=True)
class Knob:
    """A slider that sets one scenario parameter.

    Attributes:
        keyword: The :class:`CoalitionApp` argument it fills.
        path: The dotted scenario path it overrides.
        label: What the slider says (its unit in brackets).
        low: Smallest value.
        high: Largest value (raised to the scenario's value if that is larger).
        step: Slider increment.

    """

    keyword: str
    path: str
    label: str
    low: float
    high: float
    step: float


#: The incentives and rule parameters the app lets you move. Offers, penalties, costs and
#: the logit temperature are in the model's arbitrary utility units (docs/model.md: an offer
#: of 1 is worth 1 at lever weight 1 and need 1), as in the why-chart.
KNOBS = (
    Knob("open_models", "frameworks.waico.levers.open_models", "WAICO open models (utility units)",
         0.0, 2.0, 0.05),
    Knob("capacity_building", "frameworks.waico.levers.capacity_building",
         "WAICO capacity building (utility units)", 0.0, 2.0, 0.05),
    Knob("export_penalty", "penalties.us_export_controls.amount",
         "US export-control penalty (utility units)", 0.0, 2.0, 0.05),
    Knob("temperature", "rule.temperature", "Choice noise, temperature (utility units)", 0.01, 1.0, 0.01),
    Knob("activation_rate", "rule.activation_rate", "Activation rate (share of countries per step)",
         0.01, 1.0, 0.01),
    Knob("switching_cost", "rule.switching_cost", "Switching cost (utility units)", 0.0, 1.0, 0.05),
)  # fmt: skip


def scenario_folder() -> Path:
    """The folder the scenario picker lists: :func:`sim.scenario.scenarios_folder`.

    ``$COALSIM_SCENARIOS`` when set (``coalsim app`` sets it), else the project's
    ``scenarios/``, wherever the app was started from.
    """
    return scenarios_folder()


def scenario_files(folder: Path | None = None) -> list[Path]:
    """The scenario files the picker offers, the default one first.

    Args:
        folder: Where to look; :func:`scenario_folder` when omitted.

    Returns:
        The ``*.yaml`` files, sorted by name with ``baseline.yaml`` first.

    """
    files = sorted((folder or scenario_folder()).glob("*.yaml"))
    return sorted(files, key=lambda path: path.name != DEFAULT_SCENARIO)


def knobs_for(scenario: Scenario) -> list[Knob]:
    """The knobs that mean something in ``scenario``.

    A knob is offered when its parameter exists and the frameworks it concerns are
    enabled (a scenario without WAICO has no WAICO sliders, nor the penalty on WAICO
    members); the temperature only for the logit rule.

    Args:
        scenario: The picked scenario.

    Returns:
        The applicable knobs, in :data:`KNOBS` order.

    """
    present = scenario.parameters()
    active = set(scenario.active_frameworks)

    def applies(knob: Knob) -> bool:
        section, name, *_ = knob.path.split(".")
        if knob.path not in present:
            return False
        if section == "frameworks":
            return name in active
        if section == "penalties":
            penalty = scenario.penalties[name]
            return {penalty.imposed_by, penalty.on_members_of} <= active
        return knob.keyword != "temperature" or scenario.rule.kind == "logit"

    return [knob for knob in KNOBS if applies(knob)]


def model_params(scenario_file: str | Path) -> dict[str, object]:
    """SolaraViz ``model_params`` for a scenario: its file, a seed box and its sliders.

    Args:
        scenario_file: The scenario YAML file.

    Returns:
        Fixed and user-adjustable parameters in SolaraViz's format; every slider starts
        at the scenario's own value.

    Raises:
        InputError: If the scenario file is invalid.

    """
    scenario = load_scenario(scenario_file)
    present = scenario.parameters()
    params: dict[str, object] = {
        "scenario_file": str(scenario_file),
        "rng": {"type": "InputText", "value": str(scenario.seed), "label": "Random seed"},
    }
    for knob in knobs_for(scenario):
        value = float(present[knob.path])
        params[knob.keyword] = {
            "type": "SliderFloat", "label": knob.label, "value": value,
            "min": knob.low, "max": max(knob.high, value), "step": slider_step(value, knob),
        }  # fmt: skip
    return params


def slider_step(value: float, knob: Knob) -> float:
    """The knob's step, or the coarsest finer one (0.01, 0.001, 0.0001) on which ``value`` lies.

    The slider snaps its thumb to ``low + k * step``: at the knob's own step a calibrated
    value between two steps (0.96 at steps of 0.05) would show as its neighbour (0.95).

    Args:
        value: The scenario's value.
        knob: The slider's knob.

    Returns:
        The step.

    """
    steps = (knob.step, 0.01, 0.001, 0.0001)
    return next(
        (step for step in steps if abs((value - knob.low) / step - round((value - knob.low) / step)) < 1e-6),
        steps[-1],
    )


def parse_seed(text: int | str | None, fallback: int) -> tuple[int, str | None]:
    """Read the seed box: a whole number, or blank for the scenario's seed.

    The app cannot stop Reset with an error, so a bad seed falls back to the scenario's
    seed and the reason is returned for the page to show.

    Args:
        text: What the seed box holds (SolaraViz passes text once it is edited).
        fallback: The scenario's seed.

    Returns:
        The seed to use and, if the box was not a whole number, the message saying so.

    """
    if text is None or str(text).strip() == "":
        return fallback, None
    try:
        seed = int(str(text).strip())
    except ValueError:
        seed = -1
    if seed < 0:
        problem = InputError("app", "Random seed", "a whole number of at least 0", repr(str(text)))
        return fallback, f"{problem.message} Used the scenario's seed {fallback}."
    return seed, None


class CoalitionApp(CoalitionModel):
    """The coalition model built from the app's slider values.

    SolaraViz creates this class (and creates it again on Reset) with its
    ``model_params`` as keyword arguments. A value left at ``None`` (or equal to the
    scenario's) keeps the scenario's value.

    Args:
        scenario_file: The scenario YAML file.
        open_models: WAICO's open-models offer.
        capacity_building: WAICO's capacity-building offer.
        export_penalty: Amount of the US export-control penalty on WAICO members.
        temperature: Logit temperature (choice noise).
        activation_rate: Share of countries that reconsider each step.
        switching_cost: Utility lost by switching portfolio.
        rng: Seed, as a number or the seed box's text; the scenario's seed when blank.

    Attributes:
        scenario_file: The file the scenario came from.
        overrides: The dotted overrides the sliders applied (values that differ from
            the scenario's).
        seed: The seed the model was built with.
        seed_problem: Why the seed box was ignored, or ``None``.

    Raises:
        InputError: If the scenario file is invalid.

    """

    def __init__(
        self,
        scenario_file: str = f"scenarios/{DEFAULT_SCENARIO}",
        open_models: float | None = None,
        capacity_building: float | None = None,
        export_penalty: float | None = None,
        temperature: float | None = None,
        activation_rate: float | None = None,
        switching_cost: float | None = None,
        rng: int | str | None = None,
    ) -> None:
        chosen = {
            "open_models": open_models, "capacity_building": capacity_building,
            "export_penalty": export_penalty, "temperature": temperature,
            "activation_rate": activation_rate, "switching_cost": switching_cost,
        }  # fmt: skip
        scenario = load_scenario(scenario_file)
        present = scenario.parameters()
        self.overrides = {
            knob.path: float(value)
            for knob in KNOBS
            if (value := chosen[knob.keyword]) is not None and float(value) != present.get(knob.path)
        }
        self.seed, self.seed_problem = parse_seed(rng, scenario.seed)
        super().__init__(scenario.with_overrides(self.overrides), World.load(), rng=self.seed)
        self.scenario_file = str(scenario_file)


# -- what the components draw (plain functions, testable without a browser) -----------
def member_counts(model: CoalitionModel) -> pd.DataFrame:
    """Members of each framework, and non-aligned countries, at every step so far.

    Args:
        model: The model.

    Returns:
        One row per step, one column per framework id (from the DataCollector) plus
        ``non_aligned`` (from the model's history).

    """
    counts = model.datacollector.get_model_vars_dataframe()
    none = model.params.labels.index(NON_ALIGNED)
    counts[NON_ALIGNED_ID] = (np.asarray(model.history) == none).sum(axis=1)
    counts.index.name = "step"
    return counts


def framework_names(model: CoalitionModel) -> dict[str, str]:
    """The scenario's full framework names by id (for labels without a short name)."""
    return {fid: model.spec.frameworks[fid].name for fid in model.params.framework_ids}


def holdings_text(model: CoalitionModel) -> str:
    """Members of each framework now, by readable name: ``"WAICO 1 · US/G7-led 22 · ..."``.

    Args:
        model: The model.

    Returns:
        Each framework's short name (:func:`sim.viz.style.framework_label`) and member
        count, then the non-aligned count.

    """
    counts = member_counts(model).iloc[-1]
    names = framework_names(model)
    return " · ".join(f"{framework_label(fid, names)} {counts[fid]}" for fid in counts.index)


def overrides_text(model: CoalitionApp) -> str:
    """The slider values the model was built with, by slider label (empty when none differ)."""
    labels = {knob.path: knob.label for knob in KNOBS}
    return ", ".join(f"{labels[path]} = {value:g}" for path, value in model.overrides.items())


def membership_figure(model: CoalitionApp) -> Figure:
    """Members of each framework over the steps run so far: the shared membership figure.

    Args:
        model: The model.

    Returns:
        :func:`sim.viz.plots.membership_figure` of the run so far, members only (a
        Figure outside pyplot, nothing to close).

    """
    return plots.membership_figure(RunResult.from_model(model, model.seed, record="final"), ("members",))


def redraw_step(steps: int, every: int, asked: int | None = None) -> int:
    """The step the heavy figures show: the latest multiple of ``every``, or a later step asked for.

    Args:
        steps: Steps the model has run.
        every: Redraw interval of the heavy figures, in steps.
        asked: A step the user asked to see now ("Draw map and why-chart now"); ignored once the model
            has been reset to before it.

    Returns:
        The step to draw.

    """
    regular = steps - steps % every
    return asked if asked is not None and regular <= asked <= steps else regular


@dataclass(frozen=True)
class Redraw:
    """When the heavy figures (map, why-chart) redraw: every N steps, or when asked.

    Attributes:
        every: The interval N (a slider).
        asked: The step "Draw map and why-chart now" was pressed at, or ``None``.

    """

    every: solara.Reactive[int]
    asked: solara.Reactive[int | None]

    def step(self, steps: int) -> int:
        """The step to show after ``steps`` steps (see :func:`redraw_step`)."""
        return redraw_step(steps, self.every.value, self.asked.value)


def portfolios_at(model: CoalitionModel, step: int) -> pd.Series:
    """Every country's portfolio label at a past step, from ``model.history``.

    Args:
        model: The model.
        step: A step in ``0..model.steps``.

    Returns:
        Portfolio labels indexed by iso3.

    """
    labels = np.asarray(model.params.labels, dtype=object)
    return pd.Series(labels[model.history[step]], index=model.world.iso3, name="portfolio")


def map_figure(model: CoalitionModel, step: int) -> Figure:
    """The world map of portfolios at ``step``, drawn by :func:`sim.viz.maps.world_map_figure`.

    Args:
        model: The model.
        step: The step to show.

    Returns:
        A Figure outside pyplot (nothing to close), sized for the app's card.

    """
    figure = Figure(figsize=(8.0, 4.9), layout="constrained")
    world_map_figure(portfolios_at(model, step), model.params.framework_ids, ax=figure.subplots(),
                     names=framework_names(model), title=f"Portfolios at step {step}")  # fmt: skip
    return figure


def portfolio_changes(model: CoalitionModel, iso3: str) -> list[tuple[int, str]]:
    """The steps at which a country's portfolio changed, from ``model.history``.

    Args:
        model: The model.
        iso3: The country's code.

    Returns:
        ``(step, portfolio label)`` pairs: step 0, then every change.

    Raises:
        KeyError: If the code is unknown.

    """
    path = np.asarray(model.history)[:, model.world.index[iso3]]
    steps = np.flatnonzero(np.r_[True, path[1:] != path[:-1]])
    return [(int(step), model.params.labels[path[step]]) for step in steps]


def country_choices(world: World) -> dict[str, str]:
    """The inspector's country list: ``"Name (ISO)"`` to code, sorted by name."""
    pairs = sorted(zip(world.names, world.iso3, strict=True))
    return {f"{name} ({iso3})": str(iso3) for name, iso3 in pairs}


def why_image(model: CoalitionModel, iso3: str) -> Figure:
    """The inspector's utility breakdown: :func:`sim.viz.plots.why_figure` of ``Country.explain()``.

    Args:
        model: The model.
        iso3: The country's code.

    Returns:
        The figure, already released by pyplot (it stays drawable).

    """
    country = model.country(iso3)
    figure = why_figure(country.explain(), country.name, names=framework_names(model))
    plt.close(figure)
    return figure


# -- the components SolaraViz shows ---------------------------------------------------
@solara.component
def Notice(message: str, kind: str) -> None:
    """A coloured message box (``kind``: error, warning, info or success).

    Built on the Vuetify alert directly: ``solara.Error`` and ``solara.Warning`` of
    solara 1.58 cannot be created with ipyvuetify 3 (they pass ``text=True``, which
    ipyvuetify 3 rejects).
    """
    solara.v.Alert(type=kind, outlined=True, children=[message])


@solara.component
def NowCard(model: CoalitionApp, redraw: Redraw) -> None:
    """The step counter, what each framework holds now, and when the heavy figures redraw."""
    update_counter.get()
    shown = redraw.step(model.steps)
    with solara.Card(classes=["coalsim-now"]), solara.Columns([1, 1]):
        with solara.Column(gap="4px"):
            solara.Text(f"Step {model.steps}", classes=["coalsim-step"], style={"font-size": "1.8em"})
            status = f"{model.spec.name}, member countries: {holdings_text(model)}"
            solara.Text(status, classes=["coalsim-status"])
            if model.overrides:
                solara.Text(f"Sliders applied: {overrides_text(model)}")
            if model.seed_problem:
                Notice(model.seed_problem, "warning")
        with solara.Column(gap="0px"):
            every = redraw.every
            solara.SliderInt("Redraw every (steps)", value=every, min=1, max=20)
            solara.Button("Draw map and why-chart now", on_click=lambda: redraw.asked.set(model.steps),
                          outlined=True, disabled=shown == model.steps)  # fmt: skip


@solara.component
def MembershipPlot(model: CoalitionApp) -> None:
    """Membership over time, redrawn when the model steps."""
    update_counter.get()
    figure = solara.use_memo(lambda: membership_figure(model), [model, model.steps])
    with solara.Div(classes=["coalsim-membership"]):
        solara.FigureMatplotlib(figure, dependencies=[model, model.steps], format="png", dpi=MEMBERSHIP_DPI)


@solara.component
def WorldMap(model: CoalitionApp, redraw: Redraw) -> None:
    """The world map at the latest redraw step (its title names the step)."""
    update_counter.get()
    step = redraw.step(model.steps)
    figure = solara.use_memo(lambda: map_figure(model, step), [model, step])
    with solara.Div(classes=["coalsim-map"]):
        solara.FigureMatplotlib(figure, dependencies=[model, step], format="png", dpi=MAP_DPI)


@solara.component
def CountryInspector(model: CoalitionApp, redraw: Redraw) -> None:
    """Pick a country; see why it holds what it holds and how that changed.

    The text follows every step; the why-chart, drawn from the model's state when it is
    drawn, follows the redraw steps and says which step it shows.
    """
    update_counter.get()
    choices = country_choices(model.world)
    start = next((label for label, iso3 in choices.items() if iso3 == DEFAULT_COUNTRY), next(iter(choices)))
    picked = solara.use_reactive(start)
    iso3 = choices.get(picked.value, choices[start])
    shown = redraw.step(model.steps)
    figure, drawn_at = solara.use_memo(lambda: (why_image(model, iso3), model.steps), [model, shown, iso3])
    country = model.country(iso3)
    names = framework_names(model)
    history = " → ".join(
        f"step {step}: {portfolio_display_label(label, names)}"
        for step, label in portfolio_changes(model, iso3)
    )
    with solara.Div(classes=["coalsim-inspector"]):
        solara.Select("Country", values=list(choices), value=picked)
        holds = portfolio_display_label(country.portfolio, names)
        solara.HTML("p", f"<b>{escape(country.name)}</b> holds <b>{escape(holds)}</b> at step "
                         f"{model.steps}. <b>Portfolio history:</b> {escape(history)}. "
                         f"<b>The chart shows step {drawn_at}.</b>")  # fmt: skip
        with solara.Div(classes=["coalsim-why"]):
            solara.FigureMatplotlib(figure, dependencies=[model, drawn_at, iso3], format="png", dpi=80)


@solara.component
def ScenarioView(first_model: CoalitionApp, params: dict[str, object]) -> None:
    """SolaraViz's controls for one scenario, and the main area laid out here.

    The components are not handed to SolaraViz: its draggable grid (solara's
    GridDraggable) stays empty with ipyvue 3, whose Vue 3 front end cannot load
    vue-grid-layout ("GlobalVue.use is not a function"). SolaraViz still owns the model
    (Reset replaces ``model.value``, Step bumps Mesa's update counter), and the
    components read it from the same reactive value.
    """
    model = solara.use_reactive(first_model)
    redraw = Redraw(solara.use_reactive(REDRAW_EVERY), solara.use_reactive(None))
    SolaraViz(model, components=[], model_params=params, name="coalsim: coalitions in AI governance")
    solara.Style(PAGE_CSS)
    with solara.Column(style={"padding": "8px"}, classes=["coalsim-main"]):
        NowCard(model.value, redraw)
        with solara.ColumnsResponsive(12, xlarge=[7, 5]):  # side by side only where both stay legible
            with solara.Card("World map"):
                WorldMap(model.value, redraw)
            with solara.Card("Membership over time"):
                MembershipPlot(model.value)
        with solara.Card("Country inspector"):
            CountryInspector(model.value, redraw)


@solara.component
def CoalitionPage() -> None:
    """The whole app: a scenario picker above SolaraViz's controls, then the components."""
    files = {path.name: str(path) for path in scenario_files()}
    picked = solara.use_reactive(next(iter(files), ""))
    built = solara.use_memo(lambda: _build(files.get(picked.value, "")), [picked.value])
    with solara.Sidebar(), solara.Card("Scenario"):
        if files:
            solara.Select("Scenario file", values=list(files), value=picked)
        if isinstance(built, str):
            Notice(built, "error")
        else:
            solara.Text(built[0].spec.question, style={"font-size": "0.9em"})
    if not isinstance(built, str):
        ScenarioView(*built).key(picked.value)


def _build(scenario_file: str) -> tuple[CoalitionApp, dict[str, object]] | str:
    """A fresh model and its sliders for a scenario file, or why there is none."""
    if not scenario_file:
        return (
            f"No scenario files (*.yaml) in '{scenario_folder().resolve()}'. Point "
            f"${SCENARIO_DIR_VARIABLE} (or coalsim app --scenarios) at a folder of scenarios."
        )
    try:
        return CoalitionApp(scenario_file), model_params(scenario_file)
    except InputError as exc:
        return exc.message


page = CoalitionPage()

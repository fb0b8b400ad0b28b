"""Write the teaching notebooks in notebooks/ from the cells below, so they are reviewed as Python.

Run from the project folder:

    python tools/make_notebooks.py          # (re)write notebooks/*.ipynb
    python tools/make_notebooks.py --check  # exit 1 if a notebook differs from this script

The notebooks are written without outputs and with ``execution_count`` null, with
fixed cell ids, so a change to a notebook shows in git as a change to its text only.
Edit the cells here, not in Jupyter (or copy your edits back here), then run the script.
Each notebook works from whatever folder its kernel starts in (Jupyter starts it in
``notebooks/``): it loads shipped scenarios by name (``sim.load_scenario("baseline")``) and
writes results under the project's ``results/``. Each runs top to bottom in well under a
minute and ends with questions for the reader.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"

KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text: str) -> tuple[str, str]:
    return ("markdown", text.strip())


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip())


FIRST_STEPS = [
    md("""
# 1. First steps: step the model, look, ask why

coalsim models how the 193 UN member states choose among the AI-governance frameworks on the
table in July 2025: **WAICO** (the World AI Cooperation Organization China proposed, based in
Shanghai), the **US/G7-led** arrangements, the **UN** track and the **EU/Council of Europe**
convention. A country holds a *portfolio*: none of them (non-aligned), one, or several.

In this notebook you load the baseline scenario, step the model one month at a time, look at the
countries with Mesa's AgentSet tools, and ask a country why it holds what it holds.

Run the cells from top to bottom (Shift+Enter); `./dev notebooks` opens JupyterLab here. A shipped
scenario is loaded by its name (`"baseline"` is `scenarios/baseline.yaml`), so it is found whatever
folder Jupyter starts in; a path to your own scenario file works too.
"""),
    code("""
%matplotlib inline
import sim

scenario = sim.load_scenario("baseline")
print(scenario.question)
print("frameworks:", scenario.active_frameworks)
print("steps (months):", scenario.steps, "  seed:", scenario.seed)
"""),
    md("""
## The world and the model

`sim.World.load()` reads the shipped country data. `sim.CoalitionModel` is a Mesa model; its agents
are the countries. Nothing has happened yet: the model is at step 0 (July 2025).
"""),
    code("""
world = sim.World.load()
model = sim.CoalitionModel(scenario, world)
print(len(model.agents), "countries, step", model.steps)
"""),
    md("""
## Who holds what at the start?

`model.agents` is a Mesa **AgentSet**. `groupby` sorts the agents into groups by an attribute and
`count()` says how many each group has. A country's `portfolio` is a label such as `waico+un`
or `non-aligned`.
"""),
    code("""
model.agents.groupby("portfolio").count()
"""),
    md("""
`select` keeps the agents that pass a test, and `agg` applies a function to one attribute of all
of them. Who holds the US/G7-led arrangements at the start?
"""),
    code("""
us_led = model.agents.select(lambda country: country.is_member("us_led"))
us_led.agg("name", sorted)
"""),
    md("""
## One step

One step is one month. In each step a share of the countries (the *activation rate*) reconsiders
its portfolio: it compares the utility of every option and picks one, with some noise.
"""),
    code("""
model.step()
print("step", model.steps, "-", model.switches[-1], "countries switched")
model.agents.groupby("portfolio").count()
"""),
    md("""
Every country now holds the UN track: it opened at step 1 (the General Assembly adopted
A/RES/79/325 by consensus), and the scenario makes every UN member join it. That is an input,
not a choice, so `model.switches` counts only the countries that changed their portfolio by
their own choice. `model.history` keeps every country's portfolio at every step (as an index
into `model.params.labels`); `country.index` is the country's position in it. How many hold
something new?
"""),
    code("""
def moved_last_step(country):
    return model.history[-1][country.index] != model.history[-2][country.index]


moved = model.agents.select(moved_last_step)
print(len(moved), "of", len(model.agents), "countries hold something new at step", model.steps)
"""),
    md("""
Which of them chose more than the UN track, that is, changed what they hold besides it?
`country.memberships` lists the frameworks a country holds now; the label it held a step ago
reads as `"us_led+eu_coe"` or `"non-aligned"`.
"""),
    code("""
def chose_to_move(country):
    before = model.params.labels[model.history[-2][country.index]]
    return set(country.memberships) - {"un"} != set(before.split("+")) - {"un", "non-aligned"}


{country.name: country.portfolio for country in model.agents.select(chose_to_move)}
"""),
    md("""
## Ask a country why

`model.country("BRA")` is Brazil. `explain()` lists every option Brazil could hold, with its
utility split into parts: alignment with the framework's leading countries in UN votes, the club
value of the members already in, the offers (open models, capacity building, ...), peers, a
rival's penalty, and the costs. `total` adds them up; `probability` is the chance that the
decision rule picks the option when Brazil reconsiders.
"""),
    code("""
brazil = model.country("BRA")
print(brazil.name, "holds", brazil.portfolio)
brazil.explain().round(2)
"""),
    md("""
The same, as a picture of the most likely options, term by term:
"""),
    code("""
from sim.viz.plots import why_figure

why_figure(brazil.explain(), brazil.name)
"""),
    md("""
## Every country's favourite, with `do`

`do` calls a function on every agent. Here each country notes the option it likes best right now
(the top row of its `explain()`). How many already hold their favourite?
"""),
    code("""
def note_favourite(country):
    country.favourite = country.explain().index[0]


model.agents.do(note_favourite)
happy = model.agents.select(lambda country: country.favourite == country.portfolio)
print(len(happy), "of", len(model.agents), "countries hold their favourite option")
model.agents.groupby("favourite").count()
"""),
    md("""
## Step on

Step to month 24 (two years), one step at a time. The model's DataCollector records the number
of members of each framework at every step; here every sixth month.
"""),
    code("""
while model.steps < 24:
    model.step()
model.datacollector.get_model_vars_dataframe().iloc[::6]
"""),
    md("""
The library turns a stepped model into tidy tables (`RunResult`) and draws membership over
time, by number of countries and by share of world GDP.
"""),
    code("""
from sim.viz.summary import membership_figure

result = sim.RunResult.from_model(model, seed=scenario.seed)
membership_figure(result)
"""),
    md("""
Has Brazil changed its mind since step 1?
"""),
    code("""
print(brazil.name, "holds", brazil.portfolio, "at step", model.steps)
brazil.explain().round(2).head(4)
"""),
    md("""
## Your turn

1. Pick another country (India `IND`, Nigeria `NGA`, Indonesia `IDN`, or your own) and step 12 more
   months. Did it switch? Which part of its `explain()` made the difference?
2. The model is random. Build a new model with `rng=2` instead of the scenario's seed and step it
   to month 24. Which numbers change, and which stay about the same?
3. A question to think about: why can a country hold an option whose `probability` is low?
   (Hint: how many countries reconsider each month, and what does switching cost?)
"""),
]

INCENTIVES = [
    md("""
# 2. Incentives: change one lever, rerun, compare

A *lever* is an offer a framework makes to its members. In the baseline, WAICO offers open models,
capacity building and infrastructure, of the sizes printed below. These sizes are in utility
units: calibrated to what happened (docs/model.md, 8.4) or assumed, never measured, which is why
it is worth asking what changes when they change.

Here you withdraw WAICO's open-models offer (0) and double it, rerun, and compare. Runs are
random, so every variant runs with the **same five seeds**: the differences then come from the
lever, not from luck.
"""),
    code("""
%matplotlib inline
import pandas as pd
import sim

baseline = sim.load_scenario("baseline")
for path, value in baseline.parameters().items():
    if path.startswith("frameworks.waico.levers."):
        print(path, "=", value)
lever = "frameworks.waico.levers.open_models"
offer = baseline.parameters()[lever]
"""),
    md("""
`with_overrides` returns a copy of the scenario with a value changed; it is checked like the file.
"""),
    code("""
variants = {
    "no offer": baseline.with_overrides({lever: 0.0}),
    "baseline": baseline,
    "double offer": baseline.with_overrides({lever: 2 * offer}),
}
seeds = [1, 2, 3, 4, 5]
runs = {
    label: [sim.run(scenario, seed=seed, steps=60) for seed in seeds]
    for label, scenario in variants.items()
}
print(len(seeds) * len(variants), "runs of 60 months")
"""),
    md("""
## Final shares

The share of countries in each framework after 60 months, averaged over the five seeds (in %):
"""),
    code("""
def mean_final_shares(results, measure):
    return pd.concat([result.final_shares(measure) for result in results], axis=1).mean(axis=1)


by_count = pd.DataFrame({label: mean_final_shares(results, "share_count") for label, results in runs.items()})
(100 * by_count).round(1)
"""),
    md("""
Open models matter most where AI capacity is low. Weighted by population instead of counting
countries:
"""),
    code("""
by_population = pd.DataFrame(
    {label: mean_final_shares(results, "share_population") for label, results in runs.items()}
)
(100 * by_population).round(1)
"""),
    md("""
The picture: the median over the seeds with its 5–95% range (left), and each variant's difference
to the baseline (right).
"""),
    code("""
from sim.replications import Replications
from sim.viz.plots import comparison_figure

groups = {label: Replications.from_runs(results, label=label) for label, results in runs.items()}
comparison_figure(
    [groups["no offer"], groups["double offer"]], baseline=groups["baseline"], measure="share_count"
)
"""),
    md("""
## Who moved?

Compare each country's final portfolio with and without the offer, seed by seed, and count the
seeds in which they differ.
"""),
    code("""
def final_portfolios(result):
    countries = result.countries
    last = countries[countries["step"] == countries["step"].max()]
    return last.set_index("iso3")["portfolio"].astype(str)


differs = pd.DataFrame(
    {
        seed: final_portfolios(without) != final_portfolios(doubled)
        for seed, without, doubled in zip(seeds, runs["no offer"], runs["double offer"])
    }
)
seeds_differing = differs.sum(axis=1).sort_values(ascending=False)
seeds_differing.head(8)
"""),
    md("""
Ask the country that differs most often why, in both worlds (same seed, 60 months):
"""),
    code("""
iso3 = seeds_differing.index[0]
for label in ("no offer", "double offer"):
    model = sim.CoalitionModel(variants[label], sim.World.load(), rng=seeds[0])
    model.run_for(60)
    country = model.country(iso3)
    print(f"{label}: {country.name} holds {country.portfolio}")
    display(country.explain()[["open_models", "total", "probability"]].round(2).head(3))
"""),
    md("""
## Your turn

1. Predict first, then test: what happens if the US triples its export-control penalty on WAICO
   members (`penalties.us_export_controls.amount`; `baseline.parameters()` gives its value)?
2. Change `frameworks.waico.levers.capacity_building` by the same amounts instead of open models.
   Are the results different? Why? (Hint: run `coalsim params baseline` in a terminal and look
   at `utility.lever_need`.)
3. In the comparison figure, which framework's interval is the widest, and does it overlap the
   baseline's? What in the model could make a framework end large in some seeds and small in
   others? (Hint: the club value of a framework grows with the weight of its members.)
4. How many seeds do you need before the difference between "baseline" and "double offer" is
   clearly larger than the spread between seeds?
"""),
]

BATCHES = [
    md("""
# 3. Batches: a small sweep, load it, plot it

One run tells one story. A **sweep** runs a scenario at many parameter values, each with several
seeds, and stores every run so you can load, filter and plot them later, or resume the sweep if
it stopped. A sweep is described by a spec file like `scenarios/sweeps/baseline_grid.yaml`.

Here you write a small one: the US export-control penalty at five levels, four seeds each, 48
months per run (20 runs, a few seconds). The spec names its scenario (`baseline`), and the spec
and the runs go under the project's `results/` folder: `sim.scenarios_folder()` is the project's
`scenarios/`, so its parent is the project, whatever folder Jupyter started in.
"""),
    code("""
%matplotlib inline
import pandas as pd
import sim
from sim.experiment import load_experiment, sweep

workdir = sim.scenarios_folder().parent / "results" / "notebook_03"
workdir.mkdir(parents=True, exist_ok=True)
spec = workdir / "penalty_grid.yaml"
spec.write_text(\"\"\"
name: penalty_grid
description: US export-control penalty on WAICO members, five levels, four seeds each.
scenario: baseline
design: grid
replications: 4
seed: 1
steps: 48
parameters:
  penalties.us_export_controls.amount: {values: [0.0, 0.5, 1.0, 1.5, 2.0]}
\"\"\")
experiment = load_experiment(spec)
print(experiment.name, "-", experiment.run_count, "runs")
experiment.points
"""),
    md("""
## Run it

`sweep` runs every design point with every seed and stores the runs as they finish. The seeds
are the same at every point (common random numbers), so points differ only by the parameter.
With `resume=True`, running the cell again reuses the runs already stored (without it, `sweep`
refuses a folder that holds results).
"""),
    code("""
store = workdir / "store"
summary = sweep(spec, store, resume=True)
print(f"{summary.succeeded} runs made, {summary.skipped} reused, {summary.failed} failed, "
      f"in {summary.seconds:.1f} s")
"""),
    md("""
## Load it

`sim.load_results` opens the store; each table is read only when you ask for it. The run table has
one row per run: its parameter values, seed and status.
"""),
    code("""
penalty = "penalties.us_export_controls.amount"
results = sim.load_results(store)
results.runs[["run_id", penalty, "replication", "seed", "status", "seconds"]].head()
"""),
    md("""
An *outcome* is one number per run, written `final_<measure>:<framework>`. Here: WAICO's share of
world population after 48 months. `results.table(outcomes=[...])` makes one tidy row per run: the
swept parameters by their short names (here `amount`), the replication and seed, then the outcomes.
"""),
    code("""
outcome = "final_share_population:waico"
table = results.table(outcomes=[outcome])
table.head()
"""),
    code("""
table.groupby("amount")[outcome].agg(["mean", "min", "max"]).round(3)
"""),
    md("""
## Plot it

Each dot is one run, the line the median over the seeds and the band the 5–95% range.
"""),
    code("""
from sim.viz.plots import tipping_figure

frame = pd.DataFrame(
    {"param_value": table["amount"], "outcome": table[outcome], "replicate": table["replication"]}
)
tipping_figure(
    frame, "US export-control penalty (utility units)", "WAICO's share of world population", percent=True
)
"""),
    md("""
## A slice of the sweep

`select` narrows the results to runs whose parameters match, without reading the rest. Which
portfolios do the countries end with when there is no penalty at all?
"""),
    code("""
no_penalty = results.select({penalty: 0.0})
final = no_penalty.countries
per_seed = final.groupby("portfolio", observed=True).size() / len(no_penalty.succeeded)
per_seed.sort_values(ascending=False).round(1)
"""),
    md("""
(Countries per portfolio, averaged over the four seeds.)

## Your turn

1. Add `rule.kind: {values: [logit, best_response]}` to the spec's parameters and run it into a new
   folder (`workdir / "store_rules"`; the old store refuses a changed spec). Does the decision rule
   change the penalty at which WAICO loses its majority?
2. Change `replications: 4` to `8` and run the cells again. How many runs are reused, and why can
   they be?
3. The same sweep from a terminal in the project folder, on all your cores:
   `coalsim sweep results/notebook_03/penalty_grid.yaml --executor processes --out results/penalty_grid`.
"""),
]

SENSITIVITY = [
    md("""
# 4. Sensitivity and tipping points

Two questions to ask of any result that rests on assumed numbers:

* **Tipping point**: at what value of one assumption does the result flip?
* **Sensitivity**: which of several assumptions moves the result most?

Both run many replications of the model; the sizes here are kept small so that the notebook runs
in seconds. Use more replications for real answers.
"""),
    code("""
%matplotlib inline
import sim
from sim.analysis.sensitivity import sensitivity
from sim.analysis.tipping import tipping
from sim.experiment import sweep
from sim.viz.plots import sensitivity_figure, tipping_figure
"""),
    md("""
## A tipping point

How large must the US export-control penalty on WAICO members be before WAICO holds less than
30% of the world's population after four years? `tipping` bisects the interval from 0 to 2: at
each probe it runs the scenario with the same four seeds and compares the mean with the level.
"""),
    code("""
point = tipping(
    "baseline",
    "penalties.us_export_controls.amount",
    "final_share_population:waico",
    level=0.3,
    low=0.0,
    high=2.0,
    replications=4,
    steps=48,
    tolerance=0.05,
)
print(point.report())
"""),
    md("""
Every probe, in the order bisection made them (`ambiguous`: the mean is within two standard errors
of the level, so more replications would be needed to be sure of its side):
"""),
    code("""
point.table().round(3)
"""),
    code("""
tipping_figure(
    point.replicates(), "US export-control penalty (utility units)", "WAICO's share of world population",
    percent=True,
)
"""),
    md("""
## Sensitivity: which assumption matters most?

A Morris screening moves one parameter at a time along random trajectories through the parameter
space and measures each move's effect on the outcome. `mu_star` is the mean size of a parameter's
effects (how much it matters), `mu` their mean with sign (which way), and `sigma` their spread
(large when the effect depends on the other parameters or is not linear). The spec and its runs
go under the project's `results/` folder; running the cell again reuses the stored runs.
"""),
    code("""
workdir = sim.scenarios_folder().parent / "results" / "notebook_04"
workdir.mkdir(parents=True, exist_ok=True)
spec = workdir / "morris.yaml"
spec.write_text(\"\"\"
name: morris_screen
scenario: baseline
design: morris
samples: 6
levels: 4
replications: 2
seed: 3
steps: 48
parameters:
  frameworks.waico.levers.open_models: {low: 0.0, high: 1.5}
  penalties.us_export_controls.amount: {low: 0.0, high: 2.0}
  rule.switching_cost: {low: 0.0, high: 0.5}
  rule.temperature: {low: 0.05, high: 0.3}
  utility.peer: {low: 0.0, high: 1.0}
\"\"\")
summary = sweep(spec, workdir / "store", resume=True)
print(f"{summary.succeeded} runs made, {summary.skipped} reused, in {summary.seconds:.1f} s")
"""),
    code("""
screen = sensitivity(workdir / "store", "final_share_population:waico")
print(screen.report())
"""),
    code("""
sensitivity_figure(screen.indices, "WAICO's share of world population")
"""),
    md("""
## Your turn

1. Which parameter matters most for WAICO's population share? Does the sign of its `mu` match what
   you expected?
2. Which parameters have a `sigma` as large as their `mu_star`? What could make a parameter's effect
   depend on the others?
3. Is the tipping point the same for WAICO's share of *countries*
   (`final_share_count:waico`)? Why might it differ from the population share?
4. Morris screens; Sobol indices measure, but need many more runs. In a terminal in the project
   folder, try `coalsim sweep scenarios/sweeps/baseline_sobol.yaml --executor processes` and then
   `coalsim sensitivity results/baseline_sobol --outcome final_share_population:waico`.
"""),
]

VALIDATION = [
    md("""
# 5. Validation: does the model reproduce what we know?

A model of international choices is only as useful as the reasons to believe it. This notebook
runs the checks behind `tests/analysis/`: the model, set up in a special way, must reproduce
results that others proved. Then it asks whether a baseline run ends in an equilibrium.

1. **Brock & Durlauf (2001)**: choice with social interactions, solved by `m = tanh(beta (h + J m))`.
2. **Granovetter (1978)**: a threshold cascade that one changed threshold stops.
3. **Barrett (1994)**: self-enforcing agreements hold only two or three members.

(An Axelrod-Bennett landscape of today's largest economies was shown here before; it was dropped
because its propensities were built from the very blocs it was then said to recover: see
`docs/model.md`, section 8.3.)
"""),
    code("""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import sim
from sim.analysis.reference import bd_fixed_points, bd_long_run_mean, granovetter_joiners
"""),
    md("""
## 1. Brock & Durlauf: one framework, identical countries, logit choice

With one framework whose only benefit is the club of the *other* members, and the logit rule,
the model is Brock and Durlauf's discrete choice with social interactions: private utility `h`,
social utility `J`, intensity `beta`. Coding join as +1 and stay out as -1, the mean choice `m`
settles at a solution of `m = tanh(beta (h + J m))`. For `h = 0` there is one solution (`m = 0`)
while `beta J < 1`, and two stable ones (`+m*` and `-m*`) above it: which one a run reaches depends
on where it starts. `sim.analysis.reference` holds the mapping onto scenario fields.
"""),
    code("""
couplings = [0.5, 0.8, 1.2, 1.5, 2.0]
simulated = {start: [bd_long_run_mean(1.0, 0.0, j, start, seed=7, actors=2000, steps=200)
                     for j in couplings] for start in (True, False)}
grid = np.linspace(0.3, 2.2, 80)
upper = [max(bd_fixed_points(1.0, 0.0, j)) for j in grid]

fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(grid, upper, color="0.3", label="stable fixed points (theory)")
ax.plot(grid, [-u for u in upper], color="0.3")
ax.plot(couplings, simulated[True], "o", color="#D55E00", label="simulated, everyone starts in")
ax.plot(couplings, simulated[False], "s", color="#0072B2", label="simulated, everyone starts out")
ax.set_xlabel("beta J (strength of social interaction)")
ax.set_ylabel("long-run mean choice m")
ax.legend(frameon=False, fontsize=8)
ax.grid(alpha=0.3);
"""),
    md("""
Below `beta J = 1` both starts end near 0; above it each start keeps its own equilibrium, as
the theory says. The test suite checks this within a tolerance derived from sampling error.

## 2. Granovetter: a cascade and its fragility

100 actors; actor `i` joins once at least `threshold_i` others have. With thresholds 0, 1, ..., 99
each joiner tips the next. Raise one threshold (the actor at 1) to 2, and the cascade never starts.
"""),
    code("""
thresholds = np.arange(100)
print("thresholds 0..99:", granovetter_joiners(thresholds), "join")
thresholds[1] = 2
print("the actor at 1 raised to 2:", granovetter_joiners(thresholds), "joins")
"""),
    md("""
## 3. Barrett: how large can a self-enforcing agreement be?

In a symmetric game with linear benefits and quadratic abatement costs, a coalition of `k`
signatories is *internally stable* when no signatory gains by leaving, and *externally stable*
when no outsider gains by joining. Here the model itself plays the game: one framework whose
club and peer terms are set so that a country's utility of signing, with `m` others signed, is
Barrett's gain from signing, `s m (2 - m)`. Runs start from every country signed, or from one;
the equilibrium module then checks the state each run ends in.
"""),
    code("""
from sim.analysis.agreements import LinearQuadraticGame, equilibrium_sizes, run_agreement

game = LinearQuadraticGame(n=10, b=1.0, c=1.0)
print("sizes the equilibrium module finds stable:", equilibrium_sizes(game))
for start in (10, 1):
    runs = [run_agreement(game, start, seed=seed) for seed in range(10)]
    print(f"start with {start:2d} signatories -> ends with", [run.size for run in runs],
          "| all Nash:", all(run.report.is_nash for run in runs))
"""),
    md("""
## 4. Does a baseline run end in an equilibrium?

Every run checks its final state: could any country gain by changing its portfolio alone (Nash
in portfolios), and is each framework internally and externally stable?
"""),
    code("""
from sim.equilibrium import check_equilibrium, summary_lines

scenario = sim.load_scenario("baseline")
for kind in ("logit", "best_response"):
    model = sim.CoalitionModel(scenario.with_overrides({"rule.kind": kind}), sim.World.load(), rng=1)
    model.run_for(100)
    print(kind, "->", summary_lines(check_equilibrium(model))[0])
"""),
    md("""
At the calibrated logit temperature (about 0.15, a value the data do not pin down: docs/model.md,
8.4) choices are noisy: some countries hold a portfolio that is not their best response, and the
run ends in a stochastic steady state, not an equilibrium (docs/model.md, 8.5). The best-response
rule removes that noise; the few countries it leaves that "could gain" stay because switching
would cost them more than they gain (the check ignores the switching cost, the countries do not).

## 5. Does the baseline fit what happened?

WAICO was founded by 29 states on 16 July 2026 (month 12). Their names are a held-out test,
not in the repository; the count is public. First the count, over 100 seeds (0-99, as in
`docs/model.md`, 8.7), with its 90% interval and whether the observed 29 lies in it;
then each visible hold-out: how well the model's probability of founding WAICO ranks a list of
states (AUC: 0.5 is chance, 1 a perfect ranking), beside naive forecasts that need no model.
The proxy for the founders is the list of states that co-founded the last China-hosted treaty
organisation (the International Organization for Mediation, May 2025). Lists whose members
the scenario takes as input (the states that declared support before the founding) cannot be
scored.
"""),
    code("""
import pandas as pd

from sim.analysis.scoring import hold_outs, simulate
from sim.errors import InputError
from sim.observations import load_observations

world = sim.World.load()
count = simulate(scenario, "waico", 12, range(100), world=world, estimator="frequency").count()
inside = "inside" if count["low"] <= 29 <= count["high"] else "OUTSIDE"
print(f"WAICO at month 12: median {count['median']:.0f}, 90% interval {count['low']:.0f}-{count['high']:.0f}"
      f" over {count['runs']} seeds; the observed 29 is {inside} it")

rows = []
for hold_out in hold_outs(scenario, load_observations(), world, seeds=5):
    if hold_out.inputs_only:
        continue
    try:
        result = hold_out.compute()
    except InputError:  # too few members left to score (e.g. all fixed by the scenario)
        continue
    rows.append({"hold-out": hold_out.name, "model": result.model["auc"],
                 **{name: scores["auc"] for name, scores in result.baselines.items() if name != "base_rate"}})
pd.DataFrame(rows).set_index("hold-out").round(3)
"""),
    md("""
Where a naive column beats the model, the model loses on that list: read `docs/model.md`,
section 8.4, for why (some lists *are* a bloc's members, so the bloc column is nearly perfect
by construction). A win is not always a real one either: with 31 IOMed founders, the model's
lead over the UNGA column is within the noise (`coalsim score` gives each difference with its
90% interval).

## Your turn

1. In section 1, add `h = 0.2` (a private benefit of joining): how many equilibria are there at
   `beta J = 0.5`, and at `1.5`? Check with `bd_fixed_points(1.0, 0.2, j)`.
2. In section 2, what is the smallest change to the thresholds that lets exactly half the actors join?
3. In section 4, rerun the logit rule with `"rule.temperature": 0.05` added to the overrides:
   how many countries could gain now? Why does the noisier choice at the calibrated temperature
   leave more of them where they are?
4. In section 3, give the game `b = 2.0`: do the stable sizes change? Why not?
5. Read `docs/model.md`, section 8: which of the model's weights can the data identify? In
   section 5, rerun the table with `scenario.with_overrides({"utility.peer": 1.5})` (a value the
   posterior allows): which lists gain, which lose?
"""),
]


EXPLORATION = [
    md("""
# 6. Exploratory modelling: which policy holds up, whatever the uncertainties?

One question, end to end: **can US export controls keep WAICO below a third of the world's
population after two years, whatever countries' choice noise and the pull of their peers turn out
to be, and what is the cheapest US offer that keeps a quarter of the world's states on the US side?**

1. *Sample*: run three export-control policies (levers) in the same sampled scenarios
   (uncertainties nobody controls).
2. *Discover*: in which part of the uncertainty space does WAICO pass a third under today's
   controls (PRIM)?
3. *Compare policies*: satisficing and regret across scenarios.
4. *Optimise*: the cheapest offer that reaches a goal in most scenarios (NSGA-II).

Sizes are kept small so that the notebook runs in under a minute; the uncertainty ranges and the
cost weights are ASSUMPTIONS for illustration, not estimates. Scale the samples up for real answers.
"""),
    code("""
%matplotlib inline
import sim
from sim.analysis.discovery import discover_store
from sim.analysis.optimize import optimize
from sim.analysis.robustness import robustness
from sim.experiment import load_results, sweep
from sim.viz.explore import (
    box_limits_figure,
    convergence_figure,
    pareto_figure,
    robustness_figure,
    tradeoff_figure,
)

workdir = sim.scenarios_folder().parent / "results" / "notebook_06"
workdir.mkdir(parents=True, exist_ok=True)
"""),
    md("""
## 1. Sample: policies in scenarios

The spec separates `uncertainties` (sampled by a Latin hypercube) from `levers`, and names three
`policies`: the baseline's penalty, a hard one and none. Every policy runs in every sampled
scenario with the same seed, so differences between policies are not noise between runs. The
store has a `policy` and a `scenario` column; running the cell again reuses the stored runs.
"""),
    code("""
spec = workdir / "policies.yaml"
spec.write_text(\"\"\"
name: notebook_06
scenario: baseline
design: lhs
samples: 16
replications: 1
seed: 6
steps: 24
uncertainties:
  rule.temperature: {low: 0.02, high: 0.5}
  utility.peer: {low: 0.5, high: 2.5}
levers:
  penalties.us_export_controls.amount: {low: 0.0, high: 2.0}
policies:
  baseline: {}
  hard_controls: {penalties.us_export_controls.amount: 1.6}
  no_controls: {penalties.us_export_controls.amount: 0.0}
\"\"\")
summary = sweep(spec, workdir / "store", resume=True)
print(f"{summary.succeeded} runs made, {summary.skipped} reused, {summary.failed} failed")
results = load_results(workdir / "store")
results.table(["final_share_population:waico"]).head()
"""),
    md("""
## 2. Discover: where does WAICO grow large under today's controls?

"Large" is the median of WAICO's share of the world's population over the baseline policy's runs
(computed below, not fixed by hand, so the question stays one that some runs answer yes and some
no). PRIM peels the box of all runs of the baseline's policy (today's penalty), slice by slice,
towards the runs in which WAICO holds more than that share. The trade-off
curve shows each box's **coverage** (share of those runs it holds) against its **density** (share
of its runs that are such runs); the ring marks the chosen box, the densest with coverage of at
least a half. Each limit's quasi-p value says whether it matters (below 0.05).
"""),
    code("""
shares = results.table(["final_share_population:waico"])
level = float(shares[shares["policy"] == "baseline"]["final_share_population:waico"].median())
print(f"WAICO's median share of the world's population after 24 months, baseline policy: {level:.3f}")
found = discover_store(results, "final_share_population:waico", above=level, policy="baseline")
for box in found.boxes:
    print(f"coverage {box.coverage:.2f}, density {box.density:.2f}:", box.limits, box.significance)
tradeoff_figure(found)
"""),
    code("""
box_limits_figure(found)
"""),
    md("""
## 3. Compare policies: satisficing and regret

For the goal "WAICO below that median share of the world's population": the share of scenarios in which
each policy meets it, and its **regret**, how far it falls short of the best policy in the same
scenario (maximum and 90th percentile over scenarios).
"""),
    code("""
robust = robustness(results, "final_share_population:waico", f"< {level:.3f}")
robust.table.round(3)
"""),
    code("""
robustness_figure(robust)
"""),
    md("""
## 4. Optimise: the cheapest offer that holds in most scenarios

Now a US offer (compute access, market access) with a cost per unit of each lever (an
ASSUMPTION: a unit of compute access costs twice a unit of market access). Each candidate runs in
the same four sampled scenarios; NSGA-II searches the Pareto front of cost against the share of
states the US-led arrangement holds in at least 75% of them, from two optimiser seeds. Evaluations
are kept in a checkpoint, so running the cell again evaluates nothing new.
"""),
    code("""
problem = workdir / "offer.yaml"
problem.write_text(\"\"\"
scenario: baseline
samples: 4
seed: 6
steps: 24
uncertainties:
  rule.temperature: {low: 0.02, high: 0.5}
levers:
  frameworks.us_led.levers.compute_access: {low: 0.0, high: 2.0}
  frameworks.us_led.levers.market_access: {low: 0.0, high: 2.0}
cost:
  frameworks.us_led.levers.compute_access: 2.0
  frameworks.us_led.levers.market_access: 1.0
outcome: final_share_count:us_led
goal: ">= 0.25"
reliability: 0.75
population: 6
generations: 3
seeds: [1, 2]
\"\"\")
search = optimize(problem, checkpoint=workdir / "offer-checkpoint.json", resume=True)
print(search.summary())
search.front.round(3)
"""),
    code("""
pareto_figure(search)
"""),
    code("""
convergence_figure(search)
"""),
    md("""
## Your turn

1. Is the box PRIM found a restriction on the noise of choices, on the peer pull, or both? Rerun
   the discovery with `method="cart"`: does CART draw the same line?
2. Which policy has the smallest maximum regret? Is it also the one that meets the goal most often?
3. Raise `generations` to 6 in the offer spec and rerun the cell: the checkpoint keeps the first
   three generations' evaluations. Do the seeds' hypervolumes level off together?
4. In a terminal in the project folder: `coalsim sweep scenarios/sweeps/baseline_policies.yaml`,
   then `coalsim discover results/baseline_policies --outcome final_share_population:waico --above 0.5`
   and `coalsim robustness results/baseline_policies --outcome final_share_population:waico --goal "<= 0.5"`.
"""),
]


#: Every notebook, by file name, in reading order.
NOTEBOOKS = {
    "01_first_steps.ipynb": FIRST_STEPS,
    "02_incentives.ipynb": INCENTIVES,
    "03_batches.ipynb": BATCHES,
    "04_sensitivity_and_tipping.ipynb": SENSITIVITY,
    "05_validation.ipynb": VALIDATION,
    "06_exploration.ipynb": EXPLORATION,
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """One notebook: the cells in order, no outputs, fixed ids and metadata."""
    stem = name.removesuffix(".ipynb")
    notebook = new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    for number, (kind, text) in enumerate(cells, start=1):
        cell = new_markdown_cell(text) if kind == "markdown" else new_code_cell(text)
        cell["id"] = f"{stem}-{number:02d}"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def render(name: str) -> str:
    """The notebook file's text, as this script writes it."""
    return nbformat.writes(build(name, NOTEBOOKS[name])) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the notebooks are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = FOLDER / name
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            FOLDER.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python tools/make_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Analyses of runs and of sweeps: the analysis layer.

Calibration (``abc``, ``calibration``), scoring, sensitivity, tipping, what-it-takes
(``what_it_takes`` computes, ``answers`` reads and writes its folders), Barrett's
agreements played by the model (``agreements``) and the reference results.

Layer rule (docs/architecture.md): a module here may import the core (``sim/*.py``), the
experiment layer (:mod:`sim.experiment`) and this package, never :mod:`sim.viz` or
:mod:`sim.cli`; errors name a function's own parameters, never flags.
"""

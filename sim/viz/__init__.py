"""Faces that draw: figures, maps, the HTML report, the interactive app (the viz layer).

Layer rule (docs/architecture.md): a module here may import the core (``sim/*.py``),
:mod:`sim.experiment`, :mod:`sim.analysis` and this package, never :mod:`sim.cli`.
Figures are drawn from results in memory; the files they are read from have their
readers below (:class:`sim.replications.Replications`, :func:`sim.analysis.answers.load_answer`).
"""

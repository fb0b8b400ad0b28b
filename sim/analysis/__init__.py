"""Analyses of runs or standalone: stability, landscape; later sensitivity, tipping, calibration."""

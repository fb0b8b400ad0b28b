"""Faces that draw: figures, maps, reports and the interactive app."""

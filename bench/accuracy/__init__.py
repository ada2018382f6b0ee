"""Accuracy benchmark of `openscg.analysis` (run `bench/accuracy.py`; see bench/README-accuracy.md)."""

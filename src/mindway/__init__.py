"""Mindway: an open-source, self-hostable platform for AI-assisted mental health treatment.

Mindway supports care; it does not diagnose and does not replace a clinician.
"""

__version__ = "0.1.0"

"""Adaptive VR exposure: the controller, arousal estimation, physiology and simulation.

Pure domain code: the web scenes, WebSocket endpoint and clinician pages call
``ControllerSession`` (the JSON protocol) or ``ExposureController`` (one session) directly.
"""

from mindway.vr.arousal import ArousalEstimate, ArousalEstimator, PhysiologyMapping
from mindway.vr.controller import ExposureController
from mindway.vr.decision import OVERRIDE_ACTIONS, Decision, Sample, State
from mindway.vr.progress import PatientProgress
from mindway.vr.protocol import ControllerSession, parse_sample, serve_lines
from mindway.vr.store import DirectoryProgressStore, MemoryProgressStore, ProgressStore

__all__ = [
    "OVERRIDE_ACTIONS",
    "ArousalEstimate",
    "ArousalEstimator",
    "ControllerSession",
    "Decision",
    "DirectoryProgressStore",
    "ExposureController",
    "MemoryProgressStore",
    "PatientProgress",
    "PhysiologyMapping",
    "ProgressStore",
    "Sample",
    "State",
    "parse_sample",
    "serve_lines",
]

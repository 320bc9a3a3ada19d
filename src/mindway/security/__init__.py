"""Identity, access, encryption and audit.

All cryptography lives in :mod:`mindway.security.crypto`; all access decisions in
:mod:`mindway.security.policy`; the tamper-evident audit chain in :mod:`mindway.security.audit`.
"""

"""Personalised treatment recommendations: who benefits from which option, how sure, why.

Pure domain code (no database, no HTTP). Public surface:

- ``training.train / predict / evaluate`` and ``registry.save / load``: fit a multi-arm
  treatment-effect model on a table, apply it, score it, keep versions with hashes;
- ``model.Recommendation``: expected outcome and interval per option, the recommended one,
  and why the model declines (outside the training data's support);
- ``explain.drivers``: the features that move one option's expected outcome for a patient;
- ``pharmacogenomics.phenotype_from_diplotype / guidance``: CPIC notes per drug;
- ``card.model_card``: the Markdown model card with its fairness audit.

It informs a clinician; it never prescribes.
"""

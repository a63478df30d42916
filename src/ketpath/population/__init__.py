"""The population scale: a Starsim model of how ketamine use spreads and progresses.

Modules (``model.py``), interventions and scenarios, Optuna calibration
against published figures, Dask sweeps, and synthetic histories in the
interchange format that the person model can assess. Starsim is pinned
(3.7.2): its module API changes between minor releases.
"""

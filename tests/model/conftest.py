"""The slow model ring: tests that run the population model at scale or on a real cluster,
the PDF (typst), charts (matplotlib), the body model against numerical solvers and
the PK fit, and hypothesis properties of the assessment; ``tests/unit`` stays pure and fast.

No fixtures yet; this file marks the folder as a ring of its own (no ``__init__``,
as in the other rings).
"""

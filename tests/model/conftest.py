"""The slow model ring: tests that run the population model at scale or on a real cluster.

No fixtures yet; this file marks the folder as a ring of its own (no ``__init__``,
as in the other rings).
"""

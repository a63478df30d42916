"""ketpath: how ketamine use develops into addiction over time, and what to do about it."""

__version__ = "0.1.0"

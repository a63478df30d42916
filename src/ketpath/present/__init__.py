"""Presentation: what turns records and assessments into words, numbers, charts and reports.

Pure (no web, no store, no services): view models for the pages
(:mod:`.views`), money, schedule and time formatting (:mod:`.format`), the SVG
charts (:mod:`.charts`, :mod:`.history_charts`, :mod:`.score_charts`,
:mod:`.report_charts`) and the terminal report (:mod:`.terminal`,
:mod:`.terminal_text`). The web pages, the command line and the PDF all draw
from here, so they say the same thing in the same words (issue 13, point 2).
"""

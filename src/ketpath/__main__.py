"""``python -m ketpath``: the command line, as the ``ketpath`` script runs it (the tests' live server uses it)."""

from ketpath.cli import main

main()

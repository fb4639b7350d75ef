"""`python -m policycheck` runs the command-line tool."""

from policycheck.cli import entry

entry()

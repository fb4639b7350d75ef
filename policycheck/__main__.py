"""`python -m policycheck` runs the command-line tool."""

import sys

from policycheck.cli import main

sys.exit(main())

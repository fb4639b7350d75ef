"""What a user can get wrong, as one exception family, and the exit codes the CLI documents.

Any module raises a UserError (or a subclass naming where it comes from) with a one-line
message, file:line first when there is a file; policycheck.cli.main catches UserError once,
prints the line and exits with the error's code. Anything else that escapes is a bug.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERNAL = 70


class UserError(Exception):
    """A mistake in how policycheck was called or in what it was given: one line, exit 2."""

    exit_code = EXIT_USAGE

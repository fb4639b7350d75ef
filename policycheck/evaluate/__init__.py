"""Decide requests against RAM policies, explain the decision, and ask "could it ever be allowed?".

A pure library: no files, no printing. Build an Evaluator once per principal's PolicySet (every
pattern is compiled then) and call evaluate() or could_allow() as often as needed. The semantics,
including every choice RAM's documentation leaves open, are in docs/evaluation.md.
"""

from policycheck.evaluate.engine import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    LAYERS,
    ConditionResult,
    Decision,
    Evaluator,
    Match,
    PolicySet,
    Request,
    evaluate,
)
from policycheck.evaluate.possible import Possibility

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "LAYERS",
    "ConditionResult",
    "Decision",
    "Evaluator",
    "Match",
    "PolicySet",
    "Possibility",
    "Request",
    "evaluate",
]

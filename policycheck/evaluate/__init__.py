"""Decide requests against RAM policies, explain the decision, and ask "could it ever be allowed?".

A pure library: no files, no printing. Build an Evaluator once per principal's PolicySet (every
pattern is compiled then), then call evaluator.evaluate(request) and could_allow(evaluator, ...)
as often as needed. The semantics, including every choice RAM's documentation leaves open, are in
docs/evaluation.md.

The names below are imported on first use: `lint` needs only the pattern automaton of this
package, and importing the engine (with its decimal and ipaddress parsers) would slow its start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from policycheck.evaluate.explanation import Explanation, NearMiss, explain
    from policycheck.evaluate.possible import Possibility, could_allow

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "Explanation",
    "IMPLICIT_DENY",
    "LAYERS",
    "ConditionResult",
    "Decision",
    "Evaluator",
    "Match",
    "NearMiss",
    "PolicySet",
    "Possibility",
    "Request",
    "could_allow",
    "evaluate",
    "explain",
]
_HOMES = {name: "policycheck.evaluate.engine" for name in __all__} | {
    "Possibility": "policycheck.evaluate.possible",
    "could_allow": "policycheck.evaluate.possible",
    "Explanation": "policycheck.evaluate.explanation",
    "NearMiss": "policycheck.evaluate.explanation",
    "explain": "policycheck.evaluate.explanation",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)

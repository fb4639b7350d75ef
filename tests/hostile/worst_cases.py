"""Generated worst cases for the "could this ever be allowed" analysis, each a legal-size policy.

Each was reported (issue #14.1) to make `check` or `explain --any-context` run for minutes or
more, the time doubling with every statement added. The tests in test_analysis_bounds.py and
bench/bench_analysis.py both build them from here, so the cases measured are the cases tested.
"""

from __future__ import annotations

import json
import random

MAX_POLICY_CHARS = 6144
"""RAM's limit on one custom policy document (ram.md, limits)."""


def _fit(statements: list[dict]) -> dict:
    """The longest prefix of `statements` (at least one) whose document fits RAM's size limit."""
    kept = list(statements)
    while len(kept) > 1 and len(json.dumps({"Version": "1", "Statement": kept})) > MAX_POLICY_CHARS:
        kept.pop()
    return {"Version": "1", "Statement": kept}


def negated_source_ips() -> dict:
    """An Allow from 10/8 and as many Denies as fit, each `NotIpAddress` on one /24 of it.

    Every Deny must be dodged by a source IP inside its /24, and the /24s are disjoint: with
    one source IP (acs:SourceIp is single-valued) nothing is allowed. The old solver tried
    every true/false combination of the negated conditions: 2^n.
    """
    allow = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
    }
    denies = [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"acs:SourceIp": f"10.{i}.0.0/24"}},
        }
        for i in range(200)
    ]
    return _fit([allow, *denies])


def two_condition_denies() -> dict:
    """Denies of two conditions on keys of their own, then one that no context dodges.

    Each of the first Denies is dodged two ways, independently of the others; the last one is
    not dodged at all (its conditions are the Allow's own). A search that backtracks through
    every way of dodging the first ones before it meets the last takes 2^n steps.
    """
    count = 22
    allow_conditions: dict[str, dict[str, str]] = {"NumericLessThan": {}}
    denies = []
    for i in range(count):
        allow_conditions["NumericLessThan"][f"svc:a{i}"] = "10"
        allow_conditions["NumericLessThan"][f"svc:b{i}"] = "10"
        denies.append(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"NumericLessThan": {f"svc:a{i}": "5", f"svc:b{i}": "5"}},
            }
        )
    allow_conditions["NumericLessThan"].update({"svc:x": "1", "svc:y": "1"})
    denies.append(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NumericLessThan": {"svc:x": "5", "svc:y": "5"}},
        }
    )
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": allow_conditions}
    return _fit([allow, *denies])


def starry_resources(seed: int = 14) -> dict:
    """Allows and Denies on `ram:*` whose Resource patterns are mostly `*`: a product automaton's
    worst case (every star multiplies the states a search over resources must visit)."""
    rng = random.Random(seed)
    statements = []
    for i in range(400):
        letters = [rng.choice("abcdef") for _ in range(12)]
        statements.append(
            {
                "Effect": "Deny" if i % 2 else "Allow",
                "Action": "ram:*",
                "Resource": "acs:ram:*:*:*" + "*".join(letters) + "*",
            }
        )
    return _fit(statements)


CASES = {
    "negated-source-ips": negated_source_ips,
    "two-condition-denies": two_condition_denies,
    "starry-resources": starry_resources,
}

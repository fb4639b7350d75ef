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


def starry_resources(seed: int = 14, guarded: bool = False) -> dict:
    """Allows and Denies on `ram:*` whose Resource patterns are mostly `*`: a product automaton's
    worst case (every star multiplies the states a search over resources must visit).

    `guarded`: each Allow is followed by a Deny of exactly the resources its own pattern
    suggests first (stars left empty), so the cheap first guesses fail and only the exhaustive
    search over the product is left.
    """
    rng = random.Random(seed)
    statements: list[dict] = []
    for i in range(400):
        letters = [rng.choice("abcdef") for _ in range(12)]
        pattern = "acs:ram:*:*:*" + "*".join(letters) + "*"
        allow = not i % 2
        statements.append({"Effect": "Allow" if allow else "Deny", "Action": "ram:*", "Resource": pattern})
        if guarded and allow:
            guesses = [pattern.replace("*", ""), pattern.replace("*", "x")]
            statements.append({"Effect": "Deny", "Action": "ram:*", "Resource": guesses})
    return _fit(statements)


def starry_resources_guarded() -> dict:
    return starry_resources(guarded=True)


SINGLE_VALUED_STRING_KEYS = (
    "acs:AccessId",
    "acs:PrincipalARN",
    "acs:Referer",
    "acs:SourceVpc",
    "acs:UserAgent",
)


def pigeonhole_denies() -> dict:
    """More Denies than single-valued keys, each dodged only by one key taking its own value.

    Every Deny says "StringNotEquals <key> d<i>" for every key: one is dodged when some key
    equals d<i>, and a single-valued key equals one value. With more Denies than keys nothing
    is allowed, but proving it means ruling out every way of sharing the keys among the Denies
    (the pigeonhole principle): a search can only give up, and must say so.
    """
    keys = SINGLE_VALUED_STRING_KEYS
    allow = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringLike": dict.fromkeys(keys, "*")},
    }
    denies = [
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": dict.fromkeys(keys, f"d{i}")},
        }
        for i in range(len(keys) + 12)
    ]
    return _fit([allow, *denies])


CASES = {
    "negated-source-ips": negated_source_ips,
    "two-condition-denies": two_condition_denies,
    "starry-resources": starry_resources,
    "starry-resources-guarded": starry_resources_guarded,
    "pigeonhole-denies": pigeonhole_denies,
}

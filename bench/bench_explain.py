"""Decisions per second of the evaluation engine, against a naive fnmatch loop in the same run.

    .venv/bin/python bench/bench_explain.py [--policies 1000 30] [--seed 7] [--seconds 3] [--json]

Generates (seeded, so every run sees the same set) a principal with N identity policies plus a
control policy: 14 services x 100 actions; statements name a few actions (65%), a verb prefix
such as `ecs:Describe*` (25%), a whole service (9.5%), `*` (0.5%) or NotAction (0.5%); 10% are
Denies (broad ones always with a condition); 40% use Resource `*`; half carry one or two
conditions (IP, tag, date, bool, number, user agent). Requests are random actions on random
ARNs with a realistic context. `cand/req` is how many statements match a request's action: the
work a decision cannot avoid. The naive baseline scans every statement with fnmatch.fnmatchcase
(conditions compiled once, as a fair baseline must); both must agree on every decision.
The issue's target is 100,000 decisions/s on one core for 1,000 policies.
"""

from __future__ import annotations

import argparse
import fnmatch
import random
import sys
import time

from common import emit

from policycheck.evaluate import Evaluator, PolicySet, Request, could_allow
from policycheck.evaluate.operators import compile_condition
from policycheck.model import build_policy

SERVICES = ["ecs", "oss", "rds", "slb", "vpc", "ram", "kms", "ice", "mts", "cms", "sls", "fc", "nas", "cdn"]
VERBS = ["Describe", "List", "Get", "Create", "Delete", "Modify", "Start", "Stop", "Submit", "Query"]
NOUNS = ["Instance", "Bucket", "Job", "Policy", "Key", "Disk", "Snapshot", "Image", "Vpc", "User"]
ACCOUNT = "1234567890"
OPERATION_LEVEL = {"ice", "mts", "vpc"}


def operation_level(action: str) -> bool:
    return action.split(":", 1)[0].lower() in OPERATION_LEVEL


def all_actions() -> list[str]:
    return [f"{s}:{v}{n}" for s in SERVICES for v in VERBS for n in NOUNS]


def _condition(rng: random.Random) -> dict:
    kind = rng.randrange(6)
    if kind == 0:
        return {"IpAddress": {"acs:SourceIp": [f"10.{rng.randrange(8)}.0.0/16", "192.168.0.0/16"]}}
    if kind == 1:
        return {"StringEquals": {"acs:ResourceTag/team": rng.sample(["a", "b", "c", "d"], 2)}}
    if kind == 2:
        return {"DateLessThan": {"acs:CurrentTime": f"202{rng.randrange(4, 8)}-01-01T00:00:00Z"}}
    if kind == 3:
        return {"Bool": {"acs:SecureTransport": "true"}}
    if kind == 4:
        return {"NumericLessThan": {"acs:MaxKeys": str(rng.randrange(10, 1000))}}
    return {"StringLike": {"acs:UserAgent": [f"*tool-{rng.randrange(5)}*"]}}


def _statement(rng: random.Random, actions: list[str]) -> dict:
    service = rng.choice(SERVICES)
    roll = rng.random()
    if roll < 0.65:
        action = [a for a in rng.sample(actions, 4) if rng.random() < 0.5] or [rng.choice(actions)]
    elif roll < 0.9:
        action = [f"{service}:{rng.choice(VERBS)}*"]
    elif roll < 0.995:
        action = [f"{service}:*"]
    else:
        action = ["*"]
    raw: dict = {"Effect": "Deny" if rng.random() < 0.1 else "Allow"}
    if rng.random() < 0.005:
        raw["NotAction"] = [f"{rng.choice(SERVICES)}:*"]
    else:
        raw["Action"] = action
    # Broad Denies are guard rails with a condition (source IP, transport), as people write them.
    broad = "NotAction" in raw or action == ["*"] or action[0].endswith(":*")
    roll = rng.random()
    if roll < 0.4:
        raw["Resource"] = "*"
    elif roll < 0.8:
        raw["Resource"] = [f"acs:{service}:*:{ACCOUNT}:{rng.choice(NOUNS).lower()}/{rng.choice('abcdef')}*"]
    else:
        raw["Resource"] = [f"acs:{service}:cn-*:*:*", f"acs:{service}:*:{ACCOUNT}:x/{rng.randrange(100)}"]
    if rng.random() < 0.5 or (broad and raw["Effect"] == "Deny"):
        condition: dict = {}
        for _ in range(rng.randint(1, 2)):
            for operator, keys in _condition(rng).items():
                condition.setdefault(operator, {}).update(keys)
        raw["Condition"] = condition
    return raw


def generate(count: int, seed: int) -> PolicySet:
    rng = random.Random(seed)
    actions = all_actions()
    identity = tuple(
        build_policy(
            {"Version": "1", "Statement": [_statement(rng, actions) for _ in range(rng.randint(1, 4))]},
            f"policy-{i:04d}.json",
            "identity",
        )
        for i in range(count)
    )
    control = build_policy(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ram:*", "Resource": "*"},
            ],
        },
        "control.json",
        "control",
    )
    return PolicySet(identity, (control,))


def requests(count: int, seed: int) -> list[Request]:
    rng = random.Random(seed + 1)
    actions = all_actions()
    out = []
    for _ in range(count):
        action = rng.choice(actions)
        service = action.split(":")[0]
        name = f"{rng.choice(NOUNS).lower()}/{rng.choice('abcxyz')}{rng.randrange(99)}"
        resource = f"acs:{service}:cn-hangzhou:{ACCOUNT}:{name}"
        context = {
            "acs:SourceIp": (f"10.{rng.randrange(10)}.{rng.randrange(256)}.{rng.randrange(256)}",),
            "acs:CurrentTime": (f"202{rng.randrange(3, 9)}-06-01T12:00:00Z",),
            "acs:SecureTransport": (rng.choice(["true", "false"]),),
            "acs:UserAgent": (f"sdk tool-{rng.randrange(7)}/1.0",),
        }
        if rng.random() < 0.5:
            context["acs:ResourceTag/team"] = (rng.choice("abcdef"),)
        if rng.random() < 0.5:
            context["acs:MaxKeys"] = (str(rng.randrange(2000)),)
        out.append(Request(action, resource, context))
    return out


class Naive:
    """Every statement, every time: fnmatch on action and resource, then the conditions."""

    def __init__(self, policies: PolicySet) -> None:
        layers = [("control", policies.control), ("identity", policies.identity)]
        self.required = [layer for layer, given in layers if given]
        self.statements = [
            (layer, s, [compile_condition(c) for c in s.conditions])
            for layer, given in layers
            for p in given
            for s in p.statements
        ]

    def decide(self, request: Request) -> str:
        action = request.action.lower()
        service = action.split(":")[0]
        # An operation-level request is on the account-scoped ARN (region and account not given).
        resource = f"acs:{service}:<region>:<account-id>:*" if operation_level(action) else request.resource
        context = {k.lower(): v for k, v in request.context.items()}
        allowed = set()
        for layer, statement, conditions in self.statements:
            hit = any(fnmatch.fnmatchcase(action, a.lower()) for a in statement.actions)
            if hit == statement.not_action:
                continue
            hit = any(fnmatch.fnmatchcase(resource, r) for r in statement.resources)
            if hit == statement.not_resource:
                continue
            if not all(c.holds(context.get(c.key)) for c in conditions):
                continue
            if statement.effect == "Deny":
                return "explicit_deny"
            allowed.add(layer)
        return "allow" if all(layer in allowed for layer in self.required) else "implicit_deny"


def rate(function, items: list, seconds: float) -> tuple[float, int]:
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            function(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done


def measure(count: int, seed: int, seconds: float) -> dict:
    policies = generate(count, seed)
    sample = requests(5000, seed)
    start = time.perf_counter()
    evaluator = Evaluator(policies, operation_level=operation_level)
    compile_ms = (time.perf_counter() - start) * 1000
    naive = Naive(policies)
    decisions = [evaluator.evaluate(r).decision for r in sample[:500]]
    disagreements = sum(d != naive.decide(r) for d, r in zip(decisions, sample[:500], strict=True))
    candidates = sum(len(evaluator.candidates(r.action)[1]) for r in sample) / len(sample)
    engine, _ = rate(evaluator.evaluate, sample, seconds)
    baseline, _ = rate(naive.decide, sample[: max(50, 200_000 // (count * 3))], seconds)
    pairs = [(r.action, "*") for r in sample[:200]]
    could, _ = rate(lambda p: could_allow(evaluator, *p), pairs, seconds)
    return {
        "policies": count,
        "statements": sum(len(p.statements) for p in policies.identity + policies.control),
        "candidates": candidates,
        "compile_ms": compile_ms,
        "engine": engine,
        "naive": baseline,
        "could": could,
        "disagreements": disagreements,
        "decisions": {d: decisions.count(d) for d in ("allow", "explicit_deny", "implicit_deny")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, nargs="+", default=[1000, 30])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", action="store_true", help="one JSON line per set (for bench/run.py)")
    args = parser.parse_args()
    rows = [measure(count, args.seed, args.seconds) for count in args.policies]
    if args.json:
        emit({"rows": rows})
        if any(r["disagreements"] for r in rows):
            sys.exit("engine and naive loop disagree")
        return
    print(f"seed {args.seed}; one core; every set also has one control policy (Allow *, Deny ram:*)")
    header = ["policies", "statements", "cand/req", "compile ms", "engine/s", "naive/s", "ratio", "could/s"]
    print("".join(f"{h:>12}" for h in header))
    for r in rows:
        cells = [
            r["policies"],
            r["statements"],
            f"{r['candidates']:.1f}",
            f"{r['compile_ms']:.0f}",
            f"{r['engine']:,.0f}",
            f"{r['naive']:,.0f}",
            f"{r['engine'] / r['naive']:.0f}x",
            f"{r['could']:,.0f}",
        ]
        print("".join(f"{c:>12}" for c in cells))
    for r in rows:
        print(
            f"{r['policies']} policies: decisions in a 500-request sample {r['decisions']}, "
            f"disagreements with the naive loop {r['disagreements']}"
        )
    if any(r["disagreements"] for r in rows):
        sys.exit("engine and naive loop disagree")


if __name__ == "__main__":
    main()

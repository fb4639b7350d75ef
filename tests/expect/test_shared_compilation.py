"""`check` compiles each policy once for all principals and reuses answers between them: every
result must equal the one a principal gets from an Evaluator of its own (no sharing at all).

The configs are generated from a fixed seed: principals share policies (and so share compiled
statements and kept answers), with conditions, Denies, NotAction, resource-scoped actions,
control layers, regions and accounts, wildcard expectations and contexts.
"""

from __future__ import annotations

import json
import random

import pytest

from policycheck.config import load_config
from policycheck.evaluate import Evaluator
from policycheck.expect.check import check_allow, check_deny, expand, run_check
from policycheck.expect.spec import read_spec

POLICIES = {
    "read-media": [{"Effect": "Allow", "Action": ["ice:Get*", "ice:List*"], "Resource": "*"}],
    "submit-secure": [
        {
            "Effect": "Allow",
            "Action": "ice:Submit*",
            "Resource": "*",
            "Condition": {"Bool": {"acs:SecureTransport": "true"}},
        }
    ],
    "office-only": [
        {
            "Effect": "Allow",
            "Action": "ice:*",
            "Resource": "*",
            "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
        }
    ],
    "deny-delete-outside": [
        {
            "Effect": "Deny",
            "Action": "ice:Delete*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
        }
    ],
    "users-team": [
        {"Effect": "Allow", "Action": ["ram:GetUser", "ram:ListUsers"], "Resource": "acs:ram::*:user/team-*"},
        {"Effect": "Allow", "Action": "ram:CreateUser", "Resource": "acs:ram::123456789012:user/team-1"},
    ],
    "all-but-ram": [{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}],
    "ice-in-shanghai": [{"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:cn-shanghai:*:*"}],
    "deny-sts": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}],
}
CONTROL = {
    "full-access": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "deny-ice-delete": [{"Effect": "Deny", "Action": "ice:Delete*", "Resource": "*"}],
    # names no RAM action: a RAM question reads the same statements with or without it, yet a
    # principal under it is denied every RAM action (the control layer is required)
    "ice-only": [{"Effect": "Allow", "Action": "ice:*", "Resource": "*"}],
}
ACTIONS = [
    "ice:GetMediaInfo",
    "ice:ListMediaBasicInfos",
    "ice:SubmitTranscodeJob",
    "ice:DeleteMediaInfos",
    "ram:GetUser",
    "ram:CreateUser",
    "ram:ListUsers",
    "sts:AssumeRole",
    "ice:Delete*",
    "ram:Get*",
]
CONTEXTS = [
    "{acs:SourceIp: 10.1.2.3, acs:SecureTransport: 'true'}",
    "{acs:SourceIp: 192.0.2.1}",
]


def generated(folder, seed: int, principals: int = 24, expectations: int = 12) -> str:
    """A policies/ folder and a policycheck.yaml drawn from `seed`; returns the config's path."""
    rng = random.Random(seed)
    for folder_name, documents in (("policies", POLICIES), ("policies/control", CONTROL)):
        (folder / folder_name).mkdir(parents=True, exist_ok=True)
        for name, statements in documents.items():
            (folder / folder_name / f"{name}.json").write_text(
                json.dumps({"Version": "1", "Statement": statements}, indent=2)
            )
    lines = ["policies: [policies/]", "principals:"]
    for number in range(principals):
        lines.append(f"  p{number}:")
        lines.append(f"    identity: [{', '.join(rng.sample(sorted(POLICIES), rng.randint(1, 3)))}]")
        roll = rng.random()
        if roll < 0.3:
            lines.append("    control: [full-access, deny-ice-delete]")
        elif roll < 0.5:
            lines.append("    control: [ice-only]")
        if rng.random() < 0.3:
            lines.append(f"    region: {rng.choice(['cn-shanghai', 'cn-hangzhou'])}")
        if rng.random() < 0.3:
            lines.append("    account: '123456789012'")
    lines.append("expect:")
    for number in range(principals):
        lines.append(f"  p{number}:")
        chosen: dict[str, list[str]] = {"allow": [], "deny": []}
        for _ in range(expectations):
            effect = rng.choice(["allow", "deny"])
            action = rng.choice(ACTIONS)
            entry = [f"      - action: {action}"]
            roll = rng.random()
            if roll < 0.3:
                entry.append(f"        context: {rng.choice(CONTEXTS)}")
            elif roll < 0.45 and not action.startswith("ice:"):  # ICE's ARN is account-scoped only
                entry.append(f"        resource: acs:ram::123456789012:user/team-{rng.randrange(3)}")
            if effect == "allow" and rng.random() < 0.1:
                entry.append("        conditional: ok")
            chosen[effect].extend(entry)
        for effect, entries in chosen.items():
            if entries:
                lines += [f"    {effect}:", *entries]
    lines += ["lint:", "  kinds:", "    policies/control/**: control", ""]
    path = folder / "policycheck.yaml"
    path.write_text("\n".join(lines))
    return str(path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shared_compilation_gives_what_an_evaluator_of_its_own_gives(tmp_path, seed):
    config = load_config(generated(tmp_path, seed))
    spec = read_spec(config)
    report = run_check(spec, config.lint)
    alone = []
    for expectation in spec.expectations:
        principal = report.principals[expectation.principal]
        decide = check_allow if expectation.effect == "allow" else check_deny
        for action in expand(spec, expectation):
            alone.append(decide(Evaluator(principal.policies), principal, expectation, action))
    assert len(report.results) == len(alone) > 200
    for shared, own in zip(report.results, alone, strict=True):
        assert shared == own, (shared.expectation.principal, shared.action)
    statuses = {r.status for r in alone}
    assert {"holds", "violated", "conditional"} <= statuses, statuses  # the config reaches them all


def test_answers_are_reused_between_principals_with_the_same_statements(tmp_path):
    """The reuse is real (else the test above compares a path with itself)."""
    from policycheck.evaluate import could_allow
    from policycheck.evaluate.engine import Compilation

    config = load_config(generated(tmp_path, 1))
    spec = read_spec(config)
    report = run_check(spec, config.lint)
    compilation = Compilation()
    first, second = (Evaluator(report.principals[n].policies, compilation=compilation) for n in ("p0", "p0"))
    answer = could_allow(first, "ice:GetMediaInfo")
    assert could_allow(second, "ice:GetMediaInfo") is answer
    assert could_allow(Evaluator(report.principals["p0"].policies), "ice:GetMediaInfo") is not answer


@pytest.mark.parametrize("seed", [1, 2])
def test_a_settled_decision_cannot_be_allowed_in_any_context(tmp_path, seed):
    """`check` skips "could it be allowed?" after a settled implicit deny: that answer is no."""
    from policycheck.evaluate import Request, could_allow
    from policycheck.evaluate.keys import single_valued

    config = load_config(generated(tmp_path, seed))
    report = run_check(read_spec(config), config.lint)
    settled = unsettled = 0
    for principal in report.principals.values():
        evaluator = Evaluator(principal.policies)
        region, account = principal.spec.region, principal.spec.account
        for action in (a for a in ACTIONS if "*" not in a):
            for resource in ("*", "acs:ram::123456789012:user/team-1", "acs:ram::210987654321:user/x"):
                decision = evaluator.evaluate(Request(action, resource, {}, region, account))
                possible = could_allow(
                    evaluator, action, resource, {}, any_resource=False, any_context=True,
                    single_valued=single_valued, region=region, account=account,
                ).possible  # fmt: skip
                if decision.settled:
                    settled += 1
                    assert not possible and not decision.allowed, (action, resource, principal.spec.name)
                elif not decision.allowed:
                    unsettled += 1
    assert settled > 50 and unsettled > 10, (settled, unsettled)

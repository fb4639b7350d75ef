"""A seeded corpus of realistic policies, written twice: as RAM policies and as their AWS twins.

Each policy is first drawn as an abstract shape (statements, which service, which real action or
wildcard, which resource, which condition, which defect) and then rendered in both dialects, so
policycheck and parliament lint the same corpus: same sizes, same wildcards, same mistakes.

Shape of the corpus (numbers are the generator's probabilities):
- 1 to 20 statements per policy, most of them short (median 2), 15% Deny;
- actions: real names from policycheck's ICE, RAM and STS catalogs (AWS: MediaConvert, IAM, STS),
  plus uncatalogued OSS/ECS/SLS ones (AWS: S3, EC2, CloudWatch Logs). A statement lists 1 to 6
  exact names (65%), one or two verb wildcards such as `ice:Get*` (25%), `ice:*` (9.5%) or `*`;
- resources: `*` for ICE (authorized per operation), ARNs for RAM, OSS and ECS; 30% of statements
  carry conditions (source IP, secure transport, time, user agent, tags);
- 3% are role trust policies (Principal + sts:AssumeRole);
- 10% have exactly one defect: a typo in an action, a bad ARN, a schema error (lower-case
  effect, `Actions`, a number where a string belongs, a missing Effect), a duplicate key, an
  unknown condition operator or a bad condition value, or broken JSON (a missing comma).

Run as a script to print a summary: `python bench/corpus.py [--count 10000] [--seed 1]`.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from dataclasses import dataclass, field

ACCOUNT = "123456789012"


def _words(text: str) -> list[str]:
    return text.split()


# Real action names per service family, in each dialect. RAM names come from policycheck's own
# catalogs; the AWS lists are real MediaConvert / IAM / STS / S3 / EC2 / Logs actions.
AWS_ACTIONS = {
    "media": (
        "mediaconvert",
        _words(
            "AssociateCertificate CancelJob CreateJob CreateJobTemplate CreatePreset CreateQueue "
            "DeleteJobTemplate DeletePolicy DeletePreset DeleteQueue DescribeEndpoints "
            "DisassociateCertificate GetJob GetJobTemplate GetPolicy GetPreset GetQueue ListJobTemplates "
            "ListJobs ListPresets ListQueues ListTagsForResource PutPolicy TagResource UntagResource "
            "UpdateJobTemplate UpdatePreset UpdateQueue"
        ),
    ),
    "identity": (
        "iam",
        _words(
            "AddUserToGroup AttachGroupPolicy AttachRolePolicy AttachUserPolicy ChangePassword "
            "CreateAccessKey CreateGroup CreatePolicy CreatePolicyVersion CreateRole CreateUser "
            "DeleteAccessKey DeleteGroup DeletePolicy DeletePolicyVersion DeleteRole DeleteUser "
            "DetachGroupPolicy DetachRolePolicy DetachUserPolicy GetAccountSummary GetGroup GetPolicy "
            "GetPolicyVersion GetRole GetUser ListAccessKeys ListAttachedGroupPolicies "
            "ListAttachedRolePolicies ListAttachedUserPolicies ListGroups ListGroupsForUser ListPolicies "
            "ListPolicyVersions ListRoles ListUsers PassRole RemoveUserFromGroup UpdateAccessKey "
            "UpdateAssumeRolePolicy UpdateRole UpdateUser"
        ),
    ),
    "token": ("sts", _words("AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity GetCallerIdentity")),
    "storage": (
        "s3",
        _words(
            "DeleteObject GetBucketLocation GetObject GetObjectAcl ListAllMyBuckets ListBucket "
            "PutObject PutObjectAcl"
        ),
    ),
    "compute": (
        "ec2",
        _words(
            "DescribeImages DescribeInstances DescribeSecurityGroups DescribeVpcs RebootInstances "
            "StartInstances StopInstances"
        ),
    ),
    "logs": ("logs", _words("CreateLogStream DescribeLogGroups GetLogEvents PutLogEvents")),
}
RAM_UNCATALOGUED = {
    "storage": (
        "oss",
        _words(
            "DeleteObject GetBucketInfo GetObject GetObjectAcl ListBuckets ListObjects PutObject PutObjectAcl"
        ),
    ),
    "compute": (
        "ecs",
        _words(
            "DescribeImages DescribeInstances DescribeSecurityGroups DescribeVpcs RebootInstance "
            "StartInstance StopInstance"
        ),
    ),
    "logs": ("log", _words("GetLogStoreLogs ListLogStores PostLogStoreLogs GetLogStore")),
}
FAMILIES = ("media", "identity", "token", "storage", "compute", "logs")
FAMILY_WEIGHTS = (40, 20, 5, 20, 10, 5)
VERBS = ("Get", "List", "Describe", "Query", "Create", "Delete", "Update")
DEFECTS = ("typo", "bad_arn", "schema", "duplicate_key", "bad_operator", "bad_value", "json_syntax")


def ram_actions() -> dict[str, tuple[str, list[str]]]:
    """RAM code and real action names per family: ICE, RAM and STS from policycheck's catalogs."""
    from policycheck import catalog

    found = {
        family: (code, [a.name for a in catalog.service(code).actions])  # type: ignore[union-attr]
        for family, code in (("media", "ice"), ("identity", "ram"), ("token", "sts"))
    }
    return {**found, **RAM_UNCATALOGUED}


@dataclass
class ActionShape:
    family: str
    kind: str  # "exact", "prefix" (Verb*), "service" (svc:*), "all" (*)
    index: int = 0
    verb: str = "Get"
    typo: int = -1  # position of a dropped letter, or -1


@dataclass
class StatementShape:
    effect: str
    family: str
    actions: list[ActionShape]
    resources: list[tuple[str, int]]  # (form, seed)
    conditions: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PolicyShape:
    statements: list[StatementShape]
    trust: bool = False
    defect: str | None = None
    defect_at: int = 0


def _statement_count(rng: random.Random) -> int:
    return min(20, 1 + int(rng.expovariate(1 / 2.6)))


def _actions(rng: random.Random, family: str, names: int) -> list[ActionShape]:
    """What people write: a list of exact names, a verb wildcard or two, or a whole service."""
    roll = rng.random()
    if roll < 0.65:
        picked = rng.sample(range(names), min(names, rng.randint(1, 6)))
        return [ActionShape(family, "exact", index=i) for i in picked]
    if roll < 0.90:
        shapes = [ActionShape(family, "prefix", verb=v) for v in rng.sample(VERBS, rng.randint(1, 2))]
        if rng.random() < 0.2:
            shapes.append(ActionShape(family, "exact", index=rng.randrange(names)))
        return shapes
    if roll < 0.995:
        return [ActionShape(family, "service")]
    return [ActionShape(family, "all")]


def _resources(rng: random.Random, family: str) -> list[tuple[str, int]]:
    if family in ("media", "token") or rng.random() < 0.25:
        return [("star", 0)]
    return [("arn", rng.randrange(1 << 30)) for _ in range(rng.randint(1, 3))]


def _conditions(rng: random.Random) -> list[tuple[str, int]]:
    if rng.random() >= 0.3:
        return []
    kinds = ["ip", "secure", "time", "agent", "tag"]
    return [(kind, rng.randrange(1 << 30)) for kind in rng.sample(kinds, rng.randint(1, 2))]


def draw(rng: random.Random, sizes: dict[str, int]) -> PolicyShape:
    """One abstract policy; `sizes` is the number of real names per family (the smaller dialect's)."""
    if rng.random() < 0.03:
        shape = PolicyShape(
            [StatementShape("Allow", "token", [ActionShape("token", "exact", index=0)], [])], trust=True
        )
    else:
        statements = []
        for _ in range(_statement_count(rng)):
            family = rng.choices(FAMILIES, FAMILY_WEIGHTS)[0]
            actions = _actions(rng, family, sizes[family])
            statements.append(
                StatementShape(
                    "Deny" if rng.random() < 0.15 else "Allow",
                    family,
                    actions,
                    _resources(rng, family),
                    _conditions(rng),
                )
            )
        shape = PolicyShape(statements)
    if rng.random() < 0.10:
        shape.defect = rng.choice(DEFECTS)
        shape.defect_at = rng.randrange(len(shape.statements))
        if shape.defect == "typo":
            target = shape.statements[shape.defect_at].actions[0]
            target.kind, target.typo = "exact", rng.randrange(2, 8)
    return shape


def _name(names: list[str], action: ActionShape) -> str:
    name = names[action.index % len(names)]
    if action.typo >= 0:
        at = min(action.typo, len(name) - 2)
        name = name[:at] + name[at + 1 :]
    return name


def _render_action(action: ActionShape, table: dict[str, tuple[str, list[str]]]) -> str:
    code, names = table[action.family]
    if action.kind == "exact":
        return f"{code}:{_name(names, action)}"
    if action.kind == "prefix":
        verbs = {n[: len(action.verb)] for n in names}
        verb = action.verb if action.verb in verbs else names[0][:3]
        return f"{code}:{verb}*"
    if action.kind == "service":
        return f"{code}:*"
    return "*"


def _ram_arn(family: str, seed: int) -> str:
    name = f"team-{seed % 37}"
    if family == "identity":
        kind = ("user", "role", "group")[seed % 3]
        return f"acs:ram::{ACCOUNT}:{kind}/{name}" + ("*" if seed % 5 == 0 else "")
    if family == "storage":
        return f"acs:oss:*:{ACCOUNT}:{name}-bucket" + ("/*" if seed % 2 else "")
    if family == "compute":
        return f"acs:ecs:cn-{('hangzhou', 'shanghai', 'beijing')[seed % 3]}:{ACCOUNT}:instance/*"
    return f"acs:log:*:{ACCOUNT}:project/{name}/*"


def _aws_arn(family: str, seed: int) -> str:
    name = f"team-{seed % 37}"
    if family == "identity":
        kind = ("user", "role", "group")[seed % 3]
        return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}" + ("*" if seed % 5 == 0 else "")
    if family == "storage":
        return f"arn:aws:s3:::{name}-bucket" + ("/*" if seed % 2 else "")
    if family == "compute":
        return f"arn:aws:ec2:us-{('east-1', 'west-2', 'east-2')[seed % 3]}:{ACCOUNT}:instance/*"
    return f"arn:aws:logs:*:{ACCOUNT}:log-group:{name}:*"


def _condition(kind: str, seed: int, aws: bool) -> tuple[str, str, object]:
    prefix = "aws" if aws else "acs"
    if kind == "ip":
        return "IpAddress", f"{prefix}:SourceIp", [f"10.{seed % 200}.0.0/16", "192.168.0.0/16"]
    if kind == "secure":
        return "Bool", f"{prefix}:SecureTransport", "true"
    if kind == "time":
        return "DateLessThan", f"{prefix}:CurrentTime", f"20{26 + seed % 4}-0{1 + seed % 9}-01T00:00:00Z"
    if kind == "agent":
        return "StringLike", f"{prefix}:UserAgent", f"*tool-{seed % 9}*"
    return "StringEquals", f"{prefix}:ResourceTag/team", ["media", f"team-{seed % 37}"]


def render(shape: PolicyShape, aws: bool, table: dict[str, tuple[str, list[str]]]) -> str:
    """The policy as JSON text (indented, as people keep them in repositories)."""
    statements = []
    for number, s in enumerate(shape.statements):
        defect = shape.defect if number == shape.defect_at else None
        raw: dict = {"Effect": s.effect}
        actions = [_render_action(a, table) for a in s.actions]
        if shape.trust:
            raw["Principal"] = {"Service": ["ec2.amazonaws.com" if aws else "ecs.aliyuncs.com"]}
        raw["Action"] = actions[0] if len(actions) == 1 else actions
        if not shape.trust:
            arn = _aws_arn if aws else _ram_arn
            resources = ["*" if form == "star" else arn(s.family, seed) for form, seed in s.resources]
            if defect == "bad_arn":
                resources.append(f"arn:aws:s3:{ACCOUNT}-bucket/x" if aws else f"acs:oss:{ACCOUNT}-bucket/x")
            raw["Resource"] = resources[0] if len(resources) == 1 else resources
        conditions: dict = {}
        for kind, seed in s.conditions:
            operator, key, value = _condition(kind, seed, aws)
            conditions.setdefault(operator, {})[key] = value
        if defect == "bad_operator":
            conditions.setdefault("StringEqual", {})["aws:UserAgent" if aws else "acs:UserAgent"] = "cli"
        if defect == "bad_value":
            conditions.setdefault("IpAddress", {})["aws:SourceIp" if aws else "acs:SourceIp"] = "10.0.0.300"
        if conditions:
            raw["Condition"] = conditions
        if defect == "schema":
            mistake = number % 4
            if mistake == 0:
                raw["Effect"] = s.effect.lower()
            elif mistake == 1:
                raw["Actions"] = raw.pop("Action")
            elif mistake == 2:
                raw["Action"] = 42
            else:
                del raw["Effect"]
        statements.append(raw)
    document = {"Version": "2012-10-17" if aws else "1", "Statement": statements}
    text = json.dumps(document, indent=2)
    if shape.defect == "duplicate_key":
        # a second Effect in the defective statement: JSON parsers keep the last one silently
        marker = '"Effect": '
        at = -1
        for _ in range(shape.defect_at + 1):
            at = text.find(marker, at + 1)
        if at >= 0:
            text = text[:at] + '"Effect": "Deny",\n      ' + text[at:]
    elif shape.defect == "json_syntax":
        text = text.replace('",\n', '"\n', 1)
    return text


@dataclass(frozen=True)
class Corpus:
    """The same policies twice; `defects` counts the defective ones by kind."""

    ram: list[str]
    aws: list[str]
    statements: int
    defects: dict[str, int]
    trust: int


def generate(count: int = 10_000, seed: int = 1) -> Corpus:
    rng = random.Random(seed)
    ram_table, aws_table = ram_actions(), dict(AWS_ACTIONS)
    sizes = {f: min(len(ram_table[f][1]), len(aws_table[f][1])) for f in FAMILIES}
    shapes = [draw(rng, sizes) for _ in range(count)]
    return Corpus(
        ram=[render(shape, False, ram_table) for shape in shapes],
        aws=[render(shape, True, aws_table) for shape in shapes],
        statements=sum(len(shape.statements) for shape in shapes),
        defects=dict(Counter(shape.defect for shape in shapes if shape.defect)),
        trust=sum(shape.trust for shape in shapes),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print the first N policies in both forms")
    args = parser.parse_args()
    corpus = generate(args.count, args.seed)
    size = sum(map(len, corpus.ram))
    print(
        f"{args.count} policies, {corpus.statements} statements, {corpus.trust} trust policies, "
        f"{size / 1e6:.1f} MB of RAM JSON; defects: {dict(sorted(corpus.defects.items()))}"
    )
    for ram, aws in zip(corpus.ram[: args.show], corpus.aws, strict=False):
        print(ram, aws, sep="\n")


if __name__ == "__main__":
    main()

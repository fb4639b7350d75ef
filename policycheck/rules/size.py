"""POLICY_TOO_LARGE: RAM's size limits per policy kind."""

from __future__ import annotations

import json

from policycheck.rules import PERMISSION_KINDS, Rule, RuleContext

LIMITS = {"identity": 6144, "session": 2048, "control": 4096, "bucket": 16384}
"""Custom policy (RAM limits page), AssumeRole Policy parameter, Resource Directory control policy,
OSS bucket policy (16 KB, OSS's bucket-policy command reference; see docs/bucket-policies.md).

Trust policies are not listed: no limit for them was found in RAM's documentation.
"""


def check_size(context: RuleContext) -> None:
    """Measure the document as clients send it, without insignificant whitespace.

    The docs disagree on characters (CreatePolicy) and bytes (CreatePolicyVersion), so both
    are checked and the message says which fired. A JSON file's own text is never shorter
    than that compact form, so a file within the limit as written needs no re-encoding.
    """
    limit = LIMITS[context.policy.kind]
    document = context.document
    if not document.yaml and len(document.text) <= limit and document.text.isascii():
        return
    compact = json.dumps(document.value, separators=(",", ":"), ensure_ascii=False)
    characters, size = len(compact), len(compact.encode("utf-8"))
    over = [f"{characters:,} characters"] if characters > limit else []
    if size > limit:
        over.append(f"{size:,} bytes")
    if over:
        context.report(
            "POLICY_TOO_LARGE",
            (),
            f"the {context.policy.kind} policy has {' and '.join(over)} without whitespace; "
            f"{'OSS' if context.policy.kind == 'bucket' else 'RAM'} accepts at most {limit:,}",
        )


RULES = (Rule(("POLICY_TOO_LARGE",), PERMISSION_KINDS | {"bucket"}, check_size),)

"""The resource an operation-level request is made on: `acs:<ram-code>:<region>:<account-id>:*`.

A service that authorizes per operation ("All Resources", OPERATION granularity, all of ICE)
has no resource of its own for the request, so RAM matches the statement's Resource against the
account-scoped ARN of the service. Evidence (docs/evaluation.md §1, ram.md §2.1 "Correction"):
Alibaba's own AliyunICEFullAccess grants `ice:*` on `acs:ice:*:*:*`, and RAM's reference puts
account-level operations such as ram:ListPolicyAttachments on `acs:ram:*:<account-id>:*`.
So `*`, `acs:ice:*:*:*`, `acs:ice:cn-shanghai:*:*` (in that region) and
`acs:ice:*:<account>:*` (that account) apply, and `acs:ice:*:*:job/*` never does.

Region and account may be unknown (explain without --region/--account). Then a Resource
pattern applies for every value, for none, or only for some: the last "depends on" the
unknown field, which the engine treats like a missing condition key. An unknown region is any
region id, an unknown account any account id (see _UNKNOWN), decided exactly over the patterns
with the product automaton.

Only the automaton and plain text are imported here: lint uses this module too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from policycheck.evaluate import automaton
from policycheck.patterns import fold

REGION, ACCOUNT = "region", "account"
PLACEHOLDERS = {REGION: "<region>", ACCOUNT: "<account-id>"}
"""How an unknown field is written in a shown ARN (ram.md §2 writes them so)."""

SCOPE_STATES = 20000
"""Budget of product-automaton states when sorting statements by "applies for every region"."""

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_REGION_CHARS = _LETTERS | frozenset("0123456789-")
_ACCOUNT_CHARS = frozenset("0123456789")
_UNKNOWN: dict[str, automaton.Tokens] = {
    REGION: (_LETTERS, automaton.Repeat(_REGION_CHARS)),
    ACCOUNT: (_ACCOUNT_CHARS, automaton.Repeat(_ACCOUNT_CHARS)),
}
"""What an unknown field can be: a region id (`cn-shanghai`: a lower-case letter, then letters,
digits and `-`) or an account id (digits), never empty. A field never holds `:`, so a pattern's `*` cannot
reach across it (`acs:ice:*:*:job/*` must not match by taking `job/` as part of a region)."""


def service_of(action: str) -> str:
    """The RAM code an action's ARN uses: the folded service prefix (`ICE:Get*` -> `ice`)."""
    return fold(action.partition(":")[0])


def operation_arn(service: str, region: str | None, account: str | None) -> str:
    """The account-scoped ARN of a request, with placeholders for what is not known.

    >>> operation_arn("ice", "cn-shanghai", "1234"), operation_arn("ice", None, None)
    ('acs:ice:cn-shanghai:1234:*', 'acs:ice:<region>:<account-id>:*')
    """
    shown_region = PLACEHOLDERS[REGION] if region is None else region
    shown_account = PLACEHOLDERS[ACCOUNT] if account is None else account
    return f"acs:{service}:{shown_region}:{shown_account}:*"


def request_tokens(service: str, region: str | None, account: str | None) -> automaton.Tokens:
    """Every ARN a request can be made on, as automaton tokens (the final `*` is literal)."""

    def part(name: str, value: str | None) -> automaton.Tokens:
        return _UNKNOWN[name] if value is None else automaton.literal_tokens(value)

    return (
        automaton.literal_tokens(f"acs:{service}:")
        + part(REGION, region)
        + automaton.literal_tokens(":")
        + part(ACCOUNT, account)
        + automaton.literal_tokens(":*")
    )


EXAMPLES = {REGION: "cn-hangzhou", ACCOUNT: "1234567890123456"}
"""Readable values a witness request uses for a free field when they give the same answer."""


def split_arn(service: str, arn: str) -> tuple[str, str]:
    """(region, account) of an ARN matching request_tokens, e.g. a witness of the "could it
    ever" search turned back into a request. Neither field holds a `:`."""
    middle = arn[len(f"acs:{service}:") : -len(":*")]
    region, _, account = middle.partition(":")
    return region, account


def unknown_fields(region: str | None, account: str | None) -> tuple[str, ...]:
    return tuple(name for name, value in ((ACCOUNT, account), (REGION, region)) if value is None)


def depends_on(resources: Sequence[str], unknown: tuple[str, ...]) -> tuple[str, ...]:
    """Which unknown fields a statement's Resource names: for messages (the decision is exact).

    A pattern whose region field is not `*` depends on the region, and so on; a pattern whose
    `*` runs across fields names every unknown one.
    """
    named: set[str] = set()
    for resource in resources:
        fields = resource.split(":")
        if len(fields) != 5:
            named.update(unknown)
            continue
        if fields[2] != "*":
            named.add(REGION)
        if fields[3] != "*":
            named.add(ACCOUNT)
    return tuple(sorted(named & set(unknown))) or unknown


@lru_cache(maxsize=8192)
def can_match(service: str, resource: str) -> bool:
    """Whether a Resource pattern matches some account-scoped ARN of the service.

    What RESOURCE_MISMATCH and the evaluator both ask of an operation-level action's grant.

    >>> can_match("ice", "*"), can_match("ice", "acs:ice:*:*:*"), can_match("ice", "acs:ice:*:*:job/*")
    (True, True, False)
    >>> can_match("ice", "acs:ice:cn-shanghai:*:*"), can_match("ice", "acs:oss:*:*:*")
    (True, False)
    """
    if resource == "*":
        return True
    found = automaton.search(
        [request_tokens(service, None, None), automaton.glob_tokens(resource)],
        lambda accepts: True if all(accepts) else None,
        limit=SCOPE_STATES,
    )
    # A search that ran out of budget proves nothing either way: say it may match, so that
    # neither lint nor the evaluator calls a grant empty without proof.
    return bool(found.found) or not found.complete


@dataclass(frozen=True, slots=True)
class ScopeSplit:
    """Statements (by position in the list given) that apply for every / only some ARNs."""

    always: frozenset[int]
    some: frozenset[int]


def split_statements(
    tokens: automaton.Tokens, statements: Sequence[tuple[tuple[str, ...], bool]]
) -> ScopeSplit:
    """Sort statements, given as (Resource patterns, NotResource?), by whether they match every,
    some or no ARN of `tokens`. A search that runs out of budget puts every statement in `some`:
    then none of them grants or denies, and each is reported, rather than guessed.
    """
    patterns: list[automaton.Tokens] = [tokens]
    ranges: list[tuple[range, bool]] = []
    for resources, negated in statements:
        ranges.append((range(len(patterns), len(patterns) + len(resources)), negated))
        patterns.extend(automaton.glob_tokens(r) for r in resources)

    def classify(accepts: tuple[bool, ...]) -> frozenset[int] | None:
        if not accepts[0]:
            return None
        return frozenset(
            index for index, (rng, negated) in enumerate(ranges) if any(accepts[i] for i in rng) != negated
        )

    result = automaton.search(patterns, classify, limit=SCOPE_STATES)
    outcomes = list(result.found)
    if not result.complete:
        return ScopeSplit(frozenset(), frozenset(range(len(statements))))
    always = frozenset.intersection(*outcomes) if outcomes else frozenset()
    some = frozenset().union(*outcomes) - always
    return ScopeSplit(always, some)

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
region id, an unknown account any account id (see _UNKNOWN); reach() decides exactly, field by
field for five-field patterns and with the product automaton for other shapes.

Only the automaton and plain text are imported here: lint uses this module too.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from policycheck.evaluate import automaton
from policycheck.patterns import fold, glob_match

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


GLOBAL_SERVICES = frozenset({"ram", "sts"})
"""Services without regions: their ARNs leave the region empty (RAM's own `acs:ram::<account-id>:
role/NAME`, ram.md §2), so their requests are placed in the empty region whatever is given."""


def region_for(service: str, region: str | None) -> str | None:
    """The region a request of `service` is made in: "" for a global service, else as given.

    >>> region_for("ram", "cn-shanghai"), region_for("ice", "cn-shanghai"), region_for("ice", None)
    ('', 'cn-shanghai', None)
    """
    return "" if service in GLOBAL_SERVICES else region


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


ALWAYS, SOME, NEVER = "always", "some", "never"


@lru_cache(maxsize=16384)
def reach(
    service: str, resources: tuple[str, ...], not_resource: bool, region: str | None, account: str | None
) -> str:
    """Whether a statement's Resource matches the account-scoped ARN for every (ALWAYS), only
    some (SOME) or no (NEVER) value of the region and account not given.

    Exact, by a search over the request's ARNs and the patterns; kept, since the same statement
    is a candidate for many actions of its service. A search that runs out of budget says SOME:
    such a statement neither grants nor denies, and is reported, rather than guessed.

    >>> reach("ice", ("acs:ice:*:*:*",), False, None, None)
    'always'
    >>> in_china = ("acs:ice:cn-*:*:*",)
    >>> reach("ice", in_china, False, None, None), reach("ice", in_china, False, "cn-x", None)
    ('some', 'always')
    """
    each = [_pattern_reach(service, resource, region, account) for resource in resources]
    if None not in each and each.count(SOME) <= 1:
        # One pattern's answer decides, unless two partial ones could cover together.
        union = ALWAYS if ALWAYS in each else SOME if SOME in each else NEVER
        return {ALWAYS: NEVER, NEVER: ALWAYS, SOME: SOME}[union] if not_resource else union
    patterns = [request_tokens(service, region, account), *map(automaton.glob_tokens, resources)]

    def classify(accepts: tuple[bool, ...]) -> bool | None:
        return (any(accepts[1:]) != not_resource) if accepts[0] else None

    result = automaton.search(patterns, classify, limit=SCOPE_STATES)
    if not result.complete:
        return SOME
    outcomes = set(result.found)
    return ALWAYS if outcomes == {True} else NEVER if True not in outcomes else SOME


def can_match(service: str, resource: str) -> bool:
    """Whether a Resource pattern matches some account-scoped ARN of the service.

    What RESOURCE_MISMATCH and the evaluator both ask of an operation-level action's grant.

    >>> can_match("ice", "*"), can_match("ice", "acs:ice:*:*:*"), can_match("ice", "acs:ice:*:*:job/*")
    (True, True, False)
    >>> can_match("ice", "acs:ice:cn-shanghai:*:*"), can_match("ice", "acs:oss:*:*:*")
    (True, False)
    """
    return resource == "*" or reach(service, (resource,), False, region_for(service, None), None) != NEVER


@lru_cache(maxsize=4096)
def _field_reach(name: str, pattern: str) -> str:
    """ALWAYS / SOME / NEVER: how much of every region id (or account id) one field pattern matches."""
    if "*" in pattern and pattern.replace("*", "") in ("", "?"):
        return ALWAYS  # stars with at most one `?`: every non-empty value
    patterns = [_UNKNOWN[name], automaton.glob_tokens(pattern)]
    result = automaton.search(
        patterns, lambda accepts: accepts[1] if accepts[0] else None, limit=SCOPE_STATES
    )
    if not result.complete:
        return SOME
    outcomes = set(result.found)
    return ALWAYS if outcomes == {True} else NEVER if True not in outcomes else SOME


def _pattern_reach(service: str, resource: str, region: str | None, account: str | None) -> str | None:
    """reach() of one pattern with exactly five fields, field by field; None for other shapes.

    The request's ARN has exactly four `:` and its fields none, so a pattern with four `:`
    must meet them one for one: its wildcards stay inside their fields, and the request's
    ARNs are a product of regions and accounts, so the answer is the fields' answers combined.
    """
    fields = resource.split(":")
    if len(fields) != 5 or fields[0] != "acs":
        return None if len(fields) != 5 else NEVER
    if not glob_match(fields[1], service) or not glob_match(fields[4], "*"):
        return NEVER
    answers = []
    for name, value, pattern in ((REGION, region, fields[2]), (ACCOUNT, account, fields[3])):
        if value is not None:
            answers.append(ALWAYS if glob_match(pattern, value) else NEVER)
        else:
            answers.append(_field_reach(name, pattern))
    if NEVER in answers:
        return NEVER
    return ALWAYS if answers == [ALWAYS, ALWAYS] else SOME

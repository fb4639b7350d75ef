"""The account-scoped ARN of operation-level requests: which Resource patterns apply, for which
regions and accounts (policycheck.evaluate.scope)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.evaluate import scope

REGIONS = ("cn-shanghai", "cn-beijing", "a", "ap-southeast-1", "x9", "cn")
ACCOUNTS = ("1234567890123456", "0", "42", "9")
FIELDS = st.sampled_from(
    ["*", "cn-shanghai", "cn-*", "*-1", "?", "", "42", "4*", "1234567890123456", "a:b", "job/*"]
)


def _matches(pattern: str, text: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


@st.composite
def patterns(draw):
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(["*", "acs:*", "acs:ice:*", "acs:ice:*:*:job/*", "acs:*:*:*:*"]))
    service = draw(st.sampled_from(["ice", "*", "ic?", "oss"]))
    return f"acs:{service}:{draw(FIELDS)}:{draw(FIELDS)}:{draw(st.sampled_from(['*', '?', 'job/*', '*x']))}"


@settings(max_examples=300, deadline=None)
@given(st.lists(patterns(), min_size=1, max_size=3), st.booleans(), st.booleans())
def test_split_agrees_with_concrete_regions_and_accounts(resources, know_region, know_account):
    """A statement said to apply everywhere matches every concrete ARN; one said never to apply
    matches none; one said to depend matches some and misses some (over a sample that has them).
    Both ways of answering (field by field, and the automaton over whole ARNs) are exercised."""
    region = "cn-shanghai" if know_region else None
    account = "42" if know_account else None
    how = scope.reach("ice", tuple(resources), False, region, account)
    regions = (region,) if region else REGIONS
    accounts = (account,) if account else ACCOUNTS
    outcomes = {
        any(_matches(r, f"acs:ice:{reg}:{acc}:*") for r in resources) for reg in regions for acc in accounts
    }
    expected = {scope.ALWAYS: {True}, scope.SOME: {True, False}, scope.NEVER: {False}}[how]
    assert outcomes == expected  # for SOME: the sample has a region/account of each kind
    if not know_region and not know_account:
        assert (how != scope.NEVER) == any(scope.can_match("ice", r) for r in resources)
    inverted = scope.reach("ice", tuple(resources), True, region, account)
    assert inverted == {scope.ALWAYS: scope.NEVER, scope.NEVER: scope.ALWAYS, scope.SOME: scope.SOME}[how]


def test_fields_never_hold_a_colon():
    """`acs:ice:*:*:job/*` must not match by taking `job/` into a region: by either method."""
    assert scope.reach("ice", ("acs:ice:*:*:job/*",), False, None, None) == scope.NEVER
    assert scope.reach("ice", ("acs:ice:*:*:job/*", "acs:ice:*:*:x/*"), False, None, None) == scope.NEVER
    assert scope.reach("ice", ("acs:ice:*:job/*",), False, None, None) == scope.NEVER


def test_two_partial_patterns_may_cover_together():
    """The automaton decides a union the fields cannot: these two cover every region id."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    halves = tuple(f"acs:ice:{c}*:*:*" for c in letters)
    assert scope.reach("ice", halves, False, None, None) == scope.ALWAYS
    assert scope.reach("ice", halves[:-1], False, None, None) == scope.SOME


def test_operation_arn_and_split_arn():
    assert scope.operation_arn("ice", "cn-shanghai", None) == "acs:ice:cn-shanghai:<account-id>:*"
    assert scope.split_arn("ice", "acs:ice:cn-shanghai:42:*") == ("cn-shanghai", "42")
    assert scope.depends_on(("acs:ice:cn-shanghai:*:*",), ("account", "region")) == ("region",)
    assert scope.depends_on(("acs:ice:*:42:*",), ("account", "region")) == ("account",)

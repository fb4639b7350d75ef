"""Hypothesis strategies for JSON values near the policy grammar, shared by the property tests.

Names and scalars mix right and wrong spellings, types and shapes, so that generated documents
reach both the accepting and the refusing paths of the loader, the schema and the rules.
"""

from __future__ import annotations

from hypothesis import strategies as st

POLICY_NAMES = st.sampled_from(
    [
        "Version",
        "Statement",
        "Effect",
        "effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
        "Sid",
        "RAM",
        "Service",
        "StringEquals",
        "IpAddress",
        "Bool",
        "acs:SourceIp",
        "x",
    ]
)
SCALARS = st.one_of(
    st.sampled_from(
        [
            "1",
            "Allow",
            "Deny",
            "allow",
            "*",
            "ice:QueryIProductionJob",
            "ice:Q*",
            "acs:ram::1:root",
            "acs:oss:*:*:b/*",
            "10.0.0.0/8",
            "true",
            "2026-01-01T00:00:00Z",
            "",
        ]
    ),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


def json_values(keys: st.SearchStrategy[str] = POLICY_NAMES, max_leaves: int = 40) -> st.SearchStrategy:
    """Nested lists and objects of SCALARS, with object keys drawn from `keys`."""
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=max_leaves,
    )

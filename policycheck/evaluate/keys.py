"""Which condition keys carry one value per request, and which may carry several.

A request has one source IP, one arrival time, one channel: RAM's documentation describes each
of the keys below as a single property of the request (shared/research/ram.md §3.4, each row
with its source; docs/evaluation.md §4 lists them). Every other key may carry several values:
`acs:TagKeys` (the tag keys in a request), tag keys, and every service key, whose meaning the
service defines. "Could it ever be allowed" assumes one value only where it is documented: an
assumption anywhere else would hide contexts RAM can see (a Deny proved that is not one).
"""

from __future__ import annotations

from policycheck.patterns import fold

SINGLE_VALUED_KEYS = (
    "acs:AccessId",
    "acs:CurrentTime",
    "acs:MFAPresent",
    "acs:PrincipalARN",
    "acs:Referer",
    "acs:SecureTransport",
    "acs:SourceIp",
    "acs:SourceVpc",
    "acs:UserAgent",
)
"""Keys documented as one property of the request (the caller's IP, the time, the channel...)."""

_FOLDED = frozenset(map(fold, SINGLE_VALUED_KEYS))


def single_valued(key: str) -> bool:
    """Whether a request carries at most one value for this condition key (case-insensitive).

    >>> single_valued("acs:SourceIP"), single_valued("acs:TagKeys"), single_valued("oss:Prefix")
    (True, False, False)
    """
    return fold(key) in _FOLDED

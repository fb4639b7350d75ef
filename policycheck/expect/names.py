"""Names a user types (an action to check, a condition key in a context) against the catalog.

A typo in an expectation must not pass silently: `deny: ram:DeleteUsr` names no action, so it
would "hold" whatever the policies say, and `explain --action ice:QueryIProdutionJob` would deny
for the wrong reason. An exact action of a catalogued service that its catalog does not know is
an error with "did you mean"; a condition key RAM does not document is a warning only, because
services add keys faster than any catalog.
"""

from __future__ import annotations

from collections.abc import Iterable

from policycheck import catalog
from policycheck.patterns import fold, has_wildcard


def unknown_action(action: str) -> str | None:
    """Why an action (exact or a pattern) names nothing the catalog of its service knows; None if fine.

    Actions of services without a catalog, and patterns whose service part has a wildcard, are
    never reported: nothing is known about them.

    >>> unknown_action("ice:QueryIProdutionJob")
    'ice:QueryIProdutionJob is not an action of ice (did you mean ice:QueryIProductionJob?)'
    >>> unknown_action("ice:Qeury*"), unknown_action("oss:DeleteBucket"), unknown_action("*")
    ('ice:Qeury* matches no action of ice', None, None)
    """
    service_part, colon, name = action.partition(":")
    if not colon or has_wildcard(service_part):
        return None
    known = catalog.service(service_part)
    if known is None:
        return None
    if has_wildcard(name):
        return None if known.match(name) else f"{action} matches no action of {known.ram_code}"
    if known.find(name) is not None:
        return None
    close = [f"{known.ram_code}:{n}" for n in known.nearest(name, limit=1)]
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{action} is not an action of {known.ram_code}{hint}"


def unknown_keys(keys: Iterable[str]) -> list[str]:
    """A warning for each condition key RAM does not document, sorted; with "did you mean".

    A global key (acs:...) must be one of RAM's global keys; a service key is reported only when
    the catalog of its service lists condition keys and this is not one of them.

    >>> unknown_keys(["acs:SourceIP", "acs:SorceIp", "oss:Prefix"])
    ['acs:SorceIp is not a condition key RAM documents (did you mean acs:SourceIp?)']
    """
    warnings = []
    for key in sorted(set(keys)):
        service_part, colon, _ = key.partition(":")
        if not colon:
            warnings.append(f'"{key}" is not a condition key: write acs:<key> or <ram-code>:<key>')
            continue
        if fold(service_part) == "acs":
            if catalog.global_condition_key(key) is None:
                warnings.append(_unknown(key, catalog.global_condition_key_names()))
            continue
        known = catalog.service(service_part)
        documented = {k for action in known.actions for k in action.condition_keys} if known else set()
        if documented and fold(key) not in {fold(k) for k in documented}:
            warnings.append(_unknown(key, sorted(documented)))
    return warnings


def _unknown(key: str, names: Iterable[str]) -> str:
    from policycheck.suggest import close_matches

    names = list(names)
    close = close_matches(fold(key), [fold(n) for n in names], n=1, cutoff=0.6)
    spelled = [next(n for n in names if fold(n) == c) for c in close]
    hint = f" (did you mean {spelled[0]}?)" if spelled else ""
    return f"{key} is not a condition key RAM documents{hint}"

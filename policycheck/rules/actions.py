"""Actions checked against the catalog: MALFORMED_ACTION, UNKNOWN_ACTION, UNKNOWN_SERVICE,
RESOURCE_MISMATCH, REDUNDANT."""

from __future__ import annotations

from functools import lru_cache

from policycheck import catalog, patterns
from policycheck.evaluate import scope
from policycheck.evaluate.automaton import covers
from policycheck.rules import ALL_KINDS, PERMISSION_KINDS, Rule, RuleContext


def _split(action: str) -> tuple[str, str] | None:
    service, colon, name = action.partition(":")
    return (service, name) if colon and service and name else None


def check_actions(context: RuleContext) -> None:
    """Every Action/NotAction value of a catalogued service must name or match a real action."""
    for statement in context.policy.statements:
        uncatalogued: set[str] = set()
        for index, action in enumerate(statement.actions):
            problem = _action_problem(action)
            if problem is None:
                continue
            code, message, service = problem
            if service:  # UNKNOWN_SERVICE: once per service and statement
                if service in uncatalogued:
                    continue
                uncatalogued.add(service)
            context.report(code, context.element_path(statement, statement.action_key, index), message)


@lru_cache(maxsize=8192)
def _action_problem(action: str) -> tuple[str, str, str] | None:
    """(code, message, folded service for UNKNOWN_SERVICE or "") for one Action value, or None.

    A pure function of the value and the packaged catalog, so answers are kept: a corpus of
    policies names the same actions again and again.
    """
    if action == "*":
        return None
    malformed = patterns.action_problem(action)
    if malformed:
        return "MALFORMED_ACTION", f'"{patterns.visible(action)}" can never match an action: {malformed}', ""
    parts = _split(action)
    if parts is None:
        message = f'"{action}" is not an action: write <ram-code>:<action-name>, e.g. ice:GetMediaInfo'
        return "UNKNOWN_ACTION", message, ""
    service_code, name = parts
    if patterns.has_wildcard(service_code):
        return None
    service = catalog.service(service_code)
    if service is None:
        message = f'no action catalog for service "{service_code}": its actions are not checked'
        return "UNKNOWN_SERVICE", message, patterns.fold(service_code)
    if service.match(name):
        return None
    suggestions = _suggest(service.ram_code, name)
    hint = (
        f"; did you mean {', '.join(f'{service.ram_code}:{s}' for s in suggestions)}?" if suggestions else ""
    )
    what = "matches no" if patterns.has_wildcard(name) else "is not an"
    return "UNKNOWN_ACTION", f'"{action}" {what} action of {service.name} ({service.ram_code}){hint}', ""


@lru_cache(maxsize=4096)
def _suggest(ram_code: str, name: str) -> tuple[str, ...]:
    """Nearest real names; for a pattern, the nearest real prefix with its tail (Qeury* -> Query*)."""
    service = catalog.service(ram_code)
    assert service is not None
    if not patterns.has_wildcard(name):
        return service.nearest(name)
    cut = min(i for i in (name.find("*"), name.find("?")) if i >= 0)
    literal, tail = name[:cut], name[cut:]
    if not literal:
        return ()
    from policycheck.suggest import close_matches

    prefixes = {patterns.fold(a.name[: len(literal)]): a.name[: len(literal)] for a in service.actions}
    close = close_matches(patterns.fold(literal), prefixes, n=20, cutoff=0.75)
    return tuple(prefixes[p] + tail for p in close if service.match(prefixes[p] + tail))[:3]


def check_resource_mismatch(context: RuleContext) -> None:
    """Actions authorized per operation need a Resource that can match the account-scoped ARN.

    RAM checks such an action against `acs:<ram-code>:<region>:<account-id>:*`
    (policycheck.evaluate.scope, the same test the evaluator uses), so `*` and `acs:ice:*:*:*`
    work and a job ARN grants (or denies) nothing.
    """
    for statement in context.policy.statements:
        if statement.not_action or statement.not_resource or "*" in statement.resources:
            continue
        affected = []
        for action in statement.actions:
            found = _operation_level(action)
            if found and not any(scope.can_match(found[1], r) for r in statement.resources):
                affected.append(found)
        if not affected:
            continue
        names = [shown for shown, _ in affected]
        service = affected[0][1]
        one = len(names) == 1
        effect = "Allow grants" if statement.effect == "Allow" else "Deny denies"
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        context.report(
            "RESOURCE_MISMATCH",
            (*statement.path, "Resource"),
            f"{shown} {'is' if one else 'are'} authorized per operation (resource "
            f'"All Resources"), so RAM checks {"it" if one else "them"} against the account-scoped ARN '
            f'"{scope.operation_arn(service, None, None)}", which this Resource never matches: the '
            f'{effect} nothing for {"it" if one else "them"}. Use "Resource": "*" or "acs:{service}:*:*:*"',
        )


@lru_cache(maxsize=8192)
def _operation_level(action: str) -> tuple[str, str] | None:
    """(how to name it, RAM code) for an Action value all of whose matches are authorized per
    operation (the pattern itself, or the catalog's spelling of a name); else None.

    A pure function of the value and the packaged catalog: `ice:*` expands to 400 actions,
    which need not be looked at again for every statement that grants it.
    """
    parts = _split(action)
    if parts is None or action == "*" or patterns.has_wildcard(parts[0]):
        return None
    expanded = catalog.expand(action) or ()
    if expanded and all(catalog.is_operation_level(a.full_name) for a in expanded):
        shown = action if patterns.has_wildcard(action) else expanded[0].full_name
        return shown, expanded[0].service
    return None


def _covers_other(folded: list[str], cover: int, index: int) -> bool:
    """Pattern `cover` covers action `index`; of two equivalent patterns only the later is redundant."""
    if cover == index or folded[cover] == folded[index] or not covers([folded[cover]], folded[index]):
        return False
    return cover < index or not covers([folded[index]], folded[cover])


def check_redundant(context: RuleContext) -> None:
    """An action named twice, or one another wildcard in the same list already covers."""
    for statement in context.policy.statements:
        if len(statement.actions) < 2:
            continue
        folded = [patterns.fold(action) for action in statement.actions]
        wildcards = [i for i, a in enumerate(folded) if patterns.has_wildcard(a)]
        seen: set[str] = set()
        for index, action in enumerate(folded):
            if action in seen:
                context.report(
                    "REDUNDANT",
                    context.element_path(statement, statement.action_key, index),
                    f'"{statement.actions[index]}" is listed twice in {statement.action_key}',
                )
                continue
            seen.add(action)
            if not wildcards:
                continue
            cover = next((i for i in wildcards if _covers_other(folded, i, index)), None)
            if cover is not None:
                context.report(
                    "REDUNDANT",
                    context.element_path(statement, statement.action_key, index),
                    f'"{statement.actions[index]}" is already covered by "{statement.actions[cover]}" '
                    f"in the same {statement.action_key}",
                )


RULES = (
    Rule(("MALFORMED_ACTION", "UNKNOWN_ACTION", "UNKNOWN_SERVICE"), ALL_KINDS, check_actions),
    Rule(("RESOURCE_MISMATCH",), PERMISSION_KINDS, check_resource_mismatch),
    Rule(("REDUNDANT",), ALL_KINDS, check_redundant),
)

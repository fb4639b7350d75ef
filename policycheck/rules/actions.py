"""Actions checked against the catalog: MALFORMED_ACTION, UNKNOWN_ACTION, UNKNOWN_SERVICE,
RESOURCE_MISMATCH, REDUNDANT.

RESOURCE_MISMATCH has two checks: actions authorized per operation (ICE) whose Resource cannot
match the account-scoped ARN they are requested on, and OSS actions whose level (service,
bucket, object) no Resource of the statement can reach (in RAM policies and in OSS bucket
policies alike).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import repeat

from policycheck import catalog, patterns
from policycheck.evaluate import scope
from policycheck.evaluate.automaton import covers
from policycheck.rules import ALL_KINDS, PERMISSION_KINDS, Rule, RuleContext


def _split(action: str) -> tuple[str, str] | None:
    service, colon, name = action.partition(":")
    return (service, name) if colon and service and name else None


def check_actions(context: RuleContext) -> None:
    """Every Action/NotAction value of a catalogued service must name or match a real action."""
    extension = context.options.catalog or catalog.NO_EXTENSION
    extensions = repeat(extension)
    for statement in context.policy.statements:
        if not any(map(_action_problem, statement.actions, extensions)):
            continue  # the cached answers, asked without a Python loop: most statements have no problem
        uncatalogued: set[str] = set()
        for index, action in enumerate(statement.actions):
            problem = _action_problem(action, extension)
            if problem is None:
                continue
            code, message, service, severity = problem
            if service:  # UNKNOWN_SERVICE: once per service and statement
                if service in uncatalogued:
                    continue
                uncatalogued.add(service)
            path = context.element_path(statement, statement.action_key, index)
            context.report(code, path, message, severity)


@lru_cache(maxsize=8192)
def _action_problem(
    action: str, extension: catalog.CatalogExtension
) -> tuple[str, str, str, str | None] | None:
    """(code, message, folded service for UNKNOWN_SERVICE or "", severity or None) for one
    Action value, or None.

    A pure function of the value, the team's additions and the packaged catalog, so answers
    are kept: a corpus of policies names the same actions again and again. A name missing from
    a reviewed catalog is an error. One missing from a catalog read from API names only
    (action_names "api") is a warning when a real name is a slip away, and an info otherwise:
    RAM has permission points that are not API names (docs/catalog.md).
    """
    if action == "*":
        return None
    malformed = patterns.action_problem(action)
    if malformed:
        message = f'"{patterns.visible(action)}" can never match an action: {malformed}'
        return "MALFORMED_ACTION", message, "", None
    parts = _split(action)
    if parts is None:
        message = f'"{action}" is not an action: write <ram-code>:<action-name>, e.g. ice:GetMediaInfo'
        return "UNKNOWN_ACTION", message, "", None
    service_code, name = parts
    if patterns.has_wildcard(service_code) or extension.matches(action):
        return None
    service = catalog.service(service_code)
    if service is None:
        message = f'no action catalog for service "{service_code}": its actions are not checked'
        return "UNKNOWN_SERVICE", message, patterns.fold(service_code), None
    if service.match(name):
        return None
    suggestions = _suggest(service.ram_code, name)
    hint = (
        f"; did you mean {', '.join(f'{service.ram_code}:{s}' for s in suggestions)}?" if suggestions else ""
    )
    dated = f" in policycheck's catalog of {service.generated_on}" if service.generated_on else ""
    if service.action_names == "reviewed":
        what = "matches no" if patterns.has_wildcard(name) else "is not an"
        message = (
            f'"{action}" {what} action of {service.name} ({service.ram_code}){dated}{hint} '
            "(if RAM has it, add it under catalog.actions in policycheck.yaml)"
        )
        return "UNKNOWN_ACTION", message, "", None
    what = "matches none of the" if patterns.has_wildcard(name) else "is not one of the"
    message = (
        f'"{action}" {what} API names of {service.name} ({service.ram_code}){dated}{hint} '
        "(RAM also has permission points that are not API names: if this is one, add it under "
        "catalog.actions in policycheck.yaml)"
    )
    return "UNKNOWN_ACTION", message, "", "warning" if _likely_typo(name, suggestions) else "info"


def _likely_typo(name: str, suggestions: tuple[str, ...]) -> bool:
    """Whether the nearest real name is a slip away (ratio >= 0.9: a letter or two in a long name).

    A catalog read from API names lacks the permission points that are not API names, so a name
    missing from it is evidence of a typo only when a real name is that close. Patterns are
    judged by their literal part.

    >>> _likely_typo("DescribeInstancse", ("DescribeInstances",))
    True
    >>> _likely_typo("QueryMetricList", ("DescribeMetricList",))
    False
    """
    if not suggestions:
        return False
    from difflib import SequenceMatcher

    literal = name.split("*", 1)[0].split("?", 1)[0] if patterns.has_wildcard(name) else name
    nearest = suggestions[0][: len(literal)] if patterns.has_wildcard(name) else suggestions[0]
    return SequenceMatcher(None, patterns.fold(literal), patterns.fold(nearest)).ratio() >= 0.9


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


def matches_star(resource: str) -> bool:
    """Whether a pattern matches the literal "*" (the relative part of OSS's service-level ARN).

    Each `*` of the pattern can stand for nothing or for the one character, so a pattern that
    is not empty matches "*" exactly when, without its stars, it is empty or a single `?`
    (tests/rules/test_actions.py checks it against the regex).

    >>> matches_star("*"), matches_star("*?*"), matches_star("acs:ice:*:*:*"), matches_star("??")
    (True, True, False, False)
    """
    return resource != "" and resource.replace("*", "") in ("", "?")


OSS_LEVELS = ("service", "bucket", "object")


def oss_level(action: catalog.ActionInfo) -> str | None:
    """service, bucket or object: which OSS ARN an action is checked against, from its resource types.

    >>> oss_level(catalog.lookup("oss:GetObject")), oss_level(catalog.lookup("oss:ListObjects"))
    ('object', 'bucket')
    >>> oss_level(catalog.lookup("oss:ListBuckets"))
    'service'
    """
    levels = {_template_level(form) for form in action.resource_types}
    return levels.pop() if len(levels) == 1 else None


def _template_level(form: str) -> str | None:
    relative = form.split(":", 4)[4] if form.count(":") >= 4 else ""
    if relative == "*":
        return "service"
    if relative.startswith("{#") and "/" in relative:
        return "object"
    return "bucket" if relative.startswith("{#") else None


def resource_reaches(resource: str, level: str) -> bool:
    """Whether a Resource pattern can match some OSS ARN of this level.

    The relative part (after the fourth colon) decides: a bucket ARN has no "/", an object ARN
    has one, the service-level ARN is the literal "*". A wildcard there may stand for either.

    >>> resource_reaches("acs:oss:*:*:media", "object"), resource_reaches("acs:oss:*:*:media/*", "bucket")
    (False, False)
    >>> resource_reaches("acs:oss:*:*:media*", "object"), resource_reaches("*", "service")
    (True, True)
    """
    if resource.count(":") < 4:  # "*", or a short pattern whose wildcards may cover anything
        return patterns.has_wildcard(resource)
    relative = resource.split(":", 4)[4]
    if level == "service":
        return matches_star(relative)
    if level == "bucket":
        return "/" not in relative
    return "/" in relative or patterns.has_wildcard(relative)


def check_oss_resource_levels(context: RuleContext) -> None:
    """OSS object actions on a bucket ARN (and bucket or service actions on the wrong ARN) grant nothing.

    OSS checks oss:GetObject against acs:oss:*:<owner>:<bucket>/<object>, oss:ListObjects
    against acs:oss:*:<owner>:<bucket> and oss:ListBuckets against acs:oss:*:<owner>:*; a
    statement none of whose Resource values can match that ARN has no effect for the action.
    """
    for statement in context.policy.statements:
        if statement.not_action or statement.not_resource:
            continue
        # No "oss:" in the lowered text: no value starts with it (a C-level test for most statements)
        if "oss:" not in "".join(statement.actions).lower() or not any(map(_is_oss, statement.actions)):
            continue
        resources = [r for r in statement.resources if r == "*" or patterns.fold(r[:8]) == "acs:oss:"]
        if len(resources) != len(statement.resources) or not resources:
            continue
        unreachable = [
            shown
            for action in statement.actions
            if (shown := _oss_unreachable(action, tuple(resources))) is not None
        ]
        if not unreachable:
            continue
        effect = "Allow grants" if statement.effect == "Allow" else "Deny denies"
        context.report(
            "RESOURCE_MISMATCH",
            (*statement.path, "Resource"),
            f"{'; '.join(unreachable)}: no Resource here can match that ARN, so the {effect} "
            "nothing for it. Object actions need bucket/object ARNs (acs:oss:*:*:mybucket/*), "
            'bucket actions the bucket ARN without "/" (acs:oss:*:*:mybucket), '
            'oss:ListBuckets "*" or acs:oss:*:*:*',
        )


def _is_oss(action: str) -> bool:
    return action[:4].lower() == "oss:"


_LEVEL_ARN = {
    "service": "acs:oss:*:<owner>:*",
    "bucket": "acs:oss:*:<owner>:<bucket>",
    "object": "acs:oss:*:<owner>:<bucket>/<object>",
}


@lru_cache(maxsize=4096)
def _oss_unreachable(action: str, resources: tuple[str, ...]) -> str | None:
    """How to name an OSS Action value none of whose actions any of `resources` can reach; else None."""
    levels = _oss_levels(action)
    if not levels or None in levels:
        return None
    if any(resource_reaches(r, level) for r in resources for level in levels):
        return None
    shown = ", ".join(f"{_LEVEL_ARN[level]}" for level in OSS_LEVELS if level in levels)
    return f"{action} is checked against {shown}"


@lru_cache(maxsize=4096)
def _oss_levels(action: str) -> frozenset[str | None]:
    """The OSS levels of the actions an Action value names (none for another service's value).

    Kept per value, apart from the Resources it meets: `oss:*` names about 300 actions, and
    the same value comes with many different Resource lists.
    """
    parts = _split(action)
    if parts is None or patterns.fold(parts[0]) != "oss":
        return frozenset()
    return frozenset(oss_level(found) for found in catalog.expand(action) or ())


def check_resources_reachable(context: RuleContext) -> None:
    """RESOURCE_MISMATCH, both ways a Resource can miss what RAM checks: per-operation actions
    (ICE) scoped to an ARN, and OSS actions whose level no Resource reaches."""
    check_resource_mismatch(context)
    check_oss_resource_levels(context)


def _cover_of(folded: list[str], wildcards: list[int], index: int) -> int | None:
    """The first wildcard pattern that covers action `index`; of two equivalent patterns only
    the later is redundant."""
    action = folded[index]
    for cover in wildcards:
        pattern = folded[cover]
        if cover == index or pattern == action or not _covers_one(pattern, action):
            continue
        if cover < index or not _covers_one(action, pattern):
            return cover
    return None


@lru_cache(maxsize=16384)
def _covers_one(cover: str, pattern: str) -> bool | None:
    """covers() of one pattern by another, kept by the pair: two strings hash faster than the
    (tuple, pattern, limit) key covers() keeps its answers under."""
    return covers((cover,), pattern)


def check_redundant(context: RuleContext) -> None:
    """An action named twice, or one another wildcard in the same list already covers."""
    fold = patterns.fold
    for statement in context.policy.statements:
        actions = statement.actions
        if len(actions) < 2:
            continue
        joined = "".join(actions)
        if "*" not in joined and "?" not in joined and len(set(map(str.lower, actions))) == len(actions):
            # No wildcard, and no name twice: values equal once folded are equal once lowered
            # (str.lower maps A-Z as fold does, and the rest alike in both). Most lists; C-level tests.
            continue
        folded = list(map(fold, actions))
        wildcards = [i for i, a in enumerate(folded) if "*" in a or "?" in a]
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
            cover = _cover_of(folded, wildcards, index)
            if cover is not None:
                context.report(
                    "REDUNDANT",
                    context.element_path(statement, statement.action_key, index),
                    f'"{statement.actions[index]}" is already covered by "{statement.actions[cover]}" '
                    f"in the same {statement.action_key}",
                )


RULES = (
    Rule(("MALFORMED_ACTION", "UNKNOWN_ACTION", "UNKNOWN_SERVICE"), ALL_KINDS, check_actions),
    # A bucket policy grants OSS actions on its bucket's ARNs: OSS checks the same levels there.
    Rule(("RESOURCE_MISMATCH",), PERMISSION_KINDS | {"bucket"}, check_resources_reachable),
    Rule(("REDUNDANT",), ALL_KINDS, check_redundant),
)

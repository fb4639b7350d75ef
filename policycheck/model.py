"""The policy model: a schema-valid document normalised once into immutable records.

Every later stage (rules, evaluation, expectations) reads these objects and never the raw
JSON again, so string-or-list elements, NotAction and friends are resolved in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal, NamedTuple

PolicyKind = Literal["identity", "trust", "control", "session", "bucket"]
POLICY_KINDS: tuple[PolicyKind, ...] = ("identity", "trust", "control", "session", "bucket")
"""bucket: an OSS bucket policy, the resource-based policy attached to one bucket."""

BUCKET_PRINCIPAL = "OSS"
"""The key a bucket policy's list-form Principal is kept under in `Statement.principal`."""

JsonPath = tuple[str | int, ...]
"""A path into a document: ("Statement", 0, "Action", 1) is Statement[0].Action[1]."""


@lru_cache(maxsize=4096)
def format_path(path: JsonPath) -> str:
    """Render a path the way findings show it (kept per path: every finding renders one, and
    the same few shapes recur, Statement[0].Action above all).

    >>> format_path(("Statement", 0, "Action", 1))
    'Statement[0].Action[1]'
    >>> format_path(())
    ''
    """
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


class Condition(NamedTuple):
    """One operator/key pair of a Condition block; any of `values` may match (OR)."""

    operator: str
    key: str
    values: tuple[str, ...]
    path: JsonPath


class Statement(NamedTuple):
    """One statement with its string-or-list elements normalised to tuples.

    `actions` holds the values of Action or of NotAction (then `not_action` is true);
    `resources` likewise for Resource / NotResource, and is empty in trust policies.
    """

    index: int
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]
    principal: tuple[tuple[str, tuple[str, ...]], ...] | None
    sid: str | None

    @property
    def path(self) -> JsonPath:
        return ("Statement", self.index)

    @property
    def action_key(self) -> str:
        return "NotAction" if self.not_action else "Action"

    @property
    def resource_key(self) -> str:
        return "NotResource" if self.not_resource else "Resource"


class Policy(NamedTuple):
    """A policy document of one kind, with where it came from for messages.

    `locate` maps a path to (line, column) in `source`; it is computed lazily by the
    loader, so only reports that show a line pay for it.
    """

    source: str
    kind: PolicyKind
    statements: tuple[Statement, ...]
    name: str = ""
    locate: Callable[[JsonPath], tuple[int, int]] | None = None

    def line_of(self, path: JsonPath) -> int:
        return self.locate(path)[0] if self.locate else 0


def _strings(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def detect_kind(value: Any) -> PolicyKind:
    """A statement naming a Resource and a Principal in OSS's list form (["*"], ["<uid>"]) makes
    an OSS bucket policy; any other statement naming a Principal, a role trust policy (whose
    Principal is an object such as {"RAM": [...]}, so a stray Resource there is a trust policy's
    mistake); else identity.

    Control and session policies look exactly like identity policies, so they are
    only ever chosen explicitly (--kind, or where a principal declares them).
    """
    statements = value.get("Statement") if isinstance(value, dict) else None
    if not isinstance(statements, list):
        return "identity"
    with_principal = [s for s in statements if isinstance(s, dict) and "Principal" in s]
    if any(
        ("Resource" in s or "NotResource" in s) and not isinstance(s["Principal"], dict)
        for s in with_principal
    ):
        return "bucket"
    return "trust" if with_principal else "identity"


def _principal(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A trust policy's {"RAM": [...], ...}, or a bucket policy's list kept under BUCKET_PRINCIPAL."""
    if isinstance(value, dict):
        return tuple((k, _strings(v)) for k, v in value.items())
    return ((BUCKET_PRINCIPAL, _strings(value)),)


def build_policy(
    value: dict[str, Any],
    source: str,
    kind: PolicyKind,
    name: str = "",
    locate: Callable[[JsonPath], tuple[int, int]] | None = None,
) -> Policy:
    """Normalise a schema-valid document into a Policy.

    Written for the common statement (an Action and a Resource, each a string or a list; no
    Principal): positional records and inline tests, since lint builds one per file.
    """
    statements = []
    for index, raw in enumerate(value["Statement"]):
        get = raw.get
        actions = get("Action")
        not_action = actions is None
        if not_action:
            actions = raw["NotAction"]
        resources = get("Resource")
        not_resource = resources is None and "NotResource" in raw
        if not_resource:
            resources = raw["NotResource"]
        block = get("Condition")
        principal = get("Principal")
        statements.append(
            Statement(
                index,
                raw["Effect"],
                (actions,) if type(actions) is str else tuple(actions),
                not_action,
                () if resources is None else (resources,) if type(resources) is str else tuple(resources),
                not_resource,
                _conditions(block, index) if block else (),
                None if principal is None else _principal(principal),
                get("Sid"),
            )
        )
    return Policy(source, kind, tuple(statements), name, locate)


def _conditions(block: dict[str, Any], index: int) -> tuple[Condition, ...]:
    return tuple(
        Condition(operator, key, _strings(values), ("Statement", index, "Condition", operator, key))
        for operator, keys in block.items()
        for key, values in keys.items()
    )

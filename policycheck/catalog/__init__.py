"""Action catalogs and global condition keys: what each RAM action is, read from packaged data.

One JSON file per service lives in policycheck/catalog/data/ (<ram_code>.json, format in
schemas/catalog.schema.json), plus global-condition-keys.json and _build.json (when and from
which SDK packages tools/build_catalogs.py built them). Nothing is read at import time: a file
is parsed with `json` the first time its service is asked for, then kept, so `policycheck lint`
starts fast, reads only the services a policy names, and pays for each file once.

A team adds what the catalog lacks in policycheck.yaml (`catalog:`); that arrives here as a
CatalogExtension passed in by the caller, never as module state.

Names are matched case-insensitively, as RAM matches Action values ("Values in Action and
NotAction are generally not case-sensitive"), and `*` / `?` are RAM's only wildcards.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from operator import attrgetter
from typing import NamedTuple

import policycheck.catalog.data as catalog_data
from policycheck.data import list_files, read_text
from policycheck.patterns import fold, glob_test, has_wildcard

_GLOBAL_KEYS_FILE = "global-condition-keys.json"
_MATCH_CACHE_LIMIT = 4096


ALL_RESOURCES: tuple[str, ...] = ("*",)
"""The resource types of an action that cannot be scoped to a resource ("All Resources")."""


class ActionInfo(NamedTuple):
    """One RAM action of a catalogued service, as its authorization table describes it."""

    service: str
    name: str
    access_level: str
    access_level_source: str
    resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]
    associated_operations: tuple[str, ...]
    resource_types_source: str = "documented"
    """documented, or inferred; resource_types is () when nobody has reviewed them yet."""

    @property
    def full_name(self) -> str:
        """The value a policy's Action element uses, e.g. ice:QueryIProductionJob."""
        return f"{self.service}:{self.name}"


class ServiceCatalog:
    """Every action of one service, with case-insensitive lookup and RAM wildcard matching.

    A plain class (its look-up tables are built once, here), read-only by convention.
    """

    __slots__ = (
        "ram_code",
        "service_code",
        "name",
        "api_version",
        "granularity",
        "actions",
        "generated_on",
        "arn_forms",
        "action_names",
        "ram_code_source",
        "_by_folded_name",
        "_folded_names",
        "_match_cache",
    )

    def __init__(
        self,
        ram_code: str,
        service_code: str,
        name: str,
        api_version: str,
        granularity: str,
        actions: tuple[ActionInfo, ...],
        generated_on: str = "",
        arn_forms: tuple[str, ...] = (),
        action_names: str = "api",
        ram_code_source: str = "documented",
    ) -> None:
        self.ram_code = ram_code
        self.service_code = service_code
        self.name = name
        self.api_version = api_version
        self.granularity = granularity
        self.actions = tuple(sorted(actions, key=attrgetter("name")))
        # the day tools/build_catalogs.py (or update_ice_catalog.py) last wrote the file; "" if never
        self.generated_on = generated_on
        # the service's ARN templates, e.g. acs:oss:*:{#accountId}:{#BucketName}/{#ObjectName}
        self.arn_forms = arn_forms
        # reviewed: checked against the service's RAM documentation; api: the SDK's API names
        self.action_names = action_names
        self.ram_code_source = ram_code_source
        self._by_folded_name = {fold(a.name): a for a in self.actions}
        self._folded_names = tuple(self._by_folded_name)
        self._match_cache: dict[str, tuple[ActionInfo, ...]] = {}

    def __repr__(self) -> str:
        return f"ServiceCatalog({self.ram_code!r}, {len(self.actions)} actions)"

    def find(self, action_name: str) -> ActionInfo | None:
        """The action with this name (no service prefix), ignoring case; None if there is none."""
        return self._by_folded_name.get(fold(action_name))

    def match(self, pattern: str) -> tuple[ActionInfo, ...]:
        """The actions a name pattern (no service prefix) matches, sorted by name.

        Patterns repeat across a corpus of policies (`Get*`, `List*`), so each answer is kept.
        """
        folded = fold(pattern)
        cached = self._match_cache.get(folded)
        if cached is not None:
            return cached
        if not has_wildcard(folded):
            exact = self._by_folded_name.get(folded)
            found: tuple[ActionInfo, ...] = (exact,) if exact else ()
        else:
            matches = glob_test(folded)  # on folded names: RAM's case-insensitive match
            found = tuple(a for a, n in zip(self.actions, self._folded_names, strict=True) if matches(n))
        if len(self._match_cache) >= _MATCH_CACHE_LIMIT:
            self._match_cache.clear()
        self._match_cache[folded] = found
        return found

    def nearest(self, name: str, limit: int = 3) -> tuple[str, ...]:
        """Up to `limit` real action names closest to `name`, best first, for "did you mean".

        >>> service("ice").nearest("QueryIProdutionJob", limit=1)
        ('QueryIProductionJob',)
        """
        if limit <= 0:
            return ()
        from policycheck.suggest import close_matches  # only "did you mean" needs it

        folded = fold(name)
        close = close_matches(folded, self._folded_names, n=limit, cutoff=0.6)
        return tuple(self._by_folded_name[match].name for match in close)


class ConditionKeyInfo(NamedTuple):
    """A global acs: condition key: the operator family its values need, and whether it is confirmed.

    `type` is one of String, Numeric, Date, Bool, IP. `confirmed` is False for keys no official
    source could be found for. For a prefix key such as acs:ResourceTag/<tag-key>, `name` is the
    key as asked for, with the prefix in its canonical spelling (acs:ResourceTag/team).
    """

    name: str
    type: str
    description: str
    confirmed: bool


def _read_data(file_name: str) -> dict:
    return json.loads(read_text(catalog_data.__file__, file_name))


@cache
def services() -> tuple[str, ...]:
    """The RAM codes that have a catalog, sorted. Read from the data folder's file names only."""
    names = list_files(catalog_data.__file__, ".json")
    return tuple(
        sorted(n[: -len(".json")] for n in names if n != _GLOBAL_KEYS_FILE and not n.startswith("_"))
    )


def _catalog_from_data(raw: dict) -> ServiceCatalog:
    code = raw["ram_code"]
    # Positional: a NamedTuple built from keywords takes twice as long, and a lint reads a
    # thousand or two actions of the services its first files name before it can go on.
    actions = tuple(
        ActionInfo(
            code,
            entry["name"],
            entry["access_level"],
            entry["access_level_source"],
            tuple(entry["resource_types"]),
            tuple(entry.get("condition_keys", ())),
            tuple(entry.get("associated_operations", ())),
            entry.get("resource_types_source", "inferred"),
        )
        for entry in raw["actions"]
    )
    return ServiceCatalog(
        ram_code=code,
        service_code=raw["service_code"],
        name=raw["name"],
        api_version=raw["api_version"],
        granularity=raw["granularity"],
        actions=actions,
        generated_on=raw.get("generated_on", ""),
        arn_forms=tuple(raw.get("arn_forms", ())),
        action_names=raw.get("action_names", "api"),
        ram_code_source=raw.get("ram_code_source", "documented"),
    )


@cache
def _load_service(folded_code: str) -> ServiceCatalog | None:
    """The service's file opened by name: listing 500 files would cost `lint` more than reading one.

    Only a RAM-code-shaped name is tried, so a policy's Action prefix never names another path.
    """
    if not _is_ram_code(folded_code) or f"{folded_code}.json" == _GLOBAL_KEYS_FILE:
        return None
    try:
        return _catalog_from_data(_read_data(f"{folded_code}.json"))
    except FileNotFoundError:
        return None


def _is_ram_code(code: str) -> bool:
    """Lower-case ASCII letters, digits and inner hyphens, as every RAM code is spelt.

    >>> _is_ram_code("fc-open"), _is_ram_code("../data/ice"), _is_ram_code("-x"), _is_ram_code("_build")
    (True, False, False, False)
    """
    return code.isascii() and code[:1].isalnum() and code.replace("-", "").isalnum() and code == code.lower()


def service(ram_code: str) -> ServiceCatalog | None:
    """The catalog of one service by RAM code, ignoring case; None when it has no catalog."""
    return _load_service(fold(ram_code))


def _split(action: str) -> tuple[str, str] | None:
    service_part, colon, name_part = action.partition(":")
    if not colon or not service_part:
        return None
    return service_part, name_part


def lookup(action: str) -> ActionInfo | None:
    """The catalogued action a full name refers to, ignoring case.

    >>> lookup("ice:queryiproductionjob").full_name
    'ice:QueryIProductionJob'
    >>> lookup("nosuch:GetObject") is None, lookup("QueryIProductionJob") is None
    (True, True)
    """
    parts = _split(action)
    if parts is None:
        return None
    catalog = service(parts[0])
    return catalog.find(parts[1]) if catalog else None


def _catalogs_for(service_pattern: str) -> tuple[ServiceCatalog, ...]:
    if not has_wildcard(service_pattern):
        catalog = service(service_pattern)
        return (catalog,) if catalog else ()
    matches = glob_test(fold(service_pattern))
    return tuple(c for code in services() if matches(code) and (c := service(code)))


@lru_cache(maxsize=4096)
def expand(pattern: str) -> tuple[ActionInfo, ...] | None:
    """Every catalogued action an Action value matches, sorted by full name.

    `*` alone expands over every catalogued service. None when no catalogued service matches
    the service part (nothing can be said about it), or when the value has no service part.
    Answers are kept, since the same values recur across a corpus of policies.

    >>> [a.full_name for a in expand("ice:QueryIProd*")]
    ['ice:QueryIProductionJob']
    >>> expand("nosuch:Get*") is None, expand("ice:Qeury*")
    (True, ())
    """
    if pattern == "*":
        pattern = "*:*"
    parts = _split(pattern)
    if parts is None:
        return None
    catalogs = _catalogs_for(parts[0])
    if not catalogs:
        return None
    found = (action for catalog in catalogs for action in catalog.match(parts[1]))
    return tuple(sorted(found, key=lambda action: action.full_name))


def is_operation_level(action: str) -> bool:
    """Whether RAM authorizes this action on the resource "*" only.

    True when the action's resource type is All Resources, or when its service authorizes per
    operation (OPERATION granularity, as ICE does: a grant scoped to an ARN grants nothing).
    False for actions of services without a catalog, about which nothing is known.

    >>> is_operation_level("ice:QueryIProductionJob"), is_operation_level("ram:GetUser")
    (True, False)
    """
    parts = _split(action)
    if parts is None:
        return False
    catalog = service(parts[0])
    if catalog is None:
        return False
    if catalog.granularity == "OPERATION":
        return True
    found = catalog.find(parts[1])
    return found is not None and found.resource_types == ALL_RESOURCES


def granularity(ram_code: str) -> str | None:
    """OPERATION, RESOURCE, SERVICE or UNKNOWN for a catalogued service; None without a catalog.

    >>> granularity("ice"), granularity("oss"), granularity("nosuchservice")
    ('OPERATION', 'RESOURCE', None)
    """
    catalog = service(ram_code)
    return catalog.granularity if catalog else None


class CatalogExtension(NamedTuple):
    """What a team's policycheck.yaml adds (`catalog:`): actions and condition keys, folded.

    Passed to the rules by the caller; the packaged catalog itself is never changed.
    """

    actions: frozenset[str] = frozenset()
    condition_keys: frozenset[str] = frozenset()

    @classmethod
    def of(cls, actions: tuple[str, ...] = (), condition_keys: tuple[str, ...] = ()) -> CatalogExtension:
        return cls(frozenset(map(fold, actions)), frozenset(map(fold, condition_keys)))

    def matches(self, pattern: str) -> bool:
        """Whether an Action value names or matches an action the team added.

        >>> CatalogExtension.of(("oss:PutBucketFancy",)).matches("oss:putbucket*")
        True
        """
        folded = fold(pattern)
        if not has_wildcard(folded):
            return folded in self.actions
        matches = glob_test(folded)
        return any(matches(action) for action in self.actions)


NO_EXTENSION = CatalogExtension()


class _GlobalKeys(NamedTuple):
    exact: dict[str, ConditionKeyInfo]
    prefixes: tuple[tuple[str, str, ConditionKeyInfo], ...]


@cache
def _global_keys() -> _GlobalKeys:
    exact: dict[str, ConditionKeyInfo] = {}
    prefixes: list[tuple[str, str, ConditionKeyInfo]] = []
    for entry in _read_data(_GLOBAL_KEYS_FILE)["keys"]:
        info = ConditionKeyInfo(
            name=entry["name"],
            type=entry["type"],
            description=entry["description"],
            confirmed=entry["confirmed"],
        )
        if entry["prefix"]:
            prefixes.append((fold(entry["name"]), entry["name"], info))
        else:
            exact[fold(entry["name"])] = info
    prefixes.sort(key=lambda item: len(item[0]), reverse=True)
    return _GlobalKeys(exact=exact, prefixes=tuple(prefixes))


def global_condition_key(key: str) -> ConditionKeyInfo | None:
    """The global condition key `key` names, ignoring case; None if it is not a global key.

    A prefix key needs something after its prefix: acs:ResourceTag/team is a key,
    acs:ResourceTag/ alone is not.

    >>> global_condition_key("acs:sourceip").name, global_condition_key("acs:sourceip").type
    ('acs:SourceIp', 'IP')
    >>> global_condition_key("acs:resourcetag/team").name
    'acs:ResourceTag/team'
    """
    keys = _global_keys()
    found = keys.exact.get(fold(key))
    if found is not None:
        return found
    for folded_prefix, prefix, info in keys.prefixes:
        if len(key) > len(prefix) and fold(key[: len(prefix)]) == folded_prefix:
            return ConditionKeyInfo(
                name=prefix + key[len(prefix) :],
                type=info.type,
                description=info.description,
                confirmed=info.confirmed,
            )
    return None


def global_condition_key_names() -> tuple[str, ...]:
    """Every global key's canonical name (prefix keys end in "/"), for "did you mean"."""
    keys = _global_keys()
    return tuple(
        sorted([info.name for info in keys.exact.values()] + [prefix for _, prefix, _ in keys.prefixes])
    )

"""World file -> World: the accounts, identities, policies and keys the emulator serves.

The world is read once and frozen; requests only look things up in it. Everything a user
can get wrong in a world file (syntax, schema, a policy that does not exist, a key used
twice) is a WorldError whose message starts with file:line, so the CLI prints one line.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from policycheck.errors import UserError
from policycheck.findings import Finding
from policycheck.load import load_file
from policycheck.load.document import Document
from policycheck.load.json_source import load_json
from policycheck.model import JsonPath, Policy, PolicyKind, build_policy
from policycheck.schema import validate

WORLD_SCHEMA = "world.schema.json"

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DEFAULT_DATE = "2024-01-01T00:00:00Z"
"""Create dates of policies and identities the world does not date: fixed, so output is stable."""


FULL_ALIYUN_ACCESS_TEXT = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


class WorldError(UserError):
    """A world file the emulator cannot serve; the message is one line starting with file:line."""


_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z", re.ASCII)


def parse_time(text: str) -> float:
    """`yyyy-MM-ddTHH:mm:ssZ` (UTC) -> seconds since the epoch; ValueError when malformed.

    Every request's timestamp comes here: the form clients send is read without strptime
    (a fifth of a request's parsing); anything else, and leap seconds, strptime decides.

    >>> parse_time("2024-02-29T23:59:59Z") == parse_time("2024-2-29T23:59:59Z") == 1709251199.0
    True
    """
    match = _TIME.fullmatch(text)
    if match is not None:
        try:
            return datetime(*map(int, match.groups()), tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    return float(calendar.timegm(time.strptime(text, TIME_FORMAT)))


def format_time(seconds: float) -> str:
    return time.strftime(TIME_FORMAT, time.gmtime(seconds))


@dataclass(frozen=True, slots=True)
class Settings:
    demo: bool = False
    region: str = "cn-shanghai"
    unknown_job: Literal["empty", "error"] = "error"
    in_progress_status: str = "Analysing"
    queuing_seconds: float = 2.0
    analysing_seconds: float = 5.0
    rate_limit: float = 0.0
    clock_skew_seconds: int = 900
    latency_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version_id: str
    text: str
    """The document as RAM returns it: a JSON string."""
    policy: Policy
    create_date: str


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    """A policy RAM knows by name: System (shared) or Custom (one account's), with its versions."""

    name: str
    policy_type: Literal["System", "Custom"]
    description: str
    versions: tuple[PolicyVersion, ...]
    default_version: str
    create_date: str

    @property
    def default(self) -> PolicyVersion:
        return next(v for v in self.versions if v.version_id == self.default_version)

    @property
    def update_date(self) -> str:
        return max(v.create_date for v in self.versions)


@dataclass(frozen=True, slots=True)
class User:
    account_id: str
    name: str
    user_id: str
    display_name: str
    groups: tuple[str, ...]
    policies: tuple[NamedPolicy, ...]


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    comments: str
    policies: tuple[NamedPolicy, ...]
    group_id: str


@dataclass(frozen=True, slots=True)
class Role:
    account_id: str
    name: str
    role_id: str
    description: str
    trust_text: str
    max_session_duration: int
    policies: tuple[NamedPolicy, ...]

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:role/{self.name.lower()}"


@dataclass(frozen=True, slots=True)
class Job:
    """A job the world seeds: the same fields SubmitIProductionJob takes, plus its create time."""

    job_id: str
    params: Mapping[str, Any]
    create_time: float


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    in_resource_directory: bool
    control_policies: tuple[NamedPolicy, ...]
    policies: Mapping[str, NamedPolicy]
    """Custom policies by name."""
    users: Mapping[str, User]
    groups: Mapping[str, Group]
    roles: Mapping[str, Role]
    jobs: tuple[Job, ...]


PrincipalType = Literal["Root", "SubUser", "AssumedRoleUser"]


@dataclass(frozen=True, slots=True)
class Credential:
    """What an AccessKey ID stands for: whose it is, its secret, and for STS its token and expiry."""

    access_key_id: str
    secret: str
    account: Account
    principal_type: PrincipalType
    user: User | None = None
    role: Role | None = None
    session_name: str = ""
    session_policy: Policy | None = None
    security_token: str | None = None
    expiration: float | None = None
    rate_limit: float | None = None
    throttled: bool = False

    @property
    def display_name(self) -> str:
        """As AccessDeniedDetail shows it: a user's ID, `RoleName:SessionName` for a role."""
        if self.user is not None:
            return self.user.user_id
        if self.role is not None:
            return f"{self.role.name}:{self.session_name}"
        return self.account.account_id


@dataclass(frozen=True)
class World:
    source: str
    settings: Settings
    accounts: tuple[Account, ...]
    system_policies: Mapping[str, NamedPolicy]
    credentials: Mapping[str, Credential] = field(repr=False)

    def credential(self, access_key_id: str) -> Credential | None:
        return self.credentials.get(access_key_id)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


FULL_ALIYUN_ACCESS = NamedPolicy(
    "FullAliyunAccess",
    "System",
    "The system control policy Resource Directory attaches to every folder and member by default",
    (
        PolicyVersion(
            "v1",
            FULL_ALIYUN_ACCESS_TEXT,
            build_policy(
                json.loads(FULL_ALIYUN_ACCESS_TEXT), "FullAliyunAccess", "control", name="FullAliyunAccess"
            ),
            DEFAULT_DATE,
        ),
    ),
    "v1",
    DEFAULT_DATE,
)
"""Allows everything: control policies only ever narrow what identity policies grant."""


def stable_id(*parts: str, digits: int = 16) -> str:
    """A numeric ID derived from names, for identities the world does not number."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return str(int(digest, 16))[:digits]


class _Reader:
    """Builds a World from a loaded, schema-valid document, reporting errors at file:line."""

    def __init__(self, document: Document, path: str) -> None:
        self.document = document
        self.folder = os.path.dirname(os.path.abspath(path))
        self.cache: dict[tuple[str, str], tuple[str, Policy]] = {}

    def fail(self, message: str, path: JsonPath) -> WorldError:
        line, column = self.document.locate(path)
        return WorldError(f"{self.document.source}:{line}:{column}: {message}")

    def policy(self, value: Any, path: JsonPath, kind: PolicyKind, name: str) -> tuple[str, Policy]:
        """A policy document given inline or as a path relative to the world file, checked
        against the RAM grammar; returns its text (as RAM shows it) and the Policy."""
        if isinstance(value, str):
            full = os.path.normpath(os.path.join(self.folder, value))
            key = (full, kind)
            if key not in self.cache:
                self.cache[key] = self._checked(load_file(full, source=value), path, kind, name)
            return self.cache[key]
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        inline = load_json(text, f"{self.document.source} ({name})")
        return self._checked(inline, path, kind, name)

    def _checked(self, loaded: Document, path: JsonPath, kind: PolicyKind, name: str) -> tuple[str, Policy]:
        schema = "ram-trust-policy.schema.json" if kind == "trust" else "ram-policy.schema.json"
        errors = _errors(loaded, schema)
        if errors:
            first = errors[0]
            raise self.fail(f"{name}: {first.file}:{first.line}:{first.column}: {first.message}", path)
        policy = build_policy(loaded.value, loaded.source, kind, name=name, locate=loaded.locate)
        # RAM stores and returns JSON: a document written in YAML is served as its JSON form
        text = json.dumps(loaded.value, ensure_ascii=False, indent=2) if loaded.yaml else loaded.text.strip()
        return text, policy

    def named_policies(
        self,
        raw: Mapping[str, Any],
        path: JsonPath,
        policy_type: Literal["System", "Custom"],
        kind: PolicyKind,
    ) -> dict[str, NamedPolicy]:
        result = {}
        for name, spec in sorted(raw.items()):
            spec_path = (*path, name)
            created = spec.get("create_date", DEFAULT_DATE)
            raw_versions = spec.get("versions") or [{"document": spec["document"], "create_date": created}]
            versions = []
            for index, version in enumerate(raw_versions):
                version_path = (
                    (*spec_path, "versions", index) if "versions" in spec else (*spec_path, "document")
                )
                text, policy = self.policy(version["document"], version_path, kind, name)
                versions.append(
                    PolicyVersion(
                        version.get("id", f"v{index + 1}"), text, policy, version.get("create_date", created)
                    )
                )
            ids = [v.version_id for v in versions]
            if len(set(ids)) != len(ids):
                raise self.fail(f"policy {name} lists a version ID twice", spec_path)
            default = spec.get("default_version", ids[-1])
            if default not in ids:
                raise self.fail(f"default_version {default} is not one of {', '.join(ids)}", spec_path)
            result[name] = NamedPolicy(
                name, policy_type, spec.get("description", ""), tuple(versions), default, created
            )
        return result


def _attached(
    reader: _Reader,
    names: list[str],
    path: JsonPath,
    custom: Mapping[str, NamedPolicy],
    system: Mapping[str, NamedPolicy],
) -> tuple[NamedPolicy, ...]:
    found = []
    for index, name in enumerate(names):
        policy = custom.get(name) or system.get(name)
        if policy is None:
            raise reader.fail(
                f"policy {name} is neither a custom policy of this account nor a system policy",
                (*path, index),
            )
        found.append(policy)
    return tuple(found)


def load_world(path: str) -> World:
    """Read, validate and resolve a world file; raises WorldError (one line, file:line) on any problem."""
    document = load_file(path, source=path)
    _raise_first(document, WORLD_SCHEMA)
    return build_world(document, path)


def _errors(document: Document, schema_name: str) -> list[Finding]:
    """Loading and schema errors of a document, most important (first in the file) first."""
    errors = [f for f in document.findings if f.severity == "error"]
    if document.parsed and not errors:
        errors = validate(document, schema_name)
    return sorted(errors, key=Finding.sort_key)


def _raise_first(document: Document, schema_name: str) -> None:
    errors = _errors(document, schema_name)
    if errors:
        first = errors[0]
        where = f" ({first.path})" if first.path else ""
        raise WorldError(f"{first.file}:{first.line}:{first.column}: {first.message}{where}")


def build_world(document: Document, path: str) -> World:
    reader = _Reader(document, path)
    raw = document.value
    settings = Settings(**raw.get("settings", {}))
    system = reader.named_policies(raw.get("system_policies", {}), ("system_policies",), "System", "identity")
    accounts = []
    credentials: dict[str, Credential] = {}

    def add(credential: Credential, at: JsonPath) -> None:
        if credential.access_key_id in credentials:
            raise reader.fail(f"AccessKey ID {credential.access_key_id} is used twice", at)
        credentials[credential.access_key_id] = credential

    seen_accounts: set[str] = set()
    for a_index, raw_account in enumerate(raw["accounts"]):
        a_path: JsonPath = ("accounts", a_index)
        account_id = raw_account["id"]
        if account_id in seen_accounts:
            raise reader.fail(f"account {account_id} appears twice", (*a_path, "id"))
        seen_accounts.add(account_id)
        custom = reader.named_policies(
            raw_account.get("policies", {}), (*a_path, "policies"), "Custom", "identity"
        )
        control = reader.named_policies(
            raw_account.get("control_policies", {}), (*a_path, "control_policies"), "Custom", "control"
        )
        if raw_account.get("full_aliyun_access", True):
            control = {"FullAliyunAccess": FULL_ALIYUN_ACCESS, **control}
        groups = {}
        for g_index, raw_group in enumerate(raw_account.get("groups", [])):
            g_path = (*a_path, "groups", g_index)
            name = raw_group["name"]
            if name in groups:
                raise reader.fail(f"group {name} appears twice", g_path)
            policies = _attached(reader, raw_group.get("policies", []), (*g_path, "policies"), custom, system)
            # RAM's group IDs look like g-FpMEHiMysofp**** (the API reference's example)
            group_id = f"g-{stable_id(account_id, 'group', name)}"
            groups[name] = Group(name, raw_group.get("comments", ""), policies, group_id)
        users = {}
        for u_index, raw_user in enumerate(raw_account.get("users", [])):
            u_path = (*a_path, "users", u_index)
            name = raw_user["name"]
            if name in users:
                raise reader.fail(f"user {name} appears twice", u_path)
            for index, group in enumerate(raw_user.get("groups", [])):
                if group not in groups:
                    raise reader.fail(
                        f"group {group} is not defined in this account", (*u_path, "groups", index)
                    )
            users[name] = User(
                account_id,
                name,
                raw_user.get("id") or stable_id(account_id, "user", name),
                raw_user.get("display_name", name),
                tuple(raw_user.get("groups", [])),
                _attached(reader, raw_user.get("policies", []), (*u_path, "policies"), custom, system),
            )
        roles = {}
        for r_index, raw_role in enumerate(raw_account.get("roles", [])):
            r_path = (*a_path, "roles", r_index)
            name = raw_role["name"]
            if name in roles:
                raise reader.fail(f"role {name} appears twice", r_path)
            trust_text, _ = reader.policy(raw_role["trust_policy"], (*r_path, "trust_policy"), "trust", name)
            roles[name] = Role(
                account_id,
                name,
                raw_role.get("id") or stable_id(account_id, "role", name, digits=19),
                raw_role.get("description", ""),
                trust_text,
                raw_role.get("max_session_duration", 3600),
                _attached(reader, raw_role.get("policies", []), (*r_path, "policies"), custom, system),
            )
        jobs = tuple(_job(raw_job) for raw_job in raw_account.get("jobs", []))
        account = Account(
            account_id,
            raw_account.get("name", account_id),
            raw_account.get("resource_directory", True),
            tuple(control.values()),
            custom,
            users,
            groups,
            roles,
            jobs,
        )
        accounts.append(account)
        for k_index, key in enumerate(raw_account.get("root_access_keys", [])):
            add(
                Credential(
                    key["id"],
                    key["secret"],
                    account,
                    "Root",
                    rate_limit=key.get("rate_limit"),
                    throttled=key.get("throttled", False),
                ),
                (*a_path, "root_access_keys", k_index),
            )
        for u_index, raw_user in enumerate(raw_account.get("users", [])):
            for k_index, key in enumerate(raw_user.get("access_keys", [])):
                add(
                    Credential(
                        key["id"],
                        key["secret"],
                        account,
                        "SubUser",
                        user=users[raw_user["name"]],
                        rate_limit=key.get("rate_limit"),
                        throttled=key.get("throttled", False),
                    ),
                    (*a_path, "users", u_index, "access_keys", k_index),
                )
        for t_index, token in enumerate(raw_account.get("sts_tokens", [])):
            t_path = (*a_path, "sts_tokens", t_index)
            role = roles.get(token["role"])
            if role is None:
                raise reader.fail(f"role {token['role']} is not defined in this account", (*t_path, "role"))
            session_policy = None
            if "session_policy" in token:
                _, session_policy = reader.policy(
                    token["session_policy"], (*t_path, "session_policy"), "session", "session policy"
                )
            add(
                Credential(
                    token["access_key_id"],
                    token["secret"],
                    account,
                    "AssumedRoleUser",
                    role=role,
                    session_name=token.get("session_name", "policycheck-emulator"),
                    session_policy=session_policy,
                    security_token=token["security_token"],
                    expiration=parse_time(token["expiration"]),
                    rate_limit=token.get("rate_limit"),
                    throttled=token.get("throttled", False),
                ),
                t_path,
            )
    return World(document.source, settings, tuple(accounts), system, credentials)


def _job(raw: Mapping[str, Any]) -> Job:
    params: dict[str, Any] = {
        "FunctionName": raw["function_name"],
        "Input": dict(raw["input"]),
        "Output": dict(raw["output"]),
    }
    for key, param in (
        ("name", "Name"),
        ("template_id", "TemplateId"),
        ("job_params", "JobParams"),
        ("schedule_config", "ScheduleConfig"),
        ("user_data", "UserData"),
    ):
        if key in raw:
            params[param] = raw[key]
    return Job(raw["job_id"], params, parse_time(raw.get("create_time", DEFAULT_DATE)))

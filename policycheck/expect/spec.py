"""policycheck.yaml's check sections: policies, principals, expect and probe, as typed specs.

Read only by the commands that use them (check, diff, audit --expect, probe through check):
`lint` never fails on these sections. What a schema cannot say (an expectation for an
undeclared principal) is checked here, and every problem is a ConfigError at its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policycheck import DOCS_URL
from policycheck.config import Config, ConfigError, account_text
from policycheck.model import JsonPath


@dataclass(frozen=True)
class Expectation:
    """One entry of expect: a principal must (allow) or must not (deny) be able to do an action.

    `resource` None means the default: "*" for allow, any resource for deny. `context` None means
    none given: for deny, every context is considered. `capability` (deny only) names a set of
    capabilities instead of an action (`privilege-escalation`); `action` then holds the same name.
    """

    principal: str
    effect: str
    action: str
    resource: str | None
    context: Mapping[str, tuple[str, ...]] | None
    conditional_ok: bool
    description: str
    path: JsonPath
    line: int
    capability: str | None = None


@dataclass(frozen=True)
class PrincipalSpec:
    """A principal as declared: references to its documents, resolved later."""

    name: str
    type: str | None
    identity: tuple[str, ...]
    control: tuple[str, ...]
    session: str | None
    trust: str | None
    terraform: tuple[str, str] | None
    path: JsonPath
    control_mode: str | None = None
    """deny-list or allow-list as stated; None: worked out (policycheck.evaluate.control)."""
    region: str | None = None
    account: str | None = None
    """Where the principal's requests are made (its own, or the file's top-level region/account)."""


@dataclass(frozen=True)
class PolicySource:
    """An entry of policies: a path or glob, or a Terraform plan."""

    value: str
    terraform: bool
    path: JsonPath


@dataclass(frozen=True)
class ProbePrincipal:
    """Where a principal's credentials are: a CLI profile, or the names of environment variables."""

    name: str
    profile: str | None
    env: Mapping[str, str] | None
    action: str
    context: Mapping[str, tuple[str, ...]]
    path: JsonPath


@dataclass(frozen=True)
class ProbeSpec:
    endpoint: str | None = None
    region: str | None = None
    timeout: float = 10.0
    principals: tuple[ProbePrincipal, ...] = ()


DEFAULT_PROBE_ACTION = "ice:QueryIProductionJob"


@dataclass(frozen=True)
class CheckSpec:
    config: Config
    sources: tuple[PolicySource, ...]
    principals: dict[str, PrincipalSpec] = field(default_factory=dict)
    expectations: tuple[Expectation, ...] = ()
    probe: ProbeSpec = field(default_factory=ProbeSpec)

    def error(self, path: JsonPath, message: str, details: tuple[str, ...] = ()) -> ConfigError:
        """A ConfigError at the element `path` of policycheck.yaml."""
        document = self.config.document
        line, column = document.locate(path) if document else (1, 1)
        return ConfigError(f"{self.config.path}:{line}:{column}: {message}", details)


def _context(raw: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]] | None:
    """Context values as strings: YAML reads 10 and true as a number and a boolean."""
    if raw is None:
        return None

    def text(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return {
        key: tuple(map(text, value if isinstance(value, list) else [value])) for key, value in raw.items()
    }


def read_spec(config: Config) -> CheckSpec:
    """Typed specs from the config; raises ConfigError (with file:line) on what the schema cannot catch."""
    if config.document is None:
        where = f"{config.path} is empty" if config.path else "no policycheck.yaml here"
        raise ConfigError(
            f"{where}: `policycheck check` needs one with principals and expect "
            f"(see {DOCS_URL}/README.md#policycheck-check)"
        )
    value = config.document.value
    sources = tuple(
        PolicySource(
            entry if isinstance(entry, str) else entry["terraform"],
            not isinstance(entry, str),
            ("policies", index),
        )
        for index, entry in enumerate(value.get("policies", []))
    )
    principals = {}
    top_region, top_account = value.get("region"), value.get("account")
    for name, raw in value.get("principals", {}).items():
        terraform = raw.get("terraform")
        principals[name] = PrincipalSpec(
            name=name,
            type=raw.get("type") or (next(iter(terraform)) if terraform else None),
            identity=tuple(raw.get("identity", ())),
            control=tuple(raw.get("control", ())),
            session=raw.get("session"),
            trust=raw.get("trust"),
            terraform=next(iter(terraform.items())) if terraform else None,
            path=("principals", name),
            control_mode=raw.get("control_mode"),
            region=raw.get("region", top_region),
            account=account_text(raw.get("account", top_account)),
        )
    spec = CheckSpec(config, sources, principals)
    expectations = []
    for principal, lists in value.get("expect", {}).items():
        if principal not in principals:
            known = ", ".join(sorted(principals)) or "none"
            raise spec.error(
                ("expect", principal),
                f'expectations for "{principal}", which is not under principals: (declared: {known})',
            )
        for effect in ("allow", "deny"):
            for index, raw in enumerate(lists.get(effect, [])):
                path = ("expect", principal, effect, index)
                expectations.append(
                    Expectation(
                        principal=principal,
                        effect=effect,
                        action=raw.get("action") or raw["capability"],
                        resource=raw.get("resource"),
                        context=_context(raw.get("context")),
                        conditional_ok=raw.get("conditional") == "ok",
                        description=raw.get("description", ""),
                        path=path,
                        line=config.document.locate(path)[0],
                        capability=raw.get("capability"),
                    )
                )
    raw_probe = value.get("probe", {})
    probed = []
    for name, raw in raw_probe.get("principals", {}).items():
        path = ("probe", "principals", name)
        if name not in principals:
            raise spec.error(path, f'probe for "{name}", which is not under principals:')
        probed.append(
            ProbePrincipal(
                name=name,
                profile=raw.get("profile"),
                env=raw.get("env"),
                action=raw.get("action", raw_probe.get("action", DEFAULT_PROBE_ACTION)),
                context=_context(raw.get("context")) or {},
                path=path,
            )
        )
    probe = ProbeSpec(
        raw_probe.get("endpoint"), raw_probe.get("region"), raw_probe.get("timeout", 10.0), tuple(probed)
    )
    return CheckSpec(config, sources, principals, tuple(expectations), probe)

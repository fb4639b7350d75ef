"""The I/O side of `check --probe`: each probed principal's credentials, and one probe call."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from policycheck.cloud.api import Endpoint, check_region, parse_endpoint
from policycheck.cloud.credentials import (
    CredentialError,
    Credentials,
    RoleToAssume,
    choose_region,
    resolve_credentials,
)
from policycheck.cloud.probe import AUTH_FAILED, ProbeResult, probe, probe_action
from policycheck.expect.spec import ProbePrincipal, ProbeSpec


def credentials_for(probed: ProbePrincipal, environ: Mapping[str, str]) -> Credentials | RoleToAssume:
    """The principal's credentials from its profile or named environment variables."""
    if probed.profile:
        return resolve_credentials(probed.profile, environ).credentials
    names = dict(probed.env or {})
    missing = [name for key, name in names.items() if key != "security_token" and not environ.get(name)]
    if missing:
        raise CredentialError(f"environment variable {', '.join(missing)} is not set")
    token = names.get("security_token")
    return Credentials(
        environ[names["access_key_id"]],
        environ[names["access_key_secret"]],
        environ.get(token) if token else None,
        source=f"environment variables {names['access_key_id']}/{names['access_key_secret']}",
    )


def probe_principals(
    spec: ProbeSpec,
    endpoint: str | None = None,
    environ: Mapping[str, str] | None = None,
    on_retry: Callable[[str, int, float], None] | None = None,
) -> dict[str, ProbeResult]:
    """Probe every principal of the probe section; a principal that cannot be probed gets a
    non-conclusive result saying why (missing credentials are auth_failed, never a crash)."""
    from policycheck.cloud.sdk import AssumeRoleError, connect

    environ = os.environ if environ is None else environ
    # A bad endpoint, region or action is the user's to fix: a UserError before any call.
    override: Endpoint | None = (
        parse_endpoint(endpoint or spec.endpoint) if (endpoint or spec.endpoint) else None
    )
    region = check_region(choose_region(spec.region, None, environ))
    actions = {p.name: probe_action(p.action) for p in spec.principals}
    results = {}
    for probed in spec.principals:
        where = override.url if override else f"ice.{region}.aliyuncs.com"
        try:
            credentials = credentials_for(probed, environ)
            caller = connect(credentials, region, override, spec.timeout, on_retry=on_retry)
        except CredentialError as problem:
            results[probed.name] = ProbeResult(
                AUTH_FAILED, probed.action, where, probed.name, f"no credentials: {problem}"
            )
            continue
        except AssumeRoleError as problem:
            results[probed.name] = ProbeResult(AUTH_FAILED, probed.action, where, probed.name, str(problem))
            continue
        results[probed.name] = probe(caller, actions[probed.name])
    return results

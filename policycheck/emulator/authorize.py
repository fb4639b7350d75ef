"""Who may call what: the caller's policies through policycheck's evaluator, as RAM decides.

The caller's policy set is what RAM would evaluate: for a RAM user its own and its groups'
identity policies; for an STS token the assumed role's policies and the token's session
policy; and, for both, the account's Resource Directory control policies. The account's own
AccessKeys (root) may do everything, as on the platform.

A denial carries an AccessDeniedDetail whose EncodedDiagnosticMessage the emulator's own
RAM DecodeDiagnosticMessage reads back. It is compressed JSON, not encrypted: a test
endpoint has nothing to hide from its own users.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policycheck.emulator.errors import ApiError, invalid
from policycheck.emulator.world import Credential, NamedPolicy

_PREFIX = b"PCE1"
"""Marks (and versions) the emulator's diagnostic messages."""

_POLICY_TYPE_OF_LAYER = {
    "control": "ControlPolicy",
    "session": "SessionPolicy",
    "identity": "AccountLevelIdentityBasedPolicy",
    None: "AccountLevelIdentityBasedPolicy",
}


@dataclass(frozen=True, slots=True)
class _Attachment:
    named: NamedPolicy | None
    entity_type: str
    scope: str


class Authorizer:
    """Decides requests for the credentials of one world; evaluators are built once per key."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, dict[int, _Attachment]]] = {}
        self._lock = threading.Lock()

    def _evaluator(self, credential: Credential) -> tuple[Any, dict[int, _Attachment]]:
        with self._lock:
            cached = self._cache.get(credential.access_key_id)
        if cached is not None:
            return cached
        from policycheck.evaluate import Evaluator, PolicySet

        attachments: dict[int, _Attachment] = {}
        identity = []

        def attach(named: NamedPolicy, entity_type: str, scope: str = "Account") -> Any:
            policy = named.default.policy
            attachments[id(policy)] = _Attachment(named, entity_type, scope)
            return policy

        account = credential.account
        if credential.user is not None:
            identity += [attach(p, "RamUser") for p in credential.user.policies]
            for group in credential.user.groups:
                identity += [attach(p, "RamGroup") for p in account.groups[group].policies]
        if credential.role is not None:
            identity += [attach(p, "RamRole") for p in credential.role.policies]
        control = (
            [attach(p, "ResourceDirectoryTarget", "Folder") for p in account.control_policies]
            if account.in_resource_directory
            else []
        )
        session = credential.session_policy
        if session is not None:
            attachments[id(session)] = _Attachment(None, "RamRole", "Account")
        evaluator = Evaluator(PolicySet(identity=tuple(identity), control=tuple(control), session=session))
        with self._lock:
            self._cache[credential.access_key_id] = (evaluator, attachments)
        return evaluator, attachments

    def check(
        self,
        credential: Credential,
        action: str,
        resource: str,
        context: Mapping[str, tuple[str, ...]],
        code: str,
        region: str,
    ) -> None:
        """Raise `code` (Forbidden.RAM for ICE, NoPermission for RAM) with AccessDeniedDetail
        unless the caller may do `action` on `resource`.

        The request is placed in `region` and the caller's account: an operation-level action
        (all of ICE) is authorized on `acs:<ram-code>:<region>:<account-id>:*`, as on the platform.
        """
        if credential.principal_type == "Root":
            return
        from policycheck.evaluate import Request

        evaluator, attachments = self._evaluator(credential)
        request = Request(action, resource, dict(context), region, credential.account.account_id)
        decision = evaluator.evaluate(request)
        if decision.decision == "allow":
            return
        explicit = decision.decision == "explicit_deny"
        policy_type = _POLICY_TYPE_OF_LAYER[decision.denied_by_layer]
        principal = {
            "AuthPrincipalType": credential.principal_type,
            "AuthPrincipalOwnerId": credential.account.account_id,
            "AuthPrincipalDisplayName": credential.display_name,
        }
        matched = []
        for match in decision.matched:
            attachment = attachments.get(id(match.policy))
            named = attachment.named if attachment else None
            entry = {
                "AttachedEntityType": attachment.entity_type if attachment else "",
                "AttachedScope": attachment.scope if attachment else "Account",
                "Effect": match.statement.effect,
                "PolicyIdentifier": named.name if named else match.policy.name or "session policy",
                "PolicyType": named.policy_type if named else "Custom",
            }
            if named is not None and named.policy_type == "Custom":
                entry["PolicyVersion"] = named.default_version
            matched.append(entry)
        diagnostic = {
            "ExplicitDeny": explicit,
            "NoPermissionPolicyType": policy_type,
            "AuthAction": action,
            "AuthResource": decision.resource,
            "AuthPrincipal": principal,
            "AuthConditions": [
                {"ConditionKey": key, "ConditionValues": list(values)}
                for key, values in sorted(context.items())
            ],
            "MatchedPolicies": sorted(matched, key=lambda m: (m["PolicyIdentifier"], m["Effect"])),
        }
        detail = {
            "PolicyType": policy_type,
            **principal,
            "NoPermissionType": "ExplicitDeny" if explicit else "ImplicitDeny",
            "AuthAction": action,
            "EncodedDiagnosticMessage": encode_diagnostic(diagnostic),
        }
        raise ApiError(code, extra={"AccessDeniedDetail": detail}, **_denial_wording(code))


def _denial_wording(code: str) -> dict[str, Any]:
    if code == "NoPermission":
        return {"status": 403, "message": "You are not authorized to do this action."}
    return {}


def encode_diagnostic(diagnostic: Mapping[str, Any]) -> str:
    data = json.dumps(diagnostic, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(_PREFIX + zlib.compress(data)).decode("ascii")


def decode_diagnostic(encoded: str) -> dict[str, Any]:
    """The inverse of encode_diagnostic; InvalidParameter for anything the emulator did not write."""
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        if not raw.startswith(_PREFIX):
            raise ValueError
        value = json.loads(zlib.decompressobj().decompress(raw[len(_PREFIX) :], 1 << 20))
    except (binascii.Error, UnicodeError, ValueError, zlib.error):
        raise invalid("EncodedDiagnosticMessage") from None
    if not isinstance(value, dict):
        raise invalid("EncodedDiagnosticMessage")
    return value

"""RAM 2015-05-01 read operations over the world: what an audit reads, with real pagination.

List operations that page on the platform (ListPolicies, ListUsers, ListGroups, ListRoles)
take Marker and MaxItems (1-1000, default 100) and answer IsTruncated, plus a Marker
when there is more; the others return everything, as the platform does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from policycheck.emulator.errors import ApiError, invalid, missing
from policycheck.emulator.world import DEFAULT_DATE, Account, NamedPolicy, Role, User, World

POLICY_TYPES = ("System", "Custom")


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise missing(name)
    return value


def _not_found(entity: str, name: str) -> ApiError:
    return ApiError(
        f"EntityNotExist.{entity}", status=404, message=f"The {entity.lower()} does not exist: {name}"
    )


def _page(
    items: Sequence[tuple[str, dict[str, Any]]], params: Mapping[str, str], key: str, item: str
) -> dict[str, Any]:
    """One page of (sort name, item) pairs; the Marker is the last name shown, opaque to clients."""
    max_items = params.get("MaxItems", "100")
    # ASCII digits only: str.isdigit() also accepts "²" and "١", which int() then refuses or reads.
    if not (max_items.isascii() and max_items.isdigit()) or not 1 <= int(max_items) <= 1000:
        raise invalid("MaxItems")
    start = 0
    if params.get("Marker"):
        try:
            after = base64.urlsafe_b64decode(params["Marker"].encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise invalid("Marker") from None
        names = [name for name, _ in items]
        if after not in names:
            raise invalid("Marker")
        start = names.index(after) + 1
    page = items[start : start + int(max_items)]
    body: dict[str, Any] = {key: {item: [value for _, value in page]}}
    truncated = start + len(page) < len(items)
    body["IsTruncated"] = truncated
    if truncated:
        body["Marker"] = base64.urlsafe_b64encode(page[-1][0].encode()).decode("ascii")
    return body


def _attachments(account: Account) -> list[tuple[NamedPolicy, ...]]:
    return [
        *(u.policies for u in account.users.values()),
        *(g.policies for g in account.groups.values()),
        *(r.policies for r in account.roles.values()),
    ]


def _policy_summary(policy: NamedPolicy) -> dict[str, Any]:
    return {
        "PolicyName": policy.name,
        "PolicyType": policy.policy_type,
        "Description": policy.description,
        "DefaultVersion": policy.default_version,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    }


def _attached(policies: tuple[NamedPolicy, ...]) -> dict[str, Any]:
    return {
        "Policies": {
            "Policy": [
                {
                    "PolicyName": p.name,
                    "PolicyType": p.policy_type,
                    "Description": p.description,
                    "DefaultVersion": p.default_version,
                    "AttachDate": DEFAULT_DATE,
                }
                for p in policies
            ]
        }
    }


def _version(policy: NamedPolicy, version_id: str) -> dict[str, Any]:
    version = next((v for v in policy.versions if v.version_id == version_id), None)
    if version is None:
        raise ApiError(
            "EntityNotExist.PolicyVersion",
            status=404,
            message=f"The policy version does not exist: {version_id}",
        )
    return {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == policy.default_version,
        "PolicyDocument": version.text,
        "CreateDate": version.create_date,
    }


def _find_policy(world: World, account: Account, params: Mapping[str, str]) -> NamedPolicy:
    policy_type = _required(params, "PolicyType")
    name = _required(params, "PolicyName")
    if policy_type not in POLICY_TYPES:
        raise invalid("PolicyType")
    found = (world.system_policies if policy_type == "System" else account.policies).get(name)
    if found is None:
        raise _not_found("Policy", name)
    return found


def _user(account: Account, params: Mapping[str, str]) -> User:
    name = _required(params, "UserName")
    if name not in account.users:
        raise _not_found("User", name)
    return account.users[name]


def _role(account: Account, params: Mapping[str, str]) -> Role:
    name = _required(params, "RoleName")
    if name not in account.roles:
        raise _not_found("Role", name)
    return account.roles[name]


def _user_body(user: User) -> dict[str, Any]:
    return {
        "UserId": user.user_id,
        "UserName": user.name,
        "DisplayName": user.display_name,
        "CreateDate": DEFAULT_DATE,
        "UpdateDate": DEFAULT_DATE,
        "Comments": "",
    }


def _role_body(role: Role, with_trust: bool) -> dict[str, Any]:
    body = {
        "RoleId": role.role_id,
        "RoleName": role.name,
        "Arn": role.arn,
        "Description": role.description,
        "MaxSessionDuration": role.max_session_duration,
        "CreateDate": DEFAULT_DATE,
        "UpdateDate": DEFAULT_DATE,
    }
    if with_trust:
        body["AssumeRolePolicyDocument"] = role.trust_text
        # the API reference's form, e.g. ECSAdmin@role.123456789012****.onaliyunservice.com
        body["RolePrincipalName"] = f"{role.name}@role.{role.account_id}.onaliyunservice.com"
        body["IsServiceLinkedRole"] = False
    return body


def _attachment_counts(account: Account) -> dict[tuple[str, str], int]:
    """(policy type, name) -> how many users, groups and roles of the account it is attached to."""
    counts: dict[tuple[str, str], int] = {}
    for attached in _attachments(account):
        for p in attached:
            counts[(p.policy_type, p.name)] = counts.get((p.policy_type, p.name), 0) + 1
    return counts


def list_policies(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    policy_type = params.get("PolicyType")
    if policy_type and policy_type not in POLICY_TYPES:
        raise invalid("PolicyType")
    counts = _attachment_counts(account)
    policies = [
        p
        for p in (*world.system_policies.values(), *account.policies.values())
        if not policy_type or p.policy_type == policy_type
    ]
    items = [
        (
            f"{p.policy_type}:{p.name}",
            {**_policy_summary(p), "AttachmentCount": counts.get((p.policy_type, p.name), 0)},
        )
        for p in sorted(policies, key=lambda p: (p.policy_type, p.name))
    ]
    return _page(items, params, "Policies", "Policy")


def get_policy(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    policy = _find_policy(world, account, params)
    count = _attachment_counts(account).get((policy.policy_type, policy.name), 0)
    return {
        "Policy": {
            **_policy_summary(policy),
            "PolicyDocument": policy.default.text,
            "AttachmentCount": count,
        },
        "DefaultPolicyVersion": _version(policy, policy.default_version),
    }


def get_policy_version(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    policy = _find_policy(world, account, params)
    return {"PolicyVersion": _version(policy, _required(params, "VersionId"))}


def list_policy_versions(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    policy = _find_policy(world, account, params)
    return {"PolicyVersions": {"PolicyVersion": [_version(policy, v.version_id) for v in policy.versions]}}


def list_policies_for_user(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    return _attached(_user(account, params).policies)


def list_policies_for_group(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    name = _required(params, "GroupName")
    if name not in account.groups:
        raise _not_found("Group", name)
    return _attached(account.groups[name].policies)


def list_policies_for_role(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    return _attached(_role(account, params).policies)


def list_groups_for_user(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    user = _user(account, params)
    groups = [
        {
            "GroupId": account.groups[name].group_id,
            "GroupName": name,
            "Comments": account.groups[name].comments,
            "JoinDate": DEFAULT_DATE,
        }
        for name in user.groups
    ]
    return {"Groups": {"Group": groups}}


def get_user(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    return {"User": _user_body(_user(account, params))}


def get_role(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    return {"Role": _role_body(_role(account, params), with_trust=True)}


def list_users(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    items = [(name, _user_body(account.users[name])) for name in sorted(account.users)]
    return _page(items, params, "Users", "User")


def list_groups(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    items = [
        (
            name,
            {
                "GroupId": account.groups[name].group_id,
                "GroupName": name,
                "Comments": account.groups[name].comments,
                "CreateDate": DEFAULT_DATE,
                "UpdateDate": DEFAULT_DATE,
            },
        )
        for name in sorted(account.groups)
    ]
    return _page(items, params, "Groups", "Group")


def list_roles(world: World, account: Account, params: Mapping[str, str]) -> dict[str, Any]:
    items = [(name, _role_body(account.roles[name], with_trust=False)) for name in sorted(account.roles)]
    return _page(items, params, "Roles", "Role")


Handler = Callable[[World, Account, Mapping[str, str]], dict[str, Any]]

OPERATIONS: dict[str, Handler] = {
    "ListPolicies": list_policies,
    "GetPolicy": get_policy,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "ListPoliciesForUser": list_policies_for_user,
    "ListPoliciesForGroup": list_policies_for_group,
    "ListPoliciesForRole": list_policies_for_role,
    "ListGroupsForUser": list_groups_for_user,
    "GetUser": get_user,
    "GetRole": get_role,
    "ListUsers": list_users,
    "ListGroups": list_groups,
    "ListRoles": list_roles,
}


def resource(account_id: str, action: str, params: Mapping[str, str]) -> str:
    """The RAM resource ARN an operation is authorized on (RAM authorizes some per entity)."""
    prefix = f"acs:ram:*:{account_id}:"
    if "UserName" in params and action in {"GetUser", "ListPoliciesForUser", "ListGroupsForUser"}:
        return f"{prefix}user/{params['UserName']}"
    if "RoleName" in params and action in {"GetRole", "ListPoliciesForRole"}:
        return f"{prefix}role/{params['RoleName']}"
    if "GroupName" in params and action == "ListPoliciesForGroup":
        return f"{prefix}group/{params['GroupName']}"
    if "PolicyName" in params and action in {"GetPolicy", "GetPolicyVersion", "ListPolicyVersions"}:
        owner = "system" if params.get("PolicyType") == "System" else account_id
        return f"acs:ram:*:{owner}:policy/{params['PolicyName']}"
    return "*"

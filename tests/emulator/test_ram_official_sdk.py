"""The emulator's RAM read operations, driven by the official RAM SDK (alibabacloud-ram20150501):
every answer parses into the SDK's model with the declared types (sdk_models.py), and a
field the emulator leaves out is listed in NOT_SERVED with why."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client
from alibabacloud_tea_openapi import utils_models as openapi
from darabonba.model import DaraModel
from darabonba.runtime import RuntimeOptions

from tests.emulator.conftest import RAM, ROOT
from tests.emulator.conftest import call as raw_call
from tests.emulator.sdk_models import model_problems, wire_names

NOT_SERVED = {
    # The world does not know these about a user; the platform omits them when unset too.
    "GetUserResponseBodyUser": {"Email", "MobilePhone", "LastLoginDate"},
    "ListUsersResponseBodyUsersUser": {"Email", "MobilePhone"},
    # Console login, deletion tasks, last use and tags of roles and policies are not modelled;
    # the platform omits tags and deletion tasks when there are none.
    "GetRoleResponseBodyRole": {"AllowConsoleLogin", "LatestDeletionTask", "RoleLastUsed", "Tags"},
    "ListRolesResponseBodyRolesRole": {"AllowConsoleLogin", "Tags"},
    "ListPoliciesResponseBodyPoliciesPolicy": {"Tags"},
    # Marker "is returned only when IsTruncated is true" (the model's own comment).
    **{f"List{kind}ResponseBody": {"Marker"} for kind in ("Users", "Groups", "Roles", "Policies")},
}
"""Model class -> fields the emulator does not serve, with the reason above each."""


def ram_client(endpoint) -> Client:
    return Client(
        openapi.Config(
            access_key_id=ROOT[0],
            access_key_secret=ROOT[1],
            endpoint=endpoint.host,
            protocol="http",
            region_id="cn-hangzhou",
        )
    )


def call(endpoint, operation: str, **fields: Any) -> DaraModel:
    """`operation` (snake_case, as the SDK names it) with its request model; the response body."""
    request_class = getattr(ram, "".join(part.title() for part in operation.split("_")) + "Request", None)
    client = ram_client(endpoint)
    runtime = RuntimeOptions(autoretry=False, read_timeout=20000, connect_timeout=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's own datetime.utcnow()
        method = getattr(client, f"{operation}_with_options")
        response = method(request_class(**fields), runtime) if request_class else method(runtime)
    assert response.status_code == 200
    return response.body


CALLS = [
    ("get_user", {"user_name": "worker"}),
    ("get_role", {"role_name": "worker-role"}),
    ("list_users", {}),
    ("list_groups", {}),
    ("list_roles", {}),
    ("list_policies", {}),
    ("list_policies", {"policy_type": "System", "max_items": 1}),
    ("get_policy", {"policy_type": "Custom", "policy_name": "query"}),
    ("get_policy", {"policy_type": "System", "policy_name": "AliyunICEReadOnlyAccess"}),
    ("get_policy_version", {"policy_type": "Custom", "policy_name": "query", "version_id": "v1"}),
    ("list_policy_versions", {"policy_type": "Custom", "policy_name": "operate"}),
    ("list_policies_for_user", {"user_name": "intern"}),
    ("list_policies_for_group", {"group_name": "workers"}),
    ("list_policies_for_role", {"role_name": "worker-role"}),
    ("list_groups_for_user", {"user_name": "worker"}),
]


@pytest.mark.parametrize(("operation", "fields"), CALLS, ids=[f"{o}-{i}" for i, (o, _) in enumerate(CALLS)])
def test_every_answer_parses_into_the_sdk_model_with_its_types(endpoint, operation, fields):
    body = call(endpoint, operation, **fields)
    action = "".join(part.title() for part in operation.split("_"))
    names = wire_names(getattr(ram, f"{action}Request")())
    raw = raw_call(endpoint, ROOT, action, RAM, **{names[k]: str(v) for k, v in fields.items()})
    found = model_problems(body, raw, ram, NOT_SERVED)
    assert found == [], "\n".join(found)


def test_a_page_marker_is_followed_by_the_sdk(endpoint):
    first = call(endpoint, "list_users", max_items=2)
    assert first.is_truncated is True and len(first.users.user) == 2
    rest = call(endpoint, "list_users", max_items=2, marker=first.marker)
    assert rest.is_truncated is False
    names = [u.user_name for u in (*first.users.user, *rest.users.user)]
    assert names == ["intern", "operator", "worker"]


def test_group_ids_and_attachment_counts_are_what_the_models_say(endpoint):
    groups = call(endpoint, "list_groups").groups.group
    assert [g.group_name for g in groups] == ["workers"] and groups[0].group_id
    [membership] = call(endpoint, "list_groups_for_user", user_name="worker").groups.group
    assert membership.group_id == groups[0].group_id
    counts = {p.policy_name: p.attachment_count for p in call(endpoint, "list_policies").policies.policy}
    assert counts["operate"] == 2 and isinstance(counts["operate"], int)

"""RAM 2015-05-01 read operations through aliyun-python-sdk-core, with real pagination."""

from __future__ import annotations

import json

import pytest

from tests.emulator.conftest import ACCOUNT, OTHER_ROOT, QUERY_ANY, RAM, ROOT, call, error_of


def ram(endpoint, action: str, key=ROOT, **params: str) -> dict:
    return call(endpoint, key, action, RAM, **params)


def test_list_policies_pages_with_marker_and_max_items(endpoint):
    everything = ram(endpoint, "ListPolicies")
    names = [(p["PolicyType"], p["PolicyName"]) for p in everything["Policies"]["Policy"]]
    assert names == [("Custom", "operate"), ("Custom", "query"), ("System", "AliyunICEReadOnlyAccess")]
    assert everything["IsTruncated"] is False and "Marker" not in everything
    pages, marker = [], None
    while True:
        page = ram(endpoint, "ListPolicies", MaxItems="1", **({"Marker": marker} if marker else {}))
        pages.append(page["Policies"]["Policy"][0]["PolicyName"])
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert pages == [name for _, name in names]


def test_list_policies_by_type_with_attachment_counts(endpoint):
    custom = ram(endpoint, "ListPolicies", PolicyType="Custom")["Policies"]["Policy"]
    assert {p["PolicyName"]: p["AttachmentCount"] for p in custom} == {"operate": 2, "query": 1}
    assert set(custom[0]) == {
        "PolicyName", "PolicyType", "Description", "DefaultVersion", "CreateDate", "UpdateDate", "AttachmentCount"
    }  # fmt: skip


def test_get_policy_returns_the_default_version_document(endpoint):
    body = ram(endpoint, "GetPolicy", PolicyType="Custom", PolicyName="query")
    assert json.loads(body["DefaultPolicyVersion"]["PolicyDocument"]) == QUERY_ANY
    assert body["DefaultPolicyVersion"]["IsDefaultVersion"] is True
    assert body["Policy"]["DefaultVersion"] == body["DefaultPolicyVersion"]["VersionId"] == "v1"


def test_policy_versions(start):
    from tests.emulator.conftest import TEST_WORLD

    world = json.loads(json.dumps(TEST_WORLD))
    deny = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ice:*", "Resource": "*"}]}
    world["accounts"][0]["policies"]["query"] = {
        "versions": [{"document": QUERY_ANY}, {"id": "v7", "document": deny}],
        "default_version": "v1",
    }
    with start(world) as endpoint:
        versions = ram(endpoint, "ListPolicyVersions", PolicyType="Custom", PolicyName="query")
        listed = versions["PolicyVersions"]["PolicyVersion"]
        assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [("v1", True), ("v7", False)]
        v7 = ram(endpoint, "GetPolicyVersion", PolicyType="Custom", PolicyName="query", VersionId="v7")
        assert json.loads(v7["PolicyVersion"]["PolicyDocument"]) == deny
        assert error_of(
            endpoint, ROOT, "GetPolicyVersion", RAM, PolicyType="Custom", PolicyName="query", VersionId="v2"
        )[:2] == (404, "EntityNotExist.PolicyVersion")


def test_principals_and_their_attachments(endpoint):
    user = ram(endpoint, "GetUser", UserName="worker")["User"]
    assert user["UserName"] == "worker" and user["UserId"].isdigit()
    groups = ram(endpoint, "ListGroupsForUser", UserName="worker")["Groups"]["Group"]
    assert [g["GroupName"] for g in groups] == ["workers"]
    assert ram(endpoint, "ListPoliciesForUser", UserName="worker")["Policies"]["Policy"] == []
    group_policies = ram(endpoint, "ListPoliciesForGroup", GroupName="workers")["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in group_policies] == [("query", "Custom")]
    intern = ram(endpoint, "ListPoliciesForUser", UserName="intern")["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in intern] == [("AliyunICEReadOnlyAccess", "System")]
    role = ram(endpoint, "GetRole", RoleName="worker-role")["Role"]
    assert role["Arn"] == f"acs:ram::{ACCOUNT}:role/worker-role"
    assert json.loads(role["AssumeRolePolicyDocument"])["Statement"][0]["Principal"] == {
        "Service": ["ecs.aliyuncs.com"]
    }
    role_policies = ram(endpoint, "ListPoliciesForRole", RoleName="worker-role")["Policies"]["Policy"]
    assert [p["PolicyName"] for p in role_policies] == ["operate"]


def test_listing_users_groups_and_roles_pages(endpoint):
    first = ram(endpoint, "ListUsers", MaxItems="2")
    assert [u["UserName"] for u in first["Users"]["User"]] == ["intern", "operator"]
    rest = ram(endpoint, "ListUsers", MaxItems="2", Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]["User"]] == ["worker"] and rest["IsTruncated"] is False
    assert [g["GroupName"] for g in ram(endpoint, "ListGroups")["Groups"]["Group"]] == ["workers"]
    assert [r["RoleName"] for r in ram(endpoint, "ListRoles")["Roles"]["Role"]] == ["worker-role"]


def test_each_account_sees_its_own_identities(endpoint):
    assert ram(endpoint, "ListUsers", OTHER_ROOT)["Users"]["User"] == []
    assert error_of(endpoint, OTHER_ROOT, "GetUser", RAM, UserName="worker")[:2] == (
        404,
        "EntityNotExist.User",
    )
    names = [p["PolicyName"] for p in ram(endpoint, "ListPolicies", OTHER_ROOT)["Policies"]["Policy"]]
    assert names == ["AliyunICEReadOnlyAccess"]


@pytest.mark.parametrize(
    ("action", "params", "expected"),
    [
        ("GetUser", {"UserName": "ghost"}, (404, "EntityNotExist.User")),
        ("GetRole", {"RoleName": "ghost"}, (404, "EntityNotExist.Role")),
        ("ListPoliciesForGroup", {"GroupName": "ghost"}, (404, "EntityNotExist.Group")),
        ("GetPolicy", {"PolicyType": "Custom", "PolicyName": "ghost"}, (404, "EntityNotExist.Policy")),
        ("GetPolicy", {"PolicyType": "Other", "PolicyName": "query"}, (400, "InvalidParameter")),
        ("GetPolicy", {"PolicyName": "query"}, (400, "MissingPolicyType")),
        ("GetUser", {}, (400, "MissingUserName")),
        ("ListPolicies", {"MaxItems": "0"}, (400, "InvalidParameter")),
        ("ListPolicies", {"MaxItems": "1001"}, (400, "InvalidParameter")),
        ("ListPolicies", {"Marker": "not-a-marker"}, (400, "InvalidParameter")),
        ("ListUsers", {"Marker": "Z2hvc3Q="}, (400, "InvalidParameter")),
    ],
)
def test_ram_errors(endpoint, action, params, expected):
    assert error_of(endpoint, ROOT, action, RAM, **params)[:2] == expected

"""Authorization by the caller's RAM policies: allowed calls, denials with AccessDeniedDetail,
and DecodeDiagnosticMessage reading the diagnostic back."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

from policycheck.emulator.world import load_world
from tests.conftest import REPO
from tests.emulator.conftest import (
    ACCOUNT,
    INTERN,
    OPERATOR,
    OTHER_ACCOUNT,
    QUERY_ANY,
    RAM,
    ROOT,
    SEEDED_JOB,
    STS,
    TEST_WORLD,
    WORKER,
    Endpoint,
    call,
    error_of,
    raw,
    signed,
    submit_params,
)

# Until the evaluator (branch `evaluator`) is merged, these tests have nothing to run against.

DEMO = REPO / "policycheck" / "data" / "demo-world.yaml"
FORBIDDEN = "User not authorized to operate on the specified resource, or this API doesn't support RAM."


def denial(endpoint, key, action: str, version: str = "2020-11-09", **params: str) -> dict:
    reply = raw(endpoint, signed(key, action, version, **params))
    assert reply.status == 403, reply.body
    return reply.json()


def decoded(endpoint, body: dict) -> dict:
    encoded = body["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
    return call(endpoint, ROOT, "DecodeDiagnosticMessage", RAM, EncodedDiagnosticMessage=encoded)[
        "DecodedDiagnosticMessage"
    ]


def test_a_user_may_what_its_group_allows(endpoint):
    assert call(endpoint, WORKER, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
    assert call(endpoint, OPERATOR, "SubmitIProductionJob", **submit_params())["JobId"]


def test_implicit_deny_names_the_identity_layer_and_the_user(endpoint):
    assert error_of(endpoint, WORKER, "SubmitIProductionJob", **submit_params()) == (
        403,
        "Forbidden.RAM",
        FORBIDDEN,
    )
    body = denial(endpoint, WORKER, "SubmitIProductionJob", **submit_params())
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend", "AccessDeniedDetail"}
    detail = body["AccessDeniedDetail"]
    world = Path(endpoint.db).parent / "world.yaml"  # where the fixtures wrote it
    user_id = load_world(str(world)).account(ACCOUNT).users["worker"].user_id
    assert {k: v for k, v in detail.items() if k != "EncodedDiagnosticMessage"} == {
        "PolicyType": "AccountLevelIdentityBasedPolicy",
        "AuthPrincipalOwnerId": ACCOUNT,
        "AuthPrincipalType": "SubUser",
        "AuthPrincipalDisplayName": user_id,
        "NoPermissionType": "ImplicitDeny",
        "AuthAction": "ice:SubmitIProductionJob",
    }


def test_read_only_policy_does_not_cover_query(endpoint):
    body = denial(endpoint, INTERN, "QueryIProductionJob", JobId=SEEDED_JOB)
    assert body["AccessDeniedDetail"]["NoPermissionType"] == "ImplicitDeny"
    message = decoded(endpoint, body)
    assert message["ExplicitDeny"] is False
    assert message["AuthAction"] == "ice:QueryIProductionJob"
    assert message["AuthResource"] == f"acs:ice:cn-shanghai:{ACCOUNT}:*"  # the account-scoped ARN
    assert message["MatchedPolicies"] == []
    context = {c["ConditionKey"]: c["ConditionValues"] for c in message["AuthConditions"]}
    assert context["acs:SourceIp"] == ["127.0.0.1"]
    assert context["acs:SecureTransport"] == ["false"]
    assert context["acs:AccessId"] == [INTERN[0]]
    assert context["acs:CurrentTime"][0].endswith("Z")
    assert "Python" in context["acs:UserAgent"][0]


def test_session_policy_narrows_the_role(endpoint):
    assert call(endpoint, STS, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
    body = denial(endpoint, STS, "SubmitIProductionJob", **submit_params())
    detail = body["AccessDeniedDetail"]
    assert detail["PolicyType"] == "SessionPolicy"
    assert detail["AuthPrincipalType"] == "AssumedRoleUser"
    assert detail["AuthPrincipalDisplayName"] == "worker-role:session-1"


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [
        ("*", True),
        ("acs:ice:*:*:*", True),  # as Alibaba's AliyunICEFullAccess writes it
        ("acs:ice:cn-shanghai:*:*", True),  # the emulator's region
        (f"acs:ice:*:{ACCOUNT}:*", True),  # the caller's account
        ("acs:ice:cn-beijing:*:*", False),
        (f"acs:ice:*:{OTHER_ACCOUNT}:*", False),
        ("acs:ice:*:*:job/*", False),  # a job ARN never applies to an operation-level action
    ],
)
def test_ice_is_authorized_on_the_account_scoped_arn(start, resource, allowed):
    """The emulator places each request in its region and the caller's account, as the evaluator
    (and `policycheck explain --region --account`) does."""
    world = copy.deepcopy(TEST_WORLD)
    scoped = copy.deepcopy(QUERY_ANY)
    scoped["Statement"][0]["Resource"] = resource
    world["accounts"][0]["policies"]["query"] = {"document": scoped}
    with start(world) as endpoint:
        if allowed:
            assert call(endpoint, WORKER, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
        else:
            body = denial(endpoint, WORKER, "QueryIProductionJob", JobId=SEEDED_JOB)
            assert body["AccessDeniedDetail"]["NoPermissionType"] == "ImplicitDeny"


def test_conditions_see_the_real_request_context(start):
    world = copy.deepcopy(TEST_WORLD)
    https_only = copy.deepcopy(QUERY_ANY)
    https_only["Statement"][0]["Condition"] = {"Bool": {"acs:SecureTransport": "true"}}
    world["accounts"][0]["policies"]["query"] = {"document": https_only}
    with start(world) as endpoint:
        assert error_of(endpoint, WORKER, "QueryIProductionJob", JobId=SEEDED_JOB)[:2] == (
            403,
            "Forbidden.RAM",
        )


def test_explicit_deny_by_a_control_policy_that_only_the_world_has(start, tmp_path):
    from policycheck.emulator.server import running_emulator

    contractor = ("LTAI5tDEMOcontractor0001", "demo-contractor-secret-NOT-REAL")
    with running_emulator(load_world(str(DEMO)), db=str(tmp_path / "demo.db")) as url:
        endpoint = Endpoint(url, url.split("://")[1], "")
        body = denial(endpoint, contractor, "QueryIProductionJob", JobId=SEEDED_JOB)
        detail = body["AccessDeniedDetail"]
        assert (detail["PolicyType"], detail["NoPermissionType"]) == ("ControlPolicy", "ExplicitDeny")
        assert detail["AuthPrincipalOwnerId"] == "1000000000000002"
        demo_root = ("LTAI5tDEMOaccountRoot001", "demo-root-secret-NOT-REAL")
        message = call(
            endpoint,
            demo_root,
            "DecodeDiagnosticMessage",
            RAM,
            EncodedDiagnosticMessage=detail["EncodedDiagnosticMessage"],
        )["DecodedDiagnosticMessage"]
        assert message["ExplicitDeny"] is True
        assert message["NoPermissionPolicyType"] == "ControlPolicy"
        assert message["MatchedPolicies"] == [
            {
                "AttachedEntityType": "ResourceDirectoryTarget",
                "AttachedScope": "Folder",
                "Effect": "Deny",
                "PolicyIdentifier": "corporate-network-only",
                "PolicyType": "Custom",
                "PolicyVersion": "v1",
            }
        ]
        # the same identity policy in the account without that folder policy allows
        worker = ("LTAI5tDEMOmediaWorker001", "demo-media-worker-secret-NOT-REAL")
        assert call(endpoint, worker, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
        intern = ("LTAI5tDEMOintern00000001", "demo-intern-secret-NOT-REAL")
        assert (
            denial(endpoint, intern, "QueryIProductionJob", JobId=SEEDED_JOB)["AccessDeniedDetail"][
                "NoPermissionType"
            ]
            == "ImplicitDeny"
        )
        sts = ("STS.DEMOiceWorkerSession01", "demo-sts-secret-NOT-REAL", "demo-sts-security-token-NOT-REAL")
        assert call(endpoint, sts, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
        auditor = ("LTAI5tDEMOauditor0000001", "demo-auditor-secret-NOT-REAL")
        users = call(endpoint, auditor, "ListUsers", RAM)["Users"]["User"]
        assert [u["UserName"] for u in users] == ["auditor", "intern", "media-operator", "media-worker"]


def test_ram_denials_are_no_permission(endpoint):
    status, code, message = error_of(endpoint, WORKER, "GetUser", RAM, UserName="worker")
    assert (status, code, message) == (403, "NoPermission", "You are not authorized to do this action.")
    body = denial(endpoint, WORKER, "GetUser", RAM, UserName="worker")
    message = decoded(endpoint, body)
    assert message["AuthAction"] == "ram:GetUser"
    assert message["AuthResource"] == f"acs:ram:*:{ACCOUNT}:user/worker"


def test_decoding_needs_permission_and_a_message_the_emulator_wrote(endpoint):
    body = denial(endpoint, INTERN, "QueryIProductionJob", JobId=SEEDED_JOB)
    encoded = body["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
    assert error_of(endpoint, INTERN, "DecodeDiagnosticMessage", RAM, EncodedDiagnosticMessage=encoded)[
        1
    ] == ("NoPermission")
    for forged in ("bm90IG91cnM=", "!!!", encoded[:-8] + "AAAAAAAA"):
        assert error_of(endpoint, ROOT, "DecodeDiagnosticMessage", RAM, EncodedDiagnosticMessage=forged)[
            :2
        ] == (
            400,
            "InvalidParameter",
        )
    assert error_of(endpoint, ROOT, "DecodeDiagnosticMessage", RAM)[1] == "MissingEncodedDiagnosticMessage"


def test_the_tea_client_sees_the_access_denied_detail(endpoint):
    from alibabacloud_tea_openapi.exceptions import ClientException

    from tests.emulator.test_v3 import v3_call

    with warnings.catch_warnings(), pytest.raises(ClientException) as caught:
        warnings.simplefilter("ignore", DeprecationWarning)
        v3_call(endpoint, INTERN, "QueryIProductionJob", JobId=SEEDED_JOB)
    assert caught.value.status_code == 403
    assert caught.value.access_denied_detail["NoPermissionType"] == "ImplicitDeny"

"""`audit --expect`: a System policy the audit may not read is taken from the System policy library."""

from __future__ import annotations

import copy

import pytest

from tests.cloud.conftest import WORLD, allow, run_as, serve

LIMITED = ("LTAItestLIMITED01", "secret-LIMITED-4b7c19e2")
EXPECT = """\
principals:
  auditor: {type: user}
expect:
  auditor:
    allow: [{action: ram:GetUser}]
    deny: [{action: ram:DeleteUser}]
"""


@pytest.fixture(scope="module")
def limited_world(tmp_path_factory):
    """The auditor may read the account, but not the text of System policies."""
    world = copy.deepcopy(WORLD)
    account = world["accounts"][0]
    account["policies"]["read-but-not-system"] = {
        "document": {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": ["ram:GetPolicy", "ram:GetPolicyVersion"],
                    "Resource": "acs:ram:*:system:policy/*",
                },
            ],
        }
    }
    world["system_policies"]["AliyunTestOpsAccess"] = {"document": allow("ram:*")}
    account["users"].append({"name": "ops", "policies": ["AliyunTestOpsAccess"]})
    account["users"].append(
        {
            "name": "limited",
            "policies": ["read-but-not-system"],
            "access_keys": [{"id": LIMITED[0], "secret": LIMITED[1]}],
        }
    )
    with serve(tmp_path_factory.mktemp("limited"), world) as url:
        yield url


def test_an_unreadable_system_policy_comes_from_the_library(limited_world, tmp_path):
    (tmp_path / "policycheck.yaml").write_text(EXPECT)
    args = (
        "audit",
        "--user",
        "auditor",
        "--endpoint",
        limited_world,
        "--expect",
        str(tmp_path / "policycheck.yaml"),
    )
    run = run_as(LIMITED, *args, "--color", "never", home=tmp_path)
    # the audit still says it could not read the policy ...
    assert "AliyunRAMReadOnlyAccess" in run.out and run.code == 3, run.out + run.err
    # ... and the expectations are decided with the library's text, which the output names
    assert (
        "  note: System policy AliyunRAMReadOnlyAccess v3: text from policycheck's library, read 2026-12-04 "
        "from https://www.alibabacloud.com/help/en/ram/developer-reference/aliyunramreadonlyaccess"
    ) in run.out.splitlines()
    assert "2 checks of 2 expectations: 2 hold." in run.out
    payload = run_as(LIMITED, *args, "--format", "json", home=tmp_path).json()
    assert payload["expectations"]["principals"]["auditor"]["system_policies"][0]["version"] == "v3"


def test_a_system_policy_the_library_lacks_stays_unknown(limited_world, tmp_path):
    (tmp_path / "policycheck.yaml").write_text(EXPECT.replace("auditor", "ops"))
    run = run_as(
        LIMITED,
        "audit",
        "--user",
        "ops",
        "--endpoint",
        limited_world,
        "--expect",
        str(tmp_path / "policycheck.yaml"),
        "--format",
        "json",
        home=tmp_path,
    )
    checked = run.json()["expectations"]
    assert {r["status"] for r in checked["results"]} == {"unknown"}
    assert checked["principals"]["ops"]["system_policies"] == []
    assert run.code == 1

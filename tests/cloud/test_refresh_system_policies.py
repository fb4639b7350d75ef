"""`policycheck catalog refresh-system-policies` against the emulator: paging, the files it
writes, their use by `check`, and answers it must not trust."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest

from policycheck.catalog.system import load_folder
from policycheck.cloud.api import parse_endpoint
from policycheck.cloud.credentials import Credentials
from policycheck.cloud.sdk import SdkCaller
from policycheck.cloud.system_policies import fetch_system_policies
from tests.cloud.conftest import AUDITOR, INTERN, SECRETS, WORLD, allow, run_as, serve, stub
from tests.conftest import REPO

TODAY = datetime.now(timezone.utc).date().isoformat()
EXTRA = {
    f"AliyunTest{n}ReadOnlyAccess": {"document": allow(f"test{n}:Get*", f"test{n}:List*")} for n in range(5)
}
EXTRA["AliyunICEFullAccess"] = {
    "versions": [
        {"document": allow("ice:GetMediaInfo")},
        {"document": allow("ice:*", resource="acs:ice:*:*:*")},
    ]
}
NAMES = sorted(["AliyunICEReadOnlyAccess", "AliyunRAMReadOnlyAccess", *EXTRA])


@pytest.fixture(scope="module")
def world_url(tmp_path_factory):
    world = copy.deepcopy(WORLD)
    world["system_policies"].update(EXTRA)
    with serve(tmp_path_factory.mktemp("system-world"), world) as url:
        yield url


def auditor(url: str) -> SdkCaller:
    return SdkCaller(Credentials(*AUDITOR, source="test"), "cn-shanghai", parse_endpoint(url))


def test_every_page_is_followed_and_each_default_version_read(world_url):
    refresh = fetch_system_policies(auditor(world_url), "2026-12-04", page_size=2)
    assert refresh.errors == [] and refresh.listed == len(NAMES)
    assert [p.name for p in refresh.policies] == NAMES
    full = next(p for p in refresh.policies if p.name == "AliyunICEFullAccess")
    assert full.version == "v2"  # the default version, not the first
    assert json.loads(full.document)["Statement"][0]["Action"] == ["ice:*"]
    assert (full.read, full.source) == ("2026-12-04", "ram:GetPolicyVersion@127.0.0.1")


def test_the_cli_writes_a_library_folder_that_check_uses(world_url, tmp_path):
    out = tmp_path / "system-policies"
    run = run_as(
        AUDITOR, "catalog", "refresh-system-policies", str(out), "--endpoint", world_url, home=tmp_path
    )
    assert run.code == 0, run.err
    assert run.out.startswith(f"wrote {len(NAMES)} of {len(NAMES)} System policies to {out} (read {TODAY} ")
    assert sorted(p.stem for p in out.glob("*.json")) == NAMES
    written = json.loads((out / "AliyunICEFullAccess.json").read_text())
    assert (written["name"], written["type"], written["version"], written["read"]) == (
        "AliyunICEFullAccess",
        "System",
        "v2",
        TODAY,
    )
    assert load_folder(str(out)).get("AliyunICEFullAccess").version == "v2"  # the schema holds
    assert not any(secret in run.out + run.err for secret in SECRETS)
    # a plan attaching AliyunICEReadOnlyAccess, checked with the refreshed copy
    plan = (REPO / "tests/data/terraform/plan.json").read_text()
    (tmp_path / "plan.json").write_text(plan)
    (tmp_path / "policycheck.yaml").write_text(
        "system_policies: system-policies\n"
        "policies: [{terraform: plan.json}]\n"
        "principals:\n  operator: {terraform: {user: media-operator}}\n"
        "expect:\n  operator:\n    allow: [{action: ice:GetMediaInfo}]\n"
    )
    check = run_as(
        None, "check", "--config", str(tmp_path / "policycheck.yaml"), "--format", "json", home=tmp_path
    )
    [used] = check.json()["principals"]["operator"]["system_policies"]
    assert (used["name"], used["source"], used["read"]) == (
        "AliyunICEReadOnlyAccess",
        "ram:GetPolicyVersion@127.0.0.1",
        TODAY,
    )
    assert used["origin"].endswith("system-policies") and used["origin"] != "policycheck's library"


def test_name_globs_narrow_the_refresh(world_url, tmp_path):
    out = tmp_path / "sp"
    run = run_as(
        AUDITOR, "catalog", "refresh-system-policies", str(out), "--name", "AliyunICE*",
        "--endpoint", world_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0 and sorted(p.name for p in out.iterdir()) == [
        "AliyunICEFullAccess.json",
        "AliyunICEReadOnlyAccess.json",
    ]


def test_a_caller_without_ram_read_access_gets_one_line_and_exit_3(world_url, tmp_path):
    run = run_as(
        INTERN,
        "catalog",
        "refresh-system-policies",
        str(tmp_path / "sp"),
        "--endpoint",
        world_url,
        home=tmp_path,
    )
    assert run.code == 3 and run.out == ""
    [line] = run.err.splitlines()
    assert line.startswith("policycheck: error: cannot list the System policies: NoPermission: ")
    assert not (tmp_path / "sp").exists()


def test_answers_that_break_the_library_format_are_errors_not_files(world_url, tmp_path):
    hostile = "Evil\x1b[2J"

    def answer(method, params, raw):
        if params.get("Action") == "ListPolicies":
            policy = {"PolicyName": hostile, "PolicyType": "System", "DefaultVersion": "v1"}
            listed = [policy, {"PolicyName": "AliyunICEReadOnlyAccess", "DefaultVersion": "v1"}]
            return 200, {"Policies": {"Policy": listed}, "IsTruncated": False, "RequestId": "r"}
        if params.get("PolicyName") == hostile:
            return 200, {"PolicyVersion": {"PolicyDocument": '{"Version": "1", "Statement": []}'}}
        return None

    with stub(answer, forward=world_url) as server:
        out = tmp_path / "sp"
        run = run_as(
            AUDITOR, "catalog", "refresh-system-policies", str(out), "--endpoint", server.url, home=tmp_path
        )
    assert run.code == 3
    assert [p.name for p in out.iterdir()] == ["AliyunICEReadOnlyAccess.json"]
    assert "\x1b" not in run.out and "Evil\\x1b[2J: " in run.out
    assert "wrote 1 of 2 System policies" in run.out


def test_json_output_lists_what_was_written(world_url, tmp_path):
    out = tmp_path / "sp"
    run = run_as(
        AUDITOR,
        "catalog",
        "refresh-system-policies",
        str(out),
        "--name",
        "AliyunICE*",
        "--format",
        "json",
        "--endpoint",
        world_url,
        home=tmp_path,
    )
    payload = run.json()
    assert run.code == 0 and payload["listed"] == 2 and payload["errors"] == []
    assert [(w["name"], w["version"], w["file"]) for w in payload["written"]] == [
        ("AliyunICEFullAccess", "v2", "AliyunICEFullAccess.json"),
        ("AliyunICEReadOnlyAccess", "v1", "AliyunICEReadOnlyAccess.json"),
    ]
    assert payload["caller"].startswith(AUDITOR[0]) and payload["read"] == TODAY

"""`policycheck audit`: RAM reads through the real SDK against the emulator, pagination, failed
principals, saving documents, and the seam for expectations."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from policycheck.account import PolicyRef, audit, principal_policies
from policycheck.cloud.api import ApiError, ApiResponse, Endpoint, parse_endpoint
from policycheck.cloud.audit import Selection, fetch_account, save_documents
from policycheck.cloud.credentials import Credentials
from policycheck.cloud.sdk import SdkCaller
from tests.cloud.conftest import AUDITOR, INTERN, ROOT, TRUST, WORLD, allow, run_as, serve


def root_caller(endpoint: str) -> SdkCaller:
    return SdkCaller(Credentials(*ROOT, source="test"), "cn-shanghai", parse_endpoint(endpoint))


def test_a_user_with_its_groups_policies(endpoint):
    snapshot = fetch_account(root_caller(endpoint), Selection(users=("worker",)))
    (worker,) = snapshot.principals
    assert worker.error is None
    assert [(a.policy, a.via) for a in worker.attachments] == [
        (PolicyRef("Custom", "query"), "group workers")
    ]
    source = snapshot.policy_sources[PolicyRef("Custom", "query")]
    assert source == "ram://policy/Custom/query@v1"
    assert json.loads(snapshot.documents[source].text)["Statement"][0]["Action"] == [
        "ice:QueryIProductionJob"
    ]


def test_a_role_with_its_trust_policy(endpoint):
    snapshot = fetch_account(root_caller(endpoint), Selection(roles=("worker-role",)))
    (role,) = snapshot.principals
    assert role.trust == "ram://role/worker-role/trust"
    assert snapshot.documents[role.trust].kind == "trust"
    assert [a.policy.name for a in role.attachments] == ["query"]


def test_all_reads_every_principal_and_lints_system_policies_too(endpoint, tmp_path):
    run = run_as(ROOT, "audit", "--all", "--endpoint", endpoint, "--format", "json", home=tmp_path)
    result = run.json()
    names = [(p["kind"], p["name"]) for p in result["principals"]]
    assert names == [
        ("user", "auditor"),
        ("user", "blocked"),
        ("user", "decoder"),
        ("user", "intern"),
        ("user", "worker"),
        ("group", "workers"),
        ("role", "worker-role"),
    ]
    system = {d["source"]: d for d in result["documents"]}["ram://policy/System/AliyunICEReadOnlyAccess@v1"]
    # linted too, and clean: Alibaba's own policy grants on acs:ice:*:*:*, the account-scoped ARN
    # an operation-level action is requested on (it was a RESOURCE_MISMATCH under the old model)
    assert (system["type"], system["findings"]) == ("System", 0)
    codes = {(f["file"], f["code"]) for f in result["findings"]}
    assert codes == {("ram://policy/Custom/job-scoped@v1", "RESOURCE_MISMATCH")}
    assert run.code == 1 and result["summary"]["failed"] is True and result["summary"]["complete"] is True
    assert run.err == ""  # no progress bar when stderr is not a terminal


def test_text_report_per_principal(endpoint, tmp_path):
    run = run_as(ROOT, "audit", "--user", "intern", "--user", "worker", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 1
    assert run.out.splitlines()[:7] == [
        f"Audit of {endpoint} as {ROOT[0]} (environment variables)",
        "",
        "user intern",
        "  System AliyunICEReadOnlyAccess v1: no findings",
        "  Custom job-scoped v1: 1 finding",
        "user worker",
        "  Custom query v1 (via group workers): no findings",
    ]
    assert "ram://policy/Custom/job-scoped@v1:" in run.out
    assert run.out.rstrip().endswith("2 principals, 3 documents, 1 finding; fails at --fail-on warning.")


def test_fail_on_error_only(endpoint, tmp_path):
    run = run_as(
        ROOT, "audit", "--group", "workers", "--endpoint", endpoint, "--fail-on", "error", home=tmp_path
    )
    assert run.code == 0, run.out


def test_a_principal_that_cannot_be_read_is_reported_and_the_rest_go_on(endpoint, tmp_path):
    run = run_as(
        ROOT,
        "audit",
        "--user",
        "ghost",
        "--group",
        "workers",
        "--endpoint",
        endpoint,
        "--format",
        "json",
        home=tmp_path,
    )
    result = run.json()
    ghost, workers = result["principals"]
    assert ghost["error"].startswith("EntityNotExist.User: The user does not exist: ghost (HTTP 404")
    assert workers["error"] is None and workers["policies"][0]["source"] == "ram://policy/Custom/query@v1"
    assert result["summary"]["unreadable_principals"] == 1
    assert run.code == 3  # nothing found, but the audit is incomplete


def test_a_caller_without_ram_read_access_is_inconclusive(endpoint, tmp_path):
    run = run_as(INTERN, "audit", "--all", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 3
    assert "could not list: ListUsers: NoPermission" in run.out


def test_a_wrong_secret_is_auth_failed_in_text_and_json(endpoint, tmp_path):
    key = (ROOT[0], "not-the-right-secret")
    run = run_as(key, "audit", "--all", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 3
    assert (
        "could not list: ListUsers: auth_failed: SignatureDoesNotMatch" in run.out
        and "the AccessKey secret is wrong for this AccessKey ID" in run.out
    )
    run = run_as(key, "audit", "--all", "--endpoint", endpoint, "--format", "json", home=tmp_path)
    assert run.code == 3
    result = run.json()
    assert result["auth_failed"] is True
    assert result["errors"][0].startswith("ListUsers: auth_failed: SignatureDoesNotMatch")


def test_a_denied_list_is_not_auth_failed(endpoint, tmp_path):
    run = run_as(INTERN, "audit", "--all", "--endpoint", endpoint, "--format", "json", home=tmp_path)
    assert run.code == 3 and run.json()["auth_failed"] is False


def test_the_read_only_system_policy_is_enough(endpoint, tmp_path):
    run = run_as(AUDITOR, "audit", "--all", "--endpoint", endpoint, "--format", "json", home=tmp_path)
    assert run.json()["summary"]["complete"] is True


# --- pagination -------------------------------------------------------------------------


def many_policies_world(count: int) -> dict:
    world = copy.deepcopy(WORLD)
    policies = world["accounts"][0]["policies"]
    for index in range(count):
        policies[f"extra-{index:03}"] = {"document": allow(f"ice:Get{index}")}
    return world


def test_all_pages_through_more_policies_than_max_items(tmp_path):
    """105 custom policies attached to no one: ListPolicies needs two pages of 100."""
    with serve(tmp_path / "world", many_policies_world(105)) as url:
        run = run_as(ROOT, "audit", "--all", "--endpoint", url, "--format", "json", home=tmp_path)
    result = run.json()
    unattached = [source for source in result["unattached"] if "/extra-" in source]
    assert len(unattached) == 105
    assert unattached[0] == "ram://policy/Custom/extra-000@v1" and unattached[-1].endswith("extra-104@v1")


class CountingCaller:
    """Records every call a real caller makes."""

    def __init__(self, inner: SdkCaller) -> None:
        self.inner = inner
        self.principal = inner.principal
        self.calls: list[tuple[str, dict[str, str]]] = []

    def endpoint(self, product: str) -> Endpoint:
        return self.inner.endpoint(product)

    def call(self, product: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        self.calls.append((action, dict(params)))
        return self.inner.call(product, action, params)


def test_small_pages_follow_the_marker(endpoint):
    counting = CountingCaller(root_caller(endpoint))
    snapshot = fetch_account(counting, Selection(everything=True), page_size=2)
    list_users = [params for action, params in counting.calls if action == "ListUsers"]
    assert [p.get("Marker") is None for p in list_users] == [True, False, False]
    assert all(p["MaxItems"] == "2" for p in list_users)
    assert sum(1 for p in snapshot.principals if p.kind == "user") == 5
    policy_reads = [params["PolicyName"] for action, params in counting.calls if action == "GetPolicy"]
    assert len(policy_reads) == len(set(policy_reads))  # each document read once


# --- a hostile or failing account, through a fake caller --------------------------------


class FakeCaller:
    """Answers from a table; a value that is an exception is raised."""

    principal = "fake"

    def __init__(self, answers: dict) -> None:
        self.answers = answers

    def endpoint(self, product: str) -> Endpoint:
        return Endpoint("ram.example")

    def call(self, product: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        answer = self.answers[(action, tuple(sorted(params.items())))]
        if isinstance(answer, Exception):
            raise answer
        return ApiResponse(answer)


EVIL = "../../../evil"
EVIL_DOCUMENT = json.dumps(allow("ice:QueryIProductionJob"))


def hostile_account() -> FakeCaller:
    throttled = ApiError(400, {"Code": "Throttling.User", "Message": "slow down", "RequestId": "T"})
    return FakeCaller(
        {
            ("ListPoliciesForUser", (("UserName", "alice"),)): {
                "Policies": {"Policy": [{"PolicyName": EVIL, "PolicyType": "Custom"}]}
            },
            ("ListGroupsForUser", (("UserName", "alice"),)): {"Groups": {"Group": []}},
            ("ListPoliciesForUser", (("UserName", "bob"),)): throttled,
            ("GetPolicy", (("PolicyName", EVIL), ("PolicyType", "Custom"))): {
                "Policy": {"DefaultVersion": "v1/../../x"},
                "DefaultPolicyVersion": {"VersionId": "v1/../../x", "PolicyDocument": EVIL_DOCUMENT},
            },
        }
    )


def test_a_throttled_principal_fails_alone():
    snapshot = fetch_account(hostile_account(), Selection(users=("bob", "alice")))
    bob, alice = snapshot.principals
    assert bob.error == "Throttling.User: slow down (HTTP 400, request T)"
    assert alice.error is None and not snapshot.complete


def test_saved_files_stay_inside_the_folder_whatever_the_names(tmp_path):
    result = audit(fetch_account(hostile_account(), Selection(users=("alice",))))
    folder = tmp_path / "saved"
    written = save_documents(result, folder)
    for path in written:
        assert path.resolve().is_relative_to(folder.resolve())
    assert not (tmp_path / "evil").exists()
    policy_file = next(p for p in written if p.parent.name == "Custom")
    assert policy_file.read_text() == EVIL_DOCUMENT
    index = json.loads((folder / "principals.json").read_text())
    assert index["principals"][0]["policies"][0]["file"] == policy_file.relative_to(folder).as_posix()


def test_saving_through_a_symlink_out_is_refused(tmp_path):
    result = audit(fetch_account(hostile_account(), Selection(users=("alice",))))
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "saved"
    folder.mkdir()
    os.symlink(outside, folder / "policy")
    with pytest.raises(OSError, match="symbolic link"):
        save_documents(result, folder)
    assert list(outside.iterdir()) == []


def test_save_from_the_cli(endpoint, tmp_path):
    folder = tmp_path / "audit"
    run = run_as(
        ROOT, "audit", "--role", "worker-role", "--endpoint", endpoint, "--save", str(folder), home=tmp_path
    )
    assert run.code == 0, run.out + run.err
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["policy/Custom/query@v1.json", "principals.json", "role/worker-role.trust.json"]


def test_sarif_names_fetched_documents_by_their_ram_uri(endpoint, tmp_path):
    run = run_as(
        ROOT, "audit", "--user", "intern", "--endpoint", endpoint, "--format", "sarif", home=tmp_path
    )
    results = run.json()["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"ram://policy/Custom/job-scoped@v1"}


def test_say_what_to_audit(tmp_path):
    run = run_as(ROOT, "audit", home=tmp_path)
    assert run.code == 2 and "--user NAME, --role NAME, --group NAME or --all" in run.err


# --- the seam for expectations ----------------------------------------------------------


def test_principal_policies_carry_what_ram_evaluates(endpoint):
    result = audit(
        fetch_account(root_caller(endpoint), Selection(users=("blocked", "worker"), roles=("worker-role",)))
    )
    policies = principal_policies(result)
    worker = policies[("user", "worker")]
    assert worker.complete and [p.source for p in worker.identity] == ["ram://policy/Custom/query@v1"]
    assert worker.identity[0].statements[0].actions == ("ice:QueryIProductionJob",)
    blocked = policies[("user", "blocked")]
    assert [p.name for p in blocked.identity] == ["query", "deny-query"]
    role = policies[("role", "worker-role")]
    assert role.trust is not None and role.trust.kind == "trust"


def test_principal_policies_say_when_they_are_incomplete():
    result = audit(fetch_account(hostile_account(), Selection(users=("bob",))))
    bob = principal_policies(result)[("user", "bob")]
    assert not bob.complete and bob.problems[0].startswith("Throttling.User")


def test_output_files_are_deterministic(endpoint, tmp_path):
    def once(name: str) -> Path:
        out = tmp_path / name
        run_as(
            ROOT,
            "audit",
            "--all",
            "--endpoint",
            endpoint,
            "--format",
            "json",
            "--output",
            str(out),
            home=tmp_path,
        )
        return out

    first, second = once("a.json"), once("b.json")
    assert first.read_text() == second.read_text()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from policycheck.cli.connection import ProgressBar

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = ProgressBar()
    bar(1, 4, "user intern")
    bar(4, 4, "")
    assert terminal.getvalue() == "\r\033[K[######..................] 1/4 user intern\r\033[K"
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    ProgressBar()(1, 4, "user intern")
    assert piped.getvalue() == ""


# --- concurrency ------------------------------------------------------------------------


def busy_world(users: int, roles: int, policies: int, latency_ms: float) -> dict:
    """An account where policies are shared between users, groups and roles, some of them
    with findings, and answers come late enough that workers finish out of order."""
    world = copy.deepcopy(WORLD)
    world["settings"]["latency_ms"] = latency_ms
    account = world["accounts"][0]
    for index in range(policies):
        document = (
            allow("ice:QueryIProductionJob", resource="acs:ice:*:*:job/*")
            if index % 3 == 0
            else allow(f"ice:Get{index}")
        )
        account["policies"][f"p{index:03}"] = {"document": document}
    account["groups"] += [
        {"name": f"g{index}", "policies": [f"p{(index * 7) % policies:03}"]} for index in range(5)
    ]
    account["users"] += [
        {
            "name": f"u{index:03}",
            "groups": [f"g{index % 5}"] if index % 2 else [],
            "policies": [f"p{(index * 3) % policies:03}", f"p{(index * 5 + 1) % policies:03}"],
        }
        for index in range(users)
    ]
    account["roles"] += [
        {"name": f"r{index:02}", "trust_policy": TRUST, "policies": [f"p{(index * 11) % policies:03}"]}
        for index in range(roles)
    ]
    return world


def test_concurrent_audit_reports_byte_for_byte_what_a_sequential_one_does(tmp_path):
    with serve(tmp_path / "world", busy_world(40, 8, 30, latency_ms=5)) as url:
        reports = {}
        for concurrency in ("1", "8"):
            out = tmp_path / f"audit-{concurrency}.json"
            run = run_as(
                ROOT,
                *("audit", "--all", "--user", "ghost", "--endpoint", url, "--concurrency", concurrency),
                *("--format", "json", "--output", str(out)),
                home=tmp_path,
            )
            assert run.code == 1 and run.err == ""
            # the one thing that differs between two runs: the server's request IDs
            reports[concurrency] = re.sub(rb"request [0-9A-F-]{36}", b"request ID", out.read_bytes())
    assert reports["1"] == reports["8"]
    result = json.loads(reports["8"])
    names = [p["name"] for p in result["principals"]]
    assert len(names) == 1 + 45 + 6 + 9 and "u039" in names and "r07" in names
    assert [p for p in result["principals"] if p["name"] == "ghost"][0]["error"].startswith("EntityNotExist")
    codes = {(f["file"], f["code"]) for f in result["findings"]}
    assert ("ram://policy/Custom/p000@v1", "RESOURCE_MISMATCH") in codes


def test_each_policy_and_group_is_read_once_whatever_the_concurrency(tmp_path):
    with serve(tmp_path / "world", busy_world(30, 4, 12, latency_ms=2)) as url:
        calls = {}
        for concurrency in (1, 8):
            caller = CountingCaller(root_caller(url))
            fetch_account(caller, Selection(everything=True), concurrency=concurrency)
            calls[concurrency] = sorted((action, sorted(params.items())) for action, params in caller.calls)
    assert calls[1] == calls[8]
    get_policy = [params for action, params in calls[8] if action == "GetPolicy"]
    assert len(get_policy) == len({tuple(p) for p in get_policy})
    group_lists = [params for action, params in calls[8] if action == "ListPoliciesForGroup"]
    assert len(group_lists) == len({tuple(p) for p in group_lists}) == 6


@pytest.mark.parametrize("value", ["0", "33", "many"])
def test_concurrency_out_of_range_is_a_usage_error(value, tmp_path):
    run = run_as(ROOT, "audit", "--all", "--concurrency", value, home=tmp_path)
    assert run.code == 2
    assert "--concurrency: must be a whole number from 1 to 32" in run.err
    assert "Traceback" not in run.err


def test_progress_escapes_names_from_the_server(monkeypatch):
    from policycheck.cli.connection import ProgressBar

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    ProgressBar()(1, 2, "user evil\x1b[2J\rname")
    assert "\x1b[2J" not in terminal.getvalue() and "\\x1b[2J" in terminal.getvalue()

"""`policycheck diff` as users run it: files, folders and a git revision, every witness re-checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policycheck.evaluate import Evaluator, PolicySet, Request
from policycheck.load.sources import load_policies
from tests.conftest import REPO, git, policy, run_cli

WORKER = policy(
    {"Effect": "Allow", "Action": "ice:Get*", "Resource": "*"},
    {
        "Effect": "Allow",
        "Action": "oss:GetObject",
        "Resource": "acs:oss:*:*:media/*",
        "Condition": {
            "IpAddress": {"acs:SourceIp": "10.0.0.0/8"},
            "DateLessThan": {"acs:CurrentTime": "2026-01-01T00:00:00Z"},
        },
    },
    {"Effect": "Deny", "Action": "ice:GetTemplate", "Resource": "*"},
)


def edited(document: dict, index: int, **changes) -> dict:
    statements = [dict(s) for s in document["Statement"]]
    statements[index].update(changes)
    return {**document, "Statement": statements}


def without(document: dict, index: int) -> dict:
    return {**document, "Statement": [s for i, s in enumerate(document["Statement"]) if i != index]}


def witness_request(entry: dict) -> Request:
    w = entry["witness"]
    return Request(
        w["action"], w["resource"], {k: tuple(v) for k, v in w["context"].items()}, w["region"], w["account"]
    )


def recheck(payload: dict, base: Path, head: Path) -> None:
    """Every witness of the JSON report decided again by the evaluator: allowed by the side that
    grants it, not by the other."""
    sides = {
        name: Evaluator(PolicySet(load_policies([str(path)], "identity")))
        for name, path in (("base", base), ("head", head))
    }
    for key, allowing, other in (("added", "head", "base"), ("removed", "base", "head")):
        for entry in payload[key]:
            if entry["status"] == "unknown":
                assert entry["witness"] is None and entry["reason"]
                continue
            request = witness_request(entry)
            assert sides[allowing].evaluate(request).allowed, entry
            assert not sides[other].evaluate(request).allowed, entry


def diff(tmp_path: Path, base: dict | list, head: dict | list, *options: str):
    """Write BASE and HEAD as files (a list: several files in a folder), run diff --format json."""
    paths = []
    for name, content in (("base", base), ("head", head)):
        if isinstance(content, list):
            for index, document in enumerate(content):
                target = tmp_path / name / f"p{index}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(document, indent=2))
            paths.append(tmp_path / name)
        else:
            target = tmp_path / f"{name}.json"
            target.write_text(json.dumps(content, indent=2))
            paths.append(target)
    run = run_cli("diff", str(paths[0]), str(paths[1]), "--format", "json", *options, cwd=tmp_path)
    assert run.code in (0, 1), run.err
    payload = run.json()
    recheck(payload, *paths)
    assert run.code == (1 if payload["added"] else 0)
    return payload


def added(payload: dict) -> set[str]:
    return {entry["action"] for entry in payload["added"]}


def removed(payload: dict) -> set[str]:
    return {entry["action"] for entry in payload["removed"]}


def test_a_widened_wildcard_is_new_access_with_the_granting_statement(tmp_path):
    payload = diff(tmp_path, WORKER, edited(WORKER, 0, Action="ice:*"))
    assert "ice:SubmitIProductionJob" in added(payload)
    entry = next(e for e in payload["added"] if e["action"] == "ice:SubmitIProductionJob")
    assert entry["statements"][0] == {
        "file": "head.json",
        "statement": 0,
        "line": 4,
        "effect": "Allow",
        "layer": "identity",
    }
    assert entry["principal"] is None and entry["other_side"] == "no Allow of its identity policies applies"
    assert removed(payload) == set()
    assert payload["summary"]["new_access"] is True


def test_narrowing_is_removed_access_and_exits_0(tmp_path):
    payload = diff(tmp_path, WORKER, edited(WORKER, 0, Action="ice:GetMediaInfo"))
    assert added(payload) == set()
    assert "ice:GetPlayInfo" in removed(payload) and "ice:GetMediaInfo" not in removed(payload)


def test_a_dropped_deny_is_new_access(tmp_path):
    payload = diff(tmp_path, WORKER, without(WORKER, 2))
    assert added(payload) == {"ice:GetTemplate"}
    assert payload["added"][0]["other_side"] == "denied by Statement[2] of base.json:22"


def test_a_widened_condition_new_cidr_and_later_date(tmp_path):
    conditions = {
        "IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
        "DateLessThan": {"acs:CurrentTime": "2027-01-01T00:00:00Z"},
    }
    payload = diff(tmp_path, WORKER, edited(WORKER, 1, Condition=conditions))
    assert added(payload) == {"oss:GetObject"}
    context = payload["added"][0]["context"]
    assert context["acs:SourceIp"][0].startswith("192.168.") or context["acs:CurrentTime"][0] >= "2026-01-01"


def test_a_broader_resource_is_new_access_outside_the_old_one(tmp_path):
    payload = diff(
        tmp_path, WORKER, edited(WORKER, 1, Resource=["acs:oss:*:*:media/*", "acs:oss:*:*:logs/*"])
    )
    (entry,) = payload["added"]
    assert entry["action"] == "oss:GetObject" and "logs/" in entry["resource"]


def test_an_equivalent_rewrite_reports_nothing(tmp_path):
    rewrite = [
        policy(
            {"Effect": "Deny", "Action": ["ICE:GetTemplate", "ice:gettemplate"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["ice:get*", "ice:GetMediaInfo"], "Resource": "*"},
        ),
        policy(
            {
                "Effect": "Allow",
                "Action": "OSS:GetObject",
                "Resource": ["acs:oss:*:*:media/*", "acs:oss:*:*:media/2024/*"],
                "Condition": {
                    "DateLessThan": {"acs:CurrentTime": "2026-01-01T00:00:00Z"},
                    "IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "10.1.0.0/16"]},
                },
            }
        ),
    ]
    payload = diff(tmp_path, WORKER, rewrite)
    assert payload["added"] == [] and payload["removed"] == []
    assert payload["summary"] == {
        "principals": 1,
        "principals_changed": 0,
        "added": 0,
        "unknown": 0,
        "removed": 0,
        "new_access": False,
    }


def test_an_uncatalogued_service_is_decided_by_its_patterns(tmp_path):
    base = policy({"Effect": "Allow", "Action": "foo:Get*", "Resource": "*"})
    payload = diff(tmp_path, base, policy({"Effect": "Allow", "Action": "foo:*", "Resource": "*"}))
    (entry,) = payload["added"]
    assert entry["uncatalogued"] and entry["action"].startswith("foo:")


def test_an_undecided_answer_counts_as_new_access(tmp_path):
    payload = diff(tmp_path, WORKER, edited(WORKER, 0, Action="ice:*"), "--budget", "2")
    assert payload["added"] and {e["status"] for e in payload["added"]} == {"unknown"}
    assert payload["summary"]["unknown"] > 0 and payload["summary"]["new_access"] is True


def test_text_reads_like_a_plan(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(WORKER, indent=2))
    (tmp_path / "head.json").write_text(json.dumps(without(WORKER, 2), indent=2))
    run = run_cli("diff", "base.json", "head.json", cwd=tmp_path)
    assert run.code == 1
    assert run.out == (
        "policycheck diff: base.json -> head.json\n\n"
        '+ ice:GetTemplate on "acs:ice:cn-hangzhou:1234567890123456:*" (granted by Statement[0] of '
        "head.json:4; base: denied by Statement[2] of base.json:22)\n\n"
        "Diff: 1 action added, 0 removed, 0 undecided: new access.\n"
    )
    same = run_cli("diff", "base.json", "base.json", cwd=tmp_path)
    assert same.code == 0 and same.out.endswith(
        "Diff: 0 actions added, 0 removed, 0 undecided: no new access.\n"
    )


def test_many_actions_of_one_class_are_one_line_and_json_lists_them_all(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(WORKER))
    (tmp_path / "head.json").write_text(json.dumps(edited(WORKER, 0, Action="ice:*")))
    text = run_cli("diff", "base.json", "head.json", cwd=tmp_path)
    lines = [line for line in text.out.splitlines() if line.startswith("+ ")]
    assert len(lines) == 1 and lines[0].startswith("+ 325 actions: ice:ActiveAiRtcLicense")
    payload = run_cli("diff", "base.json", "head.json", "--format", "json", cwd=tmp_path).json()
    assert len(payload["added"]) == 325


def test_markdown_and_sarif(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(WORKER, indent=2))
    (tmp_path / "head.json").write_text(json.dumps(without(WORKER, 2), indent=2))
    markdown = run_cli("diff", "base.json", "head.json", "--format", "markdown", cwd=tmp_path)
    assert markdown.code == 1
    assert "### policycheck diff: **new access**" in markdown.out
    assert "| added | ice:GetTemplate | acs:ice:cn-hangzhou:1234567890123456:\\* |" in markdown.out
    sarif = run_cli(
        "diff", "base.json", "head.json", "--format", "sarif", "--output", "d.sarif", cwd=tmp_path
    )
    assert sarif.code == 1 and sarif.out == ""
    (result,) = json.loads((tmp_path / "d.sarif").read_text())["runs"][0]["results"]
    assert result["ruleId"] == "NEW_ACCESS"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "head.json" and location["region"]["startLine"] == 4


def test_strings_from_files_are_escaped_in_text(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(WORKER))
    (tmp_path / "head\x1b[2J.json").write_text(json.dumps(without(WORKER, 2), indent=2))
    run = run_cli("diff", "base.json", "head\x1b[2J.json", cwd=tmp_path)
    assert run.code == 1 and "\x1b" not in run.out and "head\\x1b[2J.json" in run.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["only-one.json"], "give BASE and HEAD"),
        (["a.json", "b.json", "--base", "main"], "not both"),
        (["a.json", "b.json", "--config", "policycheck.yaml"], "--config applies only with --base"),
        (["missing.json", "a.json"], "missing.json"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message):
    (tmp_path / "a.json").write_text(json.dumps(WORKER))
    (tmp_path / "b.json").write_text(json.dumps(WORKER))
    run = run_cli("diff", *args, cwd=tmp_path)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


def test_help_teaches_with_examples_and_exit_codes():
    run = run_cli("diff", "--help")
    assert run.code == 0
    assert "policycheck diff --base origin/main" in run.out and "exit codes: 0 no new access" in run.out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_base_compares_every_principal_with_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    (repo / "policies" / "control").mkdir(parents=True)
    (repo / "policies" / "worker.json").write_text(json.dumps(WORKER, indent=2))
    (repo / "policies" / "control" / "guard.json").write_text(
        json.dumps(
            policy(
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ice:Delete*", "Resource": "*"},
            )
        )
    )
    config = (
        "policies:\n  - policies/\n"
        "principals:\n"
        "  worker:\n    type: user\n    identity: [worker]\n    control: [guard]\n"
        "  auditor:\n    type: user\n    identity: [worker]\n"
    )
    (repo / "policycheck.yaml").write_text(config)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    unchanged = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert unchanged.code == 0, unchanged.err
    assert unchanged.json()["added"] == [] and unchanged.json()["removed"] == []

    (repo / "policies" / "worker.json").write_text(json.dumps(edited(WORKER, 0, Action="ice:*"), indent=2))
    run = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    payload = run.json()
    by_principal = {}
    for entry in payload["added"]:
        by_principal.setdefault(entry["principal"], set()).add(entry["action"])
    assert "ice:DeleteMediaInfos" in by_principal["auditor"]
    assert "ice:DeleteMediaInfos" not in by_principal["worker"]  # the control policy still denies it
    assert "ice:SubmitIProductionJob" in by_principal["worker"]
    assert payload["removed"] == []
    # the witnesses, re-checked against the revision's and the working tree's documents
    old = tmp_path / "old.json"
    old.write_text(json.dumps(WORKER))
    for entry in payload["added"]:
        request = witness_request(entry)
        head = Evaluator(PolicySet(load_policies([str(repo / "policies" / "worker.json")], "identity")))
        base = Evaluator(PolicySet(load_policies([str(old)], "identity")))
        assert head.evaluate(request).allowed and not base.evaluate(request).allowed
    # the working tree is untouched: no checkout happened
    assert json.loads((repo / "policies" / "worker.json").read_text())["Statement"][0]["Action"] == "ice:*"

    text = run_cli("diff", "--base", "HEAD", cwd=repo)
    assert "principal worker:" in text.out and "policycheck diff: HEAD -> working tree" in text.out

    (repo / "policies" / "worker.json").write_text(json.dumps(edited(WORKER, 0, Action="ice:GetMediaInfo")))
    narrowed = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert narrowed.code == 0 and narrowed.json()["added"] == []
    cited = narrowed.json()["removed"][0]["statements"][0]["file"]
    assert cited == "HEAD:policies/worker.json"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_base_with_an_unknown_revision_exits_2(tmp_path):
    (tmp_path / "policycheck.yaml").write_text("principals: {}\n")
    git(tmp_path, "init", "-q")
    run = run_cli("diff", "--base", "no-such-branch", cwd=tmp_path)
    assert run.code == 2 and "no-such-branch" in run.err and "Traceback" not in run.err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_readme_s_base_sample_is_real_output(tmp_path):
    """The README's `diff --base HEAD` sample, run again on the change it describes: the
    repository's example policies committed, then a new action and a new corporate network."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "policies", repo / "policies", ignore=shutil.ignore_patterns("examples-bad"))
    shutil.copy(REPO / "policycheck.yaml", repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    query = repo / "policies" / "ice-iproduction-query.json"
    document = json.loads(query.read_text())
    document["Statement"][0]["Action"] = ["ice:QueryIProductionJob", "ice:SubmitIProductionJob"]
    query.write_text(json.dumps(document, indent=2) + "\n")
    network = repo / "policies" / "deny-outside-corporate-network.json"
    document = json.loads(network.read_text())
    document["Statement"][0]["Condition"]["NotIpAddress"]["acs:SourceIp"].append("172.16.0.0/12")
    network.write_text(json.dumps(document, indent=2) + "\n")
    run = run_cli("diff", "--base", "HEAD", cwd=repo, env={"NO_COLOR": "1"})
    assert run.code == 1
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```console\n$ policycheck diff --base HEAD\n{run.out}```\n" in readme


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_base_reads_terraform_files_at_the_revision(tmp_path):
    """A principal declared by Terraform (.tf as written) is compared too: its policies at the
    revision come from the revision's main.tf."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "tests" / "data" / "terraform-config", repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    main_tf = repo / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('"ice:QueryIProductionJob"', '"ice:Query*"'))
    run = run_cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert run.code == 1, run.err
    payload = run.json()
    actions = {entry["action"] for entry in payload["added"]}
    assert "ice:QueryMediaCensorJobDetail" in actions and "ice:QueryIProductionJob" not in actions
    assert {entry["principal"] for entry in payload["added"]} == {"media-worker"}
    assert {entry["statements"][0]["file"] for entry in payload["added"]} == {"main.tf"}
    assert payload["removed"] == []


def test_undecided_lines_say_which_way(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(WORKER))
    (tmp_path / "head.json").write_text(json.dumps(edited(WORKER, 0, Action="ice:Get*Job")))
    run = run_cli("diff", "base.json", "head.json", "--budget", "2", cwd=tmp_path)
    lines = run.out.splitlines()
    assert run.code == 1
    assert any(line.startswith("? ") and "may no longer be allowed: not decided" in line for line in lines)
    assert any(line.startswith("? ") and "may be newly allowed: not decided" in line for line in lines)
    assert lines[-1].endswith(": new access (undecided counts as new).")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_broken_configuration_at_the_revision_is_named_there(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "a.json").write_text(json.dumps(WORKER))
    (tmp_path / "policycheck.yaml").write_text(
        "policies: [policies/]\nprincipals:\n  w: {identity: [missing]}\n"
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "policycheck.yaml").write_text("policies: [policies/]\nprincipals:\n  w: {identity: [a]}\n")
    run = run_cli("diff", "--base", "HEAD", cwd=tmp_path)
    assert run.code == 2 and run.err.startswith("policycheck: error: HEAD:policycheck.yaml:3:")
    assert "policycheck-base-" not in run.err and "Traceback" not in run.err

"""System policies attached in a Terraform plan are checked with the System policy library's text."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO

PLAN = (REPO / "tests/data/terraform/plan.json").read_text()

CONFIG = """\
policies:
  - terraform: plan.json
principals:
  editor:
    terraform: {user: media-editor-ana}
  operator:
    terraform: {user: media-operator}
expect:
  editor:
    deny: [{action: ice:QueryIProductionJob}]
  operator:
    allow: [{action: ice:QueryIProductionJob}]
"""


def _project(write, plan_text: str, config: str = CONFIG) -> None:
    write("plan.json", plan_text)
    write("policycheck.yaml", config)


def _results(run) -> dict[tuple[str, str], dict]:
    return {(r["principal"], r["expectation"]): r for r in run.json()["results"]}


def test_plan_attaching_ice_full_access_is_checked_not_unknown(tmp_path, write, cli):
    # the operator's System policy becomes AliyunICEFullAccess: ice:* on acs:ice:*:*:*
    _project(write, PLAN.replace("AliyunICEReadOnlyAccess", "AliyunICEFullAccess"))
    run = cli("check", "--format", "json", cwd=tmp_path)
    operator = _results(run)[("operator", "allow")]
    # ICE authorizes per operation on the account-scoped ARN, which acs:ice:*:*:* matches
    assert operator["status"] == "holds", operator["reason"]
    assert operator["statements"][0]["file"] == "ram://policy/System/AliyunICEFullAccess@v1"
    used = run.json()["principals"]["operator"]["system_policies"]
    assert used == [
        {
            "name": "AliyunICEFullAccess",
            "version": "v1",
            "origin": "policycheck's library",
            "source": "https://help.aliyun.com/zh/ram/developer-reference/aliyunicefullaccess",
            "read": "2026-12-04",
        }
    ]
    assert run.json()["principals"]["operator"]["unknowns"] == []
    text = cli("check", cwd=tmp_path)
    assert (
        "  note: System policy AliyunICEFullAccess v1: text from policycheck's library, read 2026-12-04 "
        "from https://help.aliyun.com/zh/ram/developer-reference/aliyunicefullaccess"
    ) in text.out.splitlines()
    assert "✓ may      ice:QueryIProductionJob" in text.out
    assert "allowed by Statement[0] of ram://policy/System/AliyunICEFullAccess@v1:4" in text.out


def test_a_library_grant_is_cited_like_any_statement(tmp_path, write, cli):
    # the editor's groups carry AliyunOSSReadOnlyAccess: oss:Get* and oss:List* on "*"
    config = CONFIG.replace(
        "    deny: [{action: ice:QueryIProductionJob}]",
        "    deny: [{action: ice:QueryIProductionJob}]\n    allow: [{action: oss:GetObject}]",
    )
    _project(write, PLAN, config)
    run = cli("check", "--format", "json", cwd=tmp_path)
    results = _results(run)
    assert results[("editor", "deny")]["status"] == "holds"
    allow = results[("editor", "allow")]
    assert allow["status"] == "holds"
    assert allow["statements"] == [
        {
            "file": "ram://policy/System/AliyunOSSReadOnlyAccess@v1",
            "statement": 0,
            "line": 4,
            "effect": "Allow",
            "layer": "identity",
        }
    ]
    assert "AliyunOSSReadOnlyAccess" in json.dumps(run.json()["principals"]["editor"]["system_policies"])


def test_system_policy_the_library_lacks_stays_unknown(tmp_path, write, cli):
    # AliyunOSSFullAccess's published text was not found, so it is not in the library
    _project(write, PLAN.replace("AliyunOSSReadOnlyAccess", "AliyunOSSFullAccess"))
    run = cli("check", "--format", "json", cwd=tmp_path)
    editor = _results(run)[("editor", "deny")]
    assert editor["status"] == "unknown"
    assert "AliyunOSSFullAccess" in editor["reason"] and "System policy library" in editor["reason"]
    assert run.code == 1


def test_a_teams_folder_wins_over_the_shipped_text(tmp_path, write, cli):
    narrower = {
        "name": "AliyunICEFullAccess",
        "type": "System",
        "version": "v7",
        "source": "ram://policy/System/AliyunICEFullAccess@v7",
        "read": "2026-12-01",
        "document": {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "ice:GetMediaInfo", "Resource": "*"}],
        },
    }
    write("system-policies/AliyunICEFullAccess.json", narrower)
    _project(
        write,
        PLAN.replace("AliyunICEReadOnlyAccess", "AliyunICEFullAccess"),
        "system_policies: system-policies\n" + CONFIG,
    )
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert _results(run)[("operator", "allow")]["status"] == "violated"
    [used] = run.json()["principals"]["operator"]["system_policies"]
    assert (used["version"], used["read"]) == ("v7", "2026-12-01")
    assert used["origin"] == "system-policies"


def test_a_broken_library_file_is_one_line_with_its_position(tmp_path, write, cli):
    write("system-policies/Broken.json", '{"name": "AliyunICEFullAccess", "type": "System"}')
    _project(
        write,
        PLAN.replace("AliyunICEReadOnlyAccess", "AliyunICEFullAccess"),
        "system_policies: system-policies\n" + CONFIG,
    )
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and run.out == ""
    [line] = run.err.splitlines()
    assert line == (
        "policycheck: error: policycheck.yaml:1:1: system-policies/Broken.json:1:1: "
        "the document is missing version and source and read and document"
    )


def test_a_missing_library_folder_is_a_usage_error(tmp_path, write, cli):
    _project(write, PLAN, "system_policies: nowhere\n" + CONFIG)
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "nowhere: no such folder" in run.err


def test_shipped_library_files_follow_the_schema_and_name_their_file():
    from policycheck.catalog.system import SHIPPED, load_folder, shipped

    folder = REPO / "policycheck/catalog/system_policies"
    checked = load_folder(str(folder))  # raises on any file that breaks the schema
    assert set(checked.policies) == {p.stem for p in folder.glob("*.json")}
    for name, entry in shipped().policies.items():
        assert entry.origin == SHIPPED and entry.source.startswith("https://")
        assert json.loads(entry.document)["Version"] == "1"
        assert entry.label == f"ram://policy/System/{name}@{entry.version}"
    assert {"AliyunICEFullAccess", "AliyunICEReadOnlyAccess", "AliyunOSSReadOnlyAccess"} <= set(
        checked.policies
    )


def test_catalog_system_policies_lists_what_check_would_use(tmp_path, write, cli):
    run = cli("catalog", "system-policies", cwd=tmp_path)
    assert run.code == 0
    assert (
        "AliyunICEFullAccess v1 read 2026-12-04 from "
        "https://help.aliyun.com/zh/ram/developer-reference/aliyunicefullaccess (policycheck's library)"
    ) in run.out.splitlines()
    shipped = run.out.splitlines()[-1]
    write(
        "sp/AliyunICEFullAccess.json",
        {
            "name": "AliyunICEFullAccess",
            "type": "System",
            "version": "v2",
            "source": "ram:GetPolicyVersion@ram.aliyuncs.com",
            "read": "2026-12-03",
            "document": {
                "Version": "1",
                "Statement": [{"Effect": "Allow", "Action": "ice:*", "Resource": "*"}],
            },
        },
    )
    write("policycheck.yaml", "system_policies: sp\n")
    run = cli("catalog", "system-policies", cwd=tmp_path)
    assert "AliyunICEFullAccess v2 read 2026-12-03 from ram:GetPolicyVersion@ram.aliyuncs.com (sp)" in run.out
    assert run.out.splitlines()[-1] == shipped  # the folder replaced one, added none


VALID = {
    "name": "AliyunICEFullAccess",
    "type": "System",
    "version": "v1",
    "source": "ram:GetPolicyVersion@ram.aliyuncs.com",
    "read": "2026-12-04",
    "document": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ice:*", "Resource": "*"}]},
}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"name": ' + b"[" * 40 + b"]" * 40 + b"}", "levels deep"),
        (b'{"name": "A", "name": "B"}', "appears again"),
        (json.dumps({**VALID, "name": "../../etc/passwd"}).encode(), "name must be"),
        (json.dumps({**VALID, "source": "https://x\u001b[2J"}).encode(), "source must"),
        (json.dumps({**VALID, "document": {"Version": "1", "Statement": []}}).encode(), "non-empty list"),
    ],
    ids=["not-utf8", "too-deep", "duplicate-key", "path-in-name", "escape-in-source", "empty-policy"],
)
def test_hostile_library_files_are_one_line_errors(tmp_path, write, cli, content, words):
    write("sp/Hostile.json", content)
    _project(write, PLAN, "system_policies: sp\n" + CONFIG)
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "Traceback" not in run.err
    [line] = run.err.splitlines()
    assert line.startswith("policycheck: error: policycheck.yaml:1:1: sp/Hostile.json:") and words in line, (
        line
    )


def test_a_principal_may_name_a_system_policy_as_identity(tmp_path, write, cli):
    write(
        "policycheck.yaml",
        "principals:\n"
        "  reader:\n    identity: [AliyunOSSReadOnlyAccess, AliyunSTSAssumeRoleAccess]\n"
        "  typo:\n    identity: [AliyunOSSReadOnlyAcess]\n"
        "expect:\n  reader:\n    allow: [{action: oss:GetObject}, {action: sts:AssumeRole}]\n"
        "    deny: [{action: oss:PutObject}]\n",
    )
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 2 and 'no document named "AliyunOSSReadOnlyAcess"' in run.err
    assert (
        "nor a System policy of the System policy library; did you mean AliyunOSSReadOnlyAccess?" in run.err
    )
    write(
        "policycheck.yaml",
        (tmp_path / "policycheck.yaml")
        .read_text()
        .replace("  typo:\n    identity: [AliyunOSSReadOnlyAcess]\n", ""),
    )
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert {(r["action"], r["status"]) for r in run.json()["results"]} == {
        ("oss:GetObject", "holds"),
        ("sts:AssumeRole", "holds"),
        ("oss:PutObject", "holds"),
    }
    names = [p["name"] for p in run.json()["principals"]["reader"]["system_policies"]]
    assert names == ["AliyunOSSReadOnlyAccess", "AliyunSTSAssumeRoleAccess"] and run.code == 0


def test_catalog_system_policies_as_json(tmp_path, cli):
    run = cli("catalog", "system-policies", "--format", "json", cwd=tmp_path)
    listed = {p["name"]: p for p in run.json()["system_policies"]}
    assert run.code == 0 and len(listed) == 15
    assert listed["AliyunKMSFullAccess"] == {
        "name": "AliyunKMSFullAccess",
        "version": "v3",
        "origin": "policycheck's library",
        "source": "https://help.aliyun.com/zh/ram/developer-reference/aliyunkmsfullaccess",
        "read": "2026-12-04",
    }

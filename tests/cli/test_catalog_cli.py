"""The catalogs through `policycheck lint`: typos in every catalogued service, non-API actions,
the catalog's date, the team's catalog: section, OSS resource levels, and lazy loading."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policycheck import catalog
from tests.conftest import REPO, policy


def lint(cli, write, *statements: dict, config: str | None = None):
    path = write("policy.json", policy(*statements))
    args = ["lint", str(path), "--format", "json"]
    if config is not None:
        args += ["--config", str(write("policycheck.yaml", config))]
    run = cli(*args, cwd=path.parent)
    return run, run.json()["findings"]


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("oss:GetObjct", "oss:GetObject"),
        ("ecs:DescribeInstancse", "ecs:DescribeInstances"),
        ("mts:SubmitJob", "mts:SubmitJobs"),
        ("vod:GetPlayInfoo", "vod:GetPlayInfo"),
        ("log:GetLogStoreLog", "log:GetLogStoreLogs"),
        ("ram:PasRole", "ram:PassRole"),
    ],
)
def test_typos_in_catalogued_services_are_caught_with_a_suggestion(cli, write, typo, suggestion):
    run, findings = lint(cli, write, {"Effect": "Allow", "Action": typo, "Resource": "*"})
    [finding] = [f for f in findings if f["code"] == "UNKNOWN_ACTION"]
    assert f"did you mean {suggestion}" in finding["message"]
    assert run.code == 1


def test_reviewed_catalog_typo_is_an_error_sdk_only_catalog_a_warning(cli, write):
    _, findings = lint(
        cli,
        write,
        {"Effect": "Allow", "Action": ["oss:GetObjct", "ecs:DescribeInstancse"], "Resource": "*"},
    )
    severity = {f["message"].split('"')[1]: f["severity"] for f in findings if f["code"] == "UNKNOWN_ACTION"}
    assert severity == {"oss:GetObjct": "error", "ecs:DescribeInstancse": "warning"}


def test_finding_names_the_catalog_date_and_the_config_escape(cli, write):
    _, findings = lint(cli, write, {"Effect": "Allow", "Action": "oss:GetObjct", "Resource": "*"})
    [finding] = findings
    date = catalog.service("oss").generated_on
    assert date and f"policycheck's catalog of {date}" in finding["message"]
    assert "catalog.actions in policycheck.yaml" in finding["message"]


@pytest.mark.parametrize(
    "action",
    [
        "ram:PassRole",
        "ram:GenerateCredentialReport",
        "ram:GetAccessKeyLastUsed",
        "ram:CreateServiceLinkedRole",
        "resourcemanager:CreateResourceGroup",
        "resourcemanager:CreateFolder",
        "log:GetLogStoreLogs",
        "log:PostLogStoreLogs",
        "fc:InvokeFunction",
        "kms:Decrypt",
    ],
)
def test_real_non_api_and_other_product_actions_are_known(cli, write, action):
    run, findings = lint(cli, write, {"Effect": "Allow", "Action": action, "Resource": "*"})
    assert [f for f in findings if f["code"] in ("UNKNOWN_ACTION", "UNKNOWN_SERVICE")] == []


def test_aliyun_fc_full_access_lints_clean(cli, write):
    """Alibaba's own AliyunFCFullAccess v2: ram:PassRole scoped with acs:Service."""
    run, findings = lint(
        cli,
        write,
        {"Action": "fc:*", "Resource": "*", "Effect": "Allow"},
        {
            "Action": "ram:PassRole",
            "Resource": "*",
            "Effect": "Allow",
            "Condition": {"StringEquals": {"acs:Service": "fc.aliyuncs.com"}},
        },
    )
    catalog_codes = {"UNKNOWN_ACTION", "UNKNOWN_SERVICE", "INVALID_CONDITION_KEY"}
    assert [f for f in findings if f["code"] in catalog_codes] == []
    # fc:* on "*": true, and wanted; passing a role to functions one writes is escalation, proved
    assert {f["code"] for f in findings} <= {"OVERLY_PERMISSIVE", "PRIVILEGE_ESCALATION"}


CONFIG = """
catalog:
  actions: [oss:PutBucketFancy, newsvc:DoThing]
  condition_keys: [acs:BrandNewKey]
"""


def test_catalog_section_adds_actions_and_condition_keys(cli, write):
    document = {
        "Effect": "Allow",
        "Action": ["oss:PutBucketFancy", "newsvc:DoThing"],
        "Resource": "*",
        "Condition": {"StringEquals": {"acs:BrandNewKey": "x"}},
    }
    pattern = {"Effect": "Allow", "Action": "oss:putbucketfan*", "Resource": "*"}
    _, without = lint(cli, write, document)
    assert {f["code"] for f in without} >= {"UNKNOWN_ACTION", "INVALID_CONDITION_KEY"}
    run, findings = lint(cli, write, document, pattern, config=CONFIG)
    assert [f["code"] for f in findings] == [], findings
    assert run.code == 0


def test_catalog_section_is_validated_with_file_and_line(cli, write):
    run, _ = lint_raw(cli, write, "catalog:\n  actions: [not-an-action]\n")
    assert run.code == 2
    assert "policycheck.yaml:2" in run.err and "catalog.actions" in run.err


def lint_raw(cli, write, config: str):
    path = write("policy.json", policy({"Effect": "Allow", "Action": "ice:GetMediaInfo", "Resource": "*"}))
    run = cli("lint", str(path), "--config", str(write("policycheck.yaml", config)), cwd=path.parent)
    return run, path


@pytest.mark.parametrize(
    ("action", "resource", "mismatch"),
    [
        ("oss:GetObject", "acs:oss:*:*:media", True),
        ("oss:GetObject", "acs:oss:*:*:media/*", False),
        ("oss:GetObject", "acs:oss:*:*:media*", False),
        ("oss:GetObject", "*", False),
        ("oss:PutObject", ["acs:oss:*:*:media", "acs:oss:*:*:media/*"], False),
        ("oss:ListObjects", "acs:oss:*:*:media/*", True),
        ("oss:ListObjects", "acs:oss:*:*:media", False),
        ("oss:ListBuckets", "acs:oss:*:*:media", True),
        ("oss:ListBuckets", "acs:oss:*:*:*", False),
        ("oss:ListBuckets", "*", False),
        ("oss:Get*", "acs:oss:*:*:media", False),  # oss:GetBucketInfo applies
        ("oss:*ObjectAcl", "acs:oss:*:*:media", True),
    ],
)
def test_oss_resource_levels(cli, write, action, resource, mismatch):
    _, findings = lint(cli, write, {"Effect": "Allow", "Action": action, "Resource": resource})
    found = [f for f in findings if f["code"] == "RESOURCE_MISMATCH"]
    assert bool(found) == mismatch, findings
    if mismatch:
        assert found[0]["path"] == "Statement[0].Resource" and action in found[0]["message"]


def test_oss_deny_on_a_bucket_arn_denies_no_object(cli, write):
    _, findings = lint(
        cli, write, {"Effect": "Deny", "Action": "oss:DeleteObject", "Resource": "acs:oss:*:*:b"}
    )
    [finding] = [f for f in findings if f["code"] == "RESOURCE_MISMATCH"]
    assert "Deny denies nothing" in finding["message"]


LOADED = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and isinstance(args[0], str)
                 and args[0].endswith(".json") and opened.append(args[0]))
from policycheck.cli import main
try:
    main(["lint", sys.argv[1], "--format", "json"])
except SystemExit:
    pass
sys.stdout = sys.__stdout__
print(json.dumps(sorted({p.rsplit("/", 1)[-1] for p in opened if "/catalog/data/" in p})))
"""


def test_linting_an_ice_policy_reads_only_the_ice_catalog(write):
    path = write(
        "ice-only.json", policy({"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"})
    )
    done = subprocess.run(
        [sys.executable, "-c", LOADED, str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["ice.json"]


def test_catalog_package_data_ships_every_service(tmp_path):
    """Every catalogued service's file is package data next to the loader (no network at run time)."""
    data = REPO / "policycheck" / "catalog" / "data"
    assert {"ice.json", "oss.json", "log.json", "_build.json"} <= {p.name for p in data.iterdir()}
    assert len(catalog.services()) > 400

"""The shipped catalog files: valid against their schemas, consistent, right on the facts that matter."""

from __future__ import annotations

import pytest
from conftest import CATALOG_FILES, DATA_DIR, SCHEMA_DIR, SOURCES_DIR, load_json
from jsonschema import Draft202012Validator


def validator(schema_name: str) -> Draft202012Validator:
    schema = load_json(SCHEMA_DIR / schema_name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


MEDIA_TEAM_SERVICES = {
    "ice", "oss", "mts", "vod", "log", "ram", "sts", "kms", "ecs", "vpc", "fc",
    "cms", "rds", "slb", "cdn", "live", "imm", "actiontrail", "resourcemanager",
}  # fmt: skip


def test_every_service_of_the_brief_ships_with_actions():
    shipped = {p.stem: load_json(p) for p in CATALOG_FILES if p.stem in MEDIA_TEAM_SERVICES}
    assert set(shipped) == MEDIA_TEAM_SERVICES
    assert all(len(c["actions"]) >= 4 for c in shipped.values())
    assert len(CATALOG_FILES) > 400


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_catalog_validates_against_its_schema(path):
    errors = [e.message for e in validator("catalog.schema.json").iter_errors(load_json(path))]
    assert errors == []


def test_global_condition_keys_validate_against_their_schema():
    data = load_json(DATA_DIR / "global-condition-keys.json")
    errors = [e.message for e in validator("global-condition-keys.schema.json").iter_errors(data)]
    assert errors == []


def test_schema_rejects_all_resources_mixed_with_arns():
    catalog = load_json(DATA_DIR / "sts.json")
    catalog["actions"][0]["resource_types"] = ["*", "acs:ram::{#accountId}:role/{#RoleName}"]
    assert not validator("catalog.schema.json").is_valid(catalog)


def test_schema_rejects_a_sixth_access_level():
    catalog = load_json(DATA_DIR / "sts.json")
    catalog["actions"][0]["access_level"] = "none"
    assert not validator("catalog.schema.json").is_valid(catalog)


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_file_name_is_the_ram_code_and_actions_are_sorted_and_unique(path):
    catalog = load_json(path)
    names = [a["name"] for a in catalog["actions"]]
    assert catalog["ram_code"] == path.stem
    assert names == sorted(names)
    assert len({n.lower() for n in names}) == len(names)


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_every_cited_source_exists(path):
    catalog = load_json(path)
    ids = [s["id"] for s in catalog["sources"]]
    cited = {s for a in catalog["actions"] for s in a.get("sources", [])}
    assert len(ids) == len(set(ids))
    assert cited <= set(ids)


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_documented_levels_cite_more_than_the_sdk(path):
    """The SDK lists operations; it says nothing about access levels."""
    for action in load_json(path)["actions"]:
        if action["access_level_source"] == "documented":
            assert set(action["sources"]) - {"sdk"}, action["name"]


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_inferred_levels_are_what_the_rules_give(path, update_tool):
    """The tool derives inferred levels on every refresh, so the file must already agree."""
    catalog = load_json(path)
    rules = catalog.get("access_level_rules") or load_json(SOURCES_DIR / "overlay.json")["access_level_rules"]
    wrong = [
        a["name"]
        for a in catalog["actions"]
        if a["access_level_source"] == "inferred"
        and _level(update_tool, a["name"], rules) != a["access_level"]
    ]
    assert wrong == []


def _level(update_tool, name: str, rules: list[dict]) -> str:
    try:
        return update_tool.infer_access_level(name, rules)
    except update_tool.CatalogError:
        return "unknown"


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.stem)
def test_files_are_in_the_tools_layout(path, update_tool):
    """A hand edit that breaks the one-action-per-line layout makes the next refresh diff noisy."""
    assert update_tool.render(load_json(path)) == path.read_text("utf-8")


def test_ice_is_the_full_operation_level_catalog():
    ice = load_json(DATA_DIR / "ice.json")
    names = {a["name"] for a in ice["actions"]}
    assert ice["granularity"] == "OPERATION"
    assert ice["api_version"] == "2020-11-09"
    assert len(names) >= 390
    assert {"QueryIProductionJob", "SubmitIProductionJob", "CancelIProductionJob"} <= names
    assert all(a["resource_types"] == ["*"] and a["condition_keys"] == [] for a in ice["actions"])


def test_query_iproduction_job_reads_as_documented():
    ice = load_json(DATA_DIR / "ice.json")
    (entry,) = [a for a in ice["actions"] if a["name"] == "QueryIProductionJob"]
    assert entry["access_level"] == "get"
    assert entry["access_level_source"] == "documented"
    assert entry["resource_types"] == ["*"]
    assert entry["condition_keys"] == []
    assert entry["associated_operations"] == []


def test_ram_scopes_user_actions_to_the_user_arn():
    ram = {a["name"]: a for a in load_json(DATA_DIR / "ram.json")["actions"]}
    assert ram["GetUser"]["resource_types"] == ["acs:ram:*:{#accountId}:user/{#UserName}"]
    assert ram["DecodeDiagnosticMessage"]["resource_types"] == ["*"]
    assert "acs:ram:*:system:policy/{#PolicyName}" in ram["GetPolicy"]["resource_types"]


def test_sts_assume_role_is_on_the_role():
    sts = {a["name"]: a for a in load_json(DATA_DIR / "sts.json")["actions"]}
    assert set(sts) == {"AssumeRole", "AssumeRoleWithOIDC", "AssumeRoleWithSAML", "GetCallerIdentity"}
    assert sts["AssumeRole"]["resource_types"] == ["acs:ram::{#accountId}:role/{#RoleName}"]


def test_access_level_rules_have_unique_verbs():
    overlay = SOURCES_DIR / "overlay.json"
    for path in [*CATALOG_FILES, overlay]:
        verbs = [rule["verb"] for rule in load_json(path).get("access_level_rules", [])]
        assert len(verbs) == len(set(verbs)), path.stem

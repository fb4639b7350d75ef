"""tools/update_ice_catalog.py: reading an SDK client, merging into a catalog, writing it back."""

from __future__ import annotations

import json
import zipfile

import pytest

FAKE_CLIENT = """
class Client:
    def get_thing_with_options(self, request, runtime):
        params = open_api_util_models.Params(
            action = 'GetThing',
            version = '2020-11-09',
            protocol = 'HTTPS',
        )

    async def get_thing_with_options_async(self, request, runtime):
        params = open_api_util_models.Params(action = 'GetThing', version = '2020-11-09')

    def delete_thing_with_options(self, request, runtime):
        params = Params(action='DeleteThing', version='2020-11-09')

    def helper(self):
        return Other(action='NotAnApi')
"""

RULES = [
    {"verb": "Get", "access_level": "get"},
    {"verb": "List", "access_level": "list"},
    {"verb": "Submit", "access_level": "create"},
    {"verb": "Sub", "access_level": "update"},
    {"verb": "Cancel", "access_level": "update"},
    {"verb": "Delete", "access_level": "delete"},
]


def action(name, level, source, **extra):
    entry = {
        "name": name,
        "access_level": level,
        "access_level_source": source,
        "resource_types": ["*"],
        "resource_types_source": "documented",
        "condition_keys": [],
        "associated_operations": [],
        "sources": ["sdk"],
    }
    entry.update(extra)
    return entry


def fake_catalog(granularity="OPERATION"):
    return {
        "ram_code": "ice",
        "service_code": "ICE",
        "name": "Intelligent Media Services",
        "api_version": "2020-11-09",
        "granularity": granularity,
        "generated_from": {"package": "fake-sdk", "module": "fake_sdk", "version": "1.0.0"},
        "sources": [{"id": "sdk", "title": "the fake SDK"}, {"id": "doc", "title": "a doc page"}],
        "access_level_rules": RULES,
        "actions": [
            action("CancelJob", "delete", "inferred"),
            action("GetThing", "list", "documented", sources=["sdk", "doc"], note="printed so"),
            action("GoneAway", "get", "documented", sources=["sdk", "doc"]),
        ],
    }


def test_extract_reads_each_action_once_and_ignores_other_calls(update_tool):
    assert update_tool.extract_operations(FAKE_CLIENT, "2020-11-09") == ("DeleteThing", "GetThing")


def test_extract_refuses_another_api_version(update_tool):
    with pytest.raises(update_tool.CatalogError, match="2021-01-01"):
        update_tool.extract_operations(FAKE_CLIENT, "2021-01-01")


def test_extract_refuses_a_client_without_actions(update_tool):
    with pytest.raises(update_tool.CatalogError, match="no action"):
        update_tool.extract_operations("x = 1\n", "2020-11-09")


def test_verbs_match_whole_words_only(update_tool):
    assert update_tool.infer_access_level("SubmitJob", RULES) == "create"
    assert update_tool.infer_access_level("SubYikeUserCredit", RULES) == "update"
    assert update_tool.infer_access_level("Get", RULES) == "get"
    with pytest.raises(update_tool.CatalogError, match="Getaway"):
        update_tool.infer_access_level("Getaway", RULES)


def test_merge_keeps_documented_entries_and_rederives_inferred_levels(update_tool):
    result = update_tool.merge(fake_catalog(), ["GetThing", "CancelJob", "ListThings"])
    merged = {a["name"]: a for a in result.catalog["actions"]}
    assert result.added == ("ListThings",)
    assert result.removed == ("GoneAway",)
    assert list(merged) == ["CancelJob", "GetThing", "ListThings"]
    assert merged["GetThing"] == action(
        "GetThing", "list", "documented", sources=["sdk", "doc"], note="printed so"
    )
    assert merged["CancelJob"]["access_level"] == "update"
    assert merged["ListThings"] == action("ListThings", "list", "inferred")


def test_merge_does_not_touch_its_input(update_tool):
    catalog = fake_catalog()
    before = json.dumps(catalog, sort_keys=True)
    update_tool.merge(catalog, ["CancelJob"])
    assert json.dumps(catalog, sort_keys=True) == before


def test_new_actions_of_resource_level_services_are_flagged_for_review(update_tool):
    result = update_tool.merge(fake_catalog("RESOURCE"), ["GetThing", "ListThings"])
    new = result.catalog["actions"][-1]
    assert new["name"] == "ListThings"
    assert new["resource_types_source"] == "inferred"
    assert "not reviewed" in new["note"]


def test_merge_fails_on_a_verb_without_a_rule(update_tool):
    with pytest.raises(update_tool.CatalogError, match="FrobnicateThing"):
        update_tool.merge(fake_catalog(), ["FrobnicateThing"])


def test_render_is_json_with_one_action_per_line(update_tool):
    catalog = fake_catalog()
    text = update_tool.render(catalog)
    assert json.loads(text) == catalog
    action_lines = [line for line in text.splitlines() if line.lstrip().startswith('{"name"')]
    assert len(action_lines) == len(catalog["actions"])
    assert update_tool.render(json.loads(text)) == text


def test_render_refuses_unknown_keys(update_tool):
    catalog = fake_catalog()
    catalog["actions"][0]["acces_level"] = "get"
    with pytest.raises(update_tool.CatalogError, match="acces_level"):
        update_tool.render(catalog)


def write_wheel(path, client_source, version="2.0.0"):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fake_sdk/__init__.py", "")
        archive.writestr("fake_sdk/client.py", client_source)
        archive.writestr(f"fake_sdk-{version}.dist-info/METADATA", f"Name: fake-sdk\nVersion: {version}\n")
    return path


def test_main_refreshes_a_catalog_file_from_a_wheel(update_tool, tmp_path, capsys):
    (tmp_path / "ice.json").write_text(json.dumps(fake_catalog()), "utf-8")
    wheel = write_wheel(tmp_path / "fake_sdk-2.0.0-py3-none-any.whl", FAKE_CLIENT)
    code = update_tool.main(["--wheel", str(wheel), "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    written = json.loads((tmp_path / "ice.json").read_text("utf-8"))
    assert code == 0
    assert [a["name"] for a in written["actions"]] == ["DeleteThing", "GetThing"]
    assert written["generated_from"]["version"] == "2.0.0"
    assert "added 1, removed 2" in out
    assert "added: ice:DeleteThing" in out
    assert "removed: ice:GoneAway" in out


def test_main_reports_a_wrong_wheel_in_one_line(update_tool, tmp_path, capsys):
    (tmp_path / "ice.json").write_text(json.dumps(fake_catalog()), "utf-8")
    wheel = tmp_path / "other.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("other/client.py", FAKE_CLIENT)
    code = update_tool.main(["--wheel", str(wheel), "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "fake_sdk/client.py" in err


def test_main_reports_a_missing_sdk_in_one_line(update_tool, tmp_path, capsys):
    (tmp_path / "ice.json").write_text(json.dumps(fake_catalog()), "utf-8")
    code = update_tool.main(["--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "fake-sdk is not installed" in err

"""The catalog loader's public API, as the lint rules and the evaluator use it."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import policycheck.catalog as catalog
from policycheck.catalog import (
    expand,
    global_condition_key,
    is_operation_level,
    lookup,
    service,
    services,
)


def test_services_are_the_catalogued_ram_codes():
    found = services()
    assert {"ice", "ram", "sts", "oss", "log", "mts", "vod", "ecs"} <= set(found)
    assert list(found) == sorted(found) and "_build" not in found


def test_query_iproduction_job_facts():
    action = lookup("ice:QueryIProductionJob")
    assert action is not None
    assert action.full_name == "ice:QueryIProductionJob"
    assert action.access_level == "get"
    assert action.access_level_source == "documented"
    assert action.resource_types == ("*",)
    assert action.condition_keys == ()
    assert action.associated_operations == ()


def test_lookup_ignores_case_and_returns_the_canonical_spelling():
    assert lookup("ICE:queryiproductionjob").name == "QueryIProductionJob"


def test_lookup_misses():
    assert lookup("ice:QueryIProdutionJob") is None
    assert lookup("nosuch:GetObject") is None
    assert lookup("QueryIProductionJob") is None
    assert lookup("ice:Query*") is None


def test_find_ignores_case():
    ice = service("ice")
    assert ice.find("QUERYIPRODUCTIONJOB") is ice.find("QueryIProductionJob")
    assert ice.find("NoSuchAction") is None


def test_lookalike_letters_do_not_fold_into_real_names():
    """casefold() would turn the Kelvin sign into k; RAM would not accept it."""
    assert lookup("ram:GetAccessKeyLastUsed") is not None
    assert lookup("ram:GetAccess\u212aeyLastUsed") is None
    assert service("ice").find("SubmitIProductionJob".replace("I", "\u0130")) is None


def test_unknown_service_has_no_catalog():
    assert service("nosuch") is None
    assert service("") is None


def test_service_is_loaded_once_whatever_the_case():
    assert service("ICE") is service("ice")


def test_service_metadata():
    ice = service("ice")
    assert (ice.ram_code, ice.service_code, ice.api_version, ice.granularity) == (
        "ice",
        "ICE",
        "2020-11-09",
        "OPERATION",
    )
    assert len(ice.actions) >= 390


def test_misspelt_wildcard_matches_nothing():
    assert service("ice").match("Qeury*") == ()


def test_wildcard_match_is_case_insensitive_and_sorted():
    names = [a.name for a in service("ice").match("query*")]
    assert "QueryIProductionJob" in names
    assert len(names) > 1
    assert names == sorted(names)
    assert all(name.startswith("Query") for name in names)


def test_question_mark_matches_one_character_and_brackets_are_literal():
    ram = service("ram")
    assert [a.name for a in ram.match("GetUse?")] == ["GetUser"]
    assert ram.match("GetUse??") == ()
    assert ram.match("Get[U]ser") == ()


def test_match_without_wildcards_is_an_exact_lookup():
    assert [a.name for a in service("ice").match("queryiproductionjob")] == ["QueryIProductionJob"]


def test_repeated_match_gives_the_same_answer():
    ice = service("ice")
    assert ice.match("Delete*") is ice.match("DELETE*")


def test_nearest_names_for_a_typo():
    ice = service("ice")
    assert ice.nearest("QueryIProdutionJob")[0] == "QueryIProductionJob"
    assert len(ice.nearest("QueryIProdutionJob", limit=2)) == 2
    assert ice.nearest("QueryIProdutionJob", limit=0) == ()
    assert ice.nearest("zzzzzzzzzzzz") == ()


def test_expand_star_covers_every_catalogued_action_sorted():
    everything = expand("*")
    assert len(everything) == sum(len(service(code).actions) for code in services())
    full_names = [a.full_name for a in everything]
    assert full_names == sorted(full_names)
    assert {"ice:QueryIProductionJob", "ram:GetUser", "sts:AssumeRole"} <= set(full_names)


def test_expand_within_a_service():
    assert expand("ice:*") == service("ice").actions
    deletes = expand("ice:Delete*")
    assert deletes and all(a.service == "ice" and a.name.startswith("Delete") for a in deletes)
    assert expand("ice:Qeury*") == ()


def test_expand_with_a_wildcard_service_part():
    gets = {a.full_name for a in expand("*:Get*")}
    assert {"ice:GetMediaInfo", "ram:GetUser"} <= gets
    assert all(name.split(":")[1].startswith("Get") for name in gets)


def test_expand_says_nothing_about_services_without_a_catalog():
    assert expand("nosuch:Get*") is None
    assert expand("qq*:Get*") is None
    assert expand("NoServicePart") is None


def test_operation_level_actions():
    assert is_operation_level("ice:QueryIProductionJob")
    assert is_operation_level("ICE:queryiproductionjob")
    assert not is_operation_level("ram:GetUser")
    assert is_operation_level("ram:DecodeDiagnosticMessage")
    assert not is_operation_level("sts:AssumeRole")
    assert not is_operation_level("oss:GetObject")
    assert not is_operation_level("nosuch:GetObject")
    assert not is_operation_level("NoServicePart")


def test_global_keys_are_found_ignoring_case():
    source_ip = global_condition_key("acs:sourceip")
    assert source_ip.name == "acs:SourceIp"
    assert source_ip.type == "IP"
    assert source_ip.confirmed
    assert global_condition_key("acs:CurrentTime").type == "Date"
    assert global_condition_key("acs:SecureTransport").type == "Bool"
    assert global_condition_key("acs:MFAPresent").type == "Bool"
    assert global_condition_key("acs:PrincipalARN").type == "String"


def test_prefix_keys_take_a_tag_key():
    team = global_condition_key("acs:resourcetag/team")
    assert team.name == "acs:ResourceTag/team"
    assert team.type == "String"
    assert global_condition_key("acs:ResourceTag/团队").name == "acs:ResourceTag/团队"
    assert global_condition_key("acs:ResourceTag/") is None


def test_unconfirmed_keys_are_marked():
    assert global_condition_key("acs:RequestTag/env").confirmed is False
    assert global_condition_key("acs:PrincipalRDId").confirmed is False


def test_non_global_keys_are_not_found():
    assert global_condition_key("acs:NoSuchKey") is None
    assert global_condition_key("oss:Prefix") is None
    assert global_condition_key("acs:SourceIp".replace("s", "\u017f", 1)) is None


def test_docstring_examples_hold():
    assert doctest.testmod(catalog).failed == 0


def test_import_reads_no_catalog_and_pulls_in_neither_jsonschema_nor_yaml():
    probe = (
        "import json, sys\n"
        "import policycheck.catalog as c\n"
        "loaded_at_import = c._load_service.cache_info().currsize\n"
        "c.lookup('ice:QueryIProductionJob'); c.global_condition_key('acs:SourceIp'); c.expand('*')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'yaml'))\n"
        "print(json.dumps([loaded_at_import, heavy]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [0, []]

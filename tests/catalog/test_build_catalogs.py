"""tools/build_catalogs.py on a small fixed set of fake SDK wheels, built here: no network."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.catalog.conftest import ROOT

NEW_STYLE = """
class Client:
    def get_log_store_with_options(self, request, headers, runtime):
        params = open_api_util_models.Params(
            action = 'GetLogStore',
            version = '2020-12-30',
            pathname = f'/logstores/x',
        )

    def get_logs_with_options(self, request, headers, runtime):
        params = open_api_util_models.Params(action = 'GetLogs', version = '2020-12-30')

    def create_service_linked_role_with_options(self, request, runtime):
        params = open_api_util_models.Params(action = 'CreateServiceLinkedRole', version = '2020-12-30')

    def helper(self):
        return Other(action='NotAnApi')
"""

OLD_STYLE = """
class Client:
    def list_things_with_options(self, request, runtime):
        return TeaCore.from_map(Model(), self.do_rpcrequest('ListThings', '2019-01-01', 'HTTPS', 'POST', 'AK', 'json', req, runtime))

    def purge_thing_with_options(self, request, headers, runtime):
        return TeaCore.from_map(Model(), self.do_roarequest('PurgeThing', '2019-01-01', 'HTTPS', 'GET', 'AK', '/x', 'json', req, runtime))
"""

TABLE = {
    "products": [
        {
            "product": "sls",
            "ram_code": "log",
            "name": "Simple Log Service",
            "service_code": "Sls",
            "route": {"ram": ["CreateServiceLinkedRole"]},
            "source": {
                "title": "SLS RAM authorization: RamCode log",
                "url": "https://example.invalid/sls-ram",
            },
        },
        {"product": "objects", "skip": "actions come from the overlay"},
    ]
}

OVERLAY = {
    "access_level_rules": [
        {"verb": "Get", "access_level": "get"},
        {"verb": "List", "access_level": "list"},
        {"verb": "Create", "access_level": "create"},
    ],
    "sources": [
        {"id": "sls-rules", "title": "SLS authorization rules", "urls": ["https://example.invalid/r"]}
    ],
    "services": {
        "log": {
            "granularity": "RESOURCE",
            "arn_forms": ["acs:log:{#regionId}:{#accountId}:project/{#ProjectName}"],
            "sources": ["sls-rules"],
            "actions": [
                {
                    "name": "GetLogStoreLogs",
                    "access_level": "get",
                    "access_level_source": "documented",
                    "resource_types": ["acs:log:{#regionId}:{#accountId}:project/{#ProjectName}"],
                    "resource_types_source": "documented",
                    "sources": ["sls-rules"],
                }
            ],
        }
    },
}


def fake_wheel(folder: Path, module: str, version: str, summary: str, client: str) -> Path:
    """A wheel with only what the builder reads: <module>/client.py and METADATA."""
    distribution = module.replace("_", "-")
    path = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{module}/__init__.py", "")
        archive.writestr(f"{module}/client.py", client)
        archive.writestr(
            f"{module}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\nSummary: {summary}\n\nbody\n",
        )
    return path


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    """tools/build_catalogs.py, imported from its file (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_catalogs", ROOT / "tools" / "build_catalogs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def workspace(tmp_path):
    wheels, data, sources = tmp_path / "wheels", tmp_path / "data", tmp_path / "sources"
    for folder in (wheels, data, sources):
        folder.mkdir()
    fake_wheel(
        wheels,
        "alibabacloud_sls20201230",
        "5.0.0",
        "Alibaba Cloud Log Service (20201230) SDK Library for Python",
        NEW_STYLE,
    )
    fake_wheel(
        wheels,
        "alibabacloud_things20190101",
        "1.2.3",
        "Alibaba Cloud Things (20190101) SDK Library for Python",
        OLD_STYLE,
    )
    (sources / "ram-codes.json").write_text(json.dumps(TABLE))
    (sources / "overlay.json").write_text(json.dumps(OVERLAY))
    existing = {
        "ram_code": "ram",
        "service_code": "Ram",
        "name": "Resource Access Management",
        "api_version": "2015-05-01",
        "granularity": "RESOURCE",
        "sources": [{"id": "doc", "title": "a documented page"}],
        "actions": [
            {
                "name": "GetUser",
                "access_level": "get",
                "access_level_source": "documented",
                "resource_types": ["acs:ram:*:{#accountId}:user/{#UserName}"],
                "resource_types_source": "documented",
                "sources": ["doc"],
            }
        ],
    }
    (data / "ram.json").write_text(json.dumps(existing))
    return tmp_path


def run(builder, workspace, *extra: str) -> int:
    return builder.main(
        [
            "--wheels",
            str(workspace / "wheels"),
            "--offline",
            "--data-dir",
            str(workspace / "data"),
            "--sources-dir",
            str(workspace / "sources"),
            "--date",
            "2026-12-04",
            *extra,
        ]
    )


def read(workspace, name: str) -> dict:
    return json.loads((workspace / "data" / name).read_text())


def test_every_api_version_per_product_newest_first_and_no_py2_or_test_builds(builder):
    names = [
        "alibabacloud-mts20140618",
        "alibabacloud-mts20210728",
        "alibabacloud-fc-open20210406",
        "alibabacloud-ice20201109-py2",
        "alibabacloud-lmztest20210531-172452318",
        "alibabacloud-tea",
    ]
    assert builder.product_versions(names) == {
        "fc-open": ["alibabacloud-fc-open20210406"],
        "mts": ["alibabacloud-mts20210728", "alibabacloud-mts20140618"],
    }


def test_both_client_styles_are_read_without_importing(builder):
    assert builder.extract_api(OLD_STYLE) == ("2019-01-01", ("ListThings", "PurgeThing"))
    assert builder.extract_api(NEW_STYLE) == (
        "2020-12-30",
        ("CreateServiceLinkedRole", "GetLogStore", "GetLogs"),
    )


def test_builds_one_catalog_per_ram_code_with_its_sources(builder, workspace, capsys):
    assert run(builder, workspace) == 0
    assert "3 catalogs" in capsys.readouterr().out
    log = read(workspace, "log.json")
    assert [a["name"] for a in log["actions"]] == ["GetLogStore", "GetLogStoreLogs", "GetLogs"]
    assert (log["ram_code"], log["name"], log["granularity"], log["generated_on"]) == (
        "log",
        "Simple Log Service",
        "RESOURCE",
        "2026-12-04",
    )
    assert log["ram_code_source"] == "documented" and log["action_names"] == "api"
    assert log["packages"] == [
        {"package": "alibabacloud-sls20201230", "version": "5.0.0", "api_version": "2020-12-30"}
    ]
    assert {s["id"] for s in log["sources"]} == {"sdk", "ram-code-sls", "sls-rules"}
    by_name = {a["name"]: a for a in log["actions"]}
    assert by_name["GetLogStoreLogs"]["access_level_source"] == "documented"
    assert by_name["GetLogs"]["resource_types"] == []  # a RESOURCE service: not reviewed yet
    things = read(workspace, "things.json")
    assert things["ram_code_source"] == "assumed" and things["name"] == "Things"
    assert [(a["name"], a["access_level"]) for a in things["actions"]] == [
        ("ListThings", "list"),
        ("PurgeThing", "unknown"),
    ]


def test_an_older_api_version_adds_the_operations_it_still_serves(builder, workspace):
    fake_wheel(
        workspace / "wheels",
        "alibabacloud_things20170101",
        "0.9.0",
        "Alibaba Cloud Things (20170101) SDK Library for Python",
        "Params(action='ListThings', version='2017-01-01')\nParams(action='GetOldThing', version='2017-01-01')",
    )
    assert run(builder, workspace) == 0
    things = read(workspace, "things.json")
    assert [a["name"] for a in things["actions"]] == ["GetOldThing", "ListThings", "PurgeThing"]
    assert things["api_version"] == "2019-01-01"  # the newest names the catalog
    assert [p["package"] for p in things["packages"]] == [
        "alibabacloud-things20190101",
        "alibabacloud-things20170101",
    ]


def test_routed_api_joins_its_ram_code_and_the_file_keeps_what_it_knew(builder, workspace):
    assert run(builder, workspace) == 0
    ram = read(workspace, "ram.json")
    assert [a["name"] for a in ram["actions"]] == ["CreateServiceLinkedRole"]
    assert "CreateServiceLinkedRole" not in {a["name"] for a in read(workspace, "log.json")["actions"]}


def test_existing_documented_entries_survive_a_rebuild(builder, workspace):
    fake_wheel(
        workspace / "wheels",
        "alibabacloud_ram20150501",
        "1.3.0",
        "Alibaba Cloud Resource Access Management (20150501) SDK Library for Python",
        "Params(action='GetUser', version='2015-05-01')\nParams(action='ListUsers', version='2015-05-01')",
    )
    assert run(builder, workspace) == 0
    ram = {a["name"]: a for a in read(workspace, "ram.json")["actions"]}
    assert ram["GetUser"]["resource_types"] == ["acs:ram:*:{#accountId}:user/{#UserName}"]
    assert ram["GetUser"]["sources"] == ["doc"]
    assert ram["ListUsers"]["access_level_source"] == "inferred"
    assert set(ram) == {"GetUser", "ListUsers", "CreateServiceLinkedRole"}


def test_build_info_records_the_date_and_package_versions(builder, workspace):
    assert run(builder, workspace) == 0
    info = read(workspace, "_build.json")
    assert info["generated_on"] == "2026-12-04"
    assert info["packages"] == {"alibabacloud-sls20201230": "5.0.0", "alibabacloud-things20190101": "1.2.3"}
    assert info["last_run"]["packages_read"] == 2 and info["last_run"]["missing"] == []


def test_only_writes_the_codes_asked_for(builder, workspace):
    assert run(builder, workspace, "--only", "things") == 0
    assert not (workspace / "data" / "log.json").exists()
    assert (workspace / "data" / "things.json").exists()


def test_unreadable_wheel_is_reported_not_fatal(builder, workspace, capsys):
    (workspace / "wheels" / "alibabacloud_broken20200101-1.0.0-py3-none-any.whl").write_bytes(b"not a zip")
    assert run(builder, workspace) == 0
    assert "missing: alibabacloud-broken20200101" in capsys.readouterr().out


def test_missing_table_is_one_line_and_exit_1(builder, workspace, capsys):
    (workspace / "sources" / "ram-codes.json").unlink()
    assert run(builder, workspace) == 1
    err = capsys.readouterr().err
    assert err.startswith("build_catalogs: cannot read") and err.count("\n") == 1

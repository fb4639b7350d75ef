"""World files: the demo loads; every mistake is one WorldError that names file:line."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from policycheck.emulator.world import WorldError, load_world
from tests.conftest import REPO
from tests.emulator.conftest import ACCOUNT, ROOT, STS, TEST_WORLD, WORKER, write_world

DEMO = REPO / "policycheck" / "data" / "demo-world.yaml"


def test_demo_world_tells_the_three_principal_story():
    world = load_world(str(DEMO))
    assert world.settings.demo
    production, contractors = world.accounts
    worker = production.users["media-worker"]
    assert [p.name for g in worker.groups for p in production.groups[g].policies] == ["ice-iproduction-query"]
    assert [p.name for p in production.users["intern"].policies] == ["AliyunICEReadOnlyAccess"]
    assert [p.name for p in contractors.users["contractor"].policies] == ["ice-iproduction-query"]
    # FullAliyunAccess is attached by default, as Resource Directory does; the folder's own follows
    assert [p.name for p in contractors.control_policies] == ["FullAliyunAccess", "corporate-network-only"]
    control = contractors.control_policies[-1]
    assert control.default.policy.statements[0].conditions[0].operator == "NotIpAddress"
    # the identity policy is the repository's own document, written inline (the world ships alone)
    text = (REPO / "policies" / "ice-iproduction-query.json").read_text()
    assert json.loads(production.policies["ice-iproduction-query"].default.text) == json.loads(text)


def test_credentials_resolve_to_their_principals(tmp_path):
    world = load_world(str(write_world(tmp_path)))
    assert world.credential(ROOT[0]).principal_type == "Root"
    worker = world.credential(WORKER[0])
    assert (worker.principal_type, worker.user.name, worker.account.account_id) == (
        "SubUser",
        "worker",
        ACCOUNT,
    )
    session = world.credential(STS[0])
    assert session.principal_type == "AssumedRoleUser"
    assert session.display_name == "worker-role:session-1"
    assert session.security_token == STS[2]
    assert session.session_policy is not None
    assert world.credential("LTAInothing") is None


def test_full_aliyun_access_can_be_detached(tmp_path):
    world = copy.deepcopy(TEST_WORLD)
    world["accounts"][0]["full_aliyun_access"] = False
    assert load_world(str(write_world(tmp_path, world))).account(ACCOUNT).control_policies == ()


def _broken(tmp_path, change) -> str:
    data = copy.deepcopy(TEST_WORLD)
    change(data)
    path = write_world(tmp_path, data)
    with pytest.raises(WorldError) as caught:
        load_world(str(path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ":")
    return message


def _line_of(tmp_path, needle: str) -> int:
    lines = (tmp_path / "world.yaml").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_unknown_setting_is_a_schema_error_at_its_line(tmp_path):
    message = _broken(tmp_path, lambda w: w["settings"].update(unknown_jobs="error"))
    assert f":{_line_of(tmp_path, 'unknown_jobs')}:" in message
    assert "unknown_jobs" in message


def test_bad_setting_value_names_the_allowed_ones(tmp_path):
    message = _broken(tmp_path, lambda w: w["settings"].update(in_progress_status="Running"))
    assert f":{_line_of(tmp_path, 'Running')}:" in message


def test_attached_policy_that_does_not_exist(tmp_path):
    message = _broken(tmp_path, lambda w: w["accounts"][0]["users"][0].update(policies=["nope"]))
    assert f":{_line_of(tmp_path, '- nope')}:" in message
    assert "policy nope is neither" in message


def test_group_that_does_not_exist(tmp_path):
    message = _broken(tmp_path, lambda w: w["accounts"][0]["users"][0].update(groups=["ghosts"]))
    assert "group ghosts is not defined" in message


def test_access_key_used_twice(tmp_path):
    def twice(world):
        world["accounts"][1]["root_access_keys"].append({"id": ROOT[0], "secret": "x"})

    assert f"AccessKey ID {ROOT[0]} is used twice" in _broken(tmp_path, twice)


def test_sts_token_of_an_unknown_role(tmp_path):
    message = _broken(tmp_path, lambda w: w["accounts"][0]["sts_tokens"][0].update(role="ghost"))
    assert "role ghost is not defined" in message


def test_policy_file_that_is_missing(tmp_path):
    message = _broken(
        tmp_path, lambda w: w["accounts"][0]["policies"]["query"].update(document="missing.json")
    )
    assert "missing.json" in message
    assert "cannot read" in message


def test_policy_file_with_a_syntax_error_points_into_both_files(tmp_path):
    (tmp_path / "bad.json").write_text('{"Version": "1",\n "Statement": [,]}')
    message = _broken(tmp_path, lambda w: w["accounts"][0]["policies"]["query"].update(document="bad.json"))
    assert f":{_line_of(tmp_path, 'bad.json')}:" in message
    assert "bad.json:2:" in message


def test_inline_policy_that_breaks_the_grammar(tmp_path):
    document = {"Version": "1", "Statement": [{"Effect": "allow", "Action": "ice:*", "Resource": "*"}]}
    message = _broken(tmp_path, lambda w: w["accounts"][0]["policies"]["query"].update(document=document))
    assert "query:" in message
    assert "Effect" in message


def test_default_version_must_exist(tmp_path):
    def versions(world):
        world["accounts"][0]["policies"]["query"] = {
            "versions": [{"document": TEST_WORLD["accounts"][0]["policies"]["query"]["document"]}],
            "default_version": "v9",
        }

    assert "default_version v9 is not one of v1" in _broken(tmp_path, versions)


@pytest.mark.parametrize(
    "text",
    ["accounts: [", "accounts: []", "- just\n- a list", "accounts:\n  - id: 12\n", "\xff"],
)
def test_unreadable_world_files(tmp_path, text):
    path = tmp_path / "world.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(WorldError) as caught:
        load_world(str(path))
    assert str(caught.value).startswith(f"{path}:")


def test_world_can_be_json_too(tmp_path):
    path = tmp_path / "world.json"
    path.write_text(json.dumps(yaml.safe_load(write_world(tmp_path).read_text())))
    assert load_world(str(path)).account(ACCOUNT).name == "test"


def test_the_schema_knows_the_same_functions_as_the_emulator():
    from policycheck.job_result import FUNCTION_NAMES
    from policycheck.schema import load_schema

    assert set(load_schema("world.schema.json")["$defs"]["job"]["properties"]["function_name"]["enum"]) == (
        FUNCTION_NAMES
    )


def test_seeded_job_of_an_unknown_function(tmp_path):
    message = _broken(tmp_path, lambda w: w["accounts"][0]["jobs"][0].update(function_name="ImageCartoonize"))
    assert f":{_line_of(tmp_path, 'ImageCartoonize')}:" in message


def test_a_document_written_in_yaml_is_served_as_json():
    """RAM stores JSON: the demo world's YAML trust policy must come back as JSON text."""
    import json

    from policycheck.emulator.world import load_world
    from tests.conftest import REPO

    world = load_world(str(REPO / "policycheck/data/demo-world.yaml"))
    [role] = [r for account in world.accounts for r in account.roles.values() if r.name == "ice-worker"]
    assert json.loads(role.trust_text)["Statement"][0]["Action"] == "sts:AssumeRole"


def test_the_shipped_demo_world_inlines_the_repository_policies_unchanged():
    """The demo world ships in the package, so its documents are inline; each line marked
    `# = policies/FILE` must hold exactly that file's document, or the demo would drift."""
    import json
    import re

    import yaml

    marked = re.findall(
        r"^\s+(?:document|trust_policy): (\{.*\})  # = (policies/\S+)$", DEMO.read_text(), re.M
    )
    assert len(marked) == 5
    for inline, file in marked:
        text = (REPO / file).read_text()
        expected = json.loads(text) if file.endswith(".json") else yaml.safe_load(text)
        assert json.loads(inline) == expected, file


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01T00:00:00Z",
        "2024-02-29T23:59:59Z",
        "1999-12-31T23:59:60Z",  # a leap second: strptime's reading
        "2024-1-1T0:0:0Z",  # unpadded: strptime reads it, so the emulator does
        "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00",
        "2024-01-01 00:00:00Z",
        "٢٠٢٤-01-01T00:00:00Z",  # Arabic-Indic digits
        "",
    ],
)
def test_timestamps_read_as_strptime_reads_them(text):
    import calendar
    import time

    from policycheck.emulator.world import TIME_FORMAT, parse_time

    try:
        expected: float | str = float(calendar.timegm(time.strptime(text, TIME_FORMAT)))
    except ValueError:
        expected = "ValueError"
    try:
        got: float | str = parse_time(text)
    except ValueError:
        got = "ValueError"
    assert got == expected

"""Terraform plan input: the sample plan, both spellings, unknowns, deletions, modules, bad plans."""

import json

import pytest

from policycheck.lint import lint_document
from policycheck.load.terraform import load_plan
from tests.conftest import REPO

SAMPLE = REPO / "tests" / "data" / "terraform" / "plan.json"


@pytest.fixture(scope="module")
def sample():
    return load_plan(str(SAMPLE), source="plan.json")


def change(address, after, after_unknown=None, actions=("create",), before=None, **extra):
    """One resource_changes entry the way terraform show -json writes it."""
    *module, kind, name = address.split(".")
    entry = {"address": address, "mode": "managed", "type": kind, "name": name}
    if module:
        entry["module_address"] = ".".join(module)
    entry["change"] = {
        "actions": list(actions),
        "before": before,
        "after": after,
        "after_unknown": after_unknown or {},
    }
    entry.update(extra)
    return entry


def plan_file(write, *changes, configuration=None, **top):
    value = {"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": list(changes), **top}
    if configuration is not None:
        value["configuration"] = {"root_module": configuration}
    return str(write("plan.json", value))


def resources(configured):
    """A configuration root module: {address: names of the attributes it sets}."""
    blocks = []
    for address, names in configured.items():
        kind, name = address.split(".")
        blocks.append(
            {
                "address": f"{kind}.{name}",
                "mode": "managed",
                "type": kind,
                "name": name,
                "expressions": {n: {"constant_value": "x"} for n in names},
            }
        )
    return {"resources": blocks}


DOC = '{"Statement":[{"Action":"ice:QueryIProductionJob","Effect":"Allow","Resource":"*"}],"Version":"1"}'
OLD_DOC = '{"Statement":[{"Action":"ice:*","Effect":"Allow","Resource":"*"}],"Version":"1"}'


# --- the sample plan ------------------------------------------------------------------


def test_sample_policies_both_spellings_and_sources(sample):
    by_address = {p.address: p for p in sample.policies}
    assert sorted(by_address) == [
        "alicloud_ram_policy.bucket_access",
        "alicloud_ram_policy.ice_worker",
        "alicloud_ram_policy.legacy_reader",
        "module.media_pipeline.alicloud_ram_policy.transcode",
    ]
    worker = sample.policy("media-ice-worker")
    assert (worker.address, worker.attribute, worker.unknown) == (
        "alicloud_ram_policy.ice_worker",
        "policy_document",
        None,
    )
    assert worker.document.source == "plan.json:alicloud_ram_policy.ice_worker"
    assert worker.document.value["Statement"][0]["Action"] == ["ice:QueryIProductionJob", "ice:GetMediaInfo"]
    legacy = sample.policy("media-legacy-reader")  # name + document, deprecated since v1.114.0
    assert (legacy.address, legacy.attribute) == ("alicloud_ram_policy.legacy_reader", "document")
    assert legacy.document.value["Statement"][0]["Action"] == ["ice:GetMediaInfo", "ice:ListMediaBasicInfos"]


def test_sample_documents_lint_clean_as_loaded_files(sample):
    for policy in sample.policies:
        if policy.document:
            findings, model = lint_document(policy.document, "identity", policy.name)
            assert findings == [] and model.source == f"plan.json:{policy.address}"
    role = sample.role("media-worker")
    findings, trust = lint_document(role.trust, "trust")
    assert findings == [] and trust.statements[0].principal == (("Service", ("ecs.aliyuncs.com",)),)
    assert role.attribute == "assume_role_policy_document"


def test_positions_are_inside_the_embedded_document(sample):
    """The heredoc document spans lines; jsonencode output is one line."""
    legacy = sample.policy("media-legacy-reader").document
    assert legacy.locate(("Statement", 0, "Action")) == (6, 7)
    assert legacy.text.splitlines()[5].lstrip().startswith('"Action"')
    worker = sample.policy("media-ice-worker").document
    assert worker.locate(("Statement", 0, "Effect"))[0] == 1


def test_sample_unknown_document_is_reported_not_guessed(sample):
    bucket = sample.policy("media-bucket-access")
    assert bucket.document is None and bucket.attribute is None
    assert (
        bucket.unknown
        == "policy_document is known only after apply (it depends on alicloud_oss_bucket.media.bucket)"
    )
    [finding] = sample.findings
    assert (finding.code, finding.severity, finding.file, finding.path) == (
        "TERRAFORM_UNKNOWN",
        "warning",
        "plan.json:alicloud_ram_policy.bucket_access",
        "policy_document",
    )


def test_sample_deleted_resources_are_not_in_the_future_state(sample):
    assert sample.removed == (
        "alicloud_ram_policy.ice_admin",
        "alicloud_ram_user_policy_attachment.operator_admin",
    )
    assert sample.policy("media-ice-admin") is None
    assert "media-ice-admin" not in {a.policy_name for a in sample.attachments}


def test_sample_role_attachments_include_the_module(sample):
    attached = sample.attached("role", "media-worker")
    assert [(a.address, a.policy_name, a.policy_type) for a in attached] == [
        ("alicloud_ram_role_policy_attachment.worker_bucket", "media-bucket-access", "Custom"),
        ("alicloud_ram_role_policy_attachment.worker_ice", "media-ice-worker", "Custom"),
        ("module.media_pipeline.alicloud_ram_role_policy_attachment.transcode", "media-transcode", "Custom"),
    ]
    transcode = sample.policy("media-transcode")
    assert transcode.document.source == "plan.json:module.media_pipeline.alicloud_ram_policy.transcode"


def test_sample_user_gets_its_own_and_its_groups_attachments(sample):
    operator = sample.attached("user", "media-operator")
    assert [(a.policy_name, a.policy_type, a.via_group) for a in operator] == [
        ("AliyunICEReadOnlyAccess", "System", None),
        ("media-legacy-reader", "Custom", "media-editors"),
    ]
    editor = sample.attached("user", "media-editor-ana")  # membership, and user_group_attachment
    assert [(a.policy_name, a.via_group) for a in editor] == [
        ("AliyunOSSReadOnlyAccess", "media-auditors"),
        ("media-legacy-reader", "media-editors"),
    ]
    assert sample.groups_of("media-editor-ana") == ("media-auditors", "media-editors")
    assert [a.via_group for a in sample.attached("group", "media-editors")] == [None]


def test_sample_users_groups_and_system_policies(sample):
    assert sample.users == ("media-editor-ana", "media-operator")
    assert sample.groups == ("media-auditors", "media-editors")  # auditors uses the deprecated name
    assert sample.policy("AliyunICEReadOnlyAccess") is None  # System policies are not in a plan
    with pytest.raises(ValueError, match="principal_type"):
        sample.attached("account", "x")


def test_minified_plan_reads_the_same(sample, write):
    """terraform show -json prints one line; the sample is pretty-printed with jq."""
    minified = write("one-line.json", json.dumps(json.loads(SAMPLE.read_text())))
    again = load_plan(str(minified), source="plan.json")
    assert again.attachments == sample.attachments and again.memberships == sample.memberships
    assert [(p.address, p.document.value if p.document else None) for p in again.policies] == [
        (p.address, p.document.value if p.document else None) for p in sample.policies
    ]
    assert again.findings == sample.findings


# --- spellings: which one counts --------------------------------------------------------


def test_current_spelling_wins_when_both_are_known(write):
    """After a refresh the provider sets both spellings to the same value."""
    after = {"policy_name": "p", "name": "p", "policy_document": DOC, "document": DOC}
    plan = load_plan(
        plan_file(write, change("alicloud_ram_policy.p", after, actions=("no-op",), before=after))
    )
    assert plan.policies[0].attribute == "policy_document" and plan.policies[0].name == "p"


def test_update_of_the_deprecated_spelling_ignores_the_stale_mirror(write):
    """Config sets `document`; policy_document still holds the old value from the state."""
    before = {"name": "p", "policy_name": "p", "document": OLD_DOC, "policy_document": OLD_DOC}
    after = {**before, "document": DOC}
    entry = change("alicloud_ram_policy.p", after, actions=("update",), before=before)
    for configuration in (None, resources({"alicloud_ram_policy.p": ("name", "document")})):
        plan = load_plan(plan_file(write, entry, configuration=configuration))
        [policy] = plan.policies
        assert policy.attribute == "document" and policy.document.text == DOC, configuration


def test_update_to_an_unknown_document_is_unknown_despite_a_known_mirror(write):
    before = {"policy_name": "p", "name": "p", "policy_document": OLD_DOC, "document": OLD_DOC}
    after = {key: value for key, value in before.items() if key != "policy_document"}
    entry = change(
        "alicloud_ram_policy.p", after, {"policy_document": True}, actions=("update",), before=before
    )
    [policy] = load_plan(plan_file(write, entry)).policies
    assert policy.document is None and policy.unknown == "policy_document is known only after apply"


def test_created_with_deprecated_names_the_computed_current_names_do_not_matter(write):
    entry = change(
        "alicloud_ram_role.r",
        {
            "name": "worker",
            "document": DOC.replace('"Resource":"*"', '"Principal":{"Service":["ecs.aliyuncs.com"]}'),
        },
        {"role_name": True, "assume_role_policy_document": True, "ram_users": True, "services": True},
    )
    [role] = load_plan(plan_file(write, entry)).roles
    assert (role.name, role.attribute, role.unknown) == ("worker", "document", None)
    assert role.trust.value["Statement"][0]["Principal"] == {"Service": ["ecs.aliyuncs.com"]}


def test_statement_blocks_of_providers_before_1_49(write):
    after = {
        "name": "old",
        "version": "1",
        "statement": [{"effect": "Allow", "action": ["ice:GetMediaInfo"], "resource": ["*"]}],
    }
    entry = change(
        "alicloud_ram_policy.old", after, {"policy_name": True, "policy_document": True, "document": True}
    )
    [policy] = load_plan(
        plan_file(write, entry, configuration=resources({"alicloud_ram_policy.old": ("name", "statement")}))
    ).policies
    assert policy.attribute == "statement"
    assert policy.document.value == {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": ["ice:GetMediaInfo"], "Resource": ["*"]}],
    }
    assert lint_document(policy.document, "identity")[0] == []


def test_ram_users_and_services_of_providers_before_1_49(write):
    """Only services is configured: the unknown ram_users is the provider's computed mirror."""
    entry = change(
        "alicloud_ram_role.r",
        {"name": "worker", "version": "1", "services": ["ecs.aliyuncs.com"]},
        {"role_name": True, "ram_users": True, "document": True, "assume_role_policy_document": True},
    )
    configuration = resources({"alicloud_ram_role.r": ("name", "services")})
    [role] = load_plan(plan_file(write, entry, configuration=configuration)).roles
    assert role.attribute == "ram_users/services" and role.unknown is None
    assert role.trust.value["Statement"] == [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com"]}}
    ]
    assert lint_document(role.trust, "trust")[0] == []
    # Without the configuration the unknown ram_users might be a real principal: not guessed.
    [unsure] = load_plan(plan_file(write, entry)).roles
    assert unsure.trust is None and unsure.unknown.endswith("is known only after apply")


# --- unknowns -------------------------------------------------------------------------


def test_unknown_names_and_principals(write):
    plan = load_plan(
        plan_file(
            write,
            change("alicloud_ram_policy.p", {"policy_document": DOC}, {"policy_name": True, "name": True}),
            change(
                "alicloud_ram_user_policy_attachment.a",
                {"policy_name": "AliyunICEReadOnlyAccess", "policy_type": "System"},
                {"user_name": True, "id": True},
            ),
            change(
                "alicloud_ram_group_membership.m",
                {"group_name": "g", "user_names": ["ana"]},
                {"user_names": [False, True]},
            ),
            change("alicloud_ram_user.u", {}, {"name": True}),
        )
    )
    [policy] = plan.policies
    assert policy.name is None and policy.document is not None
    assert policy.unknown == "policy_name is known only after apply"
    [attachment] = plan.attachments
    assert attachment.principal is None and attachment.unknown == "user_name is known only after apply"
    [membership] = plan.memberships
    assert membership.users == ("ana",) and membership.unknown == "user_names is known only after apply"
    assert plan.users == ()
    assert sorted((f.file, f.path) for f in plan.findings if f.code == "TERRAFORM_UNKNOWN") == [
        (f"{plan.source}:alicloud_ram_group_membership.m", "user_names"),
        (f"{plan.source}:alicloud_ram_policy.p", "policy_name"),
        (f"{plan.source}:alicloud_ram_user.u", "name"),
        (f"{plan.source}:alicloud_ram_user_policy_attachment.a", "user_name"),
    ]


def test_unknown_reason_names_references_inside_a_module_instance(write):
    entry = change(
        'module.media["eu"].alicloud_ram_policy.p', {"policy_name": "p"}, {"policy_document": True}
    )
    entry["module_address"] = 'module.media["eu"]'
    configuration = {
        "module_calls": {
            "media": {
                "module": {
                    "resources": [
                        {
                            "address": "alicloud_ram_policy.p",
                            "mode": "managed",
                            "type": "alicloud_ram_policy",
                            "name": "p",
                            "expressions": {
                                "policy_name": {"constant_value": "p"},
                                "policy_document": {
                                    "references": ["var.bucket", "data.x.y.json", "data.x.y"]
                                },
                            },
                        }
                    ]
                }
            }
        }
    }
    [policy] = load_plan(plan_file(write, entry, configuration=configuration)).policies
    assert (
        policy.unknown
        == "policy_document is known only after apply (it depends on data.x.y.json, var.bucket)"
    )


# --- actions --------------------------------------------------------------------------


def test_replace_counts_with_its_new_value_and_deposed_and_forgotten_do_not(write):
    plan = load_plan(
        plan_file(
            write,
            change(
                "alicloud_ram_policy.p",
                {"policy_name": "new", "policy_document": DOC},
                actions=("delete", "create"),
                before={"policy_name": "old", "policy_document": OLD_DOC},
            ),
            change(
                "alicloud_ram_policy.p",
                None,
                actions=("delete",),
                before={"policy_name": "older", "policy_document": OLD_DOC},
                deposed="00000001",
            ),
            change(
                "alicloud_ram_policy.kept_in_cloud", None, actions=("forget",), before={"policy_name": "k"}
            ),
            change("alicloud_ram_policy.q", {"policy_name": "q", "policy_document": DOC}, mode="data"),
        )
    )
    assert [(p.address, p.name) for p in plan.policies] == [("alicloud_ram_policy.p", "new")]
    assert plan.removed == ("alicloud_ram_policy.kept_in_cloud",)


# --- bad input ------------------------------------------------------------------------


def test_a_file_that_is_not_json(write):
    plan = load_plan(str(write("plan.json", "Terraform will perform the following actions:\n")))
    [finding] = plan.findings
    assert finding.code == "JSON_SYNTAX" and plan.policies == () and plan.attachments == ()


def test_a_missing_file(tmp_path):
    [finding] = load_plan(str(tmp_path / "nope.json")).findings
    assert finding.code == "FILE_UNREADABLE"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([], "the JSON is a list"),
        ({"Version": "1", "Statement": []}, "a policy document"),
        ({"resource_changes": []}, "there is no format_version"),
        ({"format_version": "2.0", "resource_changes": []}, 'format_version "2.0" is not supported'),
        ({"format_version": 1.0}, "format_version 1.0 is not supported"),
        ({"format_version": "1.0", "values": {"root_module": {}}}, "a Terraform state, not a plan"),
        ({"format_version": "1.2", "resource_changes": {}}, "resource_changes is an object"),
    ],
)
def test_json_that_is_not_a_plan(write, value, says):
    plan = load_plan(str(write("plan.json", value)), source="plan.json")
    [finding] = plan.findings
    assert (finding.code, finding.file) == ("TERRAFORM_PLAN", "plan.json") and says in finding.message
    assert plan.policies == () and plan.roles == ()


def test_format_0_x_of_older_terraform_is_read(write):
    entry = change("alicloud_ram_policy.p", {"policy_name": "p", "policy_document": DOC})
    plan = load_plan(plan_file(write, entry, format_version="0.1"))
    assert plan.findings == () and plan.policy("p").document.parsed


def test_a_policy_document_that_is_not_json_is_a_finding_on_that_document(write):
    entry = change("alicloud_ram_policy.bad", {"policy_name": "bad", "policy_document": '{"Version": "1",'})
    plan = load_plan(plan_file(write, entry), source="plan.json")
    [policy] = plan.policies
    assert plan.findings == () and not policy.document.parsed
    [finding] = lint_document(policy.document, "identity")[0]
    assert (finding.code, finding.file, finding.line) == (
        "JSON_SYNTAX",
        "plan.json:alicloud_ram_policy.bad",
        1,
    )


def test_malformed_resources_are_findings(write):
    plan = load_plan(
        plan_file(
            write,
            change("alicloud_ram_policy.number", {"policy_name": "n", "policy_document": 7}),
            change("alicloud_ram_policy.empty", {"policy_name": "e"}),
            change("alicloud_ram_role_policy_attachment.a", {"policy_name": "p", "policy_type": "Custom"}),
            {"type": "alicloud_ram_policy", "mode": "managed"},
            errored=True,
        ),
        source="plan.json",
    )
    messages = sorted((f.file, f.message) for f in plan.findings)
    assert all(f.code == "TERRAFORM_PLAN" for f in plan.findings)
    assert messages == [
        ("plan.json", "resource_changes[3] has no address or no change: the plan is damaged"),
        (
            "plan.json",
            "the plan reports errored: true: Terraform could not finish planning, so the plan may lack "
            "resources; fix the errors terraform plan printed",
        ),
        (
            "plan.json:alicloud_ram_policy.empty",
            "sets none of policy_document, document and statement blocks; the provider refuses to create a policy without a document",
        ),
        (
            "plan.json:alicloud_ram_policy.number",
            "policy_document is a number; the provider takes a policy document as a JSON string",
        ),
        ("plan.json:alicloud_ram_role_policy_attachment.a", "role_name is not set"),
    ]
    assert [p.document for p in plan.policies] == [None, None]


def test_two_resources_creating_one_policy_name(write):
    plan = load_plan(
        plan_file(
            write,
            change("alicloud_ram_policy.a", {"policy_name": "same", "policy_document": DOC}),
            change("alicloud_ram_policy.b", {"policy_name": "same", "policy_document": OLD_DOC}),
        ),
        source="plan.json",
    )
    [finding] = plan.findings
    assert (
        finding.file == "plan.json:alicloud_ram_policy.b"
        and "alicloud_ram_policy.a creates a policy named same" in finding.message
    )
    assert plan.policy("same").address == "alicloud_ram_policy.a"


def test_size_limit(write):
    path = plan_file(write, change("alicloud_ram_policy.p", {"policy_name": "p", "policy_document": DOC}))
    [finding] = load_plan(path, max_bytes=100).findings
    assert finding.code == "JSON_SYNTAX" and "at most 100" in finding.message

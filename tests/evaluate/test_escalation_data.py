"""policycheck/data/escalation.json: valid against its schema, every action real, every entry sourced."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from policycheck import catalog
from policycheck.evaluate.escalation import capabilities

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "policycheck" / "data" / "escalation.json"
SCHEMA = ROOT / "schemas" / "escalation.schema.json"


def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_capability_file_follows_its_schema():
    errors = [e.message for e in validator().iter_errors(json.loads(DATA.read_text("utf-8")))]
    assert errors == []


def test_the_schema_rejects_an_entry_without_a_source():
    data = json.loads(DATA.read_text("utf-8"))
    del data["capabilities"][0]["source"]
    assert not validator().is_valid(data)


def test_ids_are_unique_and_every_action_is_in_the_catalog():
    ids = [c.id for c in capabilities()]
    assert len(ids) == len(set(ids))
    for capability in capabilities():
        for step in capability.requires:
            for action in step.actions:
                found = catalog.expand(action)
                assert found and [a.full_name for a in found] == [action], (capability.id, action)


def test_the_issue_s_capabilities_are_all_there():
    actions = {a for c in capabilities() for s in c.requires for a in s.actions}
    assert {
        "ram:AttachPolicyToUser",
        "ram:AttachPolicyToGroup",
        "ram:AttachPolicyToRole",
        "ram:CreatePolicyVersion",
        "ram:SetDefaultPolicyVersion",
        "ram:UpdateRole",
        "ram:CreateAccessKey",
        "ram:CreateLoginProfile",
        "ram:UpdateLoginProfile",
        "ram:PassRole",
        "ecs:RunInstances",
        "fc:CreateFunction",
        "ros:CreateStack",
        "ecs:InvokeCommand",
        "ecs:RunCommand",
        "sts:AssumeRole",
    } <= actions
    combos = [c for c in capabilities() if len(c.requires) > 1]
    assert combos and all(c.requires[0].actions == ("ram:PassRole",) for c in combos)

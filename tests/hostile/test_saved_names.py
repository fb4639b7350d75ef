"""`audit --save`: every fetched document gets a file of its own, even where case is ignored."""

from __future__ import annotations

import copy
import json

from hypothesis import given
from hypothesis import strategies as st

from policycheck.account import FetchedDocument, Snapshot, audit
from policycheck.cloud.audit import save_documents
from policycheck.cloud.filenames import file_name
from tests.cloud.conftest import ROOT, WORLD, allow, run_as, serve

TWINS = ("a", "a@v1", "Admin", "admin", "ADMIN", "con", "x.trust")


def test_names_that_collided_get_files_of_their_own_from_the_cli(tmp_path):
    world = copy.deepcopy(WORLD)
    account = world["accounts"][0]
    account["policies"].update(
        {name: {"document": allow(f"ram:GetPolicy{index}")} for index, name in enumerate(TWINS)}
    )
    account["users"].append({"name": "twins", "policies": list(TWINS)})
    saved = tmp_path / "saved"
    with serve(tmp_path / "world", world) as url:
        run = run_as(ROOT, "audit", "--user", "twins", "--endpoint", url, "--save", str(saved), home=tmp_path)
    assert run.code == 1, run.err  # the made-up actions are findings
    files = [path for path in (saved / "policy" / "Custom").iterdir()]
    assert len({path.name.lower() for path in files}) == len(TWINS)  # distinct on any file system
    index = json.loads((saved / "principals.json").read_text())
    by_name = {entry["name"]: entry["file"] for entry in index["principals"][0]["policies"]}
    for number, name in enumerate(TWINS):
        assert f'"ram:GetPolicy{number}"' in (saved / by_name[name]).read_text()
    assert by_name["a"] == "policy/Custom/a@v1.json"  # plain names stay readable
    assert by_name["a@v1"] == "policy/Custom/a%40v1@v1.json"


def test_a_policy_without_a_version_and_one_named_with_it_do_not_share_a_file(tmp_path):
    documents = [
        FetchedDocument("ram://policy/Custom/a@v1", '{"one": 1}', "identity", "a", "Custom", "v1"),
        FetchedDocument("ram://policy/Custom/a@v1@default", '{"two": 2}', "identity", "a@v1", "Custom", ""),
        FetchedDocument("ram://policy/custom/a@v1", '{"three": 3}', "identity", "a", "custom", "v1"),
    ]
    snapshot = Snapshot(documents={document.source: document for document in documents})
    written = save_documents(audit(snapshot), tmp_path)
    texts = sorted(path.read_text() for path in written if path.name != "principals.json")
    assert texts == ['{"one": 1}', '{"three": 3}', '{"two": 2}']


@given(st.text(max_size=40), st.text(max_size=40))
def test_file_names_are_injective_even_ignoring_case(first, second):
    if first != second:
        assert file_name(first).lower() != file_name(second).lower()


@given(st.text(max_size=400))
def test_file_names_are_safe_file_names(name):
    encoded = file_name(name)
    assert 0 < len(encoded.encode()) <= 160 and encoded not in (".", "..")
    assert not encoded.startswith((".", "~")) and not encoded.endswith(".")
    assert set(encoded) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-%+~")

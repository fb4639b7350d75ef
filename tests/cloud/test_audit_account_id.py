"""`audit --expect` decides account-dependent statements for the audited account, whose id it learns
from a role's Arn (GetRole) or the RamRoleArn it assumed; with neither, the output says so."""

from __future__ import annotations

import copy

import pytest

from policycheck.account import Snapshot
from policycheck.cli.audit import _account_id
from policycheck.cloud.credentials import Credentials, RoleToAssume
from tests.cloud.conftest import ACCOUNT, AUDITOR, WORLD, allow, run_as, serve

EXPECT = """\
principals:
  scoped: {type: user}
expect:
  scoped:
    allow: [{action: ice:QueryIProductionJob}]
"""


@pytest.fixture(scope="module")
def scoped_world(tmp_path_factory):
    """A user whose only grant names the account: `acs:ice:*:<account>:*`."""
    world = copy.deepcopy(WORLD)
    account = world["accounts"][0]
    account["policies"]["own-account"] = {
        "document": allow("ice:QueryIProductionJob", resource=f"acs:ice:*:{ACCOUNT}:*")
    }
    account["users"].append({"name": "scoped", "policies": ["own-account"]})
    with serve(tmp_path_factory.mktemp("scoped"), world) as url:
        yield url


def _audit(url, tmp_path, *selection):
    (tmp_path / "policycheck.yaml").write_text(EXPECT)
    args = ("audit", *selection, "--endpoint", url, "--expect", str(tmp_path / "policycheck.yaml"))
    return run_as(AUDITOR, *args, "--format", "json", home=tmp_path), run_as(
        AUDITOR, *args, "--color", "never", home=tmp_path
    )


def test_a_role_read_gives_the_account_and_the_grant_is_decided(scoped_world, tmp_path):
    run, text = _audit(scoped_world, tmp_path, "--all")
    checked = run.json()["expectations"]
    [result] = checked["results"]
    assert result["status"] == "holds", result
    assert checked["principals"]["scoped"]["account"] == ACCOUNT
    assert f"note: requests are placed in the audited account {ACCOUNT}" in text.out.splitlines()


def test_a_users_access_key_alone_names_no_account_and_the_output_says_so(scoped_world, tmp_path):
    run, text = _audit(scoped_world, tmp_path, "--user", "scoped")
    checked = run.json()["expectations"]
    [result] = checked["results"]
    assert result["status"] == "conditional" and "account" in result["missing_context"], result
    assert checked["principals"]["scoped"]["account"] is None
    [note] = checked["notes"]
    assert note.startswith("the audited account's id is not known")
    assert f"note: {note}" in text.out.splitlines()


def test_the_role_arn_of_the_credentials_names_the_account():
    role = RoleToAssume(
        role_arn=f"acs:ram::{ACCOUNT}:role/auditor", source=Credentials("k", "s"), origin="profile x"
    )
    assert _account_id(Snapshot(), role) == ACCOUNT
    assert _account_id(Snapshot(), Credentials("k", "s")) is None
    assert _account_id(Snapshot(account_id="42"), role) == "42"  # the account read wins

"""Waivers that expire (lint.ignore expires/owner) and baselines (--write-baseline, --baseline)."""

from __future__ import annotations

import json

SID = {
    "Version": "1",
    "Statement": [{"Sid": "a", "Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
}
SCOPED = {"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "acs:ice:*:*:job/x"}


def waiver(expires: str) -> str:
    return (
        "lint:\n  ignore:\n    - codes: [UNSUPPORTED_ELEMENT]\n      reason: legacy Sids\n"
        f"      owner: platform-team\n      expires: {expires}\n"
    )


def test_a_waiver_applies_until_its_date(tmp_path, write, cli):
    write("p/a.json", SID)
    write("policycheck.yaml", waiver("2999-12-31"))
    run = cli("lint", "p", cwd=tmp_path)
    assert run.code == 0 and run.out == "No findings in 1 file.\n"


def test_an_expired_waiver_fails_the_run_and_says_so(tmp_path, write, cli):
    write("p/a.json", SID)
    write("policycheck.yaml", waiver("2020-01-31"))
    run = cli("lint", "p", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    found = {(f["code"], f["file"], f["line"]) for f in run.json()["findings"]}
    assert found == {("WAIVER_EXPIRED", "policycheck.yaml", 3), ("UNSUPPORTED_ELEMENT", "p/a.json", 5)}
    text = cli("lint", "p", cwd=tmp_path).out
    assert (
        "policycheck.yaml:3:7: error WAIVER_EXPIRED the waiver of UNSUPPORTED_ELEMENT expired on 2020-01-31, "
        "owner platform-team (legacy Sids)" in text
    )
    # check reports it too: the same lint settings apply to the documents it reads
    write("policycheck.yaml", waiver("2020-01-31") + "policies: [p/]\nprincipals: {w: {identity: [a]}}\n")
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 1 and "WAIVER_EXPIRED" in {f["code"] for f in run.json()["findings"]}


def test_a_bad_expiry_date_is_a_config_error_at_its_line(tmp_path, write, cli):
    write("p/a.json", SID)
    write("policycheck.yaml", waiver("2027-02-30"))
    run = cli("lint", "p", cwd=tmp_path)
    assert run.code == 2 and run.err.startswith(
        "policycheck: error: policycheck.yaml:6:7: expires: 2027-02-30"
    )
    write("policycheck.yaml", waiver("next week"))
    run = cli("lint", "p", cwd=tmp_path)
    assert run.code == 2 and "policycheck.yaml:6:7:" in run.err and "YYYY-MM-DD" in run.err


def test_baseline_accepts_old_findings_and_fails_on_new_ones(tmp_path, write, cli):
    write("p/b.json", {"Version": "1", "Statement": [SCOPED]})
    run = cli("lint", "p", "--write-baseline", "base.json", cwd=tmp_path)
    assert run.code == 0
    assert (
        run.err
        == "policycheck: wrote base.json: 1 finding accepted; run with --baseline base.json to fail only on new ones\n"
    )
    [entry] = json.loads((tmp_path / "base.json").read_text())["findings"]
    assert (
        entry["file"] == "p/b.json"
        and entry["code"] == "RESOURCE_MISMATCH"
        and entry["path"] == "Statement[0].Resource"
    )
    assert "line" not in entry
    assert cli("lint", "p", "--baseline", "base.json", cwd=tmp_path).code == 0
    # a statement inserted above moves the accepted one (line and index); a new problem is still found
    submit = {"Effect": "Allow", "Action": "ice:SubmitIProductionJob", "Resource": "*"}
    new = {"Effect": "Allow", "Action": "ice:GetMediaInfo", "Resource": "acs:ice:*:*:job/y"}
    (tmp_path / "p/b.json").write_text(
        json.dumps({"Version": "1", "Statement": [submit, SCOPED, new]}, indent=4)
    )
    run = cli("lint", "p", "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert [(f["code"], f["path"]) for f in run.json()["findings"]] == [
        ("RESOURCE_MISMATCH", "Statement[2].Resource")
    ]
    assert run.err == "policycheck: 1 finding accepted by the baseline base.json not shown\n"
    # the element changed: the finding is new
    (tmp_path / "p/b.json").write_text(
        json.dumps({"Version": "1", "Statement": [{**SCOPED, "Resource": "acs:ice:*:*:job/z"}]})
    )
    assert cli("lint", "p", "--baseline", "base.json", cwd=tmp_path).code == 1


def test_a_baseline_never_silences_an_expired_waiver(tmp_path, write, cli):
    write("p/a.json", SID)
    write("policycheck.yaml", waiver("2020-01-31"))
    cli("lint", "p", "--write-baseline", "base.json", cwd=tmp_path)
    codes = {e["code"] for e in json.loads((tmp_path / "base.json").read_text())["findings"]}
    assert codes == {"UNSUPPORTED_ELEMENT"}
    run = cli("lint", "p", "--baseline", "base.json", cwd=tmp_path)
    assert run.code == 1 and "WAIVER_EXPIRED" in run.out


def test_a_broken_or_missing_baseline_is_a_usage_error(tmp_path, write, cli):
    write("p/a.json", SID)
    write("bad.json", "[1, 2]")
    run = cli("lint", "p", "--baseline", "bad.json", cwd=tmp_path)
    assert (
        run.code == 2 and run.err == "policycheck: error: --baseline bad.json: not a policycheck baseline\n"
    )
    run = cli("lint", "p", "--baseline", "none.json", cwd=tmp_path)
    assert (
        run.code == 2 and run.err == "policycheck: error: --baseline none.json: No such file or directory\n"
    )

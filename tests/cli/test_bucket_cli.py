"""OSS bucket policies through `policycheck lint` (and refused where a RAM policy is needed)."""

from __future__ import annotations

PUBLIC = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["oss:GetObject"],
            "Principal": ["*"],
            "Resource": ["acs:oss:*:1234567890123456:media-bucket/*"],
        }
    ],
}
PRIVATE = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["oss:GetObject", "oss:PutObject"],
            "Principal": ["20214760404935", "arn:sts::1234567890123456:assumed-role/ingest/*"],
            "Resource": ["acs:oss:*:1234567890123456:media-bucket/uploads/*"],
        }
    ],
}


def _findings(run) -> list[tuple[str, str]]:
    return [(f["code"], f["path"]) for f in run.json()["findings"] if f["code"] != "UNKNOWN_SERVICE"]


def test_a_bucket_policy_lints_with_its_own_findings_not_a_schema_flood(write, cli, tmp_path):
    write("buckets/public.json", PUBLIC)
    write("buckets/private.json", PRIVATE)
    run = cli("lint", "buckets", "--format", "json", cwd=tmp_path)
    assert _findings(run) == [("BUCKET_PUBLIC_ACCESS", "Statement[0].Principal")]
    assert run.json()["findings"][-1]["file"] == "buckets/public.json"
    assert run.code == 1
    text = cli("lint", "buckets/public.json", "--color", "never", cwd=tmp_path)
    assert "buckets/public.json:9:7: security_warning BUCKET_PUBLIC_ACCESS anyone on the internet" in text.out


def test_the_negative_case_passes(write, cli, tmp_path):
    write("private.json", PRIVATE)
    run = cli("lint", "private.json", "--format", "json", cwd=tmp_path)
    assert _findings(run) == [] and run.code == 0


def test_kind_bucket_and_lint_kinds(write, cli, tmp_path):
    no_principal = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}],
    }
    write("b.json", no_principal)
    assert _findings(cli("lint", "b.json", "--format", "json", cwd=tmp_path)) == []
    run = cli("lint", "b.json", "--kind", "bucket", "--format", "json", cwd=tmp_path)
    assert ("SCHEMA", "Statement[0]") in _findings(run) and run.code == 1
    write("policycheck.yaml", "lint:\n  kinds:\n    'b.json': bucket\n")
    assert _findings(cli("lint", "b.json", "--format", "json", cwd=tmp_path)) == _findings(run)


def test_a_bucket_policy_is_not_an_identity_policy_for_explain(write, cli, tmp_path):
    write("public.json", PUBLIC)
    run = cli("explain", "public.json", "--action", "oss:GetObject", cwd=tmp_path)
    assert run.code == 2 and "is an OSS bucket policy" in run.err and "Traceback" not in run.err


def test_an_object_action_on_the_bucket_arn_is_a_resource_mismatch_in_a_bucket_policy(write, cli, tmp_path):
    """OSS checks GetObject against bucket/object ARNs in a bucket policy as in a RAM policy."""
    listing = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["oss:ListObjects", "oss:GetObject"],
                "Principal": ["20214760404935"],
                "Resource": ["acs:oss:*:1234567890123456:media-bucket"],
            }
        ],
    }
    write("buckets/listing.json", listing)
    run = cli("lint", "buckets/listing.json", "--format", "json", cwd=tmp_path)
    assert run.code == 1 and _findings(run) == [("RESOURCE_MISMATCH", "Statement[0].Resource")]
    assert "oss:GetObject is checked against acs:oss:*:<owner>:<bucket>/<object>" in run.out
    listing["Statement"][0]["Resource"].append("acs:oss:*:1234567890123456:media-bucket/*")
    write("buckets/listing.json", listing)
    run = cli("lint", "buckets/listing.json", "--format", "json", cwd=tmp_path)
    assert run.code == 0 and _findings(run) == []

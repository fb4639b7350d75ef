from tests.rules.helpers import codes, findings


def doc(*statements):
    return {"Version": "1", "Statement": list(statements)}


ALLOW_DELETE = {
    "Effect": "Allow",
    "Action": ["ice:DeleteMediaInfos", "ice:DeleteEditingProjects"],
    "Resource": "*",
}


def test_allow_cancelled_by_an_unconditional_deny():
    [finding] = findings(doc(ALLOW_DELETE, {"Effect": "Deny", "Action": "ice:Delete*", "Resource": "*"}))
    assert (finding.code, finding.path, finding.severity) == ("SHADOWED_STATEMENT", "Statement[0]", "warning")
    assert "Statement[1]" in finding.message


def test_resources_must_be_covered_too():
    allow = {"Effect": "Allow", "Action": "ram:GetUser", "Resource": "acs:ram:*:123:user/alice"}
    assert codes(doc(allow, {"Effect": "Deny", "Action": "ram:Get*", "Resource": "acs:ram:*:*:user/*"})) == {
        ("SHADOWED_STATEMENT", "Statement[0]")
    }
    assert (
        codes(doc(allow, {"Effect": "Deny", "Action": "ram:Get*", "Resource": "acs:ram:*:*:user/bob"}))
        == set()
    )


def test_near_misses():
    conditional = {
        "Effect": "Deny",
        "Action": "ice:Delete*",
        "Resource": "*",
        "Condition": {"Bool": {"acs:SecureTransport": "false"}},
    }
    partial = {"Effect": "Deny", "Action": "ice:DeleteMediaInfos", "Resource": "*"}
    other_case = {"Effect": "Deny", "Action": "ICE:delete*", "Resource": "*"}
    assert codes(doc(ALLOW_DELETE, conditional)) == set()
    assert codes(doc(ALLOW_DELETE, partial)) == set()
    assert codes(doc(ALLOW_DELETE, other_case)) == {("SHADOWED_STATEMENT", "Statement[0]")}

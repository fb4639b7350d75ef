"""A hostile server on loopback: answers that spell secrets oddly or crash the SDK's own parsing.

probe, audit and check --probe are run as users run them (a subprocess, with credentials in
the environment) against a tiny HTTP server that answers every call the same way.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from policycheck.cloud.api import Redactor
from tests.cloud.conftest import run_as, stub
from tests.conftest import run_cli

# An STS token as real ones look: base64, so `+`, `/` and `=` in it.
KEY = ("STS.hostileSESSION1", "secret-hostile-7c1e/d+9=", "CAIS+token/hostile5e0a==")
TOKEN, SECRET = KEY[2], KEY[1]


def json_escaped(text: str) -> str:
    """`text` as a JSON string body, with `=` and `/` written as escapes, as some servers do."""
    return text.replace("=", "\\u003d").replace("/", "\\/").replace("+", "\\u002B")


def escaping_gateway(method, params, path):
    """SignatureDoesNotMatch that echoes the token, its `=`, `/` and `+` written as JSON escapes."""
    token = params.get("SecurityToken", "")
    echoed = json_escaped(f"POST&%2F&SecurityToken={token}&Signature={params.get('Signature', '')}")
    body = (
        '{"Code":"SignatureDoesNotMatch","Message":"string to sign is:'
        + echoed
        + '","RequestId":"ESC-1","Recommend":"'
        + json_escaped(f"https://api.aliyun.com/troubleshoot?token={token}")
        + '"}'
    )
    return 400, body.encode()


def html_gateway(method, params, path):
    """A proxy's HTML error page with the signed URL in a link (`&amp;` between parameters)."""
    link = f"/?Action=X&amp;Signature=SIGNED{quote(params.get('Signature', ''))}&amp;SecurityToken={TOKEN}"
    return 403, f'<html><body><a href="{link}">retry</a></body></html>'.encode(), "text/html"


def colonless_gateway(method, params, path):
    """A 400 SignatureDoesNotMatch whose Message has no ":" (aliyun-python-sdk-core raised IndexError)."""
    return 400, {"Code": "SignatureDoesNotMatch", "Message": "signature mismatch", "RequestId": "NC-1"}


def not_utf8_gateway(method, params, path):
    """An error body that is not UTF-8 (sdk-core raised UnicodeDecodeError)."""
    return 502, b"\xff\xfe bad gateway \xc3"


COMMANDS = [("probe",), ("audit", "--all")]


def leaks(text: str) -> list[str]:
    """Every spelling of the planted token or secret, or a signature value, found in `text`."""
    found = []
    for secret in (TOKEN, SECRET):
        once = quote(secret, safe="")
        for form in (secret, once, quote(once, safe=""), json_escaped(secret)):
            if form in text:
                found.append(form)
    if "SIGNED" in text.replace("SIGNED***", ""):
        found.append("a signature value")
    return found


@pytest.mark.parametrize("gateway", [escaping_gateway, html_gateway], ids=["json-escapes", "html"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("output", ["text", "json"])
def test_secrets_spelled_oddly_by_the_server_are_redacted(gateway, command, output, tmp_path):
    with stub(gateway) as server:
        run = run_as(KEY, *command, "--endpoint", server.url, "--format", output, home=tmp_path)
        sent = [request.get("SecurityToken") for request in server.requests]
    assert TOKEN in sent  # the token really went out and came back
    assert run.code == 3, run.err
    assert leaks(run.out + run.err) == []
    assert "Traceback" not in run.err


def test_the_escaped_answer_is_still_shown_decoded_and_useful(tmp_path):
    with stub(escaping_gateway) as server:
        run = run_as(KEY, "probe", "--endpoint", server.url, "--format", "json", home=tmp_path)
    result = run.json()
    assert result["verdict"] == "auth_failed" and result["request_id"] == "ESC-1"
    assert result["recommend"] == "https://api.aliyun.com/troubleshoot?token=***"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("gateway", [colonless_gateway, not_utf8_gateway], ids=["no-colon", "not-utf8"])
def test_error_bodies_that_crashed_the_sdk_are_answers(gateway, command, tmp_path):
    with stub(gateway) as server:
        run = run_as(KEY, *command, "--endpoint", server.url, home=tmp_path)
    assert run.code == 3, run.err
    assert run.err == "" and "internal error" not in run.out
    if command == ("probe",):
        expected = "auth_failed" if gateway is colonless_gateway else "error"
        assert run.out.startswith(f"{expected}  ice:QueryIProductionJob at {server.url}")
    else:
        assert "could not list: ListUsers:" in run.out


def test_check_probe_says_auth_failed_for_a_colonless_signature_error():
    keys = {
        "MEDIA_WORKER_ACCESS_KEY_ID": "LTAI5tHOSTILE00000001",
        "MEDIA_WORKER_ACCESS_KEY_SECRET": "hostile-secret-not-real",
    }
    with stub(colonless_gateway) as server:
        run = run_cli("check", "--probe", "--endpoint", server.url, "--format", "json", env=keys)
    assert run.code in (1, 3), run.err  # 1 only if a static expectation failed
    assert "internal error" not in run.err
    live = {check["principal"]: check for check in run.json()["live"]}
    assert live["media-worker"]["probe"]["verdict"] == "auth_failed"
    assert live["media-worker"]["status"] == "inconclusive"


def test_redactor_finds_a_secret_in_any_mix_of_spellings():
    redact = Redactor((TOKEN,))
    mixed = "".join(
        (f"%{ord(c):02X}", f"\\u{ord(c):04x}", f"&#{ord(c)};", f"&#x{ord(c):x};", c)[i % 5]
        for i, c in enumerate(TOKEN)
    )
    assert redact(f"a {mixed} b") == "a *** b"
    assert redact("x&amp;Signature=abc%2B&amp;y=1") == "x&amp;Signature=***&amp;y=1"
    assert redact('{"u":"?Signature\\u003dabc"}') == '{"u":"?Signature\\u003d***"}'
    assert redact.redact_value({"Message": [f"token {TOKEN}"], TOKEN: 1}) == {
        "Message": ["token ***"],
        "***": 1,
    }

"""Planted secrets and tokens never appear in any output: stdout, stderr, JSON, SARIF, saved
files, exception texts, or the SDK's own logs with DEBUG=sdk set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from policycheck.cloud.api import CloudError, parse_endpoint
from policycheck.cloud.credentials import Credentials
from policycheck.cloud.sdk import SdkCaller
from tests.cloud.conftest import (
    REPO,
    ROOT,
    SECRETS,
    STS,
    STS_EXPIRED,
    THROTTLED,
    clean_env,
    free_port,
    key_env,
    run_in,
    stub,
)

WRONG_SECRET = "planted-WRONG-secret-4b1d"
PLANTED = (*SECRETS, WRONG_SECRET)


def spellings(secret: str) -> set[str]:
    once = quote(secret, safe="")
    return {secret, once, quote(once, safe="")}


def assert_clean(text: str, where: str) -> None:
    for secret in PLANTED:
        for form in spellings(secret):
            assert form not in text, f"{where} contains a planted secret"
    assert "Signature=" not in text and "Signature%3D" not in text, f"{where} contains a signed URL"


def noisy_env(home: Path, key: tuple[str, ...], **extra: str) -> dict[str, str]:
    """Credentials plus everything that could make the SDK talk: DEBUG=sdk, a dead proxy, and
    sdk-core's own ALIYUN_* keys set to another planted key."""
    dead = f"http://127.0.0.1:{free_port()}"
    return clean_env(
        home,
        **key_env(key),
        DEBUG="sdk",
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        ALIYUN_ACCESS_KEY_ID=THROTTLED[0],
        ALIYUN_ACCESS_KEY_SECRET=THROTTLED[1],
        **extra,
    )


def echoing_gateway(method, params, path):
    """Answers like the real gateway does to a bad signature: the string-to-sign it computed,
    with the SecurityToken in it (percent-encoded twice), and a Recommend URL."""
    signed = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in signed)
    string_to_sign = "POST&%2F&" + quote(canonical, safe="")
    return 400, {
        "Code": "SignatureDoesNotMatch",
        "Message": f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
        "RequestId": "ECHO-1",
        "HostId": "ice.cn-shanghai.aliyuncs.com",
        "Recommend": f"https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch&token={params.get('SecurityToken')}",
    }


@pytest.fixture(scope="module")
def outputs(endpoint, tmp_path_factory) -> list[tuple[str, str]]:
    """(where, text) for every output of every command variant worth checking."""
    home = tmp_path_factory.mktemp("home")
    saved = tmp_path_factory.mktemp("saved")
    closed = f"http://127.0.0.1:{free_port()}"
    runs = [
        (ROOT, ("probe", "--endpoint", endpoint, "--job-id", "0123456789abcdef0123456789abcdef")),
        ((ROOT[0], WRONG_SECRET), ("probe", "--endpoint", endpoint)),
        (STS_EXPIRED, ("probe", "--endpoint", endpoint)),
        (STS, ("probe", "--endpoint", closed)),
        (STS, ("probe", "--endpoint", endpoint, "--region", "cn-beijing")),
        (ROOT, ("audit", "--all", "--endpoint", endpoint, "--save", str(saved))),
        (ROOT, ("audit", "--all", "--endpoint", endpoint, "--format", "sarif")),
        (STS_EXPIRED, ("audit", "--all", "--endpoint", endpoint)),
        (STS, ("audit", "--user", "worker", "--endpoint", closed)),
    ]
    collected = []
    with stub(echoing_gateway) as gateway:
        runs.append((STS, ("probe", "--endpoint", gateway.url)))
        runs.append((STS, ("audit", "--all", "--endpoint", gateway.url, "--format", "json")))
        for key, args in runs:
            for output_format in (("--format", "json"), ()):
                final = args if "--format" in args else (*args, *output_format)
                run = run_in(noisy_env(home, key), *final)
                collected += [(f"stdout of {final}", run.out), (f"stderr of {final}", run.err)]
        echoed = gateway.requests
    assert any(STS[2] == request.get("SecurityToken") for request in echoed)  # the token was sent
    for path in saved.rglob("*"):
        if path.is_file():
            collected.append((f"saved {path.name}", path.read_text()))
    return collected


def test_no_output_of_any_command_holds_a_secret(outputs):
    assert len(outputs) > 40
    for where, text in outputs:
        assert_clean(text, where)


def test_the_echoed_string_to_sign_is_still_useful_without_the_token(outputs):
    """Redaction removes the token, not the rest of the gateway's answer."""
    echoed = [text for where, text in outputs if where.startswith("stdout of ('probe'") and "ECHO-1" in text]
    assert len(echoed) == 2
    assert all("auth_failed" in text and "SignatureDoesNotMatch" in text for text in echoed)
    audits = [text for where, text in outputs if where.startswith("stdout of ('audit'") and "ECHO-1" in text]
    assert audits and all("SecurityToken%3D***" in text for text in audits)


def test_exception_texts_hold_no_secret(endpoint):
    failing = [
        (Credentials(ROOT[0], WRONG_SECRET), endpoint),
        (Credentials(*STS_EXPIRED), endpoint),
        (Credentials(*STS), f"http://127.0.0.1:{free_port()}"),
        (Credentials(*THROTTLED), endpoint),
    ]
    seen = 0
    with stub(echoing_gateway) as gateway:
        failing.append((Credentials(*STS), gateway.url))
        for credentials, url in failing:
            caller = SdkCaller(credentials, "cn-shanghai", parse_endpoint(url), sleep=lambda s: None)
            with pytest.raises(CloudError) as caught:
                caller.call("ice", "QueryIProductionJob", {"JobId": "0" * 32})
            error = caught.value
            texts = [str(error), repr(error), repr(error.args), json.dumps(getattr(error, "body", {}))]
            for text in texts:
                assert_clean(text, f"{type(error).__name__} for {credentials.access_key_id}")
            seen += 1
    assert seen == 5


SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from policycheck.cloud.api import parse_endpoint
from policycheck.cloud.credentials import Credentials
from policycheck.cloud.sdk import SdkCaller
url, key, secret, token = sys.argv[1:5]
caller = SdkCaller(Credentials(key, secret, token or None), "cn-shanghai", parse_endpoint(url))
for job in ("0" * 32, "1" * 32):
    try:
        print(caller.call("ice", "QueryIProductionJob", {"JobId": job}).body.get("RequestId"))
    except Exception as error:
        print(type(error).__name__, error)
"""


@pytest.mark.parametrize("key", [ROOT, STS, STS_EXPIRED, (ROOT[0], WRONG_SECRET, "")])
def test_sdk_logs_with_debug_sdk_and_root_logging_hold_no_secret(endpoint, tmp_path, key):
    """An application that logs everything at DEBUG, with DEBUG=sdk set: sdk-core would print
    the signed URL and repeat server messages; policycheck keeps both quiet."""
    token = key[2] if len(key) == 3 else ""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, endpoint, key[0], key[1], token],
        cwd=REPO,
        env=noisy_env(tmp_path, ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert_clean(done.stdout, "stdout")
    assert_clean(done.stderr, "stderr")
    assert "aliyunsdkcore" not in done.stderr


def test_a_ram_role_profile_that_cannot_be_assumed_names_no_secret(endpoint, tmp_path):
    (tmp_path / ".aliyun").mkdir()
    config = tmp_path / ".aliyun" / "config.json"
    profile = {
        "name": "role",
        "mode": "RamRoleArn",
        "access_key_id": ROOT[0],
        "access_key_secret": ROOT[1],
        "ram_role_arn": "acs:ram::1000000000000001:role/worker-role",
    }
    config.write_text(json.dumps({"current": "role", "profiles": [profile]}))
    config.chmod(0o600)
    environment = clean_env(tmp_path)
    probe = run_in(environment, "probe", "--endpoint", endpoint, "--format", "json")
    assert probe.code == 3
    assert probe.json()["verdict"] == "auth_failed"
    assert "does not serve STS AssumeRole" in probe.json()["detail"]
    audit = run_in(environment, "audit", "--all", "--endpoint", endpoint)
    assert audit.code == 3 and "could not assume role" in audit.err
    for text in (probe.out, probe.err, audit.out, audit.err):
        assert_clean(text, "RamRoleArn run")


def test_a_readable_credentials_file_is_warned_about_once_on_stderr(endpoint, tmp_path):
    (tmp_path / ".alibabacloud").mkdir()
    path = tmp_path / ".alibabacloud" / "credentials"
    path.write_text(f"[default]\naccess_key_id = {ROOT[0]}\naccess_key_secret = {ROOT[1]}\n")
    path.chmod(0o644)
    run = run_in(clean_env(tmp_path), "probe", "--endpoint", endpoint)
    assert run.code == 0
    assert run.err == (
        "policycheck: warning: ~/.alibabacloud/credentials holds AccessKey secrets and is accessible "
        "by group and others (mode 0644); run: chmod 600 ~/.alibabacloud/credentials\n"
    )
    assert "~/.alibabacloud/credentials [default]" in run.out
    path.chmod(0o600)
    assert run_in(clean_env(tmp_path), "probe", "--endpoint", endpoint).err == ""


def test_sdk_core_environment_keys_never_reach_the_wire(endpoint, tmp_path):
    """sdk-core's own ALIYUN_* keys are set (to another planted key); every request that
    arrives is signed with the key policycheck resolved."""
    with stub(lambda m, p, path: None, forward=endpoint) as watcher:
        run = run_in(noisy_env(tmp_path, ROOT), "probe", "--endpoint", watcher.url)
        assert run.code == 0, run.out + run.err
        assert {request["AccessKeyId"] for request in watcher.requests} == {ROOT[0]}

"""The SDK loads only for the commands that call the cloud, and only through sdk.py."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO, modules_loaded_after


def loaded_after(code: str) -> str:
    """The top-level names of the SDK and emulator modules loaded after `code`, as a list's text."""
    loaded = modules_loaded_after(code, ("aliyunsdkcore", "policycheck.emulator"))
    return str(sorted({name.split(".")[0] for name in loaded}))


def test_lint_never_imports_the_sdk():
    code = "from policycheck.cli import main\nmain(['lint', 'policies/ice-iproduction-query.json'])"
    assert loaded_after(code) == "[]"


def test_probe_audit_and_credentials_do_not_import_the_sdk_themselves():
    code = "import policycheck.cloud.probe, policycheck.cloud.audit, policycheck.cloud.credentials, policycheck.cli.probe, policycheck.cli.audit"
    assert loaded_after(code) == "[]"


def test_the_sdk_module_does():
    assert loaded_after("import policycheck.cloud.sdk") == "['aliyunsdkcore']"


def test_help_teaches_verdicts_and_credentials():
    done = subprocess.run(
        [sys.executable, "-m", "policycheck", "probe", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "auth_failed  3" in done.stdout and "ALIBABA_CLOUD_ACCESS_KEY_ID" in done.stdout
    assert "policycheck probe --endpoint http://127.0.0.1:8765" in done.stdout

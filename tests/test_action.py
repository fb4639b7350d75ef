"""The GitHub Action (action.yml) runs: its shell steps, with inputs substituted as the runner
does, executed in order in a temporary copy of the repository with a fresh virtualenv (the
install step really installs the action's checkout). `uses:` steps (setup-python, the SARIF
upload) are GitHub's own and are checked for shape only."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, git

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def substitute(
    text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]], action_path: str
) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("inputs."):
            return inputs[name.removeprefix("inputs.")]
        if name == "github.action_path":
            return action_path
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name)
        if step:
            return outputs.get(step.group(1), {}).get(step.group(2), "")
        raise AssertionError(f"the test does not know the expression {name}")

    return EXPRESSION.sub(value, text)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the repository (the action's checkout and the workspace) and a fresh virtualenv."""
    root = tmp_path_factory.mktemp("action")
    copy = root / "repo"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "*.egg-info", "__pycache__", "build", "dist", ".policycheck"
        ),
    )
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300)
    return copy, root / "venv" / "bin"


def run_action(workspace: tuple[Path, Path], **given: str) -> tuple[int, str, dict[str, str]]:
    """Run every shell step like the runner: stop at the first that fails; (exit, log, outputs)."""
    copy, bin_folder = workspace
    inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    inputs.update(given)
    outputs: dict[str, dict[str, str]] = {}
    log = []
    for index, step in enumerate(ACTION["runs"]["steps"]):
        if "run" not in step:
            continue
        output_file = copy.parent / f"output-{index}"
        output_file.write_text("")
        env = {k: substitute(str(v), inputs, outputs, str(copy)) for k, v in step.get("env", {}).items()}
        environment = {
            **{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "VIRTUAL_ENV")},
            "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_WORKSPACE": str(copy),
            **env,
        }
        assert step["shell"] == "bash"
        done = subprocess.run(
            [
                "bash",
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "-c",
                substitute(step["run"], inputs, outputs, str(copy)),
            ],
            cwd=copy,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )
        log.append(done.stdout + done.stderr)
        if "id" in step:
            pairs = (line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
            outputs[step["id"]] = dict(pairs)
        if done.returncode != 0:
            return done.returncode, "".join(log), outputs.get("run", {})
    return 0, "".join(log), outputs.get("run", {})


def test_the_action_is_composite_and_uploads_sarif():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    assert steps[0]["uses"].startswith("actions/setup-python@")
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    for step in steps:  # inputs reach scripts only through env (no script injection)
        assert "${{" not in step.get("run", "")


def test_lint_writes_sarif_and_fails_on_findings(workspace):
    copy, _ = workspace
    code, log, outputs = run_action(workspace, paths="policies/examples-bad/resource-scoped-ice.json")
    assert code == 1 and outputs == {"exit-code": "1"}
    assert "error RESOURCE_MISMATCH" in log and "policycheck exited 1" in log
    sarif = json.loads((copy / "policycheck.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["RESOURCE_MISMATCH"]


def test_a_baseline_accepts_known_findings_and_fails_new_ones(workspace):
    copy, _ = workspace
    bad = "policies/examples-bad/resource-scoped-ice.json"
    subprocess.run(
        [sys.executable, "-m", "policycheck", "lint", bad, "--write-baseline", "known.json"],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=300,
    )
    code, log, outputs = run_action(workspace, paths=bad, baseline="known.json", format="github")
    assert code == 0 and outputs == {"exit-code": "0"}, log
    assert "1 finding accepted by the baseline known.json not shown" in log
    code, log, _ = run_action(
        workspace, paths=f"{bad} policies/examples-bad/broken-grammar.json", baseline="known.json"
    )
    assert code == 1 and "error RESOURCE_MISMATCH" not in log and "error SCHEMA" in log
    code, log, _ = run_action(workspace, command="check", baseline="known.json")
    assert code == 2 and "baseline applies to lint only" in log


def test_lint_of_the_repository_passes(workspace):
    code, log, outputs = run_action(workspace, paths="policies/", format="github")
    assert code == 0 and outputs == {"exit-code": "0"}, log
    assert "policycheck lint: no findings in 7 files; passed" in log


def test_check_with_annotations(workspace):
    code, log, outputs = run_action(workspace, command="check", format="github")
    assert code == 0, log
    assert "policycheck check: no findings; passed" in log
    code, log, _ = run_action(workspace, command="check", format="github", config="missing.yaml")
    assert code == 2 and "missing.yaml: no such config file" in log


def test_a_hostile_input_is_data_not_a_command(workspace):
    copy, _ = workspace
    code, log, _ = run_action(workspace, paths='"; touch pwned; echo "', format="github")
    assert code == 2 and not (copy / "pwned").exists()
    code, log, _ = run_action(workspace, command="rm -rf /")
    assert code == 2 and "command must be lint, check or diff" in log


def test_diff_annotates_the_access_a_change_adds(workspace):
    """diff against a revision of a repository in the workspace (its own git repository, so the
    copy of policycheck's tree stays as it was for the other tests)."""
    copy, _ = workspace
    demo = copy / "diffdemo"
    try:
        (demo / "policies").mkdir(parents=True)
        worker = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ice:Get*", "Resource": "*"}]}
        (demo / "policies" / "worker.json").write_text(json.dumps(worker, indent=2))
        (demo / "policycheck.yaml").write_text(
            "policies: [policies/]\nprincipals:\n  w: {identity: [worker]}\n"
        )
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
            git(demo, *args)
        config = "diffdemo/policycheck.yaml"
        code, log, outputs = run_action(
            workspace, command="diff", base="HEAD", config=config, format="github"
        )
        assert code == 0 and outputs == {"exit-code": "0"}, log
        assert "policycheck diff: 0 added, 0 removed, 0 undecided; no new access" in log
        worker["Statement"][0]["Action"] = ["ice:Get*", "ice:SubmitIProductionJob"]
        (demo / "policies" / "worker.json").write_text(json.dumps(worker, indent=2))
        code, log, outputs = run_action(
            workspace, command="diff", base="HEAD", config=config, format="github"
        )
        assert code == 1 and outputs == {"exit-code": "1"}, log
        assert "file=diffdemo/policies/worker.json,line=4,col=1,title=NEW_ACCESS::w: newly allows" in log
        code, log, _ = run_action(workspace, command="diff", config=config)
        assert code == 2 and "diff needs base:" in log
    finally:
        shutil.rmtree(demo, ignore_errors=True)

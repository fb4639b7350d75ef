"""A one-file `lint` of JSON loads only what linting JSON needs: start-up is most of its time
(issue 17: under 3x `python -c "import json"`; bench/bench_startup.py measures it the same way,
in a folder without a policycheck.yaml). The records on that path are NamedTuples, so it does not
import dataclasses, nor inspect, which dataclasses imports (7 ms of a 50 ms start); nor threading
(the evaluator's one lock is _thread's)."""

from __future__ import annotations

import shutil

from tests.conftest import REPO, modules_loaded_after

LINT_ONE_JSON = "from policycheck.cli import main\nmain(['lint', 'ice-iproduction-query.json'])"


def test_linting_json_leaves_out_check_specs_comment_waivers_escalation_proofs_dates_yaml_dataclasses_threads(
    tmp_path,
):
    shutil.copy(REPO / "policies" / "ice-iproduction-query.json", tmp_path)
    code = f"sys.path.insert(0, {str(REPO)!r})\n{LINT_ONE_JSON}"
    loaded = modules_loaded_after(
        code,
        (
            "policycheck.expect",
            "policycheck.comment_waivers",
            "policycheck.load.waivers",
            "policycheck.evaluate.escalation",
            "datetime",
            "yaml",
            "dataclasses",
            "inspect",
            "threading",
        ),
        cwd=tmp_path,
    )
    assert loaded == []


def test_an_escalation_proof_leaves_out_dataclasses(tmp_path):
    """A policy that reaches the proof (and the solver, for its lower date bound, which the text
    does not settle) brings the evaluator's records, all NamedTuples or plain classes: no `import
    dataclasses` before the lint workers fork."""
    (tmp_path / "admin.json").write_text(
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:*", "Resource": "*",'
        ' "Condition": {"DateGreaterThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}}]}'
    )
    code = (
        f"sys.path.insert(0, {str(REPO)!r})\nfrom policycheck.cli import main\nmain(['lint', 'admin.json'])"
    )
    loaded = modules_loaded_after(
        code,
        ("policycheck.evaluate.escalation", "policycheck.evaluate.solve", "dataclasses", "inspect"),
        cwd=tmp_path,
    )
    assert loaded == ["policycheck.evaluate.escalation", "policycheck.evaluate.solve"]


def test_a_schema_error_is_worded_without_importing_jsonschema(tmp_path):
    """jsonschema's import (about 65 ms with referencing, attrs and rpds) was most of linting
    one broken file; schema_errors words the findings itself."""
    shutil.copy(REPO / "policies" / "examples-bad" / "broken-grammar.json", tmp_path)
    code = (
        f"sys.path.insert(0, {str(REPO)!r})\nfrom policycheck.cli import main\n"
        "main(['lint', 'broken-grammar.json'])"
    )
    loaded = modules_loaded_after(
        code, ("policycheck.schema_errors", "jsonschema", "referencing"), cwd=tmp_path
    )
    assert loaded == ["policycheck.schema_errors"]


def test_a_cached_lint_hashes_without_importing_hashlib(tmp_path):
    """The cache's BLAKE2b comes from _blake2: hashlib would also load OpenSSL (about 2 ms of a
    re-run of a large cached tree)."""
    for number in range(60):  # enough files for the cache (lint.CACHE_FROM)
        shutil.copy(REPO / "policies" / "ice-iproduction-query.json", tmp_path / f"p{number}.json")
    code = (
        f"sys.path.insert(0, {str(REPO)!r})\nfrom policycheck.cli import main\n"
        "main(['lint', '.', '--cache-dir', 'cache'])"
    )
    loaded = modules_loaded_after(code, ("hashlib", "_hashlib", "_blake2"), cwd=tmp_path)
    assert loaded == ["_blake2"]
    assert any((tmp_path / "cache").glob("lint-*.json"))  # it did use the cache

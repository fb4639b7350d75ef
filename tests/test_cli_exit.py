"""How the `policycheck` program ends: exit handlers, buffered output and live threads are
honoured, though the interpreter's teardown is skipped (cli.entry)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

POLICY = REPO / "policies" / "ice-iproduction-query.json"


def _program(prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = f"import sys\n{prelude}\nsys.argv = ['policycheck', *{list(args)!r}]\nfrom policycheck import cli\ncli.entry()\n"
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )


def test_exit_handlers_run_and_output_is_flushed_with_the_exit_code():
    prelude = "import atexit\natexit.register(lambda: print('handler ran', flush=True))\nsys.stdout.write('buffered ')"
    clean = _program(prelude, "lint", str(POLICY), "--format", "json")
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("buffered {") and clean.stdout.endswith("handler ran\n")
    failing = _program(prelude, "lint", str(REPO / "tests"), "--kind", "identity", "--format", "json")
    assert failing.returncode == 1 and failing.stdout.endswith("handler ran\n")


def test_a_thread_still_running_is_waited_for():
    prelude = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True))).start()"
    )
    done = _program(prelude, "lint", str(POLICY))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("thread done")

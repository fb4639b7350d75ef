"""Every wait in the project's own tests and benches has a timeout (issue 14 item 9).

A test that waits on a child without a deadline hangs `make test` forever when the child
does not stop: under nohup or in a background job SIGINT is ignored, so a child stopped with
Ctrl-C never ends. This reads the sources of tests/ and bench/ and names each call
that can wait forever. A call bounded in a way the scan cannot see (a read after select() with a
timeout, a wait after SIGKILL) says so on its line: `# bounded: <how>`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

RUNNERS = {"run", "call", "check_call", "check_output"}
"""subprocess functions that wait for the child: each needs timeout=."""
WAITS = {"wait", "communicate", "join"}
"""Methods that block until a child (or thread) ends: each needs a timeout argument."""
PIPE_READS = {"read", "readline", "readlines"}
"""On a child's stdout or stderr: blocks until the child writes or exits."""
MARK = "# bounded:"


def unbounded_waits(source: str, shown: str) -> list[str]:
    """`file:line: what` for each call in `source` that can wait forever."""
    tree = ast.parse(source, shown)
    marked = {number for number, line in enumerate(source.splitlines(), 1) if MARK in line}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, owner = node.func.attr, node.func.value
        keywords = {keyword.arg for keyword in node.keywords}
        owner_name = owner.id if isinstance(owner, ast.Name) else ""
        if owner_name == "subprocess" and name in RUNNERS and "timeout" not in keywords:
            problem = f"subprocess.{name} without timeout="
        elif name in WAITS and not node.args and "timeout" not in keywords:
            problem = f".{name}() without a timeout"
        elif owner_name == "os" and name in ("wait", "wait4", "waitpid") and not _nohang(node):
            problem = f"os.{name} (no timeout; use bench/common.wait_measured)"
        elif (
            name in PIPE_READS
            and isinstance(owner, ast.Attribute)
            and owner.attr in ("stdout", "stderr")
            and not (isinstance(owner.value, ast.Name) and owner.value.id == "sys")
        ):
            problem = f"{owner.attr}.{name}() on a child's pipe (use communicate(timeout=...))"
        else:
            continue
        if node.lineno not in marked:
            found.append(f"{shown}:{node.lineno}: {problem}")
    return found


def _nohang(call: ast.Call) -> bool:
    """os.waitpid/wait4(pid, os.WNOHANG) returns at once."""
    return any(isinstance(arg, ast.Attribute) and arg.attr == "WNOHANG" for arg in call.args)


def sources() -> list[Path]:
    every = (path for folder in ("tests", "bench") for path in (REPO / folder).rglob("*.py"))
    return sorted(every)


def test_no_test_or_bench_waits_without_a_timeout():
    problems = [
        problem
        for path in sources()
        for problem in unbounded_waits(path.read_text(), path.relative_to(REPO).as_posix())
    ]
    assert problems == []


def test_the_scan_finds_what_it_looks_for():
    """The scan itself can fail: each kind of unbounded wait is named."""
    sample = (
        "import os, subprocess\n"
        "subprocess.run(['x'])\n"
        "process = subprocess.Popen(['x'])\n"
        "process.wait()\n"
        "process.communicate()\n"
        "process.stdout.readline()\n"
        "os.wait4(process.pid, 0)\n"
        "subprocess.run(['x'], timeout=5)\n"
        "process.wait(timeout=5)\n"
        "', '.join(['a'])\n"
        "sys.stdout.read()\n"
        "os.wait4(process.pid, os.WNOHANG)\n"
        "process.stdout.readline()  # bounded: select() said it is ready\n"
    )
    lines = [int(problem.split(":")[1]) for problem in unbounded_waits(sample, "tests/sample.py")]
    assert lines == [2, 4, 5, 6, 7]

"""bench/common.py's waits end even when the child ignores Ctrl-C (nohup, background jobs)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

STUBBORN = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('up', flush=True); time.sleep(120)"
DEAF = STUBBORN.replace("signal.SIGINT", "signal.SIGTERM")


@pytest.fixture(scope="module")
def common():
    spec = importlib.util.spec_from_file_location("bench_common", REPO / "bench" / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.GRACE_SECONDS = 1.0
    return module


def test_wait_measured_stops_a_child_that_ignores_sigint_with_sigterm(common):
    process = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.DEVNULL)
    started = time.monotonic()
    with pytest.raises(SystemExit, match="ran past 1 s and was stopped"):
        common.wait_measured(process, 1.0)
    assert time.monotonic() - started < 30
    assert process.returncode == -15  # SIGTERM, not SIGKILL


def test_wait_measured_kills_a_child_that_ignores_sigterm_too(common):
    process = subprocess.Popen([sys.executable, "-c", DEAF], stdout=subprocess.DEVNULL)
    time.sleep(0.5)  # let it install the handler
    with pytest.raises(SystemExit):
        common.wait_measured(process, 1.0)
    assert process.returncode == -9


def test_wait_measured_reports_a_child_that_ends(common):
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    code, usage = common.wait_measured(process, 30.0)
    assert code == 3 and usage.ru_maxrss > 0


def test_run_bounded_stops_the_child_with_sigterm_and_says_so(common):
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        common.run_bounded([sys.executable, "-c", STUBBORN], 1.0)
    assert time.monotonic() - started < 30
    done = common.run_bounded([sys.executable, "-c", "print('ok')"], 30.0)
    assert (done.returncode, done.stdout) == (0, "ok\n")

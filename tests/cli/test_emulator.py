"""`policycheck emulator` as users run it: it prints the URL and the demo keys, serves, stops on Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys

import pytest

from policycheck.cli import emulator as command
from policycheck.errors import UserError
from tests.conftest import REPO
from tests.emulator.conftest import ROOT, WAIT_SECONDS, call, first_line, write_world


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(argv)


def _default_sigint() -> None:
    """Ctrl-C must reach the child even when this test run ignores SIGINT (nohup, a background
    job): a Python child keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*argv: str, cwd=REPO) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "policycheck", "emulator", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def stop(process: subprocess.Popen, how: int = signal.SIGTERM) -> tuple[str, str]:
    """Signal the child and collect its output; killed (and the test failed) if it does not exit."""
    process.send_signal(how)
    try:
        return process.communicate(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=WAIT_SECONDS)
        pytest.fail(f"the emulator did not stop within {WAIT_SECONDS} s of signal {how}")


def test_serves_the_demo_world_and_stops_on_ctrl_c(tmp_path):
    # From a folder with no repository in sight, as after `pip install`: the demo world ships
    # in the package, and the default database folder (.policycheck/) is made.
    process = start("--port", "0", cwd=tmp_path)
    first = ""
    try:
        first = first_line(process)
        assert first.startswith("policycheck emulator listening on http://127.0.0.1:")
        url = first.split()[-1]
        from tests.emulator.conftest import Endpoint

        endpoint = Endpoint(url, url.split("://")[1], "")
        demo_root = ("LTAI5tDEMOaccountRoot001", "demo-root-secret-NOT-REAL")
        job = call(endpoint, demo_root, "QueryIProductionJob", JobId="0123456789abcdef0123456789abcdef")
        assert job["Status"] == "Success"
    finally:
        rest, err = stop(process, signal.SIGINT)
        out = first + rest
    assert process.returncode == 0, err
    assert err == ""
    assert "user media-worker" in out and "LTAI5tDEMOmediaWorker001  demo-media-worker-secret-NOT-REAL" in out
    assert "token demo-sts-security-token-NOT-REAL" in out
    assert out.rstrip().endswith("policycheck emulator stopped")
    assert "world the demo world (built in)" in out
    assert (tmp_path / ".policycheck" / "emulator.db").is_file()


def test_sigterm_stops_it_cleanly_too(tmp_path):
    process = start("--port", "0", "--db", str(tmp_path / "e.db"))
    first_line(process)
    out, _ = stop(process)
    assert process.returncode == 0
    assert out.rstrip().endswith("stopped")


def test_secrets_of_a_world_that_is_not_a_demo_are_never_printed(tmp_path):
    world = write_world(tmp_path)
    process = start("--world", str(world), "--port", "0", "--db", str(tmp_path / "e.db"))
    out = first_line(process)
    out += stop(process)[0]
    assert ROOT[0] in out and ROOT[1] not in out
    assert "sts-token-value" not in out and "sts-secret" not in out


def test_bad_world_is_a_one_line_usage_error(tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text('accounts:\n  - id: "1000"\n    colour: blue\n')
    with pytest.raises(UserError) as caught:
        command.run(parse("--world", str(world), "--db", str(tmp_path / "e.db")))
    assert str(caught.value).startswith(f"{world}:3:5: ")
    assert "\n" not in str(caught.value)


def test_missing_world_file(tmp_path):
    with pytest.raises(UserError, match="no such world file"):
        command.run(parse("--world", str(tmp_path / "nope.yaml")))


def test_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            command.run(parse("--port", str(port), "--db", str(tmp_path / "e.db")))


def test_database_that_cannot_be_opened(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="cannot open the database"):
        command.run(parse("--port", "0", "--db", str(tmp_path / "file" / "e.db")))


def test_database_in_a_missing_folder_is_an_error_not_a_new_folder(tmp_path):
    missing = tmp_path / "missing" / "dir"
    with pytest.raises(UserError, match=f"no such folder {missing}"):
        command.run(parse("--port", "0", "--db", str(missing / "x.db")))
    assert not (tmp_path / "missing").exists()


def test_bad_port_number():
    with pytest.raises(UserError, match="not a port number"):
        command.run(parse("--port", "70000"))


def test_the_demo_world_is_valid_json_schema_wise():
    from policycheck.emulator.world import load_world

    assert json.dumps(load_world(str(REPO / "policycheck/data/demo-world.yaml")).settings.demo) == "true"


def test_help_defaults_are_the_servers():
    from policycheck.emulator import server

    assert (command.MAX_CONNECTIONS, command.IDLE_SECONDS) == (server.MAX_CONNECTIONS, server.IDLE_SECONDS)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--max-connections", "0", "--max-connections 0 is not between 1 and 10000"),
        ("--idle-timeout", "0", "--idle-timeout 0 is not more than 0 and at most 3600 seconds"),
        ("--idle-timeout", "nan", "--idle-timeout nan is not more than 0 and at most 3600 seconds"),
    ],
)
def test_connection_limits_must_make_sense(tmp_path, option, value, message):
    with pytest.raises(UserError, match=message):
        command.run(parse(option, value, "--db", str(tmp_path / "e.db")))

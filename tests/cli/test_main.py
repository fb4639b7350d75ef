"""The top-level command: help, unknown commands, and each command's own help."""

from __future__ import annotations

import pytest

from policycheck.cli import COMMANDS
from tests.conftest import run_cli


def test_help_lists_every_command():
    done = run_cli("--help")
    assert done.code == 0
    for name in COMMANDS:
        assert f"    {name} " in done.out


def test_an_unknown_command_names_the_real_ones():
    done = run_cli("lnt", "policies/")
    assert done.code == 2
    assert "invalid choice: 'lnt'" in done.err and "'emulator'" in done.err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_its_help_wrapped_to_the_terminal(name):
    narrow = run_cli(name, "--help", env={"COLUMNS": "60"})
    wide = run_cli(name, "--help", env={"COLUMNS": "200"})
    assert narrow.code == wide.code == 0
    assert narrow.out.startswith(f"usage: policycheck {name} ")
    assert len(narrow.out.splitlines()) > len(wide.out.splitlines())

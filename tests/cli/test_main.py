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


def test_every_user_error_is_one_user_error_class_and_none_is_a_value_error():
    """main catches UserError once; a ValueError escaping is a bug, never a user's mistake."""
    from policycheck.cloud.api import SettingError
    from policycheck.cloud.credentials import CredentialError
    from policycheck.cloud.probe import ActionRefused
    from policycheck.config import ConfigError
    from policycheck.emulator.world import WorldError
    from policycheck.errors import UserError
    from policycheck.load.files import PathNotFound
    from policycheck.load.sources import PolicyError

    for kind in (
        SettingError,
        CredentialError,
        ActionRefused,
        ConfigError,
        WorldError,
        PathNotFound,
        PolicyError,
    ):
        assert issubclass(kind, UserError) and not issubclass(kind, ValueError), kind


def test_main_exits_with_the_user_errors_own_code(monkeypatch, capsys):
    from policycheck import cli
    from policycheck.cli import lint
    from policycheck.errors import UserError

    class Inconclusive(UserError):
        exit_code = 3

    def fail(args):
        raise Inconclusive("the endpoint said nothing")

    monkeypatch.setattr(lint, "run", fail)
    assert cli.main(["lint", "policies"]) == 3
    assert capsys.readouterr().err == "policycheck: error: the endpoint said nothing\n"

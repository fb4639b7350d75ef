"""--output in a shared folder: the report never goes through a link someone else planted."""

from __future__ import annotations

import os
import stat

from policycheck.cli import main
from tests.conftest import REPO

POLICY = str(REPO / "policies" / "ice-operator.json")


def test_a_symlink_planted_at_the_old_temporary_name_is_not_followed(tmp_path, capsys):
    """The old temporary name was FILE.tmp-<pid>: run in this process, the pid is known."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    report = tmp_path / "shared" / "report.json"
    report.parent.mkdir()
    os.symlink(victim, f"{report}.tmp-{os.getpid()}")
    assert main(["lint", POLICY, "--format", "json", "--output", str(report)]) == 0
    assert victim.read_text() == "precious\n"
    assert stat.S_ISREG(os.lstat(report).st_mode) and '"findings": []' in report.read_text()
    assert sorted(os.listdir(report.parent)) == ["report.json", f"report.json.tmp-{os.getpid()}"]
    assert capsys.readouterr().out == ""


def test_a_symlink_at_the_report_name_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    report = tmp_path / "report.txt"
    os.symlink(victim, report)
    assert main(["lint", POLICY, "--output", str(report)]) == 0
    assert victim.read_text() == "precious\n" and not report.is_symlink()


def test_the_report_gets_the_usual_permissions(tmp_path):
    report = tmp_path / "report.txt"
    old = os.umask(0o027)
    try:
        assert main(["lint", POLICY, "--output", str(report)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(report.stat().st_mode) == 0o640

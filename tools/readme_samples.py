"""Write the README's command samples from real output: `python tools/readme_samples.py`.

Every ```console block of README.md is a sample: `$ COMMAND` lines (a trailing backslash
continues one), each followed by what it prints. The commands run from the repository's top,
as a reader of the README would, with colour off; standard output comes first, then standard
error. A block that cannot run here (it needs the emulator, or files the reader has) is kept
as written when an HTML comment directly above it says why: `<!-- sample not generated: ... -->`.

tests/test_readme_samples.py fails when the README differs from what the commands print.
`--check` prints the difference and exits 1 instead of writing.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
NOT_GENERATED = re.compile(r"<!-- sample not generated: [^\n]*-->\n\s*\Z")


@dataclass(frozen=True)
class Sample:
    """One ```console block: where its body is in the README, and its commands."""

    start: int
    end: int
    body: str
    commands: tuple[str, ...]
    generated: bool


def samples(text: str) -> list[Sample]:
    found = []
    for match in BLOCK.finditer(text):
        generated = NOT_GENERATED.search(text[: match.start()]) is None
        found.append(
            Sample(match.start(1), match.end(1), match.group(1), commands(match.group(1)), generated)
        )
    return found


def commands(body: str) -> tuple[str, ...]:
    """The `$ ` commands of a block, continuation lines joined."""
    found: list[str] = []
    lines = iter(body.splitlines())
    for line in lines:
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + " " + next(lines, "").strip()
            found.append(command)
    return tuple(found)


def run(command: str) -> str:
    """What `command` prints, run from the repository's top with colour off."""
    words = shlex.split(command, comments=True)
    if words[0] != "policycheck":
        raise SystemExit(f"readme_samples: a sample runs policycheck, not {words[0]}: {command}")
    environment = {k: v for k, v in os.environ.items() if k not in ("POLICYCHECK_DEBUG", "FORCE_COLOR")}
    environment["NO_COLOR"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "policycheck", *words[1:]],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.stdout + done.stderr


def render(sample: Sample) -> str:
    """The block's body from real output: each command as written, then what it printed."""
    parts = []
    for index, command in enumerate(commands_as_written(sample.body)):
        output = run(sample.commands[index]).rstrip("\n")
        parts.append(command + ("\n" + output if output else ""))
    return "\n\n".join(parts) + "\n"


def commands_as_written(body: str) -> list[str]:
    """The `$ ` lines of a block with their continuation lines, as the README writes them."""
    written: list[str] = []
    lines = body.splitlines()
    at = 0
    while at < len(lines):
        if lines[at].startswith("$ "):
            command = [lines[at]]
            while command[-1].endswith("\\") and at + 1 < len(lines):
                at += 1
                command.append(lines[at])
            written.append("\n".join(command))
        at += 1
    return written


def regenerate(text: str) -> str:
    """The README with every generated sample replaced by real output."""
    pieces, last = [], 0
    for sample in samples(text):
        if not sample.generated:
            continue
        pieces += [text[last : sample.start], render(sample)]
        last = sample.end
    return "".join(pieces) + text[last:]


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = regenerate(text)
    if "--check" in argv:
        diff = difflib.unified_diff(
            text.splitlines(keepends=True), fresh.splitlines(keepends=True), "README.md", "real output"
        )
        sys.stdout.writelines(diff)
        return int(fresh != text)
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The `policycheck` command: parse arguments, run one command, return its exit code.

Each command lives in its own module with `add_arguments(parser)` and `run(args) -> int`,
imported only when that command runs, so `policycheck lint` never pays for the SDK or the
emulator.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, TextIO

from policycheck import __version__
from policycheck.errors import (  # noqa: F401 - the commands take the exit codes from here
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    UserError,
)

COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("policycheck.cli.lint", "check policy files against the RAM grammar and the lint rules"),
    "explain": (
        "policycheck.cli.explain",
        "decide one request against policies the way RAM does, and say why",
    ),
    "check": (
        "policycheck.cli.check",
        "prove policycheck.yaml's expectations: who must and must not be able to do what",
    ),
    "diff": (
        "policycheck.cli.diff",
        "the access a change of policies adds and removes, proved (BASE HEAD, or --base GITREF)",
    ),
    "probe": ("policycheck.cli.probe", "call one read-only ICE action live: allowed, or denied and why"),
    "audit": (
        "policycheck.cli.audit",
        "lint the policies really attached in an account (RAM API, read-only)",
    ),
    "emulator": ("policycheck.cli.emulator", "serve a local ICE + RAM endpoint for offline tests and demos"),
    "catalog": (
        "policycheck.cli.catalog",
        "the System policy library: list it, or refresh a copy from RAM (read-only)",
    ),
}

GC_THRESHOLDS = (50_000, 20, 100)
"""A command allocates many small containers that live as long as it does (parsed documents,
models, findings); the default thresholds (700, 10, 10) rescan them over and over, a fifth
of the time of `lint` over a large folder. Nothing relies on prompt collection."""

EPILOG = """\
exit codes:
  0  success: no finding at or above --fail-on, every expectation holds, access allowed
  1  findings, violated expectations, or access denied
  2  usage, configuration or input error (a one-line message says what)
  3  inconclusive live check (bad credentials, throttled, endpoint unreachable)

Run `policycheck COMMAND --help` for a command's options. Colour is used on terminals
unless NO_COLOR is set. Docs: https://github.com/policycheck/policycheck#readme
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in descriptions as written.

    argparse builds a formatter for every argument it adds, and its default width comes from
    shutil, whose import (with zlib, bz2 and lzma) is a tenth of `lint`'s start-up; the width
    is worked out here the way shutil.get_terminal_size does it.
    """

    def __init__(self, prog: str, **options) -> None:
        options.setdefault("width", _terminal_columns() - 2)  # argparse's own margin
        super().__init__(prog, **options)


def _terminal_columns() -> int:
    """$COLUMNS, else the width of the terminal on stdout, else 80 (as shutil.get_terminal_size)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose errors quote what was typed (a file name, a choice): printable."""

    def error(self, message: str) -> NoReturn:
        from policycheck.report.escape import printable

        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)}\n")


def _chosen_command(argv: Sequence[str]) -> str | None:
    return next((arg for arg in argv if arg in COMMANDS), None)


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="policycheck",
        description="Check Alibaba Cloud RAM policy documents: do they grant what they must, "
        "and nothing they must not?",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"policycheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog="policycheck")
    chosen = _chosen_command(argv)
    for name, (module, summary) in COMMANDS.items():
        # With a command named, only its parser is built: the others would only be listed
        # by `policycheck --help` or an unknown command, which name none.
        if chosen is None or name == chosen:
            sub = commands.add_parser(name, help=summary, formatter_class=HelpFormatter, epilog=EPILOG)
            if name == chosen:
                importlib.import_module(module).add_arguments(sub)
    return parser


SEVERITY_CHOICES = ("error", "security_warning", "warning", "suggestion", "info")


class FormatChoices:
    """--format's choices: the report formats that render this command's kind of result.

    argparse asks only for an explicit --format (is it one? that imports its module alone) or
    for --help and a wrong value (list them all), so `lint` imports no format it does not write.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __contains__(self, name: object) -> bool:
        from policycheck.report import supports

        return isinstance(name, str) and supports(name, self.kind)

    def __iter__(self) -> Iterator[str]:
        from policycheck.report import formats

        return iter(formats(self.kind))


def add_output_arguments(parser: argparse.ArgumentParser, kind: str) -> None:
    """--format, --output and --color, the same for every command that writes a report."""
    # A metavar, so that argparse does not list the choices (importing every format) while it
    # builds the parser; --help lists them through %(choices)s.
    parser.add_argument(
        "--format",
        choices=FormatChoices(kind),
        default="text",
        metavar="FORMAT",
        help="output format: %(choices)s (default: %(default)s)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text output"
    )


def steps_argument(text: str) -> int:
    """--budget STEPS: a whole number of steps, at least 1 (underscores and commas allowed)."""
    try:
        steps = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        steps = 0
    if steps < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of steps (a whole number, at least 1)")
    return steps


def wants_color(args: argparse.Namespace) -> bool:
    """Colour for a text report: --color, else only when stdout is a terminal without NO_COLOR."""
    from policycheck.report import use_color

    if args.output not in (None, "-"):
        return args.color == "always"
    return use_color(sys.stdout, args.color)


def write_report(result: Any, args: argparse.Namespace) -> None:
    """Render a command's result in --format and write it to --output (or stdout)."""
    from policycheck.report import render

    write_output(render(result, args.format, wants_color(args)), args.output)


def write_output(text: str, destination: str | None) -> None:
    """Write a report to --output FILE (atomically, so CI never reads half a file) or stdout.

    The temporary file is created by mkstemp next to FILE (O_EXCL, a random name), never
    through a link someone planted in a shared folder, then renamed over FILE.
    """
    if destination in (None, "-"):
        _write_pieces(sys.stdout, text)
        sys.stdout.flush()
        return
    import tempfile

    folder, name = os.path.split(os.path.abspath(destination))
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as stream:
            os.fchmod(stream.fileno(), 0o666 & ~_umask())  # as open() would create it
            _write_pieces(stream, text)
        os.replace(temporary, destination)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.remove(temporary)  # e.g. the destination is a folder: leave nothing behind
        raise UserError(f"cannot write {destination}: {error.strerror or error}") from None


_PIECE = 1 << 20
"""Characters encoded and written at a time: a 35 MB report is not also held as 17 MB of bytes."""


def _write_pieces(stream: TextIO, text: str) -> None:
    for start in range(0, len(text), _PIECE):
        stream.write(text[start : start + _PIECE])


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def error(message: str, details: tuple[str, ...] = ()) -> None:
    say("error", message, details)


def say(kind: str, message: str, details: tuple[str, ...] = ()) -> None:
    """`policycheck: KIND: MESSAGE` on stderr, then each detail indented on a line of its own.

    Messages quote file names, profile names and server text: each is made printable
    (report/escape.py), so a newline or escape sequence in them shows as \\n or \\x1b and
    never draws a line or steers the terminal.
    """
    from policycheck.report.escape import printable

    lines = [f"policycheck: {kind}: {printable(message)}", *(f"  {printable(line)}" for line in details)]
    sys.stderr.write("\n".join(lines) + "\n")


def warning(message: str) -> None:
    """One line on stderr that does not change the exit code; control characters escaped."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message)
    sys.stderr.write(f"policycheck: warning: {shown}\n")


def entry() -> NoReturn:
    """The `policycheck` program (and `python -m policycheck`): main(), then exit with its code.

    What a run leaves in memory is left for the operating system to take back. When only this
    thread runs, the exit handlers run and the standard streams are flushed, then the process
    ends (os._exit) without the interpreter's teardown, which frees every object one by one:
    after a lint of 3,000 files that took 12 of its 400 ms, and 45 before collections were
    kept out of it. With other threads alive, or a stream that cannot be flushed (a reader
    that left), the normal exit does it all, minus those collections (gc.freeze). In-process
    callers (tests) call main() and keep collecting as usual.
    """
    code = main()
    gc.freeze()
    threading = sys.modules.get("threading")
    if threading is None or threading.active_count() == 1:
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # the normal exit reports it as it always has
        else:
            os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    gc.set_threshold(*GC_THRESHOLDS)
    for stream in (sys.stdout, sys.stderr):
        # Never crash on text a terminal cannot show (odd file names, lone surrogates).
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return importlib.import_module(COMMANDS[args.command][0]).run(args)
    except UserError as problem:
        error(str(problem), problem.details)
        return problem.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("policycheck: interrupted\n")
        return 130
    except BrokenPipeError:
        # `policycheck lint ... | head`: the reader left; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as bug:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("POLICYCHECK_DEBUG"):
            raise
        import traceback

        # Only the type and where: an exception's text may carry user data or secrets.
        frame = traceback.extract_tb(bug.__traceback__)[-1]
        error(
            f"internal error: {type(bug).__name__} at {os.path.basename(frame.filename)}:{frame.lineno}. "
            "This is a bug in policycheck; run with POLICYCHECK_DEBUG=1 for the traceback "
            "and please report it."
        )
        return EXIT_INTERNAL

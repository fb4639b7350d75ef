"""Options and set-up shared by the commands that call Alibaba Cloud (probe, audit)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from policycheck.cli import say
from policycheck.report.escape import printable

if TYPE_CHECKING:
    from policycheck.cloud.api import Endpoint
    from policycheck.cloud.credentials import Credentials, RoleToAssume

MAX_TIMEOUT = 300.0

CREDENTIALS_HELP = """\
credentials (first found wins; the secret is never printed):
  --profile NAME             a profile of ~/.aliyun/config.json (modes AK, StsToken, RamRoleArn,
                             ChainableRamRoleArn) or a section of ~/.alibabacloud/credentials
  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN]
  ~/.aliyun/config.json      the profile ALIBABA_CLOUD_PROFILE names, else its "current" one
  ~/.alibabacloud/credentials  (or ALIBABA_CLOUD_CREDENTIALS_FILE) section ALIBABA_CLOUD_PROFILE
                             or [default]
  ALIYUN_ACCESS_KEY_ID/_SECRET (read by aliyun-python-sdk-core itself) are ignored.
"""


def seconds_up_to(limit: float) -> Callable[[str], float]:
    """An argparse type: a number of seconds, more than 0 and at most `limit`."""

    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not 0 < value <= limit:
            raise argparse.ArgumentTypeError(f"must be more than 0 and at most {limit:g} seconds")
        return value

    return seconds


def add_connection_arguments(
    parser: argparse.ArgumentParser, region: bool = True, timeout: bool = True
) -> None:
    """--endpoint, --profile, --region (unless region=False) and --timeout (unless the command
    defines its own, timeout=False)."""
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="send every call here instead of the public endpoints, e.g. the emulator's http://127.0.0.1:8765",
    )
    parser.add_argument("--profile", metavar="NAME", help="credentials profile (see 'credentials' below)")
    if region:
        parser.add_argument(
            "--region",
            metavar="ID",
            help="region of the ICE endpoint ice.ID.aliyuncs.com (default: ALIBABA_CLOUD_REGION_ID, "
            "the profile's region_id, else cn-shanghai)",
        )
    if not timeout:
        return
    parser.add_argument(
        "--timeout",
        type=seconds_up_to(MAX_TIMEOUT),
        default=10.0,
        metavar="S",
        help="seconds to wait for each answer (default: 10; connecting waits at most 5)",
    )


def warn(message: str) -> None:
    say("warning", message)


def resolve(args: argparse.Namespace) -> tuple[Credentials | RoleToAssume, str, Endpoint | None]:
    """Credentials, region and endpoint from the options; a UserError for anything wrong."""
    from policycheck.cloud.api import check_region, parse_endpoint
    from policycheck.cloud.credentials import choose_region, resolve_credentials

    override = parse_endpoint(args.endpoint) if args.endpoint else None
    resolution = resolve_credentials(args.profile)
    region = check_region(choose_region(getattr(args, "region", None), resolution))
    for message in resolution.warnings:
        warn(message)
    return resolution.credentials, region, override


def retry_notice(code: str, attempt: int, pause: float) -> None:
    """On a terminal, say why nothing seems to happen while a throttled call waits."""
    if sys.stderr.isatty():
        say(
            "throttled", f"{code}, retrying in {pause:.1f} s (attempt {attempt + 1})"
        )  # the code is the server's


class ProgressBar:
    """`[#####.....] 3/7 user intern` on stderr, redrawn in place, while an account is read; only on a
    terminal. Names come from the server: escaped before they reach the terminal."""

    WIDTH = 24

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self.shown:
            return
        if done >= total:
            sys.stderr.write("\r\033[K")
        else:
            filled = self.WIDTH * done // max(total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            sys.stderr.write(f"\r\033[K[{bar}] {done}/{total} {printable(what)}"[:200])
        sys.stderr.flush()

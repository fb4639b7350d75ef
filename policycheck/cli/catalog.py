"""`policycheck catalog`: what policycheck knows about Alibaba Cloud, and keeping it current."""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone

from policycheck.cli import (
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    HelpFormatter,
    UserError,
    add_output_arguments,
    error,
    write_report,
)
from policycheck.cli.connection import (
    CREDENTIALS_HELP,
    ProgressBar,
    add_connection_arguments,
    resolve,
    retry_notice,
)

DESCRIPTION = """\
What policycheck knows about Alibaba Cloud beyond your files, and how to keep it current.

subcommands:
  refresh-system-policies DIR   read every System policy's text from RAM into DIR
  system-policies               list the System policy library: name, version, when read, source
"""

REFRESH_DESCRIPTION = f"""\
Read every System policy's default version from RAM (ListPolicies with PolicyType=System,
following every page, then GetPolicyVersion of each: read-only calls only) and write one
JSON file per policy to DIR, in the format of policycheck's own library
(schemas/system-policy.schema.json), with the version and the date read. Commit DIR and name
it in policycheck.yaml:

  system_policies: system-policies/

Then `check` (for System policies attached in Terraform plans) and `audit --expect` (for
System policies the audit cannot read) use these texts before policycheck's shipped ones.
Files of policies RAM no longer lists are left as they are.

examples:
  policycheck catalog refresh-system-policies system-policies/
  policycheck catalog refresh-system-policies system-policies/ --name 'AliyunICE*' --name 'AliyunOSS*'
  policycheck catalog refresh-system-policies sp/ --endpoint http://127.0.0.1:8765   # the emulator

The caller needs ram:ListPolicies and ram:GetPolicyVersion (e.g. AliyunRAMReadOnlyAccess).

exit codes: 0 every policy listed was written; 2 usage error; 3 the list could not be read
(denied, bad credentials, unreachable), or some policies could not be read or broke the
grammar (the others were written).

{CREDENTIALS_HELP}"""

LIST_DESCRIPTION = """\
List the System policy library: policycheck's shipped texts, overlaid by the folder that
policycheck.yaml names with system_policies: (or --folder). One line per policy: name,
version, the date its text was read, and where from.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    subcommands = parser.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND", required=True)
    refresh = subcommands.add_parser(
        "refresh-system-policies",
        help="read every System policy's text from RAM into a folder",
        description=REFRESH_DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    refresh.add_argument("folder", metavar="DIR", help="folder to write the policy files to (created)")
    refresh.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="GLOB",
        help="only policies whose name matches (may repeat), e.g. 'AliyunICE*'",
    )
    add_output_arguments(refresh, "refresh")
    add_connection_arguments(refresh, region=False)
    listing = subcommands.add_parser(
        "system-policies",
        help="list the System policy library",
        description=LIST_DESCRIPTION,
        formatter_class=HelpFormatter,
    )
    listing.add_argument("--folder", metavar="DIR", help="a team's folder (default: policycheck.yaml's)")
    listing.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: the nearest policycheck.yaml here or above, to the repo top)",
    )
    add_output_arguments(listing, "system_policies")


def run(args: argparse.Namespace) -> int:
    if args.catalog_command == "refresh-system-policies":
        return _refresh(args)
    return _list(args)


def _write(folder: str, file_name: str, text: str) -> None:
    """One file, atomically (a reader never sees half of it)."""
    path = os.path.join(folder, file_name)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _refresh(args: argparse.Namespace) -> int:
    from policycheck.catalog.system import RefreshReport, entry_json
    from policycheck.cloud.api import CloudError
    from policycheck.cloud.sdk import AssumeRoleError, connect
    from policycheck.cloud.system_policies import fetch_system_policies

    folder = args.folder
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UserError(f"{folder} exists and is not a folder")
    credentials, region, override = resolve(args)
    try:
        caller = connect(credentials, region, override, args.timeout, on_retry=retry_notice)
    except AssumeRoleError as problem:
        error(str(problem))
        return EXIT_INCONCLUSIVE
    today = datetime.now(timezone.utc).date().isoformat()
    try:
        refresh = fetch_system_policies(caller, today, tuple(args.name), progress=ProgressBar())
    except CloudError as problem:
        error(f"cannot list the System policies: {problem}")
        return EXIT_INCONCLUSIVE
    try:
        os.makedirs(folder, exist_ok=True)
        for policy in refresh.policies:
            _write(folder, f"{policy.name}.json", entry_json(policy))
    except OSError as problem:
        raise UserError(f"cannot write to {folder}: {problem.strerror or problem}") from None
    report = RefreshReport(
        folder=folder,
        endpoint=caller.endpoint("ram").url,
        caller=caller.principal,
        read=today,
        listed=refresh.listed,
        written=tuple(refresh.policies),
        errors=tuple(refresh.errors),
    )
    write_report(report, args)
    return EXIT_INCONCLUSIVE if report.errors else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from policycheck.catalog.system import LibraryListing, library
    from policycheck.config import load_config

    folder = args.folder if args.folder is not None else load_config(args.config).system_policies
    policies = library(folder).policies
    write_report(LibraryListing(tuple(policy for _, policy in sorted(policies.items()))), args)
    return EXIT_OK

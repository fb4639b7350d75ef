"""`policycheck diff`: the access a change of policies adds and removes, proved, like a plan."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_OK,
    UserError,
    add_output_arguments,
    steps_argument,
    write_report,
)

if TYPE_CHECKING:
    from policycheck.diff import DiffReport, Side
    from policycheck.evaluate.engine import PolicySet
    from policycheck.model import Policy

DESCRIPTION = """\
What does this change newly grant? Compare the policies before (BASE) and after (HEAD) and
list every action that HEAD allows for some request (resource, context) that BASE does not
(+), and every action BASE allowed that HEAD no longer does (-), each with a witness request
re-checked against both sides and the statements that grant it, at file:line. Wildcards,
NotAction, Deny statements, conditions and resources are reasoned over exactly, not sampled:
a widened wildcard, a dropped Deny, a new CIDR or a later date, a broader resource all show,
and an equivalent rewrite (statements split or merged, reordered, actions in another case)
shows nothing.

examples:
  policycheck diff old/worker.json policies/worker.json
  policycheck diff base-policies/ policies/ --format json --output diff.json
  policycheck diff --base origin/main                  # every principal of policycheck.yaml
  policycheck diff --base HEAD~1 --format markdown     # a pull-request comment

BASE and HEAD are policy files or folders, each read as one principal's identity policies
(Deny documents included; trust and bucket policies in a folder are skipped). With --base
GITREF, every principal of policycheck.yaml (identity, control and session policies, Terraform
files) is compared as it is at GITREF (read from git's object store, no checkout) and in the
working tree.

Where the analysis cannot be exact (its budget runs out), the action is shown with `?` and
counts as new access: the answer is never a silent "nothing new".

exit codes: 0 no new access, 1 new access (or access that could not be ruled out),
2 usage, configuration or input error.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "diff")
    parser.add_argument(
        "paths", nargs="*", metavar="BASE HEAD", help="policy files or folders, before and after"
    )
    parser.add_argument(
        "--base",
        metavar="GITREF",
        help="compare policycheck.yaml's principals at this git revision with the working tree",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="with --base: the configuration file (default: the nearest policycheck.yaml here or above)",
    )
    parser.add_argument(
        "--region",
        help="place requests in this region (an operation-level action, all of ICE, is requested on "
        "acs:<ram-code>:<region>:<account-id>:*); default: any region",
    )
    parser.add_argument("--account", help="place requests in this account id; default: any account")
    parser.add_argument(
        "--budget",
        type=steps_argument,
        default=None,
        metavar="STEPS",
        help="work budget of each question, in steps (default 2,000,000, about a second); an action "
        "whose answer needs more is undecided, which counts as new access",
    )


def run(args: argparse.Namespace) -> int:
    from policycheck.evaluate.budget import DEFAULT_STEPS

    steps = args.budget or DEFAULT_STEPS
    if args.base is not None:
        if args.paths:
            raise UserError("give either BASE HEAD (two paths) or --base GITREF, not both")
        report = _against_revision(args, steps)
    else:
        if len(args.paths) != 2:
            raise UserError(
                "give BASE and HEAD (two policy files or folders), or --base GITREF to compare "
                "policycheck.yaml's principals with a git revision"
            )
        if args.config:
            raise UserError("--config applies only with --base GITREF")
        report = _between_paths(args, steps)
    write_report(report, args)
    return EXIT_FAILED if report.failed else EXIT_OK


def _identity_policies(path: str, notes: list[str]) -> tuple[Policy, ...]:
    """A file or folder read as one principal's identity policies; trust and bucket policies
    in a folder are skipped (with a note), a file that is not a valid policy is an error."""
    from policycheck.lint import LintSettings, lint_file
    from policycheck.load.files import find_files
    from policycheck.load.sources import PolicyError, usable

    found = find_files([path])
    if not found and not os.path.isdir(path):
        raise PolicyError(f"no policy files in {path}")
    policies = []
    for file in found:
        linted = lint_file(file.path, LintSettings())
        if linted.policy is not None and linted.policy.kind in ("trust", "bucket") and not file.explicit:
            notes.append(f"{linted.document.source}: a {linted.policy.kind} policy, not compared")
            continue
        policies.append(usable(linted, "identity"))
    return tuple(policies)


def _between_paths(args: argparse.Namespace, steps: int) -> DiffReport:
    from policycheck.diff import DiffReport, Side, compare
    from policycheck.evaluate.engine import PolicySet

    base_path, head_path = args.paths
    notes: list[str] = []
    base = Side(PolicySet(identity=_identity_policies(base_path, notes)))
    head = Side(PolicySet(identity=_identity_policies(head_path, notes)))
    principal = compare(None, base, head, steps, args.region, args.account)
    return DiffReport(base_path, head_path, (principal,), tuple(notes))


def _principals(config_path: str | None, relabel: tuple[str, str] | None = None) -> dict[str, Side]:
    """Every principal of a policycheck.yaml, resolved as `check` resolves it; with `relabel`
    (folder, label), the sources of documents under folder are shown under label instead."""
    from policycheck.config import load_config
    from policycheck.diff import Side
    from policycheck.expect.library import Library
    from policycheck.expect.spec import read_spec

    config = load_config(config_path)
    spec = read_spec(config)
    library = Library(spec, config.lint)
    sides = {}
    seen: dict[int, tuple[Policy, Policy]] = {}
    for name, principal in sorted(spec.principals.items()):
        resolved = library.resolve(principal)
        policies = resolved.policies if relabel is None else _relabelled(resolved.policies, *relabel, seen)
        sides[name] = Side(policies, principal.region, principal.account, resolved.unknowns)
    return sides


def _relabelled(
    policies: PolicySet, folder: str, label: str, seen: dict[int, tuple[Policy, Policy]]
) -> PolicySet:
    """The policy set with the sources under `folder` shown under `label`; `seen` keeps one
    relabelled copy per document (beside the document, so its id stays its own), so principals
    sharing a document still share one Policy."""

    def one(policy: Policy) -> Policy:
        if id(policy) not in seen:
            where = os.path.realpath(policy.source)
            found = policy
            if where.startswith(folder + os.sep):
                found = policy._replace(source=label + os.path.relpath(where, folder).replace(os.sep, "/"))
            seen[id(policy)] = (policy, found)
        return seen[id(policy)][1]

    return policies._replace(
        identity=tuple(map(one, policies.identity)),
        control=tuple(map(one, policies.control)),
        session=one(policies.session) if policies.session is not None else None,
    )


def _at_revision(problem: UserError, folder: str, revision: str) -> UserError:
    """A problem with the revision's files, said about `REVISION:path`, not the temporary copy."""
    prefixes = sorted({folder + os.sep, os.path.relpath(folder) + os.sep}, key=len, reverse=True)

    def shown(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix, f"{revision}:")
        return text

    message = shown(str(problem))
    if message == str(problem):
        message = f"at {revision}: {message}"  # it names no file: say where
    return type(problem)(message, tuple(map(shown, problem.details)))


def _against_revision(args: argparse.Namespace, steps: int) -> DiffReport:
    import tempfile

    from policycheck.config import find_config
    from policycheck.diff import DiffReport, compare_principals
    from policycheck.load import POLICY_SUFFIXES
    from policycheck.load.git import export_tree, repository_top, resolve_revision

    config_path = find_config(args.config)
    if config_path is None:
        raise UserError("--base: no policycheck.yaml here or above (or give --config FILE)")
    config_path = os.path.realpath(config_path)
    top = os.path.realpath(repository_top(os.path.dirname(config_path)))
    commit = resolve_revision(top, args.base)
    folder = os.path.relpath(os.path.dirname(config_path), top)
    folder = "" if folder == "." else folder
    head = _principals(args.config or config_path)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="policycheck-base-") as temporary:
        exported = os.path.realpath(temporary)
        export_tree(top, commit, folder, exported, suffixes=(*POLICY_SUFFIXES, ".tf"))
        base_config = os.path.join(exported, folder, os.path.basename(config_path))
        if os.path.isfile(base_config):
            try:
                base = _principals(base_config, (exported, f"{args.base}:"))
            except UserError as problem:
                raise _at_revision(problem, exported, args.base) from None
        else:
            base = {}
            notes.append(
                f"{os.path.basename(config_path)} does not exist at {args.base}: every principal is new"
            )
    for name in sorted(set(base) - set(head)):
        notes.append(f"principal {name} exists only at {args.base}: all its access is removed")
    for name in sorted(set(head) - set(base)):
        if base:
            notes.append(f"principal {name} is new: all its access is added")
    pairs = {name: (base.get(name), head.get(name)) for name in sorted(set(base) | set(head))}
    principals = compare_principals(pairs, steps, args.region, args.account)
    return DiffReport(args.base, "working tree", principals, tuple(notes))

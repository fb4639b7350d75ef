"""`policycheck explain`: decide one request against policies the way RAM does, and say why."""

from __future__ import annotations

import argparse

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_OK,
    UserError,
    add_output_arguments,
    steps_argument,
    warning,
    write_report,
)

DESCRIPTION = """\
Evaluate one request against identity policies (plus optional control and session policies)
the way RAM does: wildcards, NotAction, conditions, explicit Deny, and the layers. The answer
names the statements that decided, with file:line, and the conditions that failed.

examples:
  policycheck explain policies/ice-iproduction-query.json --action ice:QueryIProductionJob
  policycheck explain policies/ice-operator.json policies/deny-outside-corporate-network.json \\
      --action ice:SubmitIProductionJob --context acs:SourceIp=203.0.113.9
  policycheck explain policies/ice-operator.json --control-policy policies/control/deny-ice-delete.json \\
      --action ice:DeleteMedia
  policycheck explain policies/ice-operator.json --action ice:SubmitIProductionJob --any-context

--any-resource and --any-context ask "could this ever be allowed?": some resource matching
--resource and/or some values of the context keys not given. The answer is proved by reasoning
over the patterns and conditions, not by sampling; a witness request is shown and re-checked.

An action authorized per operation (all of ICE) is requested on the account-scoped ARN
acs:<ram-code>:<region>:<account-id>:*, whatever --resource says: "*" and acs:ice:*:*:* grant it,
a job ARN never does. A statement that names a region or account applies only there; give
--region/--account, or the answer lists them as missing, like a missing context key (such a
statement then neither allows nor denies).

exit codes: 0 allowed (or possible), 1 denied (or impossible), 2 usage error or invalid policy.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "explain")
    parser.add_argument(
        "policies", nargs="+", metavar="POLICY", help="identity policy files (or folders, globs)"
    )
    parser.add_argument(
        "--action", required=True, help="the action to evaluate, e.g. ice:QueryIProductionJob"
    )
    parser.add_argument("--resource", default="*", help='the resource ARN (default "*")')
    parser.add_argument(
        "--region",
        help="the region the request is made in, e.g. cn-shanghai: an operation-level action (all of ICE) "
        "is requested on acs:<ram-code>:<region>:<account-id>:*",
    )
    parser.add_argument("--account", help="the account id the request is made in, e.g. 1234567890123456")
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a condition key and value, e.g. acs:SourceIp=10.0.0.1; repeat a key to give several values",
    )
    parser.add_argument(
        "--control-policy",
        action="append",
        default=[],
        metavar="FILE",
        help="a Resource Directory control policy",
    )
    parser.add_argument(
        "--control-mode",
        choices=("deny-list", "allow-list"),
        help="how the control policies bound the request: deny-list (Resource Directory's FullAliyunAccess "
        "stays attached beside them) or allow-list (they are the complete allow-list). Default: deny-list "
        "when no control policy has an Allow statement, allow-list otherwise",
    )
    parser.add_argument("--session-policy", metavar="FILE", help="the STS session policy of a role session")
    parser.add_argument(
        "--any-resource", action="store_true", help="could some resource matching --resource be allowed?"
    )
    parser.add_argument(
        "--any-context", action="store_true", help="could some values of the keys not given make it allowed?"
    )
    parser.add_argument(
        "--budget",
        type=steps_argument,
        default=None,
        metavar="STEPS",
        help="work budget of --any-resource/--any-context, in steps (default 2,000,000, about a "
        "second); past it the answer is UNDECIDED (exit 1)",
    )


def parse_context(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    """KEY=VALUE pairs into a context; a repeated key adds values."""
    context: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UserError(f"--context {pair!r}: write KEY=VALUE, e.g. acs:SourceIp=10.0.0.1")
        context[key.strip()] = (*context.get(key.strip(), ()), value)
    return context


def run(args: argparse.Namespace) -> int:
    import os

    from policycheck.evaluate import Evaluator, PolicySet, Request, explain
    from policycheck.evaluate.budget import DEFAULT_STEPS, Budget
    from policycheck.evaluate.control import control_layer
    from policycheck.evaluate.keys import single_valued
    from policycheck.expect.names import unknown_action, unknown_keys
    from policycheck.load.sources import load_policies
    from policycheck.patterns import has_wildcard

    context = parse_context(args.context)
    if has_wildcard(args.action):
        raise UserError(
            f"--action {args.action}: explain decides one action; to prove that no action matching "
            "a pattern can be allowed, write a deny expectation and run `policycheck check`"
        )
    if args.session_policy and os.path.isdir(args.session_policy):
        raise UserError(f"--session-policy takes one file; {args.session_policy} is a directory")
    identity = load_policies(args.policies, "identity")
    control = load_policies(args.control_policy, "control") if args.control_policy else ()
    session = load_policies([args.session_policy], "session")[0] if args.session_policy else None
    problem = unknown_action(args.action)  # after the files: a broken file is the first thing to fix
    if problem is not None:
        raise UserError(f"--action: {problem}")
    for message in unknown_keys(context):
        warning(f"--context: {message}")
    if args.control_mode and not control:
        raise UserError("--control-mode needs --control-policy: it says how those policies bound requests")
    layer = control_layer(control, args.control_mode)
    evaluator = Evaluator(PolicySet(identity=identity, control=layer.policies, session=session))
    request = Request(args.action, args.resource, context, args.region, args.account)
    explanation = explain(
        evaluator,
        request,
        any_resource=args.any_resource,
        any_context=args.any_context,
        single_valued=single_valued,
        budget=Budget(args.budget or DEFAULT_STEPS),
        control=layer,
    )
    write_report(explanation, args)
    return EXIT_OK if explanation.allowed else EXIT_FAILED

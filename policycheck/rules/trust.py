"""Role trust policies: who may assume the role (TRUST_POLICY_PRINCIPAL, TRUST_POLICY_NO_EXTERNAL_ID),
and with which action (TRUST_POLICY_ACTION)."""

from __future__ import annotations

import re

from policycheck.rules import Rule, RuleContext

# Compiled on first use (re keeps them): only trust policies need them.
_ROOT = r"acs:ram::(?P<account>[^:]*):root"
_ANY_ACCOUNT = r"acs:ram::[^:]*[*?][^:]*:.*"
_ACCOUNT_OF = r"acs:ram::(?P<account>[^:]*):.*|(?P<bare>[0-9]+)"
_EXTERNAL_ID = "sts:externalid"


def _open_principal(value: str, accounts: tuple[str, ...]) -> str | None:
    """Why a RAM/Federated principal opens the role to too many identities, or None."""
    if value == "*":
        return "anyone"
    if re.fullmatch(_ANY_ACCOUNT, value, re.IGNORECASE):
        return "identities of any account"
    root = re.fullmatch(_ROOT, value, re.IGNORECASE)
    if root and root.group("account") not in accounts:
        account = root.group("account")
        return f"every identity of account {account}" + (
            " (not one of lint.accounts)" if accounts else " (list your own accounts in lint.accounts)"
        )
    return None


def _other_account(value: str, own: tuple[str, ...]) -> str | None:
    """The account a RAM principal belongs to, when it is not one of `own` (None otherwise).

    `*` and a wildcard account stand for every account; with no own account configured, every
    account named is another one (policycheck cannot tell which is yours).
    """
    if value == "*":
        return "any account"
    found = re.fullmatch(_ACCOUNT_OF, value, re.IGNORECASE)
    if found is None:
        return None
    account = found.group("account") if found.group("account") is not None else found.group("bare")
    if "*" in account or "?" in account:
        return "any account"
    return None if account in own else f"account {account}"


def check_external_id(context: RuleContext) -> None:
    """A role another account may assume with no sts:ExternalId condition: the confused deputy case.

    An element TRUST_POLICY_PRINCIPAL already reports (no condition at all, a whole account) is
    not reported twice.
    """
    options = context.options
    own = options.accounts + ((options.account,) if options.account else ())
    for statement in context.policy.statements:
        if statement.effect != "Allow" or any(c.key.lower() == _EXTERNAL_ID for c in statement.conditions):
            continue
        for kind, values in statement.principal or ():
            if kind != "RAM":
                continue
            raw = context.document.value["Statement"][statement.index]["Principal"][kind]
            for index, value in enumerate(values):
                other = _other_account(value, own)
                if other is None or (not statement.conditions and _open_principal(value, options.accounts)):
                    continue
                hint = "" if own else " (set account: in policycheck.yaml if it is your own)"
                context.report(
                    "TRUST_POLICY_NO_EXTERNAL_ID",
                    (*statement.path, "Principal", kind) + (() if isinstance(raw, str) else (index,)),
                    f'principal "{value}" lets {other}{hint} assume the role without an sts:ExternalId '
                    "condition, so a third party serving several customers can be made a confused deputy; "
                    'add "Condition": {"StringEquals": {"sts:ExternalId": "<the id agreed with them>"}}',
                )


def check_trust(context: RuleContext) -> None:
    accounts = context.options.accounts
    for statement in context.policy.statements:
        if statement.effect != "Allow":
            continue
        for index, action in enumerate(statement.actions):
            if statement.not_action or action.lower() != "sts:assumerole":
                context.report(
                    "TRUST_POLICY_ACTION",
                    context.element_path(statement, statement.action_key, index),
                    f'a trust policy allows only "sts:AssumeRole", not "{action}"',
                )
        if statement.conditions:
            continue
        for kind, values in statement.principal or ():
            if kind == "Service":
                continue
            raw = context.document.value["Statement"][statement.index]["Principal"][kind]
            for index, value in enumerate(values):
                who = _open_principal(value, accounts)
                if who:
                    path = (*statement.path, "Principal", kind) + (() if isinstance(raw, str) else (index,))
                    context.report(
                        "TRUST_POLICY_PRINCIPAL",
                        path,
                        f'principal "{value}" lets {who} assume the role, with no condition; '
                        "name the users or roles, or add a condition such as sts:ExternalId",
                    )


RULES = (
    Rule(("TRUST_POLICY_PRINCIPAL", "TRUST_POLICY_ACTION"), frozenset({"trust"}), check_trust),
    Rule(("TRUST_POLICY_NO_EXTERNAL_ID",), frozenset({"trust"}), check_external_id),
)

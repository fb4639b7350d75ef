"""Role trust policies: who may assume the role (TRUST_POLICY_PRINCIPAL), and with which action."""

from __future__ import annotations

import re

from policycheck.rules import Rule, RuleContext

# Compiled on first use (re keeps them): only trust policies need them.
_ROOT = r"acs:ram::(?P<account>[^:]*):root"
_ANY_ACCOUNT = r"acs:ram::[^:]*[*?][^:]*:.*"


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


RULES = (Rule(("TRUST_POLICY_PRINCIPAL", "TRUST_POLICY_ACTION"), frozenset({"trust"}), check_trust),)

"""The control layer as Resource Directory builds it: a deny-list beside FullAliyunAccess, or an allow-list.

When the Control Policy feature is on, Resource Directory attaches the system control policy
`FullAliyunAccess` (Allow `*` on `*`) to every folder and member (ram.md §4.3, [S24]). Teams then
either keep it and add Deny policies (a deny-list) or detach it and write their own Allow
policies (an allow-list). A declared control layer with no Allow statement at all can only be
the first kind, so FullAliyunAccess is assumed beside it; one with an Allow statement is taken
as the complete allow-list. A principal (or `explain --control-mode`) may say which, either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from policycheck.model import Policy, build_policy

DENY_LIST, ALLOW_LIST = "deny-list", "allow-list"
MODES = (DENY_LIST, ALLOW_LIST)

FULL_ALIYUN_ACCESS_NAME = "FullAliyunAccess"
FULL_ALIYUN_ACCESS = build_policy(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "FullAliyunAccess (system control policy, assumed)",
    "control",
    name=FULL_ALIYUN_ACCESS_NAME,
)
"""Resource Directory's system control policy, as its reference documents it: allow everything."""


@dataclass(frozen=True)
class ControlLayer:
    """The control policies to evaluate, and how they were read.

    `mode` is None when no control policy is declared (there is no control layer); `assumed`
    is True when FullAliyunAccess was added because the layer is a deny-list; `stated` is True
    when the mode was given rather than worked out.
    """

    policies: tuple[Policy, ...]
    mode: str | None
    assumed: bool
    stated: bool
    allows_everything: bool = False
    """A declared policy already allows everything (a copy of FullAliyunAccess)."""

    def describe(self) -> str:
        """One line for text reports; empty when there is nothing worth saying."""
        if self.mode is None or (self.allows_everything and not self.stated):
            return ""
        how = "as stated" if self.stated else "by default"
        if self.mode == DENY_LIST:
            why = "" if self.stated else " (no control policy has an Allow statement)"
            added = (
                f"; Resource Directory's {FULL_ALIYUN_ACCESS_NAME} is assumed attached beside them"
                if self.assumed
                else ""
            )
            return f"control policies read as a deny-list {how}{why}{added}"
        return (
            f"control policies read as the complete allow-list {how} "
            f"({FULL_ALIYUN_ACCESS_NAME} detached): an action none of them allows is denied"
        )


def _allows_something(policies: tuple[Policy, ...]) -> bool:
    return any(statement.effect == "Allow" for policy in policies for statement in policy.statements)


def _allows_everything(policies: tuple[Policy, ...]) -> bool:
    """A declared policy already says what FullAliyunAccess says (Allow `*` on `*`, no condition)."""
    return any(
        s.effect == "Allow"
        and not s.not_action
        and not s.not_resource
        and not s.conditions
        and "*" in s.actions
        and "*" in s.resources
        for policy in policies
        for s in policy.statements
    )


def control_layer(policies: tuple[Policy, ...], mode: str | None = None) -> ControlLayer:
    """The control layer for these declared control policies under `mode` (None: worked out).

    deny-list: FullAliyunAccess is added unless a declared policy already allows everything.
    allow-list: the policies as given. No policies: no control layer, whatever the mode.
    """
    if mode is not None and mode not in MODES:
        raise ValueError(f"control mode {mode!r} is not one of {', '.join(MODES)}")
    if not policies:
        return ControlLayer((), None, False, False)
    stated = mode is not None
    if mode is None:
        mode = ALLOW_LIST if _allows_something(policies) else DENY_LIST
    everything = _allows_everything(policies)
    if mode == ALLOW_LIST or everything:
        return ControlLayer(policies, mode, False, stated, everything)
    return ControlLayer((*policies, FULL_ALIYUN_ACCESS), mode, True, stated)

"""Reporters: one module per output format, found by a registry.

Each `as_<format>.py` declares its `NAME` and, for each kind of result it supports (each result
type's `kind`: "lint", "explain", "check", "probe", "audit"), a function `<kind>_report(result,
color) -> str`. Every command renders through the one function here, render(). Adding a format
is adding such a module: the commands' --format choices come from formats(). Reporters are
pure: results in, text out.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from functools import cache
from types import ModuleType
from typing import Any, TextIO

DEFAULT_FORMAT = "text"


@cache
def formatters() -> dict[str, ModuleType]:
    """Every format module by its NAME."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("as_"):
            formatter = importlib.import_module(f"{__name__}.{module.name}")
            found[formatter.NAME] = formatter
    return found


def formats(kind: str) -> tuple[str, ...]:
    """The formats that render results of `kind`: text first, the others by name."""
    names = [name for name, formatter in formatters().items() if hasattr(formatter, f"{kind}_report")]
    return tuple(sorted(names, key=lambda name: (name != DEFAULT_FORMAT, name)))


def render(result: Any, format: str, color: bool = False) -> str:
    """`result` as text in `format`; colour only where the format has any (text)."""
    return getattr(formatters()[format], f"{result.kind}_report")(result, color)


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())

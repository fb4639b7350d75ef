"""Reporters: one module per output format, found by a registry.

A format is a module `as_<format>.py` here with, for each kind of result it renders (each result
type's `kind`: "lint", "explain", "check", "probe", "audit"), a function `<kind>_report(result,
color) -> str`. Every command renders through the one function here, render(), and takes its
--format choices from formats(): adding a format is adding such a module. A format module is
imported only when it is used (or listed for --help), so `lint` pays for text alone. Reporters
are pure: results in, text out.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from types import ModuleType
from typing import Any, TextIO

DEFAULT_FORMAT = "text"


@cache
def names() -> tuple[str, ...]:
    """Every format's name, from the module files alone (os, not pkgutil: pkgutil imports
    pathlib, a tenth of `lint`'s start-up)."""
    return tuple(
        sorted(
            file[3:-3]
            for folder in __path__
            for file in os.listdir(folder)
            if file.startswith("as_") and file.endswith(".py")
        )
    )


def formatter(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.as_{name}")


def supports(name: str, kind: str) -> bool:
    """Does the format `name` render results of `kind`?"""
    return name in names() and hasattr(formatter(name), f"{kind}_report")


def formats(kind: str) -> tuple[str, ...]:
    """The formats that render results of `kind`: text first, the others by name."""
    found = [name for name in names() if supports(name, kind)]
    return tuple(sorted(found, key=lambda name: (name != DEFAULT_FORMAT, name)))


def render(result: Any, format: str, color: bool = False) -> str:
    """`result` as text in `format`; colour only where the format has any (text)."""
    return getattr(formatter(format), f"{result.kind}_report")(result, color)


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())

"""Reporters: one module per output format, each a pure function from results to text."""

from __future__ import annotations

import os
from typing import TextIO

FORMATS = ("text", "json", "sarif")


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())

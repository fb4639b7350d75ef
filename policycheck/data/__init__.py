"""Data files shipped with policycheck, read from beside this module.

Plain paths rather than importlib.resources: it imports zipfile, pathlib and more, which
costs `policycheck lint` several milliseconds of start-up for nothing (we ship plain files).
"""

from __future__ import annotations

import os


def read_text(package_file: str, name: str) -> str:
    """A data file `name` in the folder of the module whose __file__ is `package_file`."""
    with open(os.path.join(os.path.dirname(package_file), name), encoding="utf-8") as handle:
        return handle.read()


def list_files(package_file: str, suffix: str) -> list[str]:
    return sorted(n for n in os.listdir(os.path.dirname(package_file)) if n.endswith(suffix))


DEMO_WORLD = os.path.join(os.path.dirname(__file__), "demo-world.yaml")
"""The emulator's demo world, shipped in the package so `pip install` users have it too."""

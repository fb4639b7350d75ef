"""Turn the paths a user gives (files, folders, globs) into the list of files to read."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import NamedTuple

from policycheck.errors import UserError
from policycheck.load import POLICY_SUFFIXES

_GLOB_CHARS = frozenset("*?[")


class PathNotFound(UserError):
    """A path the user named does not exist (a usage error: exit 2)."""


class FoundFile(NamedTuple):
    """A file to read; `explicit` when the user named it, so exclusions do not apply to it."""

    path: str
    explicit: bool


def display_path(path: str, cwd: str | None = None) -> str:
    """Paths in findings are relative to the working directory when under it, with / separators.

    A caller showing many paths passes `cwd` (os.getcwd() once): os.path.relpath alone asks
    the system for it twice per path. A relative path without `.` or `..` parts (what a walk
    of a folder named relatively gives) is shown as it is, which relpath would also give.

    >>> display_path("policies/admin.json"), display_path("policies/./admin.json", "/repo")
    ('policies/admin.json', 'policies/admin.json')
    >>> display_path("/repo/policies/admin.json", "/repo"), display_path("/elsewhere/a.json", "/repo")
    ('policies/admin.json', '/elsewhere/a.json')
    """
    if normal_relative(path):
        return path.replace(os.sep, "/")  # already relative to the working directory, as found in it
    base = cwd or os.getcwd()
    absolute = os.path.normpath(os.path.join(base, path))
    if absolute.startswith(base) and absolute[len(base) : len(base) + 1] == os.sep and _normal(base):
        relative = absolute[len(base) + 1 :]  # what relpath gives for a path under base, for less work
    else:
        relative = os.path.relpath(absolute, base)
    shown = path if relative.startswith("..") else relative
    return shown.replace(os.sep, "/")


def normal_relative(path: str) -> bool:
    """A relative path that normpath leaves as it is and that names something below the working
    directory (no `.` or `..` part, no doubled or trailing separator): told by a few string tests in C,
    where normpath is a Python loop over the parts and lint asks it of every file.

    >>> normal_relative("policies/admin.json"), normal_relative("policies/../admin.json")
    (True, False)
    >>> normal_relative("./admin.json"), normal_relative("/repo/admin.json"), normal_relative("..x/a")
    (False, False, True)
    """
    if os.sep != "/":  # Windows: normpath's own rules
        first = path.replace(os.sep, "/").split("/")[0]
        return not os.path.isabs(path) and os.path.normpath(path) == path and first not in (".", "..")
    if not path or path[0] == "/" or path[-1] == "/" or "//" in path:
        return False
    parts = f"/{path}/"
    return "/./" not in parts and "/../" not in parts


@lru_cache(maxsize=8)
def _normal(base: str) -> bool:
    """Whether a working directory is absolute and normalised, as relpath would make it."""
    return os.path.isabs(base) and os.path.normpath(base) == base


def matches_any(path: str, patterns: tuple[str, ...]) -> bool:
    """Glob match of a display path against patterns; `**/` also matches zero folders.

    >>> matches_any("policies/examples-bad/x.json", ("policies/examples-bad/**",))
    True
    >>> matches_any("a/b.json", ("**/b.json",))
    True
    """
    for pattern in patterns:
        if fnmatchcase(path, pattern):
            return True
        if pattern.startswith("**/") and fnmatchcase(path, pattern[3:]):
            return True
        if pattern.endswith("/**") and (path == pattern[:-3] or fnmatchcase(path, pattern[:-3] + "/*")):
            return True
    return False


def _walk(folder: str, suffixes: tuple[str, ...] = POLICY_SUFFIXES) -> list[str]:
    """Files with `suffixes` under a folder, following folder symlinks once (loops are skipped).

    Hidden folders (.git, .venv, .terraform) are skipped: they hold JSON that is not policy.
    """
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            info = os.stat(current)
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if not entry.name.startswith("."):
                    pending.append(entry.path)
            elif entry.name.lower().endswith(suffixes):
                found.append(entry.path)
    return found


def find_files(paths: list[str], suffixes: tuple[str, ...] = POLICY_SUFFIXES) -> list[FoundFile]:
    """Expand files, folders (recursively) and globs, in a stable order, without repeats.

    Folders contribute the files ending in `suffixes`; "-" stands for standard input.
    """
    result: dict[str, FoundFile] = {}
    for given in paths:
        if given == "-":
            result[given] = FoundFile(given, explicit=True)
        elif _GLOB_CHARS & set(given) and not os.path.exists(given):
            import glob  # only for a pattern

            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                raise PathNotFound(f"no file matches {given}")
            for match in matches:
                for path in _walk(match, suffixes) if os.path.isdir(match) else [match]:
                    result.setdefault(path, FoundFile(path, explicit=False))
        elif os.path.isdir(given):
            for path in _walk(given, suffixes):
                result.setdefault(path, FoundFile(path, explicit=False))
        elif os.path.lexists(given):
            result[given] = FoundFile(given, explicit=True)
        else:
            raise PathNotFound(f"no such file or folder: {given}")
    return sorted(result.values(), key=lambda found: found.path)

"""The lint cache: what linting each file found, kept between runs, so an unchanged tree is
not linted again.

An entry is one file's FileOutcome (findings per document, a template's own findings, its
`policycheck:ignore` comments, or why it was skipped), before the user's severity overrides,
lint.ignore and comment waivers apply (those run on every run, from the config of the day).
It is found by a hash of the file's bytes with its path, the path findings show and whether
it was named on the command line. A file whose stat (device, inode, size, modification and
change times) is what it was when its hash was last taken is not read again, as git trusts
its index: unless either time is within RACY_NS of the start of that run, when a change in
the same tick of a coarse clock could have left the stat as it was. Everything else that
changes the answer selects the cache file itself: policycheck's version, a signature of the
installed package (every module and data file: rules, catalogs, schemas, codes; pip's RECORD of
them for a wheel install), the Python
version, and the settings linting reads (--kind, lint.kinds and the folder they are relative
to, lint.accounts, catalog:).

The folder holds one file per such context, at most MAX_CACHE_FILES of them (the least
recently written go first) and MAX_ENTRIES entries each (those not used for the longest go
first). A file is written whole to a temporary name and renamed over the old one, so a
concurrent run reads the old file or the new one, never half of either (the last writer's
entries win; the other's are linted again next time). Each file starts with a checksum of
its body: a file that fails it, or does not parse, is ignored as if absent. A cache that
cannot be read or written only costs the time it would have saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import Any

from policycheck import __version__
from policycheck.findings import Finding
from policycheck.lint_outcome import FileOutcome

CACHE_FORMAT = 2
"""Bump when the layout of an entry changes."""
MAGIC = b"policycheck-lint-cache"
MAX_ENTRIES = 200_000
"""Entries per cache file: a tree of that many policies, about 60 MB of cache."""
MAX_CACHE_FILES = 8
"""Cache files per folder: eight sets of settings (or policycheck versions) at a time."""
RACY_NS = 3_000_000_000
"""A file changed this close to the run that took its stat is read again: a FAT clock ticks
every 2 s, so a change in the same tick after the stat would leave the stat as it was."""
DEFAULT_FOLDER = os.path.join(".policycheck", "cache")
ENVIRONMENT = "POLICYCHECK_CACHE_DIR"


def cache_folder(explicit: str | None, config_root: str) -> str:
    """--cache-dir, else $POLICYCHECK_CACHE_DIR, else .policycheck/cache next to the config
    in use (the working directory when there is none)."""
    return explicit or os.environ.get(ENVIRONMENT) or os.path.join(config_root, DEFAULT_FOLDER)


def _hasher() -> Any:
    """A BLAKE2b digest. hashlib's own blake2b is _blake2's; importing hashlib also loads
    OpenSSL (about 2 ms of a 90 ms re-run of 3,000 cached files), which blake2b never uses."""
    try:
        from _blake2 import blake2b
    except ImportError:  # an interpreter without CPython's module of that name
        from hashlib import blake2b

    return blake2b(digest_size=20)


PACKAGE_ROOT = os.path.dirname(os.path.abspath(__file__))


def package_signature(root: str = PACKAGE_ROOT) -> str:
    """A digest of the installed package's files.

    A changed rule, catalog or schema changes the answer without changing the version
    number while policycheck is developed. Installed from a wheel, the package has pip's
    RECORD beside it, which lists every file it installed with its SHA-256 and is written anew
    by every install: its text stands for them all (a file edited by hand inside site-packages
    afterwards goes unnoticed, as pip's own checks miss it). Anywhere else (a checkout, an
    editable install), a stat of each file (names, sizes, modification times: 5 to 10 ms for
    the 660 files, where hashing their 10 MB would take longer than many lint runs).
    """
    digest = _hasher()
    record = os.path.join(os.path.dirname(root), f"policycheck-{__version__}.dist-info", "RECORD")
    try:
        with open(record, "rb") as handle:
            digest.update(b"RECORD\0" + handle.read())
    except OSError:
        listed: list[str] = []
        _list_files(root, "", listed)
        digest.update("\n".join(listed).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _list_files(folder: str, prefix: str, listed: list[str]) -> None:
    """`relative path\0size\0mtime` of every file below `folder`, sorted, __pycache__ left out
    (os.scandir, no os.walk and relpath: this runs at the start of every cached lint)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda entry: entry.name):
            name = prefix + entry.name
            with contextlib.suppress(OSError):
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        _list_files(entry.path, name + "/", listed)
                else:
                    info = entry.stat()
                    listed.append(f"{name}\0{info.st_size}\0{info.st_mtime_ns}")


def context_of(settings: dict[str, Any]) -> str:
    """A digest of everything besides a file that changes what linting it finds: the
    settings linting reads (LintSettings.cache_context) and the code and data that read them."""
    parts = {
        "format": CACHE_FORMAT,
        "version": __version__,
        "python": list(sys.version_info[:2]),
        "package": package_signature(),
        "settings": settings,
    }
    digest = _hasher()
    digest.update(json.dumps(parts, sort_keys=True).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class LintCache:
    """Outcomes of earlier runs for one context, read on creation and written by save()."""

    def __init__(self, folder: str, settings: dict[str, Any]) -> None:
        self.folder = folder
        self.path = os.path.join(folder, f"lint-{context_of(settings)[:24]}.json")
        self._started = time.time_ns()
        self._old, self._old_stats, self._old_started = _read(self.path)
        self._used: dict[str, list] = {}
        self._stats: dict[str, list] = {}
        self._added = False

    def known_key(self, path: str, source: str, explicit: bool) -> str | None:
        """The key of a file whose stat is as it was when its bytes were last hashed, so its
        bytes need no reading; None when they do (new, changed, or racy: RACY_NS)."""
        name = _name(path, source, explicit)
        recorded = self._old_stats.get(name)
        if type(recorded) is not list or len(recorded) != 6:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        stat = _stat_of(info)
        if recorded[:-1] != stat or max(info.st_mtime_ns, info.st_ctime_ns) > self._old_started - RACY_NS:
            return None
        self._stats[name] = recorded
        return recorded[-1]

    def key(self, path: str, source: str, explicit: bool, data: bytes) -> str:
        digest = _hasher()
        digest.update(f"{_name(path, source, explicit)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
        return digest.hexdigest()

    def remember(self, path: str, source: str, explicit: bool, key: str) -> None:
        """Keep the stat of a file just read with its key, for known_key in the next run."""
        with contextlib.suppress(OSError):
            self._stats[_name(path, source, explicit)] = [*_stat_of(os.stat(path)), key]
            self._added = True  # the new stat (or the same one, no longer racy) is worth writing

    def get(self, key: str) -> FileOutcome | None:
        raw = self._used.get(key) or self._old.get(key)
        if raw is None:
            return None
        try:
            outcome = _decode(raw)
        except (TypeError, ValueError, IndexError):  # a well-formed file of another layout
            return None
        self._used[key] = raw
        return outcome

    def put(self, key: str, outcome: FileOutcome) -> None:
        self._used[key] = _encode(outcome)
        self._added = True

    def save(self) -> None:
        """Write the entries used or added in this run, after older ones, if any were added or a
        file's bytes had to be read."""
        if not self._added:
            return
        kept = {key: raw for key, raw in self._old.items() if key not in self._used}
        kept.update(self._used)
        if len(kept) > MAX_ENTRIES:
            kept = dict(list(kept.items())[-MAX_ENTRIES:])
        stats = {name: stat for name, stat in self._old_stats.items() if name not in self._stats}
        stats.update(self._stats)
        stats = {name: stat for name, stat in stats.items() if stat[-1] in kept}
        content = {"started": self._started, "entries": kept, "stats": stats}
        body = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
        digest = _hasher()
        digest.update(body)
        header = MAGIC + b" %d %s\n" % (CACHE_FORMAT, digest.hexdigest().encode())
        with contextlib.suppress(OSError):
            _write(self.folder, self.path, header + body)
            _prune(self.folder, keep=self.path)


def _name(path: str, source: str, explicit: bool) -> str:
    """What identifies a file besides its bytes: its path, the path findings show, whether named."""
    return f"{path}\0{source}\0{int(explicit)}"


def _stat_of(info: os.stat_result) -> list[int]:
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _read(path: str) -> tuple[dict[str, list], dict[str, list], int]:
    """The entries of a cache file, the files' stats and when that run started; nothing when
    it is missing, damaged or of another format."""
    nothing: tuple[dict[str, list], dict[str, list], int] = ({}, {}, 0)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return nothing
    header, _, body = data.partition(b"\n")
    expected = MAGIC + b" %d " % CACHE_FORMAT
    if not header.startswith(expected):
        return nothing
    digest = _hasher()
    digest.update(body)
    if header[len(expected) :] != digest.hexdigest().encode():
        return nothing
    try:
        content = json.loads(body.decode("utf-8", "surrogatepass"))
        entries, stats, started = content["entries"], content["stats"], content["started"]
    except (ValueError, TypeError, KeyError):
        return nothing
    if not (isinstance(entries, dict) and isinstance(stats, dict) and isinstance(started, int)):
        return nothing
    return entries, stats, started


def _write(folder: str, path: str, data: bytes) -> None:
    """Write `data` to `path` atomically: a temporary file in the same folder, renamed over it."""
    import tempfile

    if not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
        # like ruff's: the cache is never committed, and backup tools may skip it
        with open(os.path.join(folder, ".gitignore"), "w", encoding="utf-8") as handle:
            handle.write("# written by policycheck: the lint cache\n*\n")
    handle, temporary = tempfile.mkstemp(prefix=".lint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _prune(folder: str, keep: str) -> None:
    """Remove the least recently written cache files beyond MAX_CACHE_FILES."""
    files = []
    for entry in os.scandir(folder):
        if entry.name.startswith("lint-") and entry.name.endswith(".json") and entry.path != keep:
            with contextlib.suppress(OSError):
                files.append((entry.stat().st_mtime_ns, entry.path))
    for _, path in sorted(files)[: max(0, len(files) - (MAX_CACHE_FILES - 1))]:
        with contextlib.suppress(OSError):
            os.remove(path)


def _finding(raw: list) -> Finding:
    code, severity, message, file, line, column, path = raw
    return Finding(code, severity, message, file, int(line), int(column), path)


def _encode(outcome: FileOutcome) -> list:
    def findings(items: tuple[Finding, ...]) -> list:
        return [[f.code, f.severity, f.message, f.file, f.line, f.column, f.path] for f in items]

    waivers = [[w.source, w.line, w.column, w.code, w.reason, w.own_line] for w in outcome.waivers]
    documents = [findings(document) for document in outcome.documents]
    return [documents, findings(outcome.extra), waivers, outcome.skipped, outcome.template]


def _decode(raw: list) -> FileOutcome:
    """An entry as the FileOutcome it was (positional, and no generator for the usual single
    document: a re-run of a large tree decodes one entry per file)."""
    documents, extra, waivers, skipped, template = raw
    if waivers:  # only YAML and .tf files have them; a JSON-only run never imports the module
        from policycheck.load.waivers import CommentWaiver

        waivers = tuple(CommentWaiver(*waiver) for waiver in waivers)
    if len(documents) == 1:
        found = (tuple(map(_finding, documents[0])),)
    else:
        found = tuple(tuple(map(_finding, document)) for document in documents)
    return FileOutcome(
        found, tuple(map(_finding, extra)) if extra else (), tuple(waivers), skipped, bool(template)
    )

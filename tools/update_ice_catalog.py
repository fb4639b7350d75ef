"""Refresh a service's action list in policycheck/catalog/data/ from its official Python SDK.

The SDK client has one `*_with_options` method per API, each naming its action and API
version in `Params(action=..., version=...)`; that list is the most reliable inventory of a
service's operations. This script reads it (from the installed package, or from a wheel
given with --wheel, without importing the SDK), then merges it into the catalog file:

- actions already in the file keep every field; only levels marked `inferred` are derived
  again from the file's `access_level_rules`, so a changed rule reaches every action;
- new actions are added with an inferred level and, for OPERATION services, All Resources;
- actions the SDK no longer has are removed; both lists are printed.

    python tools/update_ice_catalog.py                  # ice, from the installed SDK
    python tools/update_ice_catalog.py --wheel alibabacloud_ice20201109-6.20.2-py3-none-any.whl
    python tools/update_ice_catalog.py --service ram --wheel alibabacloud_ram20150501-1.3.0-py3-none-any.whl

Exit status: 0 done, 1 the SDK or the catalog could not be read or merged (one line on stderr).
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "policycheck" / "catalog" / "data"

HEADER_KEYS = (
    "description",
    "ram_code",
    "service_code",
    "name",
    "api_version",
    "granularity",
    "arn_forms",
    "action_names",
    "ram_code_source",
    "generated_on",
    "generated_from",
    "packages",
    "sources",
    "access_level_rules",
)
ACTION_KEYS = (
    "name",
    "access_level",
    "access_level_source",
    "resource_types",
    "resource_types_source",
    "condition_keys",
    "associated_operations",
    "sources",
    "note",
)
SDK_SOURCE_ID = "sdk"
"""Every catalog's sources list has an entry with this id: the SDK its action list comes from."""


class CatalogError(Exception):
    """A problem with the SDK or the catalog that the person running the script must fix."""


@dataclass(frozen=True)
class MergeResult:
    catalog: dict
    added: tuple[str, ...]
    removed: tuple[str, ...]


def extract_operations(client_source: str, api_version: str) -> tuple[str, ...]:
    """The action names a generated SDK client calls, sorted, from its source text.

    Only `Params(...)` calls with a literal `action=` count; each must carry `version=api_version`,
    so a wheel of another API version is refused rather than merged.
    """
    try:
        tree = ast.parse(client_source)
    except SyntaxError as error:
        raise CatalogError(f"the SDK client does not parse: {error}") from None
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _called_name(node.func) == "Params"):
            continue
        literals = {
            kw.arg: kw.value.value
            for kw in node.keywords
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
        }
        if "action" not in literals:
            continue
        if literals.get("version") != api_version:
            raise CatalogError(
                f"{literals['action']} is for API version {literals.get('version')}, "
                f"the catalog is for {api_version}"
            )
        found.add(literals["action"])
    if not found:
        raise CatalogError("the SDK client names no action: is this the right package?")
    return tuple(sorted(found))


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def infer_access_level(name: str, rules: Sequence[dict]) -> str:
    """The access level of the first rule whose verb begins `name` as a whole word.

    A verb matches when the name continues with an upper-case letter or ends, so `Set` does
    not match `Settle...` and `Sub` does not match `Submit...`.
    """
    for rule in rules:
        verb = rule["verb"]
        if name.startswith(verb) and (len(name) == len(verb) or name[len(verb)].isupper()):
            return rule["access_level"]
    raise CatalogError(f"no access_level_rules entry matches {name}: add a rule for its verb")


def new_action(name: str, catalog: dict) -> dict:
    """The entry for an action the catalog has not seen: inferred level, resources by granularity."""
    operation_level = catalog["granularity"] == "OPERATION"
    entry = {
        "name": name,
        "access_level": infer_access_level(name, catalog["access_level_rules"]),
        "access_level_source": "inferred",
        "resource_types": ["*"],
        "resource_types_source": "documented" if operation_level else "inferred",
        "condition_keys": [],
        "associated_operations": [],
        "sources": [SDK_SOURCE_ID],
    }
    if not operation_level:
        entry["note"] = "added from the SDK; resource types not reviewed yet"
    return entry


def merge(catalog: dict, operations: Iterable[str]) -> MergeResult:
    """The catalog with exactly `operations` as its actions, keeping what it knew about each."""
    wanted = set(operations)
    known = {entry["name"]: entry for entry in catalog["actions"]}
    actions = []
    for name in sorted(wanted):
        entry = dict(known.get(name) or new_action(name, catalog))
        if entry["access_level_source"] == "inferred":
            entry["access_level"] = infer_access_level(name, catalog["access_level_rules"])
        actions.append(entry)
    merged = {**catalog, "actions": actions}
    return MergeResult(
        catalog=merged,
        added=tuple(sorted(wanted - known.keys())),
        removed=tuple(sorted(known.keys() - wanted)),
    )


def render(catalog: dict) -> str:
    """The catalog as text: header indented, one action per line, so a refresh diffs line by line."""
    unknown = set(catalog) - set(HEADER_KEYS) - {"actions"}
    if unknown:
        raise CatalogError(f"unexpected top-level keys: {', '.join(sorted(unknown))}")
    lines = ["{"]
    for key in HEADER_KEYS:
        if key in catalog:
            value = json.dumps(catalog[key], indent=2, ensure_ascii=False).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(key)}: {value},")
    rows = [_render_action(entry) for entry in catalog["actions"]]
    lines.append('  "actions": [')
    lines.extend(f"    {row}," for row in rows[:-1])
    lines.extend(f"    {row}" for row in rows[-1:])
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _render_action(entry: dict) -> str:
    unknown = set(entry) - set(ACTION_KEYS)
    if unknown:
        raise CatalogError(f"{entry.get('name')}: unexpected keys {', '.join(sorted(unknown))}")
    ordered = {key: entry[key] for key in ACTION_KEYS if key in entry}
    return json.dumps(ordered, ensure_ascii=False, separators=(", ", ": "))


def read_sdk(module: str, package: str, wheel: Path | None) -> tuple[str, str]:
    """(client.py source, package version) from a wheel, or from the installed package."""
    if wheel is not None:
        return _read_wheel(wheel, module)
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError(f"{package} is not installed: pip install {package}, or pass --wheel")
    client = Path(next(iter(spec.submodule_search_locations))) / "client.py"
    try:
        return client.read_text("utf-8"), importlib.metadata.version(package)
    except (OSError, importlib.metadata.PackageNotFoundError) as error:
        raise CatalogError(f"cannot read the installed {package}: {error}") from None


def _read_wheel(wheel: Path, module: str) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            source = archive.read(f"{module}/client.py").decode("utf-8")
            metadata = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), None)
            version_lines = archive.read(metadata).decode("utf-8").splitlines() if metadata else []
    except KeyError:
        raise CatalogError(f"{wheel} has no {module}/client.py: is it the right package?") from None
    except (OSError, zipfile.BadZipFile) as error:
        raise CatalogError(f"cannot read {wheel}: {error}") from None
    version = next(
        (line[len("Version:") :].strip() for line in version_lines if line.startswith("Version:")), ""
    )
    if not version:
        raise CatalogError(f"{wheel} has no Version in its METADATA")
    return source, version


def update(path: Path, wheel: Path | None) -> MergeResult:
    try:
        catalog = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogError(f"cannot read {path}: {error}") from None
    try:
        origin = catalog["generated_from"]
        source, version = read_sdk(origin["module"], origin["package"], wheel)
        result = merge(catalog, extract_operations(source, catalog["api_version"]))
    except (KeyError, TypeError) as error:
        raise CatalogError(
            f"{path} is not a catalog (missing or odd {error}): see schemas/catalog.schema.json"
        ) from None
    result.catalog["generated_from"] = {**origin, "version": version}
    path.write_text(render(result.catalog), "utf-8")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", default="ice", help="RAM code of the catalog to refresh (default: ice)")
    parser.add_argument(
        "--wheel", type=Path, help="read the SDK from this wheel instead of the installed package"
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    path = args.data_dir / f"{args.service}.json"
    try:
        result = update(path, args.wheel)
    except CatalogError as error:
        print(f"update_ice_catalog: {error}", file=sys.stderr)
        return 1
    catalog = result.catalog
    print(
        f"{catalog['ram_code']}: {len(catalog['actions'])} actions from "
        f"{catalog['generated_from']['package']} {catalog['generated_from']['version']}; "
        f"added {len(result.added)}, removed {len(result.removed)}"
    )
    for label, names in (("added", result.added), ("removed", result.removed)):
        for name in names:
            print(f"  {label}: {catalog['ram_code']}:{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build policycheck's action catalogs for every product with an official Python SDK.

A maintainer tool, never run by policycheck itself. For each product named
`alibabacloud-<product><yyyymmdd>` in a package listing (every API version of each product, the
newest first; or the packages the RAM-code table pins), it reads the SDK's `client.py` out of the wheel as
a zip file, without importing or installing anything, and collects the API names of its
`Params(action=...)` calls. Then, per RAM code:

- the RAM-code table (policycheck/catalog/sources/ram-codes.json) says which RAM code a
  product's actions use (SLS is `log`, IMS is `ram`), each row with its source; a product
  without a row keeps its SDK name, marked `assumed`;
- the overlay (policycheck/catalog/sources/overlay.json) adds what no API name gives:
  non-API actions (ram:PassRole), OSS's object and bucket actions, per-service granularity
  and ARN forms, each with its source;
- an existing catalog file keeps what it knew about each action (documented levels and
  resource types); only `inferred` access levels are derived again from the verb.

    python tools/build_catalogs.py --listing packages.tsv            # download, then build all
    python tools/build_catalogs.py --wheels DIR                       # build from wheels in DIR
    python tools/build_catalogs.py --listing packages.tsv --only ice log oss

Wheels are fetched with `pip download --no-deps --only-binary :all:` into a temporary folder
(or --wheels DIR, kept for the next run). The run's date, the packages read and their versions
are written to the data folder's _build.json and into every catalog it writes.

Exit status: 0 done, 1 a problem the person running it must fix (one line on stderr).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from update_ice_catalog import CatalogError, render  # noqa: E402  (tools/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "policycheck" / "catalog" / "data"
SOURCES_DIR = ROOT / "policycheck" / "catalog" / "sources"
BUILD_FILE = "_build.json"
GLOBAL_KEYS_FILE = "global-condition-keys.json"
PACKAGE = re.compile(r"^alibabacloud-(?P<product>[a-z][a-z0-9-]*?)(?P<date>\d{8})$")
"""An official SDK package: product name, then the API version's date; -py2 and test builds do not match."""
BATCH = 25
OLD_CALLS = frozenset({"do_rpcrequest", "do_roarequest", "do_roarequest_with_form", "do_request"})
"""Older generated clients call these with the action and API version as the first two arguments."""


@dataclass(frozen=True)
class SdkPackage:
    """What one SDK wheel says: its distribution name and version, API version and API names."""

    package: str
    module: str
    version: str
    api_version: str
    summary: str
    operations: tuple[str, ...]


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    packages: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    actions: int = 0


def product_versions(names: Iterable[str]) -> dict[str, list[str]]:
    """Every API version's package per product, newest first, from package names.

    The newest names the catalog (API version, service name); the older ones add the operations
    they still serve: ARMS's main API is 2019-08-08 beside a newer 2021-05-19 one, and Config's
    PutConfigurationRecorder is only in 2019-01-08.

    >>> product_versions(["alibabacloud-ice20201109", "alibabacloud-mts20140618", "alibabacloud-mts20210728"])
    {'ice': ['alibabacloud-ice20201109'], 'mts': ['alibabacloud-mts20210728', 'alibabacloud-mts20140618']}
    """
    found: dict[str, set[tuple[str, str]]] = {}
    for name in names:
        match = PACKAGE.match(name.strip())
        if not match or not _real_date(match["date"]) or re.search(r"\d{6}", match["product"]):
            continue  # test uploads such as alibabacloud-lmztest20210531-172452318
        found.setdefault(match["product"], set()).add((match["date"], match.string))
    return {product: [p for _, p in sorted(found[product], reverse=True)] for product in sorted(found)}


def _real_date(date: str) -> bool:
    return re.fullmatch(r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", date) is not None


def read_listing(path: Path) -> list[str]:
    """Package names from a listing: the first tab-separated column of each line."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise CatalogError(f"cannot read {path}: {error}") from None
    return [line.split("\t", 1)[0] for line in lines if line.startswith("alibabacloud-")]


def extract_api(client_source: str) -> tuple[str, tuple[str, ...]]:
    """(API version, sorted API names) of a generated SDK client, from its source text.

    Only `Params(...)` calls with a literal `action=` count, and, in older clients,
    `self.do_rpcrequest('Action', 'version', ...)` and its ROA siblings. A client names one API version;
    if it names several, the most frequent is the version and every action still counts.
    """
    try:
        tree = ast.parse(client_source)
    except SyntaxError as error:
        raise CatalogError(f"the SDK client does not parse: {error}") from None
    found: set[str] = set()
    versions: Counter[str] = Counter()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "Params":
            literals = {
                kw.arg: kw.value.value
                for kw in node.keywords
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)
            }
            action, version = literals.get("action", ""), literals.get("version", "")
        elif name in OLD_CALLS and len(node.args) >= 2:
            action, version = (a.value if isinstance(a, ast.Constant) else "" for a in node.args[:2])
        else:
            continue
        if isinstance(action, str) and re.fullmatch(r"[A-Z][A-Za-z0-9]*", action):
            found.add(action)
            versions[str(version)] += 1
    if not found:
        raise CatalogError("the SDK client names no action")
    return versions.most_common(1)[0][0], tuple(sorted(found))


def read_wheel(wheel: Path) -> SdkPackage:
    """An SDK wheel read as a zip file: nothing of it is imported or run."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            client = next((n for n in names if n.count("/") == 1 and n.endswith("/client.py")), None)
            metadata = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
            if client is None or metadata is None:
                raise CatalogError(f"{wheel.name} has no <module>/client.py or no METADATA")
            source = archive.read(client).decode("utf-8")
            headers = archive.read(metadata).decode("utf-8").split("\n\n", 1)[0].splitlines()
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        raise CatalogError(f"cannot read {wheel}: {error}") from None
    fields = dict(line.split(": ", 1) for line in headers if ": " in line)
    api_version, operations = extract_api(source)
    return SdkPackage(
        package=fields.get("Name", "").replace("_", "-").lower(),
        module=client.split("/", 1)[0],
        version=fields.get("Version", ""),
        api_version=api_version,
        summary=fields.get("Summary", ""),
        operations=operations,
    )


def download(packages: Sequence[str], folder: Path) -> None:
    """`pip download --no-deps` each package's newest wheel into `folder`, in batches.

    A batch that fails is retried one package at a time, so one package without a wheel
    does not cost the others.
    """
    folder.mkdir(parents=True, exist_ok=True)
    have = {wheel_package(w) for w in folder.glob("*.whl")}
    wanted = [p for p in packages if p not in have]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        done = subprocess.run([*command, "-d", str(folder), *batch], capture_output=True, check=False)
        if done.returncode != 0:
            for package in batch:
                subprocess.run([*command, "-d", str(folder), package], capture_output=True, check=False)


def wheel_package(wheel: Path) -> str:
    """The distribution name a wheel file name starts with, as a package index spells it."""
    return wheel.name.split("-", 1)[0].replace("_", "-").lower()


def load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogError(f"cannot read {path}: {error}") from None


def product_rows(table: dict) -> dict[str, dict]:
    return {row["product"]: row for row in table["products"]}


def plan(versions: dict[str, list[str]], table: dict) -> dict[str, list[tuple[str, str]]]:
    """RAM code -> [(product, package)] to read, newest first, after the table's skips, pins and renames."""
    rows = product_rows(table)
    by_code: dict[str, list[tuple[str, str]]] = {}
    for product, packages in versions.items():
        row = rows.get(product, {})
        if row.get("skip"):
            continue
        code = row.get("ram_code", product)
        for pinned in row.get("packages", packages):
            by_code.setdefault(code, []).append((product, pinned))
    return {code: by_code[code] for code in sorted(by_code)}


def routed(table: dict) -> dict[str, dict[str, str]]:
    """product -> {API name: RAM code} for the API names a product's row sends to another code.

    Resource Manager's service-linked-role APIs, for example, are ram: actions.
    """
    return {
        row["product"]: {name: code for code, names in row.get("route", {}).items() for name in names}
        for row in table["products"]
        if row.get("route")
    }


def copied(table: dict) -> dict[str, dict[str, tuple[str, ...]]]:
    """product -> {RAM code: name globs} for API names a product's row also files under another code.

    Resource Management documents its resource-group actions as ram:*ResourceGroup* while its
    RAM authorization page lists them under resourcemanager:, so they are kept under both.
    """
    return {
        row["product"]: {code: tuple(globs) for code, globs in row["also"].items()}
        for row in table["products"]
        if row.get("also")
    }


def service_name(summary: str, fallback: str) -> str:
    """ "Alibaba Cloud Log Service (20201230) SDK Library for Python" -> "Log Service"."""
    match = re.match(r"Alibaba Cloud (?:Alibaba Cloud )?(.+?) \(\d{8}\) SDK", summary)
    return match.group(1).strip() if match else fallback


def build_catalog(
    code: str,
    sdks: Sequence[tuple[str, SdkPackage]],
    table: dict,
    overlay: dict,
    existing: dict | None,
    today: str,
) -> dict:
    """One service's catalog: the SDKs' API names, the overlay's actions, what the file knew."""
    rows = product_rows(table)
    service = overlay.get("services", {}).get(code, {})
    ordered = sorted(sdks, key=lambda item: item[0] != code)  # the product named like the code leads
    primary_product, primary = ordered[0] if ordered else ("", None)
    row = rows.get(primary_product, {})
    rules = (existing or {}).get("access_level_rules") or overlay["access_level_rules"]
    granularity = service.get("granularity") or (existing or {}).get("granularity") or "UNKNOWN"
    catalog: dict = dict(existing or {})
    catalog.update(
        {
            "ram_code": code,
            "service_code": catalog.get("service_code")
            or row.get("service_code")
            or service.get("service_code")
            or primary_product.upper(),
            "name": catalog.get("name")
            or row.get("name")
            or service.get("name")
            or service_name(primary.summary if primary else "", code),
            "api_version": _api_version(primary)
            if primary
            else service.get("api_version", catalog.get("api_version", "")),
            "granularity": granularity,
            "generated_on": today,
            "ram_code_source": "documented"
            if service.get("ram_code_source")
            or any(r.get("source") and r.get("ram_code") == code for r in rows.values())
            else "assumed",
            "action_names": service.get("action_names", catalog.get("action_names", "api")),
        }
    )
    if service.get("arn_forms"):
        catalog["arn_forms"] = service["arn_forms"]
    if primary is not None:
        catalog["generated_from"] = {
            "package": primary.package,
            "module": primary.module,
            "version": primary.version,
        }
        catalog["packages"] = [
            {"package": sdk.package, "version": sdk.version, "api_version": _api_version(sdk)}
            for _, sdk in sdks
        ]
    catalog["sources"] = _sources(catalog.get("sources", []), sdks, rows, service, overlay)
    known = {entry["name"]: entry for entry in catalog.get("actions", [])}
    overlay_actions = {entry["name"]: entry for entry in service.get("actions", [])}
    names = {name for _, sdk in sdks for name in sdk.operations} | set(overlay_actions)
    if not sdks:  # a service only the overlay describes keeps what its file knew too
        names |= set(known)
    actions = []
    seen: set[str] = set()
    for name in sorted(names, key=lambda n: (n not in known and n not in overlay_actions, n)):
        if name.lower() in seen:
            continue  # RAM matches actions ignoring case: one spelling, the documented one first
        seen.add(name.lower())
        entry = dict(known.get(name) or _new_action(name, granularity, rules))
        if name in overlay_actions:
            entry.update(overlay_actions[name])
        if entry["access_level_source"] == "inferred":
            entry["access_level"] = infer_level(name, rules)
        actions.append(entry)
    catalog["actions"] = sorted(actions, key=lambda entry: entry["name"])
    return catalog


def _api_version(sdk: SdkPackage) -> str:
    """The API version in the package name (alibabacloud-ice20201109 -> 2020-11-09), which the
    client's own calls agree with; older clients pass other strings where newer ones name it."""
    date = re.search(r"(\d{8})$", sdk.package)
    if date is None:
        return sdk.api_version
    digits = date.group(1)
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def _sources(
    kept: list[dict], sdks: Sequence[tuple[str, SdkPackage]], rows: dict, service: dict, overlay: dict
) -> list[dict]:
    """The catalog's source list: what it had, each SDK, the RAM-code rows, the overlay's."""
    by_id = {source["id"]: source for source in kept}
    for product, sdk in sdks:
        by_id["sdk" if product == sdks[0][0] else f"sdk-{product}"] = {
            "id": "sdk" if product == sdks[0][0] else f"sdk-{product}",
            "title": f"Official Python SDK {sdk.package} {sdk.version}: API names from client.py",
            "urls": [f"https://pypi.org/project/{sdk.package}/"],
        }
        row = rows.get(product, {})
        if row.get("source"):
            by_id[f"ram-code-{product}"] = {
                "id": f"ram-code-{product}",
                "title": row["source"]["title"],
                "urls": [row["source"]["url"]],
            }
    overlay_sources = {source["id"]: source for source in overlay.get("sources", [])}
    for source_id in service.get("sources", []):
        by_id[source_id] = overlay_sources[source_id]
    for entry in service.get("actions", []):
        for source_id in entry.get("sources", []):
            if source_id in overlay_sources:
                by_id[source_id] = overlay_sources[source_id]
    if not by_id:
        raise CatalogError("a catalog needs at least one source")
    return [by_id[key] for key in sorted(by_id, key=lambda k: (k != "sdk", k))]


def infer_level(name: str, rules: Sequence[dict]) -> str:
    """The level of the first rule whose verb begins `name` as a whole word; `unknown` if none."""
    for rule in rules:
        verb = rule["verb"]
        if name.startswith(verb) and (len(name) == len(verb) or name[len(verb)].isupper()):
            return rule["access_level"]
    return "unknown"


def _new_action(name: str, granularity: str, rules: Sequence[dict]) -> dict:
    """An action only the SDK names: inferred level; All Resources only where the service says so."""
    operation_level = granularity == "OPERATION"
    return {
        "name": name,
        "access_level": infer_level(name, rules),
        "access_level_source": "inferred",
        "resource_types": ["*"] if operation_level else [],
        "resource_types_source": "documented" if operation_level else "inferred",
        "sources": ["sdk"],
    }


def build(
    wheels: dict[str, Path],
    versions: dict[str, list[str]],
    data_dir: Path,
    table: dict,
    overlay: dict,
    today: str,
    only: set[str] | None = None,
) -> BuildReport:
    """Write one catalog per RAM code into `data_dir`; what was done."""
    report = BuildReport()
    codes = plan(versions, table)
    routes = routed(table)
    copies = copied(table)
    if only:
        senders = {product for product, sends in routes.items() if set(sends.values()) & only}
        senders |= {product for product, targets in copies.items() if set(targets) & only}
        codes = {c: m for c, m in codes.items() if c in only or any(p in senders for p, _ in m)}
    read: dict[str, SdkPackage] = {}
    for package in sorted({package for members in codes.values() for _, package in members}):
        wheel = wheels.get(package)
        try:
            if wheel is None:
                raise CatalogError("no wheel")
            read[package] = read_wheel(wheel)
        except CatalogError as error:
            report.missing.append(f"{package} ({error})")
    per_code: dict[str, list[tuple[str, SdkPackage]]] = {code: [] for code in overlay.get("services", {})}
    for code, members in codes.items():
        for product, package in members:
            sdk = read.get(package)
            if sdk is None:
                continue
            sends = routes.get(product, {})
            kept = tuple(name for name in sdk.operations if sends.get(name, code) == code)
            per_code.setdefault(code, []).append((product, replace(sdk, operations=kept)))
            for name, target in sends.items():
                if name in sdk.operations and target != code:
                    borrowed = replace(sdk, operations=(name,))
                    per_code.setdefault(target, []).append((f"{product}:{name}", borrowed))
            for target, globs in copies.get(product, {}).items():
                names = tuple(n for n in sdk.operations if any(fnmatchcase(n, g) for g in globs))
                if names:
                    per_code.setdefault(target, []).append(
                        (f"{product}:also", replace(sdk, operations=names))
                    )
    for code in sorted(per_code):
        if only and code not in only:
            continue
        sdks = _merge_same_product(per_code[code])
        path = data_dir / f"{code}.json"
        existing = load_json(path) if path.exists() else None
        catalog = build_catalog(code, sdks, table, overlay, existing, today)
        path.write_text(render(catalog), "utf-8")
        report.written.append(code)
        report.actions += len(catalog["actions"])
        for _, sdk in sdks:
            report.packages[sdk.package] = sdk.version
    return report


def _merge_same_product(sdks: list[tuple[str, SdkPackage]]) -> list[tuple[str, SdkPackage]]:
    """Names another product routed here join as one entry per package, after the code's own."""
    own = [(p, s) for p, s in sdks if ":" not in p]
    borrowed: dict[str, tuple[str, SdkPackage]] = {}
    for product, sdk in sdks:
        if ":" in product:
            name = product.split(":", 1)[0]
            previous = borrowed.get(name)
            names = (*previous[1].operations, *sdk.operations) if previous else sdk.operations
            borrowed[name] = (name, replace(sdk, operations=tuple(sorted(names))))
    return own + [borrowed[name] for name in sorted(borrowed)]


def write_build_info(data_dir: Path, report: BuildReport, today: str, seconds: float, partial: bool) -> None:
    """_build.json: when the catalogs were built, and from which package versions.

    A partial run (--only) adds its packages to what the last full run recorded.
    """
    path = data_dir / BUILD_FILE
    info = load_json(path) if path.exists() else {"packages": {}}
    info["generated_on"] = today
    kept = info.get("packages", {}) if partial else {}
    info["packages"] = dict(sorted({**kept, **report.packages}.items()))
    info["services"] = len([p for p in data_dir.glob("*.json") if not p.name.startswith("_")]) - 1
    info["last_run"] = {
        "written": len(report.written),
        "packages_read": len(report.packages),
        "actions_written": report.actions,
        "seconds": round(seconds, 1),
        "missing": sorted(report.missing),
    }
    path.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listing", type=Path, help="a package listing (name in the first column)")
    parser.add_argument(
        "--packages", nargs="*", default=[], help="package names to build, besides the listing"
    )
    parser.add_argument(
        "--wheels", type=Path, help="folder of wheels: read from it, download missing ones into it"
    )
    parser.add_argument("--offline", action="store_true", help="download nothing; use only --wheels")
    parser.add_argument("--only", nargs="*", help="write only these RAM codes")
    parser.add_argument(
        "--newest-only", action="store_true", help="read only the newest API version of each product"
    )
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--sources-dir", type=Path, default=SOURCES_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        table = load_json(args.sources_dir / "ram-codes.json")
        overlay = load_json(args.sources_dir / "overlay.json")
        names = read_listing(args.listing) if args.listing else []
        names += args.packages
        if args.wheels and not names:
            names = [wheel_package(w) for w in args.wheels.glob("*.whl")]
        versions = product_versions(names)
        if args.newest_only:
            versions = {product: packages[:1] for product, packages in versions.items()}
        pinned = [
            p for row in table["products"] for p in row.get("packages", []) if row["product"] in versions
        ]
        wanted = sorted({p for packages in versions.values() for p in packages} | set(pinned))
        with tempfile.TemporaryDirectory(prefix="policycheck-wheels-") as scratch:
            folder = args.wheels or Path(scratch)
            if not args.offline:
                download(wanted, folder)
            wheels = {wheel_package(w): w for w in sorted(folder.glob("*.whl"))}
            report = build(wheels, versions, args.data_dir, table, overlay, args.date, set(args.only or ()))
    except CatalogError as error:
        print(f"build_catalogs: {error}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    write_build_info(args.data_dir, report, args.date, seconds, partial=bool(args.only))
    print(
        f"{len(report.written)} catalogs, {report.actions} actions, {len(report.packages)} packages read "
        f"in {seconds:.0f} s; {len(report.missing)} packages missing"
    )
    for missing in sorted(report.missing):
        print(f"  missing: {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the AccessKey comes from: the places Alibaba Cloud users already keep it.

aliyun-python-sdk-core reads none of these (research/ice.md §4.4) and lets its own
ALIYUN_ACCESS_KEY_ID/ALIYUN_ACCESS_KEY_SECRET silently replace a credential object, so
policycheck resolves credentials itself and hands the SDK an explicit AccessKey.

Precedence, first match wins:
  1. --profile NAME: that profile of ~/.aliyun/config.json, else that section of the
     credentials file (an unknown name is an error, never a fall-through);
  2. ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET
     (+ ALIBABA_CLOUD_SECURITY_TOKEN for STS keys);
  3. ~/.aliyun/config.json (the aliyun CLI): the profile ALIBABA_CLOUD_PROFILE names, else
     the file's "current" (skipped when ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true);
  4. the credentials file, ALIBABA_CLOUD_CREDENTIALS_FILE or ~/.alibabacloud/credentials
     (or credentials.ini): the section ALIBABA_CLOUD_PROFILE names, else [default].
This is the order of the official alibabacloud-credentials default chain, without the
parts that need a network (ECS metadata, OIDC, credentials URI).

Nothing here talks to the network: a RamRoleArn profile resolves to a RoleToAssume, which
sdk.py turns into STS credentials with an sts:AssumeRole call.
"""

from __future__ import annotations

import configparser
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from policycheck.errors import UserError

DEFAULT_REGION = "cn-shanghai"
DEFAULT_SESSION_NAME = "policycheck"
DEFAULT_ROLE_SECONDS = 3600


class CredentialError(UserError):
    """Credentials are missing or misconfigured: one line naming the place, never a value."""


@dataclass(frozen=True, repr=False)
class Credentials:
    """An AccessKey pair, with the STS token for temporary keys.

    repr() and str() show the AccessKey ID and where it came from, never the secret or token.
    """

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    source: str = ""

    def __repr__(self) -> str:
        token = ", security_token=***" if self.security_token else ""
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=***{token}, "
            f"source={self.source!r})"
        )

    __str__ = __repr__

    def describe(self) -> str:
        """`LTAI...01 (environment variables)`: how reports name the caller."""
        kind = "STS key " if self.security_token else ""
        return f"{kind}{self.access_key_id} ({self.source})" if self.source else kind + self.access_key_id

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values no output may contain."""
        return tuple(s for s in (self.access_key_secret, self.security_token) if s)


@dataclass(frozen=True, repr=False)
class RoleToAssume:
    """A RamRoleArn profile: call sts:AssumeRole as `source` to get the keys to use."""

    source: Credentials | RoleToAssume
    role_arn: str
    session_name: str = DEFAULT_SESSION_NAME
    duration_seconds: int = DEFAULT_ROLE_SECONDS
    origin: str = ""

    def __repr__(self) -> str:
        return f"RoleToAssume(role_arn={self.role_arn!r}, source={self.source!r}, origin={self.origin!r})"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.source.secrets


@dataclass(frozen=True)
class Resolution:
    """The credentials found, the region their profile names (if any), and warnings to show.

    Warnings (a credentials file other users can read) are for stderr; they never stop a run.
    """

    credentials: Credentials | RoleToAssume
    region: str | None = None
    warnings: tuple[str, ...] = field(default=())


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _display(path: Path, home: Path) -> str:
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


def permission_warning(path: Path, mode: int, shown: str) -> str | None:
    """A warning when a credentials file is readable (or writable) by group or others."""
    if os.name != "posix" or not mode & 0o066:
        return None
    who = " and ".join(name for name, bits in (("group", 0o060), ("others", 0o006)) if mode & bits)
    return (
        f"{shown} holds AccessKey secrets and is accessible by {who} "
        f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {shown}"
    )


@dataclass
class _Files:
    """Reads the two credential files once each, collecting permission warnings."""

    environ: Mapping[str, str]
    home: Path
    warnings: list[str] = field(default_factory=list)
    _cli: dict | None = None
    _ini: configparser.ConfigParser | None = None
    _ini_shown: str = ""

    def _read(self, path: Path) -> bytes | None:
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CredentialError(
                f"cannot read {_display(path, self.home)}: {error.strerror or error}"
            ) from None
        shown = _display(path, self.home)
        if not stat.S_ISREG(info.st_mode):
            raise CredentialError(f"{shown} is not a regular file")
        warning = permission_warning(path, info.st_mode, shown)
        if warning and warning not in self.warnings:
            self.warnings.append(warning)
        try:
            return path.read_bytes()
        except OSError as error:
            raise CredentialError(f"cannot read {shown}: {error.strerror or error}") from None

    def cli_config(self) -> dict:
        """~/.aliyun/config.json as {"current": ..., "profiles": [...]}; {} when absent."""
        if self._cli is None:
            path = self.home / ".aliyun" / "config.json"
            data = self._read(path)
            if data is None:
                self._cli = {}
            else:
                try:
                    value = json.loads(data.decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError):
                    raise CredentialError(f"{_display(path, self.home)} is not valid JSON") from None
                if not isinstance(value, dict) or not isinstance(value.get("profiles", []), list):
                    raise CredentialError(
                        f"{_display(path, self.home)} is not an aliyun CLI configuration "
                        '(expected {"current": ..., "profiles": [...]})'
                    )
                self._cli = value
        return self._cli

    def cli_profile(self, name: str) -> dict | None:
        for profile in self.cli_config().get("profiles", []):
            if isinstance(profile, dict) and profile.get("name") == name:
                return profile
        return None

    def ini(self) -> tuple[configparser.ConfigParser, str]:
        """The credentials file and how to name it; an empty parser when there is none."""
        if self._ini is None:
            parser = configparser.ConfigParser(interpolation=None, default_section="\x00none")
            explicit = self.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
            if explicit:
                candidates = [Path(explicit).expanduser()]
            else:
                folder = self.home / ".alibabacloud"
                candidates = [folder / "credentials", folder / "credentials.ini"]
            shown = _display(candidates[0], self.home)
            for path in candidates:
                data = self._read(path)
                if data is None:
                    continue
                shown = _display(path, self.home)
                try:
                    parser.read_string(data.decode("utf-8-sig"), source=shown)
                except (UnicodeDecodeError, configparser.Error) as error:
                    problem = type(error).__name__ if isinstance(error, UnicodeDecodeError) else "syntax"
                    raise CredentialError(f"{shown} is not a valid INI file ({problem} error)") from None
                break
            else:
                if explicit:
                    raise CredentialError(
                        f"ALIBABA_CLOUD_CREDENTIALS_FILE names {shown}, which does not exist"
                    )
            self._ini, self._ini_shown = parser, shown
        return self._ini, self._ini_shown


def _required(section: Mapping[str, object], names: tuple[str, ...], where: str) -> list[str]:
    values = []
    for name in names:
        value = section.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CredentialError(f"{where} has no {name}")
        values.append(value.strip())
    return values


def _seconds(value: object, where: str) -> int:
    if value in (None, "", 0, "0"):
        return DEFAULT_ROLE_SECONDS
    try:
        seconds = int(str(value))
    except ValueError:
        raise CredentialError(f"{where}: expired_seconds is not a number") from None
    if not 900 <= seconds <= 43200:
        raise CredentialError(f"{where}: expired_seconds must be 900 to 43200 (STS limits)")
    return seconds


def _from_cli_profile(files: _Files, name: str, chain: tuple[str, ...] = ()) -> Credentials | RoleToAssume:
    """One profile of ~/.aliyun/config.json; modes AK, StsToken, RamRoleArn, ChainableRamRoleArn."""
    profile = files.cli_profile(name)
    where = f"profile {name} in ~/.aliyun/config.json"
    if profile is None:
        raise CredentialError(f"there is no {where}")
    mode = str(profile.get("mode") or "AK")
    source = f"aliyun CLI profile {name}"
    if mode == "AK":
        key, secret = _required(profile, ("access_key_id", "access_key_secret"), where)
        return Credentials(key, secret, source=source)
    if mode == "StsToken":
        key, secret, token = _required(profile, ("access_key_id", "access_key_secret", "sts_token"), where)
        return Credentials(key, secret, token, source=source)
    if mode == "RamRoleArn":
        key, secret, arn = _required(profile, ("access_key_id", "access_key_secret", "ram_role_arn"), where)
        return RoleToAssume(
            Credentials(key, secret, source=source),
            arn,
            str(profile.get("ram_session_name") or DEFAULT_SESSION_NAME),
            _seconds(profile.get("expired_seconds"), where),
            origin=source,
        )
    if mode == "ChainableRamRoleArn":
        (parent, arn) = _required(profile, ("source_profile", "ram_role_arn"), where)
        if parent in (*chain, name):
            raise CredentialError(f"{where}: source_profile {parent} loops back")
        return RoleToAssume(
            _from_cli_profile(files, parent, (*chain, name)),
            arn,
            str(profile.get("ram_session_name") or DEFAULT_SESSION_NAME),
            _seconds(profile.get("expired_seconds"), where),
            origin=source,
        )
    raise CredentialError(
        f"{where} uses mode {mode}, which policycheck does not support "
        "(use AK, StsToken, RamRoleArn or ChainableRamRoleArn)"
    )


def _from_ini_section(files: _Files, name: str) -> Credentials | RoleToAssume | None:
    """One enabled section of the credentials file; None when it has no such section."""
    parser, shown = files.ini()
    if not parser.has_section(name):
        return None
    section = parser[name]
    if section.get("enable", "true").strip().lower() == "false":
        return None
    where = f"[{name}] in {shown}"
    source = f"{shown} [{name}]"
    kind = section.get("type", "access_key").strip()
    if kind == "access_key":
        key, secret = _required(section, ("access_key_id", "access_key_secret"), where)
        return Credentials(key, secret, source=source)
    if kind == "sts":
        key, secret, token = _required(
            section, ("access_key_id", "access_key_secret", "security_token"), where
        )
        return Credentials(key, secret, token, source=source)
    if kind == "ram_role_arn":
        key, secret, arn = _required(section, ("access_key_id", "access_key_secret", "role_arn"), where)
        return RoleToAssume(
            Credentials(key, secret, source=source),
            arn,
            section.get("role_session_name", DEFAULT_SESSION_NAME).strip() or DEFAULT_SESSION_NAME,
            _seconds(section.get("duration_seconds"), where),
            origin=source,
        )
    raise CredentialError(
        f"{where} has type {kind}, which policycheck does not support (use access_key, sts or ram_role_arn)"
    )


def _from_environment(environ: Mapping[str, str]) -> Credentials | None:
    key = environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID", "").strip()
    secret = environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "").strip()
    token = environ.get("ALIBABA_CLOUD_SECURITY_TOKEN", "").strip() or None
    if not key and not secret:
        return None
    if not key or not secret:
        missing = "ALIBABA_CLOUD_ACCESS_KEY_ID" if not key else "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        raise CredentialError(f"{missing} is not set, but the other half of the AccessKey is")
    return Credentials(key, secret, token, source="environment variables")


def _profile_region(files: _Files, name: str | None) -> str | None:
    profile = files.cli_profile(name) if name else None
    region = profile.get("region_id") if profile else None
    return region if isinstance(region, str) and region.strip() else None


def resolve_credentials(
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: str | Path | None = None,
) -> Resolution:
    """Find credentials in the documented order (see the module docstring).

    Raises CredentialError when none are configured or a configured place is broken.
    """
    environ = os.environ if environ is None else environ
    files = _Files(environ, Path(home) if home is not None else Path.home())

    def done(found: Credentials | RoleToAssume, region: str | None = None) -> Resolution:
        return Resolution(found, region, tuple(files.warnings))

    if profile:
        if files.cli_profile(profile) is not None:
            return done(_from_cli_profile(files, profile), _profile_region(files, profile))
        found = _from_ini_section(files, profile)
        if found is not None:
            return done(found)
        raise CredentialError(
            f"no profile {profile} in ~/.aliyun/config.json or {files.ini()[1]}{_known_profiles(files)}"
        )

    from_env = _from_environment(environ)
    if from_env is not None:
        return done(from_env)

    wanted = environ.get("ALIBABA_CLOUD_PROFILE", "").strip() or None
    if not _flag(environ.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED")):
        name = wanted or files.cli_config().get("current")
        if isinstance(name, str) and files.cli_profile(name) is not None:
            return done(_from_cli_profile(files, name), _profile_region(files, name))

    found = _from_ini_section(files, wanted or "default")
    if found is not None:
        return done(found)
    if wanted:
        raise CredentialError(
            f"ALIBABA_CLOUD_PROFILE names {wanted}, which neither ~/.aliyun/config.json "
            f"nor {files.ini()[1]} has{_known_profiles(files)}"
        )
    raise CredentialError(
        "no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
        "configure the aliyun CLI (aliyun configure), or pass --profile NAME"
    )


def _known_profiles(files: _Files) -> str:
    names = sorted(
        {str(p.get("name")) for p in files.cli_config().get("profiles", []) if isinstance(p, dict)}
        | set(files.ini()[0].sections())
    )
    return f" (known: {', '.join(names)})" if names else ""


def choose_region(
    flag: str | None, resolution: Resolution | None, environ: Mapping[str, str] | None = None
) -> str:
    """--region (or probe.region), else ALIBABA_CLOUD_REGION_ID, else the profile's region_id,
    else cn-shanghai: the one rule every live command follows."""
    environ = os.environ if environ is None else environ
    profile = resolution.region if resolution else None
    return flag or environ.get("ALIBABA_CLOUD_REGION_ID", "").strip() or profile or DEFAULT_REGION

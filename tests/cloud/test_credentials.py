"""The credential chain: every place users keep keys, the documented order, and no secret shown."""

from __future__ import annotations

import json
import os

import pytest

from policycheck.cloud.credentials import (
    CredentialError,
    Credentials,
    Resolution,
    RoleToAssume,
    choose_region,
    resolve_credentials,
)

ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-1"}


def cli_config(home, profiles, current="default", mode=0o600):
    folder = home / ".aliyun"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.json"
    path.write_text(json.dumps({"current": current, "profiles": profiles}))
    path.chmod(mode)
    return path


def ini(home, text, mode=0o600, name="credentials"):
    folder = home / ".alibabacloud"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    path.chmod(mode)
    return path


AK_PROFILE = {
    "name": "default",
    "mode": "AK",
    "access_key_id": "LTAIcli",
    "access_key_secret": "cli-secret-1",
    "region_id": "cn-beijing",
}


def resolve(home, profile=None, **env):
    return resolve_credentials(profile, environ=env, home=home)


def test_environment_variables(tmp_path):
    found = resolve(tmp_path, **ENV).credentials
    assert found == Credentials("LTAIenv", "env-secret-1", None, "environment variables")


def test_environment_with_sts_token(tmp_path):
    found = resolve(tmp_path, **ENV, ALIBABA_CLOUD_SECURITY_TOKEN="env-token").credentials
    assert found.security_token == "env-token"
    assert found.describe() == "STS key LTAIenv (environment variables)"


def test_half_an_access_key_in_the_environment_is_an_error(tmp_path):
    with pytest.raises(CredentialError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set"):
        resolve(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID="LTAIenv")


def test_nothing_configured_says_where_credentials_can_be(tmp_path):
    with pytest.raises(CredentialError) as caught:
        resolve(tmp_path)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in str(caught.value) and "--profile" in str(caught.value)


def test_sdk_core_variables_are_not_credentials_for_policycheck(tmp_path):
    """ALIYUN_ACCESS_KEY_* are sdk-core's own; policycheck neither reads nor lets them win."""
    with pytest.raises(CredentialError):
        resolve(tmp_path, ALIYUN_ACCESS_KEY_ID="LTAIsdk", ALIYUN_ACCESS_KEY_SECRET="sdk-secret")


def test_aliyun_cli_current_profile_and_its_region(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    resolution = resolve(tmp_path)
    assert resolution.credentials == Credentials(
        "LTAIcli", "cli-secret-1", source="aliyun CLI profile default"
    )
    assert resolution.region == "cn-beijing"


def test_aliyun_cli_sts_token_mode(tmp_path):
    profile = {**AK_PROFILE, "name": "sts", "mode": "StsToken", "sts_token": "cli-token"}
    cli_config(tmp_path, [profile], current="sts")
    assert resolve(tmp_path).credentials.security_token == "cli-token"


def test_aliyun_cli_ram_role_arn_mode_is_a_role_to_assume(tmp_path):
    profile = {
        **AK_PROFILE,
        "name": "role",
        "mode": "RamRoleArn",
        "ram_role_arn": "acs:ram::1000000000000001:role/worker-role",
        "ram_session_name": "ci",
        "expired_seconds": 900,
    }
    cli_config(tmp_path, [profile], current="role")
    role = resolve(tmp_path).credentials
    assert isinstance(role, RoleToAssume)
    assert (role.role_arn, role.session_name, role.duration_seconds) == (
        "acs:ram::1000000000000001:role/worker-role",
        "ci",
        900,
    )
    assert role.source.access_key_id == "LTAIcli"


def test_chainable_role_takes_its_keys_from_the_source_profile_and_loops_are_refused(tmp_path):
    chained = {
        "name": "chained",
        "mode": "ChainableRamRoleArn",
        "source_profile": "default",
        "ram_role_arn": "acs:ram::1:role/r",
    }
    looped = {"name": "loop", "mode": "ChainableRamRoleArn", "source_profile": "loop", "ram_role_arn": "x"}
    cli_config(tmp_path, [AK_PROFILE, chained, looped])
    role = resolve(tmp_path, "chained").credentials
    assert role.source.access_key_id == "LTAIcli"
    with pytest.raises(CredentialError, match="loops back"):
        resolve(tmp_path, "loop")


def test_unsupported_cli_mode_is_named(tmp_path):
    cli_config(tmp_path, [{"name": "default", "mode": "EcsRamRole", "ram_role_name": "r"}])
    with pytest.raises(CredentialError, match="mode EcsRamRole"):
        resolve(tmp_path)


def test_credentials_file_default_section(tmp_path):
    ini(tmp_path, "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = ini-secret\n")
    found = resolve(tmp_path).credentials
    assert (found.access_key_id, found.access_key_secret) == ("LTAIini", "ini-secret")
    assert found.source == "~/.alibabacloud/credentials [default]"


def test_credentials_file_named_by_environment_and_sts_and_role_types(tmp_path):
    path = tmp_path / "elsewhere.ini"
    path.write_text(
        "[sts]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = s\nsecurity_token = t\n"
        "[role]\ntype = ram_role_arn\naccess_key_id = LTAIx\naccess_key_secret = s\n"
        "role_arn = acs:ram::1:role/r\nrole_session_name = audit\n"
    )
    path.chmod(0o600)
    env = {"ALIBABA_CLOUD_CREDENTIALS_FILE": str(path)}
    assert resolve(tmp_path, "sts", **env).credentials.security_token == "t"
    role = resolve(tmp_path, "role", **env).credentials
    assert isinstance(role, RoleToAssume) and role.session_name == "audit"


def test_credentials_file_named_by_environment_must_exist(tmp_path):
    with pytest.raises(CredentialError, match="does not exist"):
        resolve(tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(tmp_path / "missing.ini"))


def test_disabled_section_is_skipped(tmp_path):
    ini(tmp_path, "[default]\nenable = false\naccess_key_id = LTAIini\naccess_key_secret = s\n")
    with pytest.raises(CredentialError, match="no credentials found"):
        resolve(tmp_path)


def test_credentials_ini_is_read_too(tmp_path):
    ini(tmp_path, "[default]\naccess_key_id = LTAIdotini\naccess_key_secret = s\n", name="credentials.ini")
    assert resolve(tmp_path).credentials.access_key_id == "LTAIdotini"


# --- precedence -------------------------------------------------------------------------


def test_profile_flag_beats_environment(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    assert resolve(tmp_path, "default", **ENV).credentials.access_key_id == "LTAIcli"


def test_environment_beats_both_files(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    ini(tmp_path, "[default]\naccess_key_id = LTAIini\naccess_key_secret = s\n")
    assert resolve(tmp_path, **ENV).credentials.access_key_id == "LTAIenv"


def test_cli_config_beats_credentials_file(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    ini(tmp_path, "[default]\naccess_key_id = LTAIini\naccess_key_secret = s\n")
    assert resolve(tmp_path).credentials.access_key_id == "LTAIcli"


def test_cli_config_can_be_disabled(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    ini(tmp_path, "[default]\naccess_key_id = LTAIini\naccess_key_secret = s\n")
    found = resolve(tmp_path, ALIBABA_CLOUD_CLI_PROFILE_DISABLED="true").credentials
    assert found.access_key_id == "LTAIini"


def test_alibaba_cloud_profile_picks_a_profile_in_either_file(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    ini(tmp_path, "[prod]\naccess_key_id = LTAIprod\naccess_key_secret = s\n")
    assert resolve(tmp_path, ALIBABA_CLOUD_PROFILE="prod").credentials.access_key_id == "LTAIprod"
    with pytest.raises(CredentialError, match="ALIBABA_CLOUD_PROFILE names nope"):
        resolve(tmp_path, ALIBABA_CLOUD_PROFILE="nope")


def test_unknown_profile_lists_the_known_names_and_no_secret(tmp_path):
    cli_config(tmp_path, [AK_PROFILE])
    ini(tmp_path, "[prod]\naccess_key_id = LTAIprod\naccess_key_secret = ini-secret-xyz\n")
    with pytest.raises(CredentialError) as caught:
        resolve(tmp_path, "staging")
    message = str(caught.value)
    assert "no profile staging" in message and "known: default, prod" in message
    assert "secret-" not in message


def test_region_precedence(tmp_path):
    resolution = Resolution(Credentials("a", "b"), region="cn-beijing")
    assert choose_region("cn-hangzhou", resolution, {"ALIBABA_CLOUD_REGION_ID": "us-west-1"}) == "cn-hangzhou"
    assert choose_region(None, resolution, {"ALIBABA_CLOUD_REGION_ID": "us-west-1"}) == "us-west-1"
    assert choose_region(None, resolution, {}) == "cn-beijing"
    assert choose_region(None, Resolution(Credentials("a", "b")), {}) == "cn-shanghai"


# --- never showing a secret -------------------------------------------------------------


def test_repr_and_str_never_show_secret_or_token():
    credentials = Credentials("LTAIshown", "the-secret-value", "the-token-value", "env")
    role = RoleToAssume(credentials, "acs:ram::1:role/r")
    for text in (repr(credentials), str(credentials), f"{credentials}", repr(role), str([credentials, role])):
        assert "LTAIshown" in text
        assert "the-secret-value" not in text and "the-token-value" not in text


def test_a_broken_profile_is_named_without_its_values(tmp_path):
    cli_config(
        tmp_path,
        [{"name": "default", "mode": "StsToken", "access_key_id": "LTAIx", "access_key_secret": "sec-123"}],
    )
    with pytest.raises(CredentialError) as caught:
        resolve(tmp_path)
    assert str(caught.value) == "profile default in ~/.aliyun/config.json has no sts_token"


def test_config_that_is_not_json_is_one_line(tmp_path):
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text('{"profiles": [ "access_key_secret": "s3cr3t"')
    with pytest.raises(CredentialError) as caught:
        resolve(tmp_path)
    assert str(caught.value) == "~/.aliyun/config.json is not valid JSON"


# --- file permissions -------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_credentials_file_others_can_read_gets_a_warning(tmp_path):
    cli_config(tmp_path, [AK_PROFILE], mode=0o644)
    resolution = resolve(tmp_path)
    assert resolution.warnings == (
        "~/.aliyun/config.json holds AccessKey secrets and is accessible by group and others "
        "(mode 0644); run: chmod 600 ~/.aliyun/config.json",
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_files_get_no_warning_and_environment_keys_read_no_file(tmp_path):
    cli_config(tmp_path, [AK_PROFILE], mode=0o600)
    assert resolve(tmp_path).warnings == ()
    ini(tmp_path, "[default]\naccess_key_id = LTAIini\naccess_key_secret = s\n", mode=0o640)
    assert resolve(tmp_path, **ENV).warnings == ()
    warned = resolve(tmp_path, ALIBABA_CLOUD_CLI_PROFILE_DISABLED="1").warnings
    assert len(warned) == 1 and "accessible by group " in warned[0]

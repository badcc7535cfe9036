"""Profile resolution over real config and credentials files: chains, loops, odd syntax."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from conftest import Sandbox

from awsprompt.config.profiles import AwsFiles, Profile, Resolver
from awsprompt.errors import ConfigError, ProfileNotFound, UsageError

ARN_A = "arn:aws:iam::111111111111:role/A"
ARN_B = "arn:aws:iam::222222222222:role/B"
ARN_C = "arn:aws:iam::333333333333:role/C"


def resolve(
    sandbox: Sandbox,
    name: str,
    config: str = "",
    credentials: str = "",
    vault: Iterable[str] = (),
) -> Profile:
    """Write the two files and resolve NAME over them and the vault's names."""
    sandbox.write_config(config)
    sandbox.write_credentials(credentials)
    return Resolver(AwsFiles(sandbox.config, sandbox.credentials), vault).resolve(name)


def test_chain_of_roles_with_accounts(sandbox: Sandbox) -> None:
    """A -> B -> C (C with vault keys) resolves to C's keys then B's and A's roles, in order."""
    config = f"""
[profile a]
role_arn = {ARN_A}
source_profile = b
region = eu-west-1

[profile b]
role_arn = {ARN_B}
source_profile = c

[profile c]
region = us-east-1
"""
    prof = resolve(sandbox, "a", config, vault=["c"])
    assert prof.source.profile == "c"
    assert prof.source.kind == "vault"
    assert [h.profile for h in prof.hops] == ["b", "a"]
    assert [h.account for h in prof.hops] == ["222222222222", "111111111111"]
    assert prof.account == "111111111111"
    assert prof.region == "eu-west-1"
    assert prof.kind == "role"


def test_source_profile_naming_itself_uses_own_keys(sandbox: Sandbox) -> None:
    """A role profile whose source_profile is itself assumes its role with its own keys."""
    config = f"[profile self]\nrole_arn = {ARN_A}\nsource_profile = self\n"
    creds = "[self]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s3cr3t\n"
    prof = resolve(sandbox, "self", config, creds)
    assert prof.source.profile == "self"
    assert prof.source.kind == "file"
    assert [h.role_arn for h in prof.hops] == [ARN_A]


def test_source_profile_naming_itself_with_vault_keys(sandbox: Sandbox) -> None:
    """A self-sourced role profile whose keys are in the vault starts from the vault."""
    prof = resolve(
        sandbox,
        "self",
        f"[profile self]\nrole_arn = {ARN_B}\nsource_profile = self\n",
        vault=["self"],
    )
    assert (prof.source.kind, len(prof.hops)) == ("vault", 1)


@pytest.mark.parametrize(
    "config",
    [
        f"[profile a]\nrole_arn = {ARN_A}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ARN_B}\nsource_profile = a\n",
        f"[profile a]\nrole_arn = {ARN_A}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ARN_B}\nsource_profile = c\n"
        f"[profile c]\nrole_arn = {ARN_C}\nsource_profile = b\n",
    ],
)
def test_source_profile_loop_is_reported(sandbox: Sandbox, config: str) -> None:
    """A source_profile loop raises ConfigError naming the profile and the word loop."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "a", config)
    assert "'a'" in exc.value.message
    assert "loop" in exc.value.message
    assert "b" in exc.value.message


def test_missing_source_profile_target(sandbox: Sandbox) -> None:
    """A source_profile naming no profile raises ProfileNotFound naming both profiles."""
    with pytest.raises(ProfileNotFound) as exc:
        resolve(sandbox, "a", f"[profile a]\nrole_arn = {ARN_A}\nsource_profile = ghost\n")
    assert "'ghost'" in exc.value.message
    assert "'a'" in exc.value.message


def test_role_arn_without_source_profile(sandbox: Sandbox) -> None:
    """role_arn with no source_profile is a ConfigError naming the profile and the missing key."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "a", f"[profile a]\nrole_arn = {ARN_A}\n")
    assert "'a'" in exc.value.message
    assert "source_profile" in exc.value.message


def test_nonexistent_profile_never_falls_back_to_default(sandbox: Sandbox) -> None:
    """An unknown name raises ProfileNotFound even when [default] has keys."""
    creds = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"
    with pytest.raises(ProfileNotFound) as exc:
        resolve(sandbox, "prdo", "[default]\nregion = us-east-1\n[profile prod]\n", creds)
    assert "'prdo'" in exc.value.message
    assert exc.value.hint is not None
    assert "prod" in exc.value.hint  # suggests the close match


def test_keys_are_case_insensitive(sandbox: Sandbox) -> None:
    """`Role_Arn` and `SOURCE_PROFILE` are read like their lower-case forms."""
    config = f"[profile a]\nRole_Arn = {ARN_A}\nSOURCE_PROFILE = base\nREGION = ap-south-1\n"
    prof = resolve(sandbox, "a", config, vault=["base"])
    assert [h.role_arn for h in prof.hops] == [ARN_A]
    assert prof.source.profile == "base"
    assert prof.region == "ap-south-1"


def test_comments_and_nested_blocks_do_not_break_parsing(sandbox: Sandbox) -> None:
    """Comment lines and indented sub-sections (s3 = ...) are parsed like the AWS CLI does."""
    config = f"""# leading comment
; another comment
[default]
region = us-east-1
s3 =
    max_concurrent_requests = 10
    max_queue_size = 1000

[profile a]
# a comment inside a section
role_arn = {ARN_A}
s3 =
    addressing_style = path
source_profile = base
region = eu-central-1
"""
    prof = resolve(sandbox, "a", config, vault=["base"])
    assert prof.source.profile == "base"
    assert [h.role_arn for h in prof.hops] == [ARN_A]
    assert prof.region == "eu-central-1"
    assert "max_concurrent_requests" not in prof.settings
    assert resolve(sandbox, "default", config, vault=["default"]).region == "us-east-1"


def test_include_profile_merges_settings(sandbox: Sandbox) -> None:
    """include_profile brings in a base profile's keys; the including profile's own keys win."""
    config = f"""[profile common]
source_profile = base
region = us-west-2
mfa_serial = arn:aws:iam::111111111111:mfa/me

[profile a]
include_profile = common
role_arn = {ARN_B}
region = eu-west-1
"""
    prof = resolve(sandbox, "a", config, vault=["base"])
    assert prof.source.profile == "base"
    assert prof.hops[-1].role_arn == ARN_B
    assert prof.hops[-1].mfa_serial == "arn:aws:iam::111111111111:mfa/me"
    assert prof.region == "eu-west-1"


def test_include_profile_loop(sandbox: Sandbox) -> None:
    """An include_profile loop raises ConfigError naming the profile and saying loop."""
    config = "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n"
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "a", config)
    assert "include_profile loop" in exc.value.message
    assert "a -> b -> a" in exc.value.message
    assert exc.value.message.startswith("profile 'a':")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::12345:role/R",
        "arn:aws:iam::111111111111:user/R",
        "not-an-arn",
        "arn:aws:iam::111111111111:role/",
    ],
)
def test_malformed_role_arn_names_profile_and_key(sandbox: Sandbox, arn: str) -> None:
    """A role_arn that is not a role ARN raises ConfigError naming the profile and role_arn."""
    with pytest.raises(ConfigError) as exc:
        resolve(
            sandbox,
            "bad",
            f"[profile bad]\nrole_arn = {arn}\nsource_profile = base\n",
            vault=["base"],
        )
    assert "'bad'" in exc.value.message
    assert "role_arn" in exc.value.message


@pytest.mark.parametrize("value", ["1h", "60", "99999", "-900", "12.5"])
def test_bad_duration_names_profile_and_key(sandbox: Sandbox, value: str) -> None:
    """A duration_seconds that is not 900..43200 whole seconds names the profile and the key."""
    config = f"[profile d]\nrole_arn = {ARN_A}\nsource_profile = base\nduration_seconds = {value}\n"
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "d", config, vault=["base"])
    assert "'d'" in exc.value.message
    assert "duration_seconds" in exc.value.message


def test_valid_duration_is_kept(sandbox: Sandbox) -> None:
    """duration_seconds within limits is carried on the role hop."""
    config = f"[profile d]\nrole_arn = {ARN_A}\nsource_profile = base\nduration_seconds = 7200\n"
    assert resolve(sandbox, "d", config, vault=["base"]).hops[0].duration_seconds == 7200


def test_credentials_file_only_profile(sandbox: Sandbox) -> None:
    """A profile present only in the credentials file resolves to its static keys."""
    creds = (
        "[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    prof = resolve(sandbox, "ci", "", creds)
    assert prof.source.kind == "file"
    assert prof.source.static is not None
    assert prof.source.static.access_key_id == "AKIAIOSFODNN7EXAMPLE"
    assert prof.kind == "keys"
    assert "ci" in AwsFiles(sandbox.config, sandbox.credentials).names()


def test_half_a_key_pair_is_a_config_error(sandbox: Sandbox) -> None:
    """A credentials section with only the key id names the missing secret key."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "ci", "", "[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    assert "'ci'" in exc.value.message
    assert "aws_secret_access_key" in exc.value.message


def test_profile_without_any_credentials(sandbox: Sandbox) -> None:
    """A config-only profile with no keys anywhere is a ConfigError with an `add` hint."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "empty", "[profile empty]\nregion = us-east-1\n")
    assert "'empty'" in exc.value.message
    assert exc.value.hint is not None
    assert "awsprompt add empty" in exc.value.hint


@pytest.mark.parametrize("title", ["default", "profile default"])
def test_default_section_in_either_spelling(sandbox: Sandbox, title: str) -> None:
    """`[default]` and `[profile default]` in the config both configure the default profile."""
    creds = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"
    prof = resolve(sandbox, "default", f"[{title}]\nregion = sa-east-1\n", creds)
    assert prof.region == "sa-east-1"
    assert prof.source.kind == "file"
    assert AwsFiles(sandbox.config, sandbox.credentials).names() == ["default"]


def test_vault_only_profile_resolves(sandbox: Sandbox) -> None:
    """A profile known only to the vault resolves to vault keys with no settings."""
    prof = resolve(sandbox, "solo", vault=["solo"])
    assert (prof.source.kind, prof.hops, prof.region) == ("vault", (), None)


def test_credentials_file_wins_for_keys(sandbox: Sandbox) -> None:
    """When both files define a key the credentials file's value is used."""
    config = "[profile p]\naws_access_key_id = AKIACONFIGCONFIGCONF\naws_secret_access_key = c\n"
    creds = "[p]\naws_access_key_id = AKIACREDSCREDSCREDS0\naws_secret_access_key = k\n"
    prof = resolve(sandbox, "p", config, creds)
    assert prof.source.static is not None
    assert prof.source.static.access_key_id == "AKIACREDSCREDSCREDS0"


def test_config_section_without_profile_prefix_is_ignored(sandbox: Sandbox) -> None:
    """In the config file `[p]` (no `profile ` prefix) is not profile p, as in the AWS CLI."""
    with pytest.raises(ProfileNotFound):
        resolve(sandbox, "p", "[p]\nregion = us-east-1\n")


def test_sso_profile_is_refused_clearly(sandbox: Sandbox) -> None:
    """An IAM Identity Center profile is a ConfigError pointing at `aws sso login`."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "sso", "[profile sso]\nsso_start_url = https://x.awsapps.com/start\n")
    assert "'sso'" in exc.value.message


def test_unparseable_config_is_a_config_error(sandbox: Sandbox) -> None:
    """A config file with a key before any section raises ConfigError naming the file."""
    with pytest.raises(ConfigError) as exc:
        resolve(sandbox, "a", "region = us-east-1\n[profile a]\n")
    assert str(sandbox.config) in exc.value.message


@pytest.mark.parametrize("name", ["x';touch pwn;'", "$(touch pwn)", "a\nb", "-rf", "%F{red}"])
def test_resolver_refuses_hostile_names(sandbox: Sandbox, name: str) -> None:
    """Resolving a name outside the safe set raises UsageError (exit 2)."""
    with pytest.raises(UsageError):
        resolve(sandbox, name, f"[profile {name.splitlines()[0]}]\nregion = x\n", vault=[name])


def test_hostile_names_in_files_are_not_listed(sandbox: Sandbox) -> None:
    """Sections whose names are unsafe never appear in names() (so never reach a shell)."""
    sandbox.write_config("[profile $(touch pwn)]\nregion = x\n[profile ok]\nregion = y\n")
    sandbox.write_credentials("[x';touch pwn;']\naws_access_key_id = A\n")
    assert AwsFiles(sandbox.config, sandbox.credentials).names() == ["ok"]


@pytest.mark.parametrize(
    ("config", "line"),
    [
        ("[profile a]\nregion = x\n\n[profile a]\nregion = y\n", 4),
        ("[profile a]\nregion = x\nRegion = y\n", 3),
        ("\ufeff[profile a]\nregion = x\n", 1),
        ("[profile a]\nregion = x\nno equals sign here\n", 3),
    ],
)
def test_files_the_aws_cli_refuses_are_config_errors(
    sandbox: Sandbox, config: str, line: int
) -> None:
    """A repeated section or key, a BOM or a stray line: ConfigError naming file and line."""
    sandbox.write_config(config)
    with pytest.raises(ConfigError) as exc:
        AwsFiles(sandbox.config, sandbox.credentials)
    assert f"cannot parse {sandbox.config}, line {line}:" in exc.value.message


def test_bytes_that_are_not_utf8_are_a_config_error(sandbox: Sandbox) -> None:
    """A credentials file with a Latin-1 byte is a ConfigError naming it, not a crash."""
    sandbox.credentials.write_bytes(b"[a]\naws_access_key_id = AKIA\nnote = caf\xe9\n")
    with pytest.raises(ConfigError) as exc:
        AwsFiles(sandbox.config, sandbox.credentials)
    assert f"{sandbox.credentials}, line 3:" in exc.value.message


def test_profile_titles_follow_botocore(sandbox: Sandbox) -> None:
    """Quoted titles name their word; padded or three-word titles are no profile at all."""
    sandbox.write_config(
        '[profile "quoted.name"]\nregion = q\n[profile a b]\nregion = x\n'
        "[ profile c ]\nregion = y\n[default ]\nregion = z\n[sso-session corp]\nsso_region = r\n"
    )
    sandbox.write_credentials("[ padded ]\naws_access_key_id = A\naws_secret_access_key = B\n")
    files = AwsFiles(sandbox.config, sandbox.credentials)
    assert files.names() == ["quoted.name"]
    assert files.config_sections == {"quoted.name": {"region": "q"}}
    assert set(files.config.sso_sessions) == {"corp"}
    assert set(files.config.other) == {" profile c ", "default "}


def test_later_spelling_of_a_profile_replaces_the_earlier(sandbox: Sandbox) -> None:
    """`[default]` then `[profile default]`: only the later section counts, as in botocore."""
    creds = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"
    config = "[default]\nregion = us-east-1\noutput = json\n[profile default]\nregion = eu-west-1\n"
    prof = resolve(sandbox, "default", config, creds)
    assert prof.region == "eu-west-1"
    assert "output" not in prof.settings


def test_default_section_keys_apply_to_every_profile(sandbox: Sandbox) -> None:
    """configparser's [DEFAULT] (botocore's parser) gives its keys to each section."""
    config = (
        f"[DEFAULT]\nregion = ap-south-1\n[profile a]\nrole_arn = {ARN_A}\nsource_profile = b\n"
    )
    prof = resolve(sandbox, "a", config, vault=["b"])
    assert prof.region == "ap-south-1"
    assert AwsFiles(sandbox.config, sandbox.credentials).names() == ["a"]


def test_colon_separates_keys_too(sandbox: Sandbox) -> None:
    """`key: value` lines are read like `key = value`; ':' inside a value stays."""
    config = f"[profile a]\nrole_arn: {ARN_A}\nsource_profile : base\nregion = a:b\n"
    prof = resolve(sandbox, "a", config, vault=["base"])
    assert [h.role_arn for h in prof.hops] == [ARN_A]
    assert prof.region == "a:b"


def test_services_blocks_are_parsed_and_kept_out_of_profiles(sandbox: Sandbox) -> None:
    """A [services NAME] section with nested blocks is kept apart, its blocks parsed."""
    sandbox.write_config(
        "[profile a]\nservices = local\n[services local]\ns3 =\n  endpoint_url = http://x:1\n"
    )
    files = AwsFiles(sandbox.config, sandbox.credentials)
    assert files.names() == ["a"]
    local = files.config.services["local"]
    assert local.nested == {"s3": {"endpoint_url": "http://x:1"}}
    assert local.values == {"s3": "\nendpoint_url = http://x:1"}

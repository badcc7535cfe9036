"""Resolving SSO profiles and [sso-session] sections with the AWS CLI v2's rules."""

from __future__ import annotations

import hashlib

import pytest

from awsprompt.aws.sso.config import (
    DEFAULT_SCOPES,
    has_sso_session,
    is_sso_profile,
    parse_scopes,
    resolve_profile,
    resolve_session,
    session_of_profile,
)
from awsprompt.errors import ConfigError

URL = "https://d-1234567890.awsapps.com/start"
SESSIONS = {
    "corp": {
        "sso_start_url": URL,
        "sso_region": "eu-west-1",
        "sso_registration_scopes": "sso:account:access, codewhisperer:completions ,",
    }
}
ROLE_KEYS = {"sso_account_id": "111122223333", "sso_role_name": "AdministratorAccess"}


def test_sso_session_profile_takes_the_session_settings() -> None:
    """A profile with sso_session gets the start URL, region and scopes of its section."""
    cfg = resolve_profile("dev", {"sso_session": "corp", **ROLE_KEYS}, SESSIONS)
    assert cfg.profile == "dev"
    assert cfg.session_name == "corp" and not cfg.legacy
    assert cfg.start_url == URL and cfg.region == "eu-west-1"
    assert cfg.scopes == ("sso:account:access", "codewhisperer:completions")
    assert (cfg.account_id, cfg.role_name) == ("111122223333", "AdministratorAccess")
    assert cfg.role_arn == "arn:aws:iam::111122223333:role/AdministratorAccess"
    assert cfg.session.cache_name == "corp"
    assert "--sso-session corp" in cfg.session.login_command


def test_scopes_default_to_account_access() -> None:
    """Without sso_registration_scopes (or with only blanks) the scope is sso:account:access."""
    session = resolve_session("s", {"sso_start_url": URL, "sso_region": "us-east-1"})
    assert session.scopes == DEFAULT_SCOPES == ("sso:account:access",)
    assert parse_scopes(" , ,") == DEFAULT_SCOPES
    assert parse_scopes("a:b,c:d") == ("a:b", "c:d")


def test_legacy_profile_carries_its_own_start_url_and_has_no_scopes() -> None:
    """A legacy profile is keyed by its start URL and registers without scopes (as the CLI)."""
    keys = {"sso_start_url": URL, "sso_region": "us-east-1", **ROLE_KEYS}
    cfg = resolve_profile("old", keys, {})
    assert cfg.legacy and cfg.session_name is None
    assert cfg.session.cache_name == URL
    assert cfg.scopes == ()
    assert cfg.session.label == "SSO profile 'old'"
    assert cfg.session.login_command == "awsprompt sso login old"


def test_the_session_identity_ignores_which_profile_asked() -> None:
    """Two legacy profiles on one start URL share a session (one sign-in, one cache file)."""
    a = session_of_profile("a", {"sso_start_url": URL, "sso_region": "us-east-1"}, {})
    b = session_of_profile("b", {"sso_start_url": URL, "sso_region": "us-east-1"}, {})
    assert a == b and a.key == b.key and a.fingerprint == b.fingerprint
    named = resolve_session(URL, {"sso_start_url": URL, "sso_region": "us-east-1"})
    assert named.key != a.key  # a session *named* like a URL is another session
    assert hashlib.sha256(b"sso|" + a.key.encode()).hexdigest()[:16] == a.fingerprint


def test_names_with_slash_and_colon_are_quoted_in_the_login_hint() -> None:
    """Generated names such as Sandbox/Admin:x reach the hint shell-quoted."""
    cfg = resolve_profile(
        "Sandbox/Admin:x", {"sso_start_url": URL, "sso_region": "us-east-1", **ROLE_KEYS}, {}
    )
    assert cfg.session.login_command == "awsprompt sso login Sandbox/Admin:x"
    odd = session_of_profile("it's", {"sso_start_url": URL, "sso_region": "us-east-1"}, {})
    assert odd.login_command == "awsprompt sso login 'it'\"'\"'s'"


def test_detection_follows_botocore() -> None:
    """sso_account_id or sso_role_name make an SSO profile; sso_session alone is a sign-in."""
    assert is_sso_profile({"sso_role_name": "R"})
    assert is_sso_profile({"sso_account_id": "111122223333"})
    assert not is_sso_profile({"sso_session": "corp"})
    assert has_sso_session({"sso_session": "corp"})
    assert has_sso_session({"sso_start_url": URL})
    assert not has_sso_session({"region": "us-east-1"})
    # a sign-in-only profile still resolves to its session (for `sso login PROFILE`)
    assert session_of_profile("p", {"sso_session": "corp"}, SESSIONS).name == "corp"


def roles(**keys: str) -> dict[str, str]:
    """KEYS plus a valid sso_account_id and sso_role_name."""
    return {**ROLE_KEYS, **keys}


LEGACY = {"sso_start_url": URL, "sso_region": "us-east-1"}
BARE = {"s": dict(LEGACY)}
BAD_KEYS = [
    (roles(sso_session="nope"), SESSIONS, "sso-session 'nope', which does not exist"),
    ({"sso_session": "corp", "sso_role_name": "R"}, SESSIONS, "missing sso_account_id"),
    ({"sso_session": "corp", "sso_account_id": "111122223333"}, SESSIONS, "sso_role_name"),
    (roles(sso_start_url=URL), {}, "missing sso_region"),
    (roles(sso_region="us-east-1"), {}, "missing sso_start_url"),
    (roles(), {}, "no IAM Identity Center settings"),
    (roles(sso_session="corp", sso_account_id="1234"), SESSIONS, "12-digit"),
    (roles(sso_session="corp", sso_role_name="a b"), SESSIONS, "sso_role_name 'a b'"),
    (
        roles(sso_session="corp", sso_region="us-east-1"),
        SESSIONS,
        "sso_region is 'us-east-1' but sso-session 'corp' says 'eu-west-1'",
    ),
    (
        roles(sso_session="corp", sso_start_url="https://x.awsapps.com/start"),
        SESSIONS,
        "sso_start_url is",
    ),
    (
        roles(sso_session="s"),
        {"s": {"sso_region": "us-east-1"}},
        "sso-session 's' is missing sso_start_url",
    ),
    (
        roles(sso_session="s"),
        {"s": {"sso_start_url": URL}},
        "sso-session 's' is missing sso_region",
    ),
    (
        roles(sso_session="s", sso_registration_scopes="a:b"),
        BARE,
        "sets sso_registration_scopes but uses sso-session 's'",
    ),
    (roles(sso_start_url="ftp://x", sso_region="us-east-1"), {}, "not an https:// URL"),
    (roles(sso_start_url=URL, sso_region="US East"), {}, "not an AWS region name"),
    ({"sso_session": "corp"}, SESSIONS, "not an IAM Identity Center profile"),
]


@pytest.mark.parametrize(("keys", "sessions", "needle"), BAD_KEYS)
def test_missing_or_contradictory_keys_name_the_profile_and_the_key(
    keys: dict[str, str], sessions: dict[str, dict[str, str]], needle: str
) -> None:
    """Each bad configuration is one ConfigError naming the profile or session and the key."""
    with pytest.raises(ConfigError) as info:
        resolve_profile("dev", keys, sessions)
    err = info.value
    assert needle in err.message
    assert "'dev'" in err.message or "sso-session" in err.message
    assert err.hint and "~/.aws/config" in err.hint
    assert err.exit_code == 3


def test_the_config_file_named_in_hints_is_a_parameter() -> None:
    """Hints name the config file the caller read (AWS_CONFIG_FILE may move it)."""
    with pytest.raises(ConfigError) as info:
        resolve_profile("dev", {"sso_session": "x", **ROLE_KEYS}, {}, where="/etc/aws.cfg")
    assert "/etc/aws.cfg" in (info.value.hint or "")


def test_blank_values_count_as_missing() -> None:
    """`sso_region =` with nothing after it is missing, not an empty region."""
    with pytest.raises(ConfigError, match="missing sso_region"):
        resolve_session("s", {"sso_start_url": URL, "sso_region": "  "})

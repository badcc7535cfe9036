"""Settings: config.yaml validated against the schema, environment overrides, `config` output."""

from __future__ import annotations

import json
import os

import pytest
from conftest import Sandbox, app, cli

from awsprompt.config import settings
from awsprompt.errors import ConfigError, ExitCode


def write_settings(sandbox: Sandbox, text: str) -> str:
    """Write $AWSPROMPT_HOME/config.yaml; return its path as the `config` source shows it."""
    sandbox.state.mkdir(parents=True, exist_ok=True)
    path = sandbox.state / "config.yaml"
    path.write_text(text)
    return str(path)


def config_json(env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    """`awsprompt config --json`."""
    result = cli("config", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_defaults_without_a_settings_file(sandbox: Sandbox) -> None:
    """With no file, every schema key is listed with its default and source `default`."""
    data = config_json()
    assert set(data) == set(settings.SCHEMA)
    assert data["sessions.refresh_window"] == {"value": 300, "source": "default"}
    assert data["backend"] == {"value": "file", "source": "default"}
    assert data["prompt.production_patterns"] == {"value": ["*prod*"], "source": "default"}
    assert all(entry["source"] == "default" for entry in data.values())


def test_file_values_are_parsed_and_attributed_to_the_file(sandbox: Sandbox) -> None:
    """Values from config.yaml (durations, booleans, lists) show the file as their source."""
    path = write_settings(
        sandbox,
        "agent:\n  offer: false\n  idle_ttl: 30m\n"
        "sessions:\n  refresh_window: 10m\n"
        "prompt:\n  production_patterns: [live-*, '*prd*']\n",
    )
    data = config_json()
    assert data["agent.offer"] == {"value": False, "source": path}
    assert data["agent.idle_ttl"] == {"value": 1800, "source": path}
    assert data["sessions.refresh_window"] == {"value": 600, "source": path}
    assert data["prompt.production_patterns"] == {"value": ["live-*", "*prd*"], "source": path}
    assert data["agent.max_ttl"]["source"] == "default"


def test_environment_overrides_the_file(sandbox: Sandbox) -> None:
    """$AWSPROMPT_MIN_TTL beats the file's refresh_window and is named as the source."""
    write_settings(sandbox, "sessions:\n  refresh_window: 10m\n")
    data = config_json(env={"AWSPROMPT_MIN_TTL": "2m"})
    assert data["sessions.refresh_window"] == {"value": 120, "source": "$AWSPROMPT_MIN_TTL"}
    data = config_json(env={"AWS_MIN_TTL": "3m"})
    assert data["sessions.refresh_window"] == {"value": 180, "source": "$AWS_MIN_TTL"}
    data = config_json(env={"AWS_MIN_TTL": "3m", "AWSPROMPT_MIN_TTL": "4m"})
    assert data["sessions.refresh_window"] == {"value": 240, "source": "$AWSPROMPT_MIN_TTL"}
    data = config_json(env={"AWSPROMPT_BACKEND": "keyring"})
    assert data["backend"] == {"value": "keyring", "source": "$AWSPROMPT_BACKEND"}


def test_text_output_shows_value_and_source(sandbox: Sandbox) -> None:
    """`config` without --json prints one line per setting with value and source."""
    path = write_settings(sandbox, "rotation_days: 30\n")
    result = cli("config", env={"AWSPROMPT_LOCK_TIMEOUT": "45s"})
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == set(settings.SCHEMA)
    assert lines["rotation_days"].split()[1] == "30"
    assert lines["rotation_days"].endswith(f"({path})")
    assert lines["sessions.lock_timeout"].split()[1] == "45s"  # as the settings file writes it
    assert lines["sessions.chain_duration"].split()[1] == "8h"
    assert lines["sessions.lock_timeout"].endswith("($AWSPROMPT_LOCK_TIMEOUT)")
    assert lines["backend"].endswith("(default)")


def test_unknown_key_is_refused_with_a_suggestion(sandbox: Sandbox) -> None:
    """A misspelt key stops every command with exit 3, naming it and the likely intended key."""
    path = write_settings(sandbox, "agnet:\n  offer: false\n")
    for args in (("config",), ("status",)):
        result = cli(*args)
        assert result.returncode == ExitCode.CONFIG, result.stderr
        assert "'agnet.offer'" in result.stderr
        assert path in result.stderr
        assert "did you mean 'agent.offer'" in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("sessions:\n  refresh_window: soon\n", "sessions.refresh_window"),
        ("agent:\n  offer: maybe\n", "agent.offer"),
        ("rotation_days: -1\n", "rotation_days"),
        ("backend: vault\n", "backend"),
        ("prompt:\n  production_patterns: [prod, 3]\n", "prompt.production_patterns"),
    ],
)
def test_bad_value_is_refused_naming_the_key(sandbox: Sandbox, yaml_text: str, key: str) -> None:
    """A value of the wrong kind exits 3 and names the setting and the file."""
    path = write_settings(sandbox, yaml_text)
    result = cli("config", "--json")
    assert result.returncode == ExitCode.CONFIG, result.stderr
    assert f"setting {key!r}" in result.stderr
    assert path in result.stderr
    assert result.stdout == ""


def test_bad_environment_value_names_the_variable(sandbox: Sandbox) -> None:
    """A bad override from the environment exits 3 naming the variable, not the file."""
    result = cli("config", env={"AWSPROMPT_BACKEND": "cloud"})
    assert result.returncode == ExitCode.CONFIG
    assert "'backend'" in result.stderr
    assert "$AWSPROMPT_BACKEND" in result.stderr


def test_critical_above_warn_is_refused(sandbox: Sandbox) -> None:
    """prompt.critical_minutes greater than prompt.warn_minutes is a config error."""
    write_settings(sandbox, "prompt:\n  warn_minutes: 5\n  critical_minutes: 10\n")
    result = cli("config")
    assert result.returncode == ExitCode.CONFIG
    assert "prompt.critical_minutes" in result.stderr
    write_settings(sandbox, "prompt:\n  warn_minutes: 10\n  critical_minutes: 10\n")
    assert cli("config").returncode == 0


def test_unparsable_yaml_names_the_file(sandbox: Sandbox) -> None:
    """A YAML syntax error exits 3 naming the file."""
    path = write_settings(sandbox, "agent: [offer\n")
    result = cli("config")
    assert result.returncode == ExitCode.CONFIG
    assert f"cannot parse {path}" in result.stderr


def test_edits_are_seen_despite_the_parsed_copy(sandbox: Sandbox) -> None:
    """Changing config.yaml (even to the same size) takes effect; a broken edit is refused."""
    write_settings(sandbox, "rotation_days: 30\n")
    assert config_json()["rotation_days"]["value"] == 30
    path = write_settings(sandbox, "rotation_days: 45\n")
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert config_json()["rotation_days"]["value"] == 45
    write_settings(sandbox, "rotation_days: 4x\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000))
    assert cli("config").returncode == ExitCode.CONFIG


def test_load_in_process_matches_the_schema(sandbox: Sandbox) -> None:
    """settings.load(app()) raises ConfigError for an unknown top-level key too."""
    write_settings(sandbox, "backnd: keyring\n")
    with pytest.raises(ConfigError) as info:
        settings.load(app())
    assert "'backnd'" in info.value.message
    assert info.value.hint == "did you mean 'backend'?"

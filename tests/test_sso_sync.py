"""`sso sync`: profiles for every account and role, in a marked block, against the emulation."""

from __future__ import annotations

import json
import os
import random
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSPHRASE, Sandbox, app, cli
from ssoworld import (  # noqa: F401 - fixtures
    ACCOUNT_A,
    ACCOUNT_B,
    READONLY,
    ROLE,
    SESSION,
    START_URL,
    PersonUI,
    World,
    clock,
    emu,
    new_emulation,
    world,
)

from awsprompt.aws import accounts
from awsprompt.aws.sso import sync as sso_sync
from awsprompt.aws.sso.config import resolve_profile
from awsprompt.aws.sso.login import make_flow
from awsprompt.aws.sso.portal import Account, RoleAssignment
from awsprompt.aws.sso.refresh import tokens_for
from awsprompt.aws.sso.sync import SyncOptions, SyncResult, generate, sync_session
from awsprompt.clock import SYSTEM, FakeClock
from awsprompt.config import ini
from awsprompt.context import Context
from awsprompt.emulation.identitycenter import FakeBrowser, IdentityCenter
from awsprompt.envvars import Env
from awsprompt.errors import ConfigError, LockTimeout, UsageError
from awsprompt.names import MAX_NAME, is_valid_profile_name
from awsprompt.secrets.vault import LongTermKey
from awsprompt.ui import Scripted

SESSION_SECTION = (
    f"[sso-session {SESSION}]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
    "sso_registration_scopes = sso:account:access\n"
)
# What a user's file may hold before the block: odd spacing, comments of both kinds, an
# indented s3 block, a quoted title, a DEFAULT section, keys with ':' as the separator.
USER_CONFIG = (
    "# my own config\n"
    "[DEFAULT]\n"
    "cli_pager =\n"
    "\n"
    "[default]\n"
    "region=eu-west-1\n"
    "s3 =\n"
    "    max_concurrent_requests = 10\n"
    "\n"
    "; a comment of the other kind\n"
    '[profile "quoted.name"]\n'
    "output : json\n"
    "\n" + SESSION_SECTION
)
BEGIN = f"# >>> awsprompt sso sync {SESSION} >>>"
END = f"# <<< awsprompt sso sync {SESSION} <<<"


def in_process(world: World, clock: FakeClock) -> Context:
    """A Context over the world's environment (the emulation's endpoints) and clock."""
    return Context(world.env, Scripted(), clock)


def run_sync(
    world: World,
    clock: FakeClock,
    options: SyncOptions | None = None,
    *,
    dry_run: bool = False,
) -> SyncResult:
    """One in-process sync of session 'corp' with the world's (stored) token."""
    token = world.tokens.get(world.session)
    return sync_session(
        in_process(world, clock),
        world.session,
        token.access_token,
        options or SyncOptions(),
        dry_run=dry_run,
        portal=world.portal(),
    )


def block_of(text: str) -> str:
    """The block in TEXT, both markers included."""
    start = text.index(BEGIN)
    return text[start : text.index(END) + len(END) + 1]


def backups(sandbox: Sandbox) -> list[Path]:
    """The backups beside ~/.aws/config."""
    return sorted(sandbox.config.parent.glob("config.awsprompt-backup-*"))


def test_two_thousand_accounts_twice_and_nothing_else_touched(
    sandbox: Sandbox, world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """2,003 profiles appended after the user's bytes; run again: all unchanged, not rewritten."""
    for i in range(2000):
        emu.add_account(f"{700000000000 + i}", f"team {i:04d}", roles=("Developer",))
    sandbox.write_config(USER_CONFIG)
    original = sandbox.config.read_bytes()
    world.login()
    first = run_sync(world, clock)
    assert len(first.added) == 2003 and first.accounts == 2002
    assert first.removed == first.updated == first.unchanged == first.skipped == []
    after = sandbox.config.read_bytes()
    assert after.startswith(original + b"\n" + BEGIN.encode() + b"\n")
    assert after.endswith(END.encode() + b"\n")
    # Every generated profile is a valid SSO profile of the session, as the AWS CLI sees it.
    view = ini.read_config(sandbox.config)
    sessions = {n: s.values for n, s in view.sso_sessions.items()}
    generated = {n: s for n, s in view.profiles.items() if n not in ("default", "quoted.name")}
    assert len(generated) == 2003
    sso = resolve_profile("team-0042/Developer", generated["team-0042/Developer"].values, sessions)
    assert (sso.account_id, sso.role_name, sso.session_name) == (
        "700000000042",
        "Developer",
        "corp",
    )
    assert view.profiles["quoted.name"].values["output"] == "json"
    assert view.profiles["default"].nested["s3"] == {"max_concurrent_requests": "10"}
    # The previous file was kept, privately, byte for byte.
    (backup,) = backups(sandbox)
    assert backup.read_bytes() == original
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    before = sandbox.config.stat()
    second = run_sync(world, clock)
    assert len(second.unchanged) == 2003 and second.changed is False
    assert second.added == second.removed == second.updated == second.skipped == []
    assert sandbox.config.read_bytes() == after
    now = sandbox.config.stat()
    assert (now.st_ino, now.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(backups(sandbox)) == 1  # nothing changed: no second backup


def test_a_replaced_block_leaves_the_bytes_before_and_after_it(
    sandbox: Sandbox, world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """With the user's sections on both sides of the block, only the block's bytes change."""
    sandbox.write_config(USER_CONFIG)
    world.login()
    run_sync(world, clock)
    text = sandbox.config.read_bytes()
    tail = b"\n[profile mine]\r\nregion = us-west-2\r\n# the end, without a newline"
    sandbox.config.write_bytes(text + tail)
    head = text[: text.index(BEGIN.encode())]
    emu.add_account("999988887777", "New account", roles=("Billing",))
    emu.unassign(ACCOUNT_A, READONLY)
    result = run_sync(world, clock)
    assert result.added == ["New-account/Billing"] and result.removed == ["Sandbox/ReadOnly"]
    data = sandbox.config.read_bytes()
    assert data.startswith(head) and data.endswith(END.encode() + b"\n" + tail)
    assert b"[profile New-account/Billing]\n" in data and b"Sandbox/ReadOnly" not in data


def test_a_vanished_assignment_leaves_the_block(
    sandbox: Sandbox, world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """A role taken away, then a whole account: their profiles go, the others stay as they were."""
    sandbox.write_config(SESSION_SECTION)
    world.login()
    first = run_sync(world, clock)
    assert first.added == [
        "Production/AdministratorAccess",
        "Sandbox/AdministratorAccess",
        "Sandbox/ReadOnly",
    ]
    emu.unassign(ACCOUNT_A, READONLY)
    second = run_sync(world, clock)
    assert second.removed == ["Sandbox/ReadOnly"] and second.added == []
    assert second.unchanged == ["Production/AdministratorAccess", "Sandbox/AdministratorAccess"]
    emu.unassign(ACCOUNT_B, ROLE)
    third = run_sync(world, clock)
    assert third.removed == ["Production/AdministratorAccess"]
    assert set(ini.read_config(sandbox.config).profiles) == {"Sandbox/AdministratorAccess"}


def test_template_prefix_and_region(
    sandbox: Sandbox, world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """Every field of the template, a prefix and a region; a new region updates every profile."""
    sandbox.write_config(SESSION_SECTION)
    world.login()
    options = SyncOptions(
        template="{sso_session}:{account_id}:{account_name}:{role_name}",
        prefix="org.",
        region="eu-west-1",
    )
    result = run_sync(world, clock, options)
    name = f"org.corp:{ACCOUNT_A}:Sandbox:{READONLY}"
    assert name in result.added
    values = ini.read_config(sandbox.config).profiles[name].values
    assert values == {
        "sso_session": "corp",
        "sso_account_id": ACCOUNT_A,
        "sso_role_name": READONLY,
        "region": "eu-west-1",
    }
    moved = run_sync(world, clock, SyncOptions(options.template, options.prefix, "eu-north-1"))
    assert sorted(moved.updated) == sorted(result.added) and moved.added == moved.removed == []
    plain = run_sync(world, clock, SyncOptions(options.template, options.prefix))
    assert "region" not in ini.read_config(sandbox.config).profiles[name].values
    assert len(plain.updated) == 3


@pytest.mark.parametrize(
    ("template", "prefix", "region", "text"),
    [
        ("{account}/{role_name}", "", None, "{account} is not a field"),
        ("{role_name.__class__}", "", None, "is not a field"),
        ("{role_name!r}", "", None, "is not a field"),
        ("{role_name:>9}", "", None, "is not a field"),
        ("{}", "", None, "{} is not a field"),
        ("{role_name", "", None, "cannot be read"),
        ("static", "", None, "names no field"),
        (sso_sync.DEFAULT_TEMPLATE, "-x", None, "invalid --prefix"),
        (sso_sync.DEFAULT_TEMPLATE, "a b", None, "invalid --prefix"),
        (sso_sync.DEFAULT_TEMPLATE, "p" * 65, None, "invalid --prefix"),
        (sso_sync.DEFAULT_TEMPLATE, "", "Europe", "not an AWS region name"),
    ],
)
def test_bad_options_are_usage_errors(
    template: str, prefix: str, region: str | None, text: str
) -> None:
    """A template field that does not exist, a bad prefix or region: exit 2, naming it."""
    with pytest.raises(UsageError) as info:
        SyncOptions(template, prefix, region).check()
    assert text in info.value.message


def pairs(*items: tuple[str, str, str]) -> tuple[list[Account], list[RoleAssignment]]:
    """Accounts and assignments from (account id, account name, role) triples."""
    names = {a: n for a, n, _ in items}
    return (
        [Account(a, n) for a, n in names.items()],
        [RoleAssignment(a, r) for a, _, r in items],
    )


def test_names_are_sanitised_to_the_profile_name_rule() -> None:
    """Accents fold, spaces and brackets become one '-', a too-long name is cut to the cap."""
    found, skipped = generate(
        "corp",
        *pairs(
            ("111111111111", "Équipe Données (prod)", "Admin"),
            ("222222222222", "  -lead $(touch pwn); `id`  ", "Admin"),
            ("333333333333", "x" * 300, "Admin"),
            ("444444444444", "", "Admin"),
            ("555555555555", "日本", "Admin"),
        ),
        SyncOptions(),
    )
    names = {p.account_id: p.name for p in found}
    assert names["111111111111"] == "Equipe-Donnees-prod/Admin"
    assert names["222222222222"] == "lead-touch-pwn-id/Admin"
    assert names["333333333333"] == "x" * MAX_NAME
    assert names["444444444444"] == "444444444444/Admin"  # no name: the id
    assert names["555555555555"] == "555555555555/Admin"  # nothing ASCII left: the id
    assert skipped == [] and all(is_valid_profile_name(n) for n in names.values())


def test_collisions_are_made_unique_in_any_order() -> None:
    """Two accounts named alike get their ids; roles alike after folding get -2; order is moot."""
    items = [
        ("111111111111", "Sandbox", "Admin"),
        ("222222222222", "Sandbox", "Admin"),
        ("222222222222", "Sandbox", "Rôle"),
        ("222222222222", "Sandbox", "Role"),
        ("333333333333", "Prod", "Admin"),
    ]
    found, _ = generate("corp", *pairs(*items), SyncOptions())
    assert [(p.name, p.account_id, p.role_name) for p in found] == [
        ("Prod/Admin", "333333333333", "Admin"),
        ("Sandbox-111111111111/Admin", "111111111111", "Admin"),
        ("Sandbox-222222222222/Admin", "222222222222", "Admin"),
        ("Sandbox/Role", "222222222222", "Role"),
        ("Sandbox/Role-2", "222222222222", "Rôle"),
    ]
    for seed in range(5):
        shuffled = list(items)
        random.Random(seed).shuffle(shuffled)
        assert generate("corp", *pairs(*shuffled), SyncOptions())[0] == found
    # A template without the account: the id goes at the end.
    by_role, _ = generate("corp", *pairs(*items[:2]), SyncOptions(template="{role_name}"))
    assert [p.name for p in by_role] == ["Admin-111111111111", "Admin-222222222222"]


def test_invalid_portal_answers_are_skipped() -> None:
    """An account id that is not 12 digits or a role sso_role_name cannot hold gets no profile."""
    found, skipped = generate(
        "corp",
        *pairs(("12345", "Short", "Admin"), ("111111111111", "Ok", "bad role\n[x]")),
        SyncOptions(),
    )
    assert found == []
    assert [(s.account_id, s.reason.split(" that ")[0]) for s in skipped] == [
        ("111111111111", "the portal gave a role name"),
        ("12345", "the portal gave an account id"),
    ]


def test_names_that_exist_outside_the_block_are_skipped(
    sandbox: Sandbox, world: World, clock: FakeClock, with_passphrase: str
) -> None:
    """A name in the config, the credentials file or the vault is not generated: skipped."""
    mine = "[profile Sandbox/AdministratorAccess]\nregion = ap-south-1\n\n"
    sandbox.write_config(mine + SESSION_SECTION)
    sandbox.write_credentials("[Sandbox/ReadOnly]\naws_access_key_id = AKIAEXAMPLE000000001\n")
    app().vault.put("Production/AdministratorAccess", LongTermKey("AKIAEXAMPLE000000002", "s" * 40))
    world.login()
    result = run_sync(world, clock)
    assert result.added == []
    reasons = {s.name: s.reason for s in result.skipped}
    assert reasons == {
        "Sandbox/AdministratorAccess": f"a profile of that name exists in {sandbox.config},"
        " outside the block",
        "Sandbox/ReadOnly": f"a profile of that name exists in {sandbox.credentials}",
        "Production/AdministratorAccess": "a profile of that name exists in the vault",
    }
    text = sandbox.config.read_text()
    assert text.startswith(mine + SESSION_SECTION)
    assert "[profile" not in block_of(text)


def test_dry_run_writes_nothing_and_shows_the_diff(
    sandbox: Sandbox, world: World, emu: IdentityCenter, clock: FakeClock
) -> None:
    """--dry-run: the block's unified diff, no file written, no backup, no account names."""
    sandbox.write_config(SESSION_SECTION)
    original = sandbox.config.read_bytes()
    world.login()
    planned = run_sync(world, clock, dry_run=True)
    assert planned.changed and planned.dry_run and planned.backup is None
    assert sandbox.config.read_bytes() == original and backups(sandbox) == []
    assert not (sandbox.state / "accounts.json").exists()
    lines = planned.diff.splitlines()
    assert (
        lines[0] == f"--- {sandbox.config} (before)" and lines[1] == f"+++ {sandbox.config} (after)"
    )
    assert f"+{BEGIN}" in lines and "+[profile Sandbox/ReadOnly]" in lines and f"+{END}" in lines
    assert not any(line.startswith("-") and not line.startswith("---") for line in lines)
    done = run_sync(world, clock)
    assert done.added == planned.added and sandbox.config.read_bytes() != original
    assert run_sync(world, clock, dry_run=True).diff == ""
    emu.unassign(ACCOUNT_A, READONLY)
    removal = run_sync(world, clock, dry_run=True).diff.splitlines()
    assert [line for line in removal if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-",
        "-[profile Sandbox/ReadOnly]",
        "-sso_session = corp",
        f"-sso_account_id = {ACCOUNT_A}",
        f"-sso_role_name = {READONLY}",
    ]


def test_account_names_are_stored_beside_the_aliases(
    sandbox: Sandbox, world: World, clock: FakeClock
) -> None:
    """accounts.json (0600) gets each account's name; an alias entry keeps its alias."""
    path = sandbox.state / "accounts.json"
    sandbox.state.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, json.dumps({ACCOUNT_A: {"alias": "sandbox-alias", "checked": 1}}).encode())
    os.close(fd)
    world.login()
    run_sync(world, clock)
    data = json.loads(path.read_text())
    assert data[ACCOUNT_A] == {"alias": "sandbox-alias", "checked": 1, "name": "Sandbox"}
    assert data[ACCOUNT_B] == {"name": "Production"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ctx = in_process(world, clock)
    assert accounts.account_names(ctx) == {ACCOUNT_A: "Sandbox", ACCOUNT_B: "Production"}
    assert accounts.cached_alias(ctx, ACCOUNT_B) == (False, None)  # a name is not an alias


def test_an_alias_lookup_keeps_the_account_name(sandbox: Sandbox, moto: object) -> None:
    """alias_for (IAM, through moto) adds alias and time to an entry and keeps its name."""
    from awsprompt.aws.credentials import Credentials

    ctx = app()
    accounts.remember_names(ctx, {"123456789012": "Sandbox"})
    creds = Credentials("AKIAEXAMPLE000000003", "s" * 40)
    assert accounts.alias_for(ctx, "123456789012", creds, "us-east-1") is None
    entry = json.loads((sandbox.state / "accounts.json").read_text())["123456789012"]
    assert entry["name"] == "Sandbox" and entry["alias"] == "" and entry["checked"] > 0


# -- the block editor ------------------------------------------------------------------------

LABEL = "awsprompt sso sync corp"


def body(*names: str) -> bytes:
    """Sections for NAMES."""
    return b"".join(f"\n[profile {n}]\nregion = us-east-1\n".encode() for n in names)


def test_a_missing_config_file_is_created_private(sandbox: Sandbox) -> None:
    """No ~/.aws/config yet: the file holds the block alone, 0600; no backup of nothing."""
    sandbox.config.parent.rmdir()
    edit = ini.replace_block(sandbox.config, LABEL, lambda view: body("a"))
    assert edit.changed and edit.backup is None and edit.old == b""
    assert sandbox.config.read_bytes() == edit.new
    assert stat.S_IMODE(sandbox.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(sandbox.config.parent.stat().st_mode) == 0o700


def test_a_file_without_a_final_newline_gets_one_and_nothing_else(sandbox: Sandbox) -> None:
    """The block is appended after a newline and a blank line; the user's mode is kept."""
    sandbox.config.write_bytes(b"[profile x]\nregion = a")
    sandbox.config.chmod(0o640)
    ini.replace_block(sandbox.config, LABEL, lambda view: body("a"))
    data = sandbox.config.read_bytes()
    assert data.startswith(b"[profile x]\nregion = a\n\n# >>> ")
    assert stat.S_IMODE(sandbox.config.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "damage",
    [
        f"# >>> {LABEL} >>>\n[profile a]\nk = v\n",  # no end marker
        f"# <<< {LABEL} <<<\n",  # an end marker alone
        f"# <<< {LABEL} <<<\n[profile a]\nk = v\n# >>> {LABEL} >>>\n",  # reversed
        f"# >>> {LABEL} >>>\n# <<< {LABEL} <<<\n# >>> {LABEL} >>>\n# <<< {LABEL} <<<\n",
    ],
    ids=["no-end", "end-only", "reversed", "twice"],
)
def test_damaged_markers_are_refused(sandbox: Sandbox, damage: str) -> None:
    """Markers that are not one begin then one end: ConfigError naming them, file untouched."""
    sandbox.write_config("[profile x]\nregion = a\n" + damage)
    before = sandbox.config.read_bytes()
    with pytest.raises(ConfigError, match="damaged `awsprompt sso sync corp` block"):
        ini.replace_block(sandbox.config, LABEL, lambda view: body("a"))
    with pytest.raises(ConfigError):
        ini.plan_block(sandbox.config, LABEL, lambda view: body("a"))
    assert sandbox.config.read_bytes() == before


def test_keys_right_after_the_block_are_never_swallowed(sandbox: Sandbox) -> None:
    """A key line after the end marker reads as the block's: the edit is refused, not done."""
    ini.replace_block(sandbox.config, LABEL, lambda view: body("a"))
    sandbox.config.write_bytes(sandbox.config.read_bytes() + b"output = json\n")
    before = sandbox.config.read_bytes()
    with pytest.raises(ConfigError) as info:
        ini.replace_block(sandbox.config, LABEL, lambda view: body("b"))
    assert "[section] header" in (info.value.hint or "")
    assert sandbox.config.read_bytes() == before


def test_a_title_outside_the_block_is_never_duplicated(sandbox: Sandbox) -> None:
    """A body section that exists outside: refused by the check (the file would not parse)."""
    sandbox.write_config("[profile a]\nregion = x\n")
    with pytest.raises(ConfigError):
        ini.replace_block(sandbox.config, LABEL, lambda view: body("a"))
    assert sandbox.config.read_text() == "[profile a]\nregion = x\n"


def test_the_view_splits_sections_at_the_markers(sandbox: Sandbox) -> None:
    """RENDER sees the block's sections and the others apart, under the lock."""
    sandbox.write_config("[profile a]\nregion = x\n")
    ini.replace_block(sandbox.config, LABEL, lambda view: body("b", "c"))
    seen: list[ini.BlockView] = []

    def render(view: ini.BlockView) -> bytes:
        seen.append(view)
        return body("b")

    edit = ini.replace_block(sandbox.config, LABEL, render)
    (view,) = seen
    assert set(view.inside.profiles) == {"b", "c"} and set(view.outside.profiles) == {"a"}
    assert view.text == edit.old and b"[profile c]" in edit.old and b"[profile c]" not in edit.new


def test_a_symlinked_config_is_edited_in_its_target(sandbox: Sandbox, tmp_path: Path) -> None:
    """Dotfile repos: the link stays a link, the target gets the block and the backup."""
    target = tmp_path / "dotfiles" / "aws-config"
    target.parent.mkdir()
    target.write_text("[profile a]\nregion = x\n")
    sandbox.config.symlink_to(target)
    edit = ini.replace_block(
        sandbox.config,
        LABEL,
        lambda view: body("b"),
        backup=lambda real, data: real.with_name(real.name + ".bak"),
    )
    assert sandbox.config.is_symlink() and b"[profile b]" in target.read_bytes()
    assert edit.backup == target.with_name("aws-config.bak")


def test_the_edit_waits_for_the_same_lock_as_every_other_edit(sandbox: Sandbox) -> None:
    """While another edit holds the file's lock, the block is not written (LockTimeout)."""
    sandbox.write_config("[profile a]\nregion = x\n")
    with ini.locked(sandbox.config), pytest.raises(LockTimeout):
        ini.replace_block(sandbox.config, LABEL, lambda view: body("b"), timeout=0.2)
    assert sandbox.config.read_text() == "[profile a]\nregion = x\n"


# -- the command -----------------------------------------------------------------------------


@pytest.fixture
def signed_in(
    sandbox: Sandbox, with_passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[IdentityCenter]:
    """A live emulation, its endpoints in the environment, a token sealed in the real vault."""
    center = new_emulation(SYSTEM)
    for var, value in center.env().items():
        monkeypatch.setenv(var, value)
    sandbox.write_config("[profile own]\nregion = eu-west-1\n\n" + SESSION_SECTION)
    ctx = Context(Env(os.environ), PersonUI(center), SYSTEM)
    ctx.vault.put("base", LongTermKey("AKIAEXAMPLE000000004", "s" * 40))  # creates the vault
    session = sso_sync.session_named(ctx, SESSION)
    tokens = tokens_for(ctx)
    flow = make_flow(
        ctx.ui, SYSTEM, session, tokens.oidc(session), open_browser=FakeBrowser(), timeout=30
    )
    tokens.login(session, flow)
    yield center
    center.stop()


def test_cli_sync_prints_a_summary_and_progress(
    sandbox: Sandbox, signed_in: IdentityCenter
) -> None:
    """stdout: the summary table; stderr: progress and the outcome; the block is written."""
    result = cli("sso", "sync", SESSION)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CHANGE", "PROFILES", "NAMES"]
    assert lines[1].split()[:3] == ["added", "3", "Production/AdministratorAccess,"]
    assert [line.split()[:2] for line in lines[2:]] == [
        ["removed", "0"],
        ["updated", "0"],
        ["unchanged", "0"],
        ["skipped", "0"],
    ]
    assert "Listing the accounts of sso-session 'corp'" in result.stderr
    assert "3 added, 0 removed" in result.stderr and "wrote 3 profiles" in result.stderr
    assert "aoa-" not in result.stdout + result.stderr
    assert "[profile Sandbox/ReadOnly]" in sandbox.config.read_text()
    again = cli("sso", "sync", SESSION)
    assert again.returncode == 0 and "already up to date" in again.stderr
    assert again.stdout.splitlines()[4].split()[:2] == ["unchanged", "3"]


def test_cli_json_summary(sandbox: Sandbox, signed_in: IdentityCenter) -> None:
    """--json: one object with the lists; a skipped name comes with its reason."""
    with sandbox.config.open("a") as fh:
        fh.write("\n[profile Production/AdministratorAccess]\nregion = x\n")
    result = cli("sso", "sync", SESSION, "--json", "--region", "eu-west-1", "--prefix", "corp-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["added"] == [
        "corp-Production/AdministratorAccess",
        "corp-Sandbox/AdministratorAccess",
        "corp-Sandbox/ReadOnly",
    ]
    assert doc["sso_session"] == SESSION and doc["accounts"] == 2 and doc["profiles"] == 3
    assert doc["changed"] is True and doc["dry_run"] is False and doc["diff"] is None
    assert doc["backup"] and Path(doc["backup"]).is_file()
    assert doc["skipped"] == []
    clash = cli("sso", "sync", SESSION, "--json")
    skipped = json.loads(clash.stdout)["skipped"]
    assert [s["name"] for s in skipped] == ["Production/AdministratorAccess"]
    assert "outside the block" in skipped[0]["reason"]
    assert "skipped 'Production/AdministratorAccess'" in clash.stderr


def test_cli_dry_run_prints_the_diff_only(sandbox: Sandbox, signed_in: IdentityCenter) -> None:
    """--dry-run: the unified diff on stdout, the file and the state untouched."""
    before = sandbox.config.read_bytes()
    result = cli("sso", "sync", SESSION, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"--- {sandbox.config} (before)\n")
    assert "+[profile Sandbox/AdministratorAccess]\n" in result.stdout
    assert "nothing written" in result.stderr
    assert sandbox.config.read_bytes() == before and backups(sandbox) == []
    both = json.loads(cli("sso", "sync", SESSION, "--dry-run", "--json").stdout)
    assert both["dry_run"] is True and both["diff"] == result.stdout


def test_cli_without_a_token_says_which_login_to_run(
    sandbox: Sandbox, with_passphrase: str, emu: IdentityCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sign-in yet: exit 12, the `sso login` hint, no browser, the file untouched."""
    for var, value in emu.env().items():
        monkeypatch.setenv(var, value)
    sandbox.write_config(SESSION_SECTION)
    app().vault.put("base", LongTermKey("AKIAEXAMPLE000000005", "s" * 40))
    result = cli("sso", "sync", SESSION)
    assert result.returncode == 12, result.stderr
    assert "not signed in to sso-session 'corp'" in result.stderr
    assert "awsprompt sso login --sso-session corp" in result.stderr
    assert emu.calls["ListAccounts"] == 0 and emu.calls["RegisterClient"] == 0
    assert sandbox.config.read_text() == SESSION_SECTION


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("nope",), 3, "sso-session 'nope' does not exist"),
        ((SESSION, "--template", "{bad}"), 2, "{bad} is not a field"),
        ((SESSION, "--region", "mars"), 2, "not an AWS region name"),
    ],
)
def test_cli_errors(sandbox: Sandbox, args: tuple[str, ...], code: int, text: str) -> None:
    """An unknown sso-session is a config error; bad options are usage errors; nothing written."""
    sandbox.write_config(SESSION_SECTION)
    result = cli("sso", "sync", *args)
    assert result.returncode == code and text in result.stderr
    assert result.stdout == "" and sandbox.config.read_text() == SESSION_SECTION


def test_list_shows_generated_profiles_with_their_account_names(
    sandbox: Sandbox, signed_in: IdentityCenter
) -> None:
    """After a sync `list --json` has every generated profile, with its account's name."""
    assert cli("sso", "sync", SESSION).returncode == 0
    result = cli("list", "--json", env={"AWSPROMPT_PASSPHRASE": PASSPHRASE})
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["Sandbox/ReadOnly"]["account_name"] == "Sandbox"
    assert rows["Production/AdministratorAccess"]["account_name"] == "Production"
    assert rows["own"]["account_name"] is None


def test_list_table_shows_an_account_name_beside_its_id(sandbox: Sandbox) -> None:
    """A role in an account whose name `sso sync` learned: `111122223333 (Sandbox)`."""
    sandbox.write_credentials(
        "[base]\naws_access_key_id = AKIAEXAMPLE000000006\naws_secret_access_key = secret\n"
    )
    sandbox.write_config(
        f"[profile base]\n[profile r]\nrole_arn = arn:aws:iam::{ACCOUNT_A}:role/x\n"
        "source_profile = base\n"
    )
    accounts.remember_names(app(), {ACCOUNT_A: "Sandbox [main]"})
    result = cli("list")
    assert result.returncode == 0, result.stderr
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("r ")]
    assert f"{ACCOUNT_A} (Sandbox [main])" in row  # shown literally, not as rich markup
    rows = {r["name"]: r for r in json.loads(cli("list", "--json").stdout)}
    assert rows["r"]["account_name"] == "Sandbox [main]" and rows["base"]["account_name"] is None


def test_sso_alone_lists_its_commands() -> None:
    """`awsprompt sso` prints its help (with sync) on stdout and exits 0."""
    result = cli("sso")
    assert result.returncode == 0 and "sync" in result.stdout and result.stderr == ""

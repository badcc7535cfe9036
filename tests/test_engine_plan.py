"""plan(): the pure choice of GetSessionToken/AssumeRole steps (aws-vault's MFA-sharing rules)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace

import pytest

from awsprompt.aws import engine
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.plan import CHAIN_CAP, Options, Plan, SourceFacts
from awsprompt.aws.plan import plan as planner
from awsprompt.aws.sources import CredentialProcess, PlaintextKeys, VaultKeys
from awsprompt.config.profiles import Profile, RoleHop, Source
from awsprompt.config.settings import Settings
from awsprompt.envvars import Env
from awsprompt.secrets.sessions import cache_key

MFA = "arn:aws:iam::000000000000:mfa/me"
MFA2 = "arn:aws:iam::333333333333:mfa/other"
FP = "fp-source-1"
SETTINGS = Settings()


def facts(src: Source, fp: str = FP) -> SourceFacts:
    """The real source plug-in for SRC (a vault source is named FP, as the vault index would)."""
    if src.kind == "vault":
        return VaultKeys(src, fp)
    if src.kind == "file":
        return PlaintextKeys.of(src)
    return CredentialProcess.of(src)


def plan(
    prof: Profile,
    fp: str,
    settings: Settings,
    opts: Options,
    endpoint: str = "",
    session_name: str = "awsprompt",
) -> Plan:
    """The planner on PROF, its source named FP (vault sources; the others name themselves)."""
    return planner(prof, facts(prof.source, fp), settings, opts, endpoint, session_name)


def source(mfa: str | None = MFA) -> Source:
    """A vault source, with MFA by default."""
    return Source(profile="base", kind="vault", mfa_serial=mfa, mfa_process="echo 123456")


def hop(name: str, account: str, **kw: object) -> RoleHop:
    """A role hop named NAME in ACCOUNT."""
    return RoleHop(profile=name, role_arn=f"arn:aws:iam::{account}:role/{name}", **kw)  # type: ignore[arg-type]


def profile(*hops: RoleHop, mfa: str | None = MFA) -> Profile:
    """A profile ending in the last of HOPS (or the source itself)."""
    name = hops[-1].profile if hops else "base"
    return Profile(name, source(mfa), tuple(hops), None)


def kinds(p: Plan) -> list[str]:
    """The step kinds of plan P."""
    return [s.kind for s in p.steps]


# --- the table: one row per profile shape ------------------------------------------------

VAULT = Source(profile="base", kind="vault")
VAULT_MFA = source()
LONG_KEYS = Credentials("AKIAPLAINTEXT0000001", "plaintext-secret")
TEMP_KEYS = Credentials("ASIAPLAINTEXT0000002", "plaintext-secret", "session-token")
PLAIN = Source(profile="plain", kind="file", static=LONG_KEYS)
PLAIN_MFA = replace(PLAIN, mfa_serial=MFA)
PLAIN_TEMP_MFA = Source(profile="temp", kind="file", static=TEMP_KEYS, mfa_serial=MFA)
PROC = Source(profile="proc", kind="process", credential_process="get-creds --json")
PROC_MFA = replace(PROC, mfa_serial=MFA)

A = hop("A", "111111111111")
B = hop("B", "333333333333")
C = hop("C", "222222222222")
D = hop("D", "444444444444")
HOUR, EIGHT_HOURS = 3600, 28800
LETTER = {"GetSessionToken": "G", "AssumeRole": "R"}


@dataclass(frozen=True)
class Row:
    """A profile shape and the plan it must get.

    LABELS name each step's cache key: across the whole table, steps with the same label
    must share one key (the session is reused) and different labels must have different keys.
    """

    name: str
    source: Source
    hops: tuple[RoleHop, ...]
    kinds: str  # G = GetSessionToken, R = AssumeRole
    durations: tuple[int, ...]
    mfa: tuple[str | None, ...]  # the MFA serial each call sends
    labels: tuple[str, ...]
    opts: Options = field(default_factory=Options)
    capped: bool = False


ROWS = (
    Row("keys alone", VAULT, (), "G", (HOUR,), (None,), ("gst-1h",)),
    Row("keys alone with MFA", VAULT_MFA, (), "G", (HOUR,), (MFA,), ("gst-1h-mfa",)),
    Row("keys alone, --no-session", VAULT_MFA, (), "", (), (), (), Options(no_session=True)),
    Row(
        "keys alone, duration_seconds 2h",
        replace(VAULT, duration_seconds=7200),
        (),
        "G",
        (7200,),
        (None,),
        ("gst-2h",),
    ),
    Row(
        "keys alone, --duration 4h", VAULT, (), "G", (14400,), (None,), ("gst-4h",), Options(14400)
    ),
    Row(
        "one role, MFA on the source",
        VAULT_MFA,
        (A,),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A"),
    ),
    Row(
        "one role, MFA on the role",
        VAULT,
        (replace(A, mfa_serial=MFA),),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A"),
    ),
    Row("one role, no MFA", VAULT, (A,), "R", (HOUR,), (None,), ("keys>A",)),
    Row(
        "two roles, no MFA",
        VAULT,
        (A, B),
        "RR",
        (HOUR, HOUR),
        (None, None),
        ("keys>A", "keys>A>B"),
    ),
    Row(
        "chain of 2",
        VAULT_MFA,
        (A, B),
        "GRR",
        (EIGHT_HOURS, HOUR, HOUR),
        (MFA, None, None),
        ("gst-8h", "A", "A>B"),
    ),
    Row(
        "chain of 3",
        VAULT_MFA,
        (A, B, C),
        "GRRR",
        (EIGHT_HOURS, HOUR, HOUR, HOUR),
        (MFA, None, None, None),
        ("gst-8h", "A", "A>B", "A>B>C"),
    ),
    Row(
        "chain of 4",
        VAULT_MFA,
        (A, B, C, D),
        "GRRRR",
        (EIGHT_HOURS, HOUR, HOUR, HOUR, HOUR),
        (MFA, None, None, None, None),
        ("gst-8h", "A", "A>B", "A>B>C", "A>B>C>D"),
    ),
    Row(
        "chain of 2, B with another mfa_serial",
        VAULT_MFA,
        (A, replace(B, mfa_serial=MFA2)),
        "GRR",
        (EIGHT_HOURS, HOUR, HOUR),
        (MFA, None, MFA2),
        ("gst-8h", "A", "A>B+mfa2"),
    ),
    Row(
        "chain of 3, C with another mfa_serial",
        VAULT_MFA,
        (A, B, replace(C, mfa_serial=MFA2)),
        "GRRR",
        (EIGHT_HOURS, HOUR, HOUR, HOUR),
        (MFA, None, None, MFA2),
        ("gst-8h", "A", "A>B", "A>B>C+mfa2"),
    ),
    Row(
        "chain of 4, C with the same mfa_serial, D with another",
        VAULT_MFA,
        (A, B, replace(C, mfa_serial=MFA), replace(D, mfa_serial=MFA2)),
        "GRRRR",
        (EIGHT_HOURS, HOUR, HOUR, HOUR, HOUR),
        (MFA, None, None, None, MFA2),
        ("gst-8h", "A", "A>B", "A>B>C", "A>B>C>D+mfa2"),
    ),
    Row(
        "chain of 3, MFA changing twice",
        VAULT_MFA,
        (A, replace(B, mfa_serial=MFA2), replace(C, mfa_serial=MFA)),
        "GRRR",
        (EIGHT_HOURS, HOUR, HOUR, HOUR),
        (MFA, None, MFA2, MFA),
        ("gst-8h", "A", "A>B+mfa2", "A>B+mfa2>C+mfa"),
    ),
    Row(
        "role over 1h, straight from the keys",
        VAULT_MFA,
        (replace(A, duration_seconds=7200),),
        "R",
        (7200,),
        (MFA,),
        ("keys>A-2h+mfa",),
    ),
    Row(
        "role over 1h, MFA on the role",
        VAULT,
        (replace(A, duration_seconds=7200, mfa_serial=MFA),),
        "R",
        (7200,),
        (MFA,),
        ("keys>A-2h+mfa",),
    ),
    Row(
        "role over 1h, no MFA",
        VAULT,
        (replace(A, duration_seconds=7200),),
        "R",
        (7200,),
        (None,),
        ("keys>A-2h",),
    ),
    Row(
        "role with --duration 4h",
        VAULT_MFA,
        (A,),
        "R",
        (14400,),
        (MFA,),
        ("keys>A-4h+mfa",),
        Options(duration=14400),
    ),
    Row(
        "first role over 1h, then a chained one",
        VAULT_MFA,
        (replace(A, duration_seconds=7200), B),
        "RR",
        (7200, HOUR),
        (MFA, None),
        ("keys>A-2h+mfa", "keys>A-2h+mfa>B"),
    ),
    Row(
        "chained role over 1h is capped",
        VAULT_MFA,
        (A, replace(B, duration_seconds=7200)),
        "GRR",
        (EIGHT_HOURS, HOUR, HOUR),
        (MFA, None, None),
        ("gst-8h", "A", "A>B"),
        capped=True,
    ),
    Row(
        "--duration 4h on a chain is capped",
        VAULT_MFA,
        (A, B),
        "GRR",
        (EIGHT_HOURS, HOUR, HOUR),
        (MFA, None, None),
        ("gst-8h", "A", "A>B"),
        Options(duration=14400),
        capped=True,
    ),
    Row(
        "external ID",
        VAULT_MFA,
        (replace(A, external_id="ext-1"),),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A+ext"),
    ),
    Row(
        "session tags",
        VAULT_MFA,
        (replace(A, session_tags=(("team", "x"),), transitive_session_tags=("team",)),),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A+tags"),
    ),
    Row(
        "source identity",
        VAULT_MFA,
        (replace(A, source_identity="alice"),),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A+sid"),
    ),
    Row(
        "role session name",
        VAULT_MFA,
        (replace(A, role_session_name="someone"),),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("gst-8h", "A+name"),
    ),
    Row("credential_process alone", PROC, (), "", (), (), ()),
    Row("credential_process, a role", PROC, (A,), "R", (HOUR,), (None,), ("proc>A",)),
    Row(
        "credential_process with MFA, a role",
        PROC_MFA,
        (A,),
        "R",
        (HOUR,),
        (MFA,),
        ("proc>A+mfa",),
    ),
    Row(
        "credential_process, MFA on the first of two roles",
        PROC,
        (replace(A, mfa_serial=MFA), B),
        "RR",
        (HOUR, HOUR),
        (MFA, None),
        ("proc>A+mfa", "proc>A+mfa>B"),
    ),
    Row("plaintext keys alone", PLAIN, (), "G", (HOUR,), (None,), ("plain-gst-1h",)),
    Row(
        "plaintext keys with MFA, a role",
        PLAIN_MFA,
        (A,),
        "GR",
        (EIGHT_HOURS, HOUR),
        (MFA, None),
        ("plain-gst-8h", "plain>A"),
    ),
    Row(
        "plaintext temporary keys alone",
        replace(PLAIN_TEMP_MFA, mfa_serial=None),
        (),
        "",
        (),
        (),
        (),
    ),
    Row(
        "plaintext temporary keys with MFA, a role",
        PLAIN_TEMP_MFA,
        (A,),
        "R",
        (HOUR,),
        (MFA,),
        ("temp>A+mfa",),
    ),
)


def plan_row(row: Row) -> Plan:
    """The plan for ROW's profile (named after its last hop, or its source)."""
    name = row.hops[-1].profile if row.hops else row.source.profile
    return plan(Profile(name, row.source, row.hops, None), FP, SETTINGS, row.opts)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_plan_table(row: Row) -> None:
    """Each profile shape gets its step kinds, durations, MFA serials sent and cap warning."""
    p = plan_row(row)
    assert "".join(LETTER[s.kind] for s in p.steps) == row.kinds
    assert tuple(s.duration for s in p.steps) == row.durations
    assert tuple(s.mfa_serial for s in p.steps) == row.mfa
    assert len(p.steps) == len(row.labels)
    assert p.capped == row.capped
    assert p.source_fp == facts(row.source).fingerprint


def test_plan_table_labels_name_shared_cache_keys() -> None:
    """Across the table, equal labels share one cache key and different labels never do."""
    keys: dict[str, set[str]] = defaultdict(set)
    for row in ROWS:
        for label, step in zip(row.labels, plan_row(row).steps, strict=True):
            keys[label].add(step.key)
    assert {label: len(found) for label, found in keys.items() if len(found) != 1} == {}
    distinct = [next(iter(found)) for found in keys.values()]
    assert len(set(distinct)) == len(distinct)
    shared = sum(1 for row in ROWS for label in row.labels if label == "gst-8h")
    assert shared > 5  # the 8h MFA session really is shared by many shapes


def test_cache_keys_are_those_earlier_versions_wrote() -> None:
    """The keys of a few shapes are pinned: sessions cached before an upgrade stay usable."""
    by_name = {row.name: row for row in ROWS}
    keys = {
        name: [s.key for s in plan_row(by_name[name]).steps]
        for name in ("keys alone with MFA", "chain of 2", "credential_process, a role")
    }
    assert keys == {
        "keys alone with MFA": ["58633da21356c83d8377c21095584dce8c1243eb"],
        "chain of 2": [
            "c528c8a6963c3b82e28157adfc58f7f6bcd45b42",
            "a4f6a49c9fbcbc0970cfe90b09d59b2d43e4255e",
            "f6db2fa0eadb8e299321001072669ed8dd4df318",
        ],
        "credential_process, a role": ["e7905f98f4fe04c9177f8ff1e0442e4d36a70123"],
    }


def test_a_new_source_kind_needs_only_its_facts() -> None:
    """Any object with the SourceFacts (fingerprint, GetSessionToken, no own step) plans alike."""

    @dataclass(frozen=True)
    class Elsewhere:
        fingerprint: str = "elsewhere-1"
        can_get_session_token: bool = False
        step_label: str | None = None
        step_material: tuple[()] = ()

    src = Source(profile="sso", kind="process", mfa_serial=MFA)
    p = planner(Profile("A", src, (A,), None), Elsewhere(), SETTINGS, Options())
    assert [(s.kind, s.mfa_serial) for s in p.steps] == [("AssumeRole", MFA)]
    assert p.source_fp == "elsewhere-1"
    long_term = planner(Profile("A", src, (A,), None), Elsewhere("e", True), SETTINGS, Options())
    assert kinds(long_term) == ["GetSessionToken", "AssumeRole"]


def test_the_planner_imports_no_aws_sdk_or_crypto() -> None:
    """aws/plan.py stays pure and light: importing it loads neither boto3 nor cryptography."""
    code = (
        "import sys, awsprompt.aws.plan\n"
        "heavy = ('boto3', 'botocore', 'cryptography', 'awsprompt.context', 'subprocess')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# --- one behaviour per test ------------------------------------------------------------------


def test_single_long_role_is_assumed_straight_from_source_with_mfa() -> None:
    """A single role asking for more than 1h is assumed from the long-term keys, MFA sent."""
    p = plan(profile(hop("A", "111111111111", duration_seconds=7200)), FP, SETTINGS, Options())
    assert kinds(p) == ["AssumeRole"]
    assert p.steps[0].duration == 7200
    assert p.steps[0].mfa_serial == MFA
    assert not p.capped


def test_single_long_role_via_option_is_assumed_straight_from_source() -> None:
    """--duration above 1h on a single role also skips the shared MFA session."""
    p = plan(profile(hop("A", "111111111111")), FP, SETTINGS, Options(duration=4 * 3600))
    assert kinds(p) == ["AssumeRole"]
    assert (p.steps[0].duration, p.steps[0].mfa_serial) == (4 * 3600, MFA)


def test_role_within_an_hour_shares_an_8h_mfa_session() -> None:
    """A 1h role behind MFA is primed by one 8h GetSessionToken; the role call sends no MFA."""
    p = plan(profile(hop("A", "111111111111")), FP, SETTINGS, Options())
    assert kinds(p) == ["GetSessionToken", "AssumeRole"]
    gst, role = p.steps
    assert (gst.duration, gst.mfa_serial, gst.profile) == (28800, MFA, "base")
    assert (role.duration, role.mfa_serial) == (3600, None)


def test_roles_of_one_source_share_the_session_key() -> None:
    """A, C and the chain B through A all start with the same GetSessionToken cache key."""
    a = hop("A", "111111111111")
    plans = [
        plan(profile(a), FP, SETTINGS, Options()),
        plan(profile(hop("C", "222222222222")), FP, SETTINGS, Options()),
        plan(profile(a, hop("B", "333333333333")), FP, SETTINGS, Options()),
    ]
    assert len({p.steps[0].key for p in plans}) == 1
    assert plans[2].steps[1].key == plans[0].steps[1].key  # B reuses A's role session


def test_chained_hops_are_capped_at_an_hour() -> None:
    """A later hop asking for more than 3600 s is capped and the plan says so."""
    p = plan(
        profile(hop("A", "111111111111"), hop("B", "333333333333", duration_seconds=7200)),
        FP,
        SETTINGS,
        Options(),
    )
    assert p.capped
    assert p.steps[-1].duration == CHAIN_CAP == 3600


def test_duration_option_on_a_chain_is_capped() -> None:
    """--duration 4h on the end of a chain still gives a 1h final role."""
    p = plan(
        profile(hop("A", "111111111111"), hop("B", "333333333333")),
        FP,
        SETTINGS,
        Options(duration=4 * 3600),
    )
    assert p.capped
    assert p.steps[-1].duration == 3600


def test_chain_within_the_cap_is_not_flagged() -> None:
    """Default durations on a chain need no cap warning."""
    p = plan(profile(hop("A", "111111111111"), hop("B", "333333333333")), FP, SETTINGS, Options())
    assert not p.capped
    assert [s.duration for s in p.steps] == [28800, 3600, 3600]


def test_same_mfa_on_a_later_hop_is_not_sent_again() -> None:
    """A later hop with the MFA serial already used is chained MFA: no second code."""
    p = plan(
        profile(hop("A", "111111111111"), hop("B", "333333333333", mfa_serial=MFA)),
        FP,
        SETTINGS,
        Options(),
    )
    assert [s.mfa_serial for s in p.steps] == [MFA, None, None]


def test_different_mfa_on_a_later_hop_is_sent() -> None:
    """A later hop whose mfa_serial differs from the one used gets its own code."""
    p = plan(
        profile(hop("A", "111111111111"), hop("B", "333333333333", mfa_serial=MFA2)),
        FP,
        SETTINGS,
        Options(),
    )
    assert [s.mfa_serial for s in p.steps] == [MFA, None, MFA2]


def test_first_hop_mfa_serial_overrides_the_source() -> None:
    """The first hop's own mfa_serial is the one primed (the AWS CLI reads the assumed profile)."""
    p = plan(profile(hop("A", "111111111111", mfa_serial=MFA2)), FP, SETTINGS, Options())
    assert p.steps[0].kind == "GetSessionToken"
    assert p.steps[0].mfa_serial == MFA2


def test_no_mfa_means_no_session_before_the_role() -> None:
    """Without MFA the role is assumed straight from the keys: no GetSessionToken."""
    p = plan(profile(hop("A", "111111111111"), mfa=None), FP, SETTINGS, Options())
    assert kinds(p) == ["AssumeRole"]
    assert p.steps[0].mfa_serial is None


def test_keys_alone_get_a_one_hour_session() -> None:
    """A profile with keys alone gets one GetSessionToken of 3600 s."""
    p = plan(profile(mfa=None), FP, SETTINGS, Options())
    assert kinds(p) == ["GetSessionToken"]
    assert p.steps[0].duration == 3600
    assert p.steps[0].mfa_serial is None


def test_keys_alone_with_mfa_send_the_code_for_one_hour() -> None:
    """Keys alone with MFA: one GetSessionToken of 3600 s carrying the MFA serial."""
    p = plan(profile(), FP, SETTINGS, Options())
    assert [(s.kind, s.duration, s.mfa_serial) for s in p.steps] == [("GetSessionToken", 3600, MFA)]


def test_keys_alone_with_no_session_plan_nothing() -> None:
    """--no-session on a keys profile plans no STS call (the keys themselves are used)."""
    assert plan(profile(), FP, SETTINGS, Options(no_session=True)).steps == ()


def test_process_source_alone_plans_nothing() -> None:
    """A credential_process source cannot call GetSessionToken: its output is used as is."""
    src = Source(profile="p", kind="process", credential_process="true")
    assert plan(Profile("p", src, (), None), FP, SETTINGS, Options()).steps == ()


def test_process_source_with_mfa_role_sends_mfa_on_the_role() -> None:
    """When the source cannot prime a session, MFA goes on the first AssumeRole."""
    src = Source(profile="p", kind="process", credential_process="true", mfa_serial=MFA)
    p = plan(Profile("A", src, (hop("A", "111111111111"),), None), FP, SETTINGS, Options())
    assert kinds(p) == ["AssumeRole"]
    assert p.steps[0].mfa_serial == MFA


def test_mfa_on_the_role_profile_is_named_by_the_shared_session() -> None:
    """mfa_serial/mfa_process on A (AWS CLI style): the session step says they come from A.

    The step stays filed under the source (its cache entry is base's), but MFA messages name A
    and the profile to re-run in a terminal is the one asked for (A, or B chained through A).
    """
    src = Source(profile="base", kind="vault")
    a = hop("A", "111111111111", mfa_serial=MFA, mfa_process="echo 123456")
    b = hop("B", "333333333333")
    for name, hops in (("A", (a,)), ("B", (a, b))):
        p = plan(Profile(name, src, hops, None), FP, SETTINGS, Options())
        gst = p.steps[0]
        assert (gst.kind, gst.profile, gst.mfa_serial) == ("GetSessionToken", "base", MFA)
        assert (gst.mfa_profile, gst.requested) == ("A", name)
        assert [s.requested for s in p.steps] == [name] * len(p.steps)


def test_mfa_on_the_source_is_named_by_the_source() -> None:
    """With MFA on base, the steps name base as the MFA profile and B as the one asked for."""
    p = plan(profile(hop("A", "111111111111"), hop("B", "333333333333")), FP, SETTINGS, Options())
    assert [(s.mfa_profile, s.requested) for s in p.steps] == [("base", "B")] * 3
    alone = plan(profile(), FP, SETTINGS, Options()).steps[0]
    assert (alone.profile, alone.mfa_profile, alone.requested) == ("base", "base", "base")


def test_mfa_profile_follows_where_mfa_process_is_set() -> None:
    """mfa_serial on A but mfa_process on base: mfa_process errors must name base."""
    p = plan(profile(hop("A", "111111111111", mfa_serial=MFA2)), FP, SETTINGS, Options())
    assert (p.steps[0].mfa_serial, p.steps[0].mfa_profile) == (MFA2, "base")
    src = Source(profile="base", kind="vault")
    chain = (hop("A", "111111111111"), hop("B", "333333333333", mfa_serial=MFA2))
    steps = plan(Profile("B", src, chain, None), FP, SETTINGS, Options()).steps
    assert [(s.mfa_serial, s.mfa_profile) for s in steps] == [(None, "base"), (MFA2, "B")]


def test_cache_keys_ignore_which_profile_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """MFA on A or on base, asked for as A or B: the shared session's key is the same one."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    material = {"op": "gst", "src": FP, "mfa": MFA, "dur": SETTINGS.chain_session_duration}
    expected = cache_key({**material, "ep": ""})
    a_mfa = hop("A", "111111111111", mfa_serial=MFA, mfa_process="other")
    bare = Source(profile="base", kind="vault")
    profiles = [
        Profile("A", bare, (a_mfa,), None),
        Profile("B", bare, (a_mfa, hop("B", "333333333333")), None),
        profile(hop("A", "111111111111")),
    ]
    firsts = [plan(prof, FP, SETTINGS, Options()).steps[0] for prof in profiles]
    assert {s.key for s in firsts} == {expected}
    role_keys = {plan(prof, FP, SETTINGS, Options()).steps[1].key for prof in profiles}
    assert len(role_keys) == 1  # A's role session is shared too


def _final_key(prof: Profile, fp: str = FP, opts: Options | None = None) -> str:
    return plan(prof, fp, SETTINGS, opts or Options()).steps[-1].key


@pytest.mark.parametrize(
    "change",
    [
        {"role_arn": "arn:aws:iam::111111111111:role/Other"},
        {"external_id": "ext-2"},
        {"duration_seconds": 1800},
        {"mfa_serial": MFA2},
        {"role_session_name": "someone-else"},
        {"session_tags": (("team", "x"),)},
        {"source_identity": "me"},
    ],
)
def test_cache_key_changes_with_what_changes_the_result(change: dict[str, object]) -> None:
    """The final key differs when role_arn/external_id/duration/mfa/name/tags differ."""
    first = hop("A", "111111111111", external_id="ext-1")
    other = replace(first, **change)  # type: ignore[arg-type]
    assert _final_key(profile(first)) != _final_key(profile(other))


def test_cache_key_is_stable_for_equal_inputs() -> None:
    """Two plans of equal profiles give identical keys for every step."""
    one = plan(profile(hop("A", "111111111111", external_id="e")), FP, SETTINGS, Options())
    two = plan(profile(hop("A", "111111111111", external_id="e")), FP, SETTINGS, Options())
    assert [s.key for s in one.steps] == [s.key for s in two.steps]


def test_cache_key_ignores_prompt_options() -> None:
    """Options that do not change the STS result (prompting, a typed code) leave keys equal."""
    p = profile(hop("A", "111111111111"))
    assert _final_key(p) == _final_key(p, opts=Options(prompt=False, mfa_token="123456"))


def test_cache_key_changes_with_source_mfa_and_duration() -> None:
    """Source fingerprint, source MFA serial and --duration each change the key."""
    p = profile(hop("A", "111111111111"))
    base = _final_key(p)
    assert _final_key(p, fp="fp-rotated") != base
    assert _final_key(profile(hop("A", "111111111111"), mfa=MFA2)) != base
    assert _final_key(p, opts=Options(duration=1800)) != base
    alone = profile()
    assert _final_key(alone) != _final_key(alone, opts=Options(duration=7200))
    assert _final_key(alone) != _final_key(profile(mfa=None))


def test_cache_key_changes_with_the_endpoint() -> None:
    """Sessions from another endpoint (moto vs AWS) are never confused."""
    p = profile(hop("A", "111111111111"))
    before = plan(p, FP, SETTINGS, Options()).steps[-1].key
    other = plan(p, FP, SETTINGS, Options(), endpoint="http://127.0.0.1:1").steps[-1].key
    assert other != before
    env = Env({"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
    assert engine.sts_endpoint(env) == "http://127.0.0.1:1"
    env = Env({"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_STS": "http://b"})
    assert engine.sts_endpoint(env) == "http://b"


def test_default_session_name() -> None:
    """The session name is awsprompt-<user>, restricted to AssumeRole's alphabet."""
    assert engine.default_session_name(Env({"LOGNAME": "alice"})) == "awsprompt-alice"
    assert engine.default_session_name(Env({"USER": "bob"})) == "awsprompt-bob"


def test_default_session_name_is_valid_for_hostile_users() -> None:
    """A long user name with spaces and quotes still gives a valid 2-64 character name."""
    name = engine.default_session_name(Env({"USER": "DOMAIN\\bob o'neil " + "x" * 100}))
    assert name.startswith("awsprompt-")
    assert re.fullmatch(r"[\w+=,.@-]{2,64}", name)


def test_session_name_is_used_in_the_key() -> None:
    """Another OS user gets other role sessions (the name is part of the role key)."""
    p = profile(hop("A", "111111111111"))
    alice = plan(p, FP, SETTINGS, Options(), session_name="awsprompt-alice").steps[-1].key
    bob = plan(p, FP, SETTINGS, Options(), session_name="awsprompt-bob").steps[-1].key
    assert bob != alice

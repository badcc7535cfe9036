"""plan(): the pure choice of GetSessionToken/AssumeRole steps (aws-vault's MFA-sharing rules)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from awsprompt.aws import engine
from awsprompt.aws.engine import CHAIN_CAP, Options, plan
from awsprompt.config.profiles import Profile, RoleHop, Source
from awsprompt.config.settings import Settings
from awsprompt.envvars import Env
from awsprompt.secrets.sessions import cache_key

MFA = "arn:aws:iam::000000000000:mfa/me"
MFA2 = "arn:aws:iam::333333333333:mfa/other"
FP = "fp-source-1"
SETTINGS = Settings()


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


def kinds(p: engine.Plan) -> list[str]:
    """The step kinds of plan P."""
    return [s.kind for s in p.steps]


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

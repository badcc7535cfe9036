"""awsprompt's ini reader against botocore's, file by file, so the two cannot drift apart.

botocore runs in one child process in UTF-8 mode (it opens files in the locale's
encoding; awsprompt always reads UTF-8), over every file of the table below.
"""

from __future__ import annotations

import json
import random
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from awsprompt.config import ini
from awsprompt.config.profiles import AwsFiles
from awsprompt.errors import ConfigError
from awsprompt.names import is_valid_profile_name

ARN = "arn:aws:iam::111111111111:role/R"

# name -> the bytes of a file. Each is read as a config file (load_config) and as a
# credentials file (raw_config_parse), by botocore and by awsprompt.
CASES: dict[str, bytes] = {
    "empty": b"",
    "only comments": b"# one\n; two\n\n   # indented\n",
    "plain profiles": (
        f"[default]\nregion = us-east-1\n\n[profile dev]\nrole_arn = {ARN}\n"
        "source_profile = default\n"
    ).encode(),
    "keys are case-insensitive": b"[profile a]\nRegion = eu-west-1\nSOURCE_PROFILE = b\n",
    "section titles are case-sensitive": b"[Default]\nregion = x\n[PROFILE a]\nregion = y\n",
    "default then profile default": b"[default]\nregion = a\n[profile default]\noutput = json\n",
    "profile default then default": b"[profile default]\noutput = json\n[default]\nregion = a\n",
    "two spellings of one profile": b"[profile a]\nregion = x\n[profile  a]\noutput = json\n",
    "quoted name": b"[profile \"quoted.name\"]\nregion = x\n[profile 'with space']\nregion = y\n",
    "quoted alias of a plain name": b'[profile a]\nregion = x\n[profile "a"]\noutput = text\n',
    "unterminated quote": b'[profile "broken]\nregion = x\n[profile ok]\nregion = y\n',
    "three words": b"[profile a b]\nregion = x\n[profile]\nregion = y\n",
    "prefix without space": b"[profilex y]\nregion = x\n[profiles z]\nregion = y\n",
    "escaped name": b"[profile a\\ b]\nregion = x\n[profile c\\d]\nregion = y\n",
    "padded titles": b"[ profile a ]\nregion = x\n[default ]\nregion = y\n[ dev ]\nregion = z\n",
    "tab inside a title": b"[profile\tdev]\nregion = x\n",
    "odd brackets": b"[a]]\nx = 1\n[b] ; note\ny = 2\n[c]x]\nz = 3\n",
    "indented header": b"  [profile indented]\nregion = x\n",
    "sso-session and services": (
        b"[profile dev]\nsso_session = corp\nservices = local\n\n"
        b"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        b"sso_region = eu-west-1\n\n"
        b"[services local]\ns3 =\n  endpoint_url = http://localhost:4566\n"
        b"dynamodb =\n  endpoint_url = http://localhost:8000\n\n"
        b"[preview]\ncloudfront = true\n[plugins]\ncli_legacy_plugin_path = /x\n"
    ),
    "crlf": b"[default]\r\nregion = us-east-1\r\ns3 =\r\n  addressing_style = path\r\n\r\n",
    "lone cr": b"[default]\rregion = us-east-1\r[profile b]\rregion = x",
    "mixed line endings": b"[default]\nregion = a\r\n[profile b]\routput = json\n",
    "no final newline": b"[default]\nregion = us-east-1",
    "indented key after a header": b"[default]\n\tregion = x\n  output = json\n",
    "tab continues a value": b"[default]\nregion = x\n\toutput = json\n",
    "nested block": (
        b"[default]\ns3 =\n    max_concurrent_requests = 10\n    Max_Queue_Size = 1000\n"
        b"region = eu-west-1\n"
    ),
    "nested with tabs": b"[default]\ns3 =\n\taddressing_style = path\n\tsignature_version = s3v4\n",
    "nested with a blank line and a comment": (
        b"[default]\ns3 =\n  a = 1\n\n  # c\n; d\n  b = 2\nregion = x\n"
    ),
    "nested value with spaces around": b"[default]\ns3 =\n   a   =   spaced out   \n",
    "value and continuation": b"[default]\nmessage = first\n  second\n   third\n",
    "blank line then indented text": b"[default]\nregion = x\n\n  more = 1\n",
    "indented header continues a value": b"[a]\nx = 1\n  [b]\ny = 2\n",
    "indented comment inside a value": b"[a]\nx = 1\n    # c\n  more\n",
    "blank lines in a value": b"[default]\nregion = x\n\n\n[profile b]\nregion = y\n\n",
    "colon delimiter": b"[default]\nregion: us-east-1\nurl = http://a:b/c\na:b = c\n",
    "equals in a value": b"[default]\ncredential_process = tool --x=1 --y=a=b\n",
    "inline comments stay in values": b"[default]\nregion = us-east-1 # not a comment\nx = a;b\n",
    "empty values": b"[default]\ncli_pager =\noutput=\nregion = \n",
    "spaces around keys": b"[default]\n  region   =   us-east-1   \n",
    "unicode": "[profile café]\nregion = ünï\nnote = Ω\n".encode(),
    "unicode whitespace": "[default]\nregion = x\u00a0\nnote =\u00a0y\n".encode(),
    "form feed in a value": b"[default]\nregion = a\x0cb\n",
    "DEFAULT gives every section its keys": (
        b"[DEFAULT]\nregion = eu-west-1\noutput = json\n[profile a]\noutput = text\n"
        b"[profile b]\nrole_arn = x\n[sso-session s]\nsso_region = us-east-1\n"
    ),
    "DEFAULT twice": b"[DEFAULT]\nregion = a\n[profile a]\nx = 1\n[DEFAULT]\noutput = json\n",
    "only DEFAULT": b"[DEFAULT]\nregion = a\n",
    "DEFAULT after sections": b"[profile a]\nx = 1\n[DEFAULT]\nregion = a\n",
    "credentials style": (
        b"# keys\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        b"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n"
        b"[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=s+/=\n"
    ),
    # botocore raises on everything below; awsprompt raises ConfigError naming the line.
    "error: key before any section": b"region = us-east-1\n[default]\n",
    "error: comment then key before any section": b"# c\n\nregion = us-east-1\n",
    "error: utf-8 bom": b"\xef\xbb\xbf[default]\nregion = us-east-1\n",
    "error: utf-8 bom before a comment": b"\xef\xbb\xbf# c\n[default]\n",
    "error: repeated section": b"[profile a]\nregion = x\n[profile b]\n[profile a]\noutput = j\n",
    "error: repeated default": b"[default]\nregion = a\n\n[default]\nregion = b\n",
    "error: repeated key": b"[profile a]\nregion = x\nREGION = y\n",
    "error: repeated key in DEFAULT": b"[DEFAULT]\nregion = x\n[DEFAULT]\nregion = y\n",
    "error: not a key line": b"[default]\nregion = x\njust words\n",
    "error: two bad lines": b"[default]\nbad one\nbad two\n",
    "error: bad line then repeated section": b"[a]\nbad\n[b]\n[a]\n",
    "error: key without a name": b"[default]\n= value\n",
    "error: two keys without a name": b"[default]\n= value\n= other\n",
    "error: empty brackets": b"[default]\n[]\n",
    "error: not utf-8": b"[default]\nregion = caf\xe9\n",
    "error: not utf-8 on line 3": b"[default]\nx = 1\n\xff\xfe\n",
    "error: nested error in DEFAULT": b"[DEFAULT]\ns3 =\n  nope\n[profile a]\n",
    "error: indented header inside a block": b"[a]\ns3 =\n  [b]\n",
    "error: nested line without equals": b"[default]\ns3 =\n  not a pair\n",
    "error: nested line with only a colon": b"[default]\ns3 =\n  addressing_style: path\n",
}
# The line awsprompt names where botocore names none (nested blocks, encoding).
OWN_LINES = {
    "error: not utf-8": 2,
    "error: not utf-8 on line 3": 3,
    "error: nested error in DEFAULT": 3,
    "error: indented header inside a block": 3,
    "error: nested line without equals": 3,
    "error: nested line with only a colon": 3,
}

_BOTOCORE = r"""
import json, os, sys
import botocore.configloader as cl
import botocore.session

def describe(exc):
    inner = exc.kwargs.get("error") if hasattr(exc, "kwargs") else None
    line = getattr(inner, "lineno", None)
    if line is None and getattr(inner, "errors", None):
        line = inner.errors[0][0]
    return {"error": type(inner or exc).__name__, "line": line}

out = {}
for name, path in json.load(sys.stdin).items():
    try:
        raw = cl.raw_config_parse(path)
        loaded = cl.load_config(path)
        out[name] = {"raw": raw, "profiles": loaded.pop("profiles"),
                     "sso_sessions": loaded.pop("sso_sessions"),
                     "services": loaded.pop("services"), "other": loaded}
    except Exception as exc:
        out[name] = describe(exc)
json.dump(out, sys.stdout)
"""

_SESSION = r"""
import json, os, sys
import botocore.session

out = {}
for name, (config, credentials) in json.load(sys.stdin).items():
    os.environ["AWS_CONFIG_FILE"] = config
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = credentials
    session = botocore.session.Session()
    out[name] = {
        "profiles": session.full_config["profiles"],
        "available": session.available_profiles,
    }
json.dump(out, sys.stdout)
"""


def _run_botocore(script: str, payload: object) -> Any:
    result = subprocess.run(
        [sys.executable, "-X", "utf8", "-c", script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def botocore_reads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What botocore makes of every file in CASES (one child process for all of them)."""
    folder = tmp_path_factory.mktemp("ini-cases")
    paths = {}
    for i, (name, data) in enumerate(CASES.items()):
        path = folder / f"case{i}"
        path.write_bytes(data)
        paths[name] = str(path)
    for i, (name, data) in enumerate(RANDOM.items()):
        path = folder / f"random{i}"
        path.write_bytes(data)
        paths[name] = str(path)
    found = _run_botocore(_BOTOCORE, paths)
    return {name: {**found[name], "path": paths[name]} for name in paths}


# Random files from line fragments that exercise the rules above, mostly readable.
_FRAGMENTS = [
    "[a]", "[profile b]", "[ profile c ]", "[DEFAULT]", "[default]", "[profile default]",
    '[profile "d e"]', "x = 1", "X: 2", "  y = 3", "\ty=4", "\t# c", "; c", "", "  ",
    "s3 =", "   k = v", "a=b=c", " [a]", "  [profile b]", "region = x # y", "\x0c", "z =",
    "\xa0q = 1", "k = \xa0", "Key : v",
]  # fmt: skip
_BROKEN = ["bad", "= v", "[", "]", "[]", "    k2 : v"]


def _random_files(count: int, seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    files = {}
    for i in range(count):
        eol = rng.choice(["\n", "\r\n", "\r"])
        lines = [
            rng.choice(_BROKEN if rng.random() < 0.04 else _FRAGMENTS)
            for _ in range(rng.randint(1, 10))
        ]
        if rng.random() < 0.8:
            lines.insert(0, "[s]")
        files[f"random {i}"] = (eol.join(lines) + rng.choice(["", eol])).encode()
    return files


RANDOM = _random_files(600, seed=20261202)


def _as_botocore(sections: dict[str, ini.Section]) -> dict[str, dict[str, Any]]:
    """awsprompt's sections in botocore's shape: indented blocks as parsed sub-dicts."""
    return {t: {k: s.nested.get(k, v) for k, v in s.values.items()} for t, s in sections.items()}


def test_the_table_has_cases_that_botocore_reads_and_refuses(
    botocore_reads: dict[str, Any],
) -> None:
    """The table is not vacuous: botocore refuses every `error:` case and reads every other."""
    for name in CASES:
        assert ("error" in botocore_reads[name]) == name.startswith("error:"), name
    assert sum(1 for n in CASES if botocore_reads[n].get("raw")) > 30
    refused = sum(1 for n in RANDOM if "error" in botocore_reads[n])
    assert 100 < refused < 500  # the random files mix readable and refused ones


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("error:")])
def test_sections_match_botocore(name: str, botocore_reads: dict[str, Any]) -> None:
    """Every section, key and value (nested blocks included) is what raw_config_parse returns."""
    found = botocore_reads[name]
    sections = ini.parse(CASES[name], found["path"])
    assert _as_botocore(sections) == found["raw"]
    assert list(sections) == list(found["raw"])  # same order
    for section in sections.values():
        assert list(section.values) == list(found["raw"][section.title])


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("error:")])
def test_config_view_matches_load_config(name: str, botocore_reads: dict[str, Any]) -> None:
    """Profiles, sso-sessions, services and other sections are those of load_config."""
    found = botocore_reads[name]
    view = ini.config_view(ini.parse(CASES[name], found["path"]))
    assert _as_botocore(view.profiles) == found["profiles"]
    assert _as_botocore(view.sso_sessions) == found["sso_sessions"]
    assert _as_botocore(view.services) == found["services"]
    assert _as_botocore(view.other) == found["other"]


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("error:")])
def test_errors_match_botocore(name: str, botocore_reads: dict[str, Any]) -> None:
    """Where botocore raises, awsprompt raises ConfigError naming the file and botocore's line."""
    found = botocore_reads[name]
    with pytest.raises(ConfigError) as exc:
        ini.parse(CASES[name], found["path"])
    assert found["path"] in exc.value.message
    assert exc.value.hint
    line = found["line"] if found["line"] is not None else OWN_LINES[name]
    assert f", line {line}:" in exc.value.message


def test_errors_name_the_line_and_never_a_value() -> None:
    """Messages say which line and why, and never repeat the line (it may hold a secret)."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    for data in (
        f"aws_secret_access_key = {secret}\n".encode(),
        f"[a]\n{secret}\n".encode(),
        f"[a]\ns3 =\n  {secret}\n".encode(),
        f"[a]\nx = {secret}\nx = {secret}\n".encode(),
    ):
        with pytest.raises(ConfigError) as exc:
            ini.parse(data, "creds")
        assert secret not in exc.value.message
        assert exc.value.message.startswith("cannot parse creds, line ")
    with pytest.raises(ConfigError) as exc:
        ini.parse(b"\xef\xbb\xbf[default]\n", "conf")
    assert "byte order mark" in exc.value.message


# -- the merged view: AwsFiles against botocore's Session ------------------------------------

PAIRS: dict[str, tuple[bytes, bytes]] = {
    "credentials win for keys": (
        b"[profile p]\nregion = eu-west-1\naws_access_key_id = FROMCONFIG\n",
        b"[p]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s\n",
    ),
    "credentials-only and config-only profiles": (
        b"[default]\nregion = us-east-1\n[profile c]\nregion = x\n",
        b"[k]\naws_access_key_id = A\naws_secret_access_key = B\n[default]\noutput = json\n",
    ),
    "config title forms": (
        b'[profile "q.name"]\nregion = a\n[default]\nregion = b\n[profile default]\nregion = c\n'
        b"[plain]\nregion = d\n",
        b"[ padded ]\naws_access_key_id = A\n[profile x]\naws_access_key_id = B\n",
    ),
    "DEFAULT in both files": (
        b"[DEFAULT]\nregion = eu-north-1\n[profile a]\noutput = json\n",
        b"[DEFAULT]\naws_session_token = T\n[a]\naws_access_key_id = A\n",
    ),
    "missing credentials file": (b"[profile a]\nregion = x\n", b""),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_merged_profiles_match_botocore_session(name: str, tmp_path: Path) -> None:
    """AwsFiles.raw() and names() agree with botocore Session's full_config and profiles."""
    config_text, creds_text = PAIRS[name]
    config, creds = tmp_path / "config", tmp_path / "credentials"
    config.write_bytes(config_text)
    if creds_text:
        creds.write_bytes(creds_text)
    found = _run_botocore(_SESSION, {name: [str(config), str(creds)]})[name]
    files = AwsFiles(config, creds)
    mine = {n: files.raw(n) for n in set(files.config_sections) | set(files.credentials_sections)}
    assert mine == found["profiles"]
    assert files.names() == sorted(n for n in found["available"] if is_valid_profile_name(n))


def _shlex_or_none(title: str) -> list[str] | None:
    try:
        return shlex.split(title)
    except ValueError:
        return None


def test_title_splitting_is_shlex_split() -> None:
    """split_title (with its fast path) returns exactly what botocore's shlex.split does."""
    rng = random.Random(11)
    alphabet = ["a", "b", " ", "\t", "\x0b", "\x0c", "\xa0", "\u2028", '"', "'", "\\", "#", "é"]
    titles = ["profile a", "profile  a ", "profile\ta", 'profile "a b"', "profile a\\ b", "p"]
    titles += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    for title in titles:
        assert ini.split_title(title) == _shlex_or_none(title), repr(title)


def test_random_files_read_as_botocore_reads_them(botocore_reads: dict[str, Any]) -> None:
    """On 600 seeded random files: the same sections and values, or an error on the same line."""
    for name, data in RANDOM.items():
        found = botocore_reads[name]
        if "error" in found:
            with pytest.raises(ConfigError) as exc:
                ini.parse(data, found["path"])
            if found["line"] is not None:
                assert f", line {found['line']}:" in exc.value.message, (data, found)
            continue
        sections = ini.parse(data, found["path"])
        view = ini.config_view(sections)
        assert _as_botocore(sections) == found["raw"], data
        assert _as_botocore(view.profiles) == found["profiles"], data
        assert _as_botocore(view.other) == found["other"], data

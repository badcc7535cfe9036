"""The one reader and editor of the AWS CLI's ini files (~/.aws/config, ~/.aws/credentials).

Reading follows botocore.configloader, which is configparser.RawConfigParser with its
defaults followed by build_profile_map: "=" and ":" both separate a key from its value,
keys are lower-cased, "#" and ";" start comment lines (never inline comments), a line
indented deeper than its key continues the value (`s3 =` blocks), a repeated section or
key is an error, and a `[DEFAULT]` section gives its keys to every other section of the
file. tests/test_ini_botocore.py compares the two on a table of files.

Edits change only the lines they must and keep every other byte. Each one holds a lock
beside the file, re-reads the file under it, checks that the edited text parses to
exactly the intended values (otherwise the file is left alone), and replaces the file
atomically, keeping its mode; a symlinked file (dotfiles) is edited in its target.
A marked block (`# >>> LABEL >>>` ... `# <<< LABEL <<<`, see replace_block) is the one
region a command may own outright: it is replaced whole, under the same rules.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from awsprompt import fsutil
from awsprompt.errors import ConfigError

# configparser.RawConfigParser's SECTCRE and OPTCRE (default delimiters "=" and ":"),
# matched against the stripped line, as configparser does.
_SECTION = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
_NONSPACE = re.compile(r"\S")
_SHLEX_SPECIAL = re.compile(r"[\"'\\]")  # quotes and the escape: shlex.split's only specials
_SHLEX_SPACE = re.compile(r"[ \t\r\n]+")  # shlex's whitespace (not str.split's)
_COMMENT = ("#", ";")
_KEY_NAME = re.compile(r"[a-z0-9_.-]+")
DEFAULT_SECTION = "DEFAULT"  # configparser's: its keys are defaults for every other section
LOCK_TIMEOUT = 10.0  # an edit takes milliseconds; waiting longer means a stuck process
_BOM = "\ufeff"

TitleKind = Literal["profile", "sso-session", "services"]
_KINDS: tuple[TitleKind, ...] = ("profile", "sso-session", "services")
_LineKind = Literal["blank", "comment", "header", "option", "more", "bad"]


@dataclass(frozen=True)
class Section:
    """One `[title]` section as the AWS CLI reads it."""

    title: str
    line: int  # of the header
    # Lower-case keys in file order, then keys inherited from [DEFAULT]. An indented block
    # (`s3 =` followed by deeper lines) is its raw text: "\nmax_concurrent_requests = 10".
    values: dict[str, str]
    # The indented blocks parsed into their `name = value` pairs, as botocore does.
    nested: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigFile:
    """~/.aws/config split by section kind, as botocore's build_profile_map does."""

    profiles: dict[str, Section]  # [default], [profile NAME]
    sso_sessions: dict[str, Section]  # [sso-session NAME]
    services: dict[str, Section]  # [services NAME]
    other: dict[str, Section]  # every other section, by title ([preview], [plugins] ...)


# -- reading ---------------------------------------------------------------------------------


@dataclass
class _Option:
    key: str
    index: int  # 0-based line index of `key = value`
    indent: int
    parts: list[tuple[str, int]]  # the value's pieces and their line numbers, joined by "\n"


@dataclass
class _Own:
    title: str
    line: int
    options: dict[str, _Option] = field(default_factory=dict)


@dataclass
class _Doc:
    """A parsed file, with what the editor needs to know about each line."""

    source: str
    raw: list[bytes]  # the file's lines, each with its line ending
    kinds: list[_LineKind]
    owner: list[int]  # for option and continuation lines: the option's line index; else -1
    titles: dict[int, str]  # header line index -> title
    sections: dict[str, _Own]  # own keys by title, file order; [DEFAULT] is not among them
    defaults: _Own
    options: dict[int, _Option]  # option line index -> option
    parsed: dict[str, Section] = field(default_factory=dict)  # what parse() returns

    def own_values(self) -> dict[str, dict[str, str]]:
        """Every section's own values, and [DEFAULT]'s under its name (what an edit may change)."""
        out = {title: _joined(own.options) for title, own in self.sections.items()}
        out[DEFAULT_SECTION] = _joined(self.defaults.options)
        return out


def _joined(options: Mapping[str, _Option]) -> dict[str, str]:
    return {k: "\n".join(p for p, _ in o.parts).rstrip() for k, o in options.items()}


def _error(source: str, line: int, reason: str, hint: str | None = None) -> ConfigError:
    return ConfigError(
        f"cannot parse {source}, line {line}: {reason}",
        hint=hint or "fix that line; the AWS CLI cannot read this file either",
    )


class _Scanner:
    """configparser's RawConfigParser._read, line by line, remembering where each key is.

    Like configparser it raises at once on a line before any section header and on a
    repeated section or key, and reports other unreadable lines after the last line.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.sections: dict[str, _Own] = {}
        self.defaults = _Own(DEFAULT_SECTION, 0)
        self.seen_keys: dict[tuple[str, str], int] = {}
        self.current: _Own | None = None
        self.option: _Option | None = None  # the key a deeper-indented line continues
        self.indent = 0
        self.bad: ConfigError | None = None
        self.kinds: list[_LineKind] = []
        self.owner: list[int] = []
        self.titles: dict[int, str] = {}
        self.options: dict[int, _Option] = {}

    def _mark(self, kind: _LineKind, owner: int = -1) -> None:
        self.kinds.append(kind)
        self.owner.append(owner)

    def feed(self, index: int, line: str) -> None:
        """Classify one line (without its line ending)."""
        n = index + 1
        stripped = line.strip()
        if not stripped or stripped.startswith(_COMMENT):
            if not stripped and self.current is not None and self.option is not None:
                self.option.parts.append(("", n))  # a blank line may sit inside a value
            self._mark("comment" if stripped else "blank")
            return
        match = _NONSPACE.search(line)
        indent = match.start() if match else 0
        if self.current is not None and self.option is not None and indent > self.indent:
            self.option.parts.append((stripped, n))
            self._mark("more", self.option.index)
            return
        self.indent = indent
        header = _SECTION.match(stripped)
        if header:
            self._header(index, header.group("header"))
        elif self.current is None:
            if n == 1 and line.startswith(_BOM):
                raise _error(
                    self.source,
                    n,
                    "the file starts with a UTF-8 byte order mark, which the AWS CLI cannot read",
                    "save the file as UTF-8 without a byte order mark (BOM)",
                )
            raise _error(
                self.source,
                n,
                "this line comes before the first [section] header",
                "put every setting under a [default], [profile NAME] or [NAME] header",
            )
        else:
            self._option(index, stripped, indent)

    def _header(self, index: int, title: str) -> None:
        n = index + 1
        if title in self.sections:
            raise _error(
                self.source,
                n,
                f"section [{title}] appears again (first on line {self.sections[title].line})",
                "merge the two sections; the AWS CLI refuses a repeated section",
            )
        if title == DEFAULT_SECTION:
            self.current = self.defaults
            self.defaults.line = self.defaults.line or n
        else:
            self.current = self.sections[title] = _Own(title, n)
        self.option = None
        self.titles[index] = title
        self._mark("header")

    def _option(self, index: int, stripped: str, indent: int) -> None:
        assert self.current is not None
        n = index + 1
        match = _OPTION.match(stripped)
        if match is None:
            self.bad = self.bad or _error(
                self.source, n, "this line is not `key = value`, a [section] or a comment"
            )
            self._mark("bad")
            return
        if not match.group("option"):
            self.bad = self.bad or _error(self.source, n, "a value without a key name")
        key = match.group("option").rstrip().lower()
        first = self.seen_keys.get((self.current.title, key))
        if first is not None:
            raise _error(
                self.source,
                n,
                f"key {key!r} appears again in [{self.current.title}] (first on line {first})",
                "keep one of the two lines; the AWS CLI refuses a repeated key",
            )
        self.seen_keys[(self.current.title, key)] = n
        option = _Option(key, index, indent, [(match.group("value").strip(), n)])
        self.current.options[key] = option
        self.options[index] = option
        self.option = option if key else None
        self._mark("option", index)


def _decode(raw: list[bytes], source: str) -> list[str]:
    texts = []
    for n, line in enumerate(raw, 1):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            raise _error(
                source, n, "this line is not valid UTF-8", "save the file as UTF-8"
            ) from None
    return texts


def _load(data: bytes, source: str | Path) -> _Doc:
    """Parse DATA; raise ConfigError naming SOURCE and the line where botocore would fail."""
    where = str(source)
    raw = data.splitlines(keepends=True)  # \n, \r\n and \r: Python's universal newlines
    scanner = _Scanner(where)
    for index, line in enumerate(_decode(data.splitlines(), where)):
        scanner.feed(index, line)
    if scanner.bad is not None:
        raise scanner.bad
    doc = _Doc(
        where,
        raw,
        scanner.kinds,
        scanner.owner,
        scanner.titles,
        scanner.sections,
        scanner.defaults,
        scanner.options,
    )
    doc.parsed = _sections(doc)  # the nested blocks must parse too
    return doc


def _nested(option: _Option, source: str) -> dict[str, str]:
    """botocore's _parse_nested: one level of `name = value` lines (names keep their case)."""
    parsed: dict[str, str] = {}
    for part, n in option.parts:
        for piece in part.splitlines():
            text = piece.strip()
            if not text:
                continue
            name, sep, value = text.partition("=")
            if not sep:
                raise _error(
                    source,
                    n,
                    f"the indented block under {option.key!r} needs `name = value` lines",
                    "indent only the `name = value` lines of a block such as `s3 =`",
                )
            parsed[name.strip()] = value.strip()
    return parsed


def _sections(doc: _Doc) -> dict[str, Section]:
    out: dict[str, Section] = {}
    for title, own in doc.sections.items():
        options = dict(own.options)
        for key, option in doc.defaults.options.items():
            options.setdefault(key, option)
        values = _joined(options)
        nested = {
            key: _nested(options[key], doc.source)
            for key, value in values.items()
            if value.startswith("\n")
        }
        out[title] = Section(title, own.line, values, nested)
    return out


def parse(data: bytes, source: str | Path) -> dict[str, Section]:
    """Every section of DATA by title, as botocore's raw_config_parse returns them.

    Raises ConfigError naming SOURCE and the line wherever botocore raises.
    """
    return _load(data, source).parsed


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def read(path: Path) -> dict[str, Section]:
    """The sections of the file at PATH (a credentials file's are its profiles); none if missing."""
    return parse(_read_bytes(path), path)


def split_title(title: str) -> list[str] | None:
    """shlex.split(TITLE) as botocore calls it, or None where it raises (an open quote)."""
    if not _SHLEX_SPECIAL.search(title):  # the common case, without shlex's cost
        return [word for word in _SHLEX_SPACE.split(title) if word]
    try:
        return shlex.split(title)
    except ValueError:
        return None


def title_kind(title: str) -> tuple[TitleKind, str] | None:
    """What a config-file section is: ("profile", NAME), ("sso-session", NAME), ... or None.

    botocore's rule: a title starting with "profile", "sso-session" or "services" that
    shell-splits into exactly two words names the second word (`[profile "my.name"]` is
    my.name); `[default]` is the default profile; other such titles are ignored.
    """
    for kind in _KINDS:
        if title.startswith(kind):
            parts = split_title(title)
            return (kind, parts[1]) if parts is not None and len(parts) == 2 else None
    if title == "default":
        return ("profile", "default")
    return None


def config_view(sections: Mapping[str, Section]) -> ConfigFile:
    """Sort a config file's sections into profiles, sso-sessions, services and the rest.

    When two titles name the same profile (`[default]` and `[profile default]`), the later
    section replaces the earlier one, keys and all, as in botocore.
    """
    view = ConfigFile({}, {}, {}, {})
    groups = {"profile": view.profiles, "sso-session": view.sso_sessions, "services": view.services}
    for title, section in sections.items():
        kind = title_kind(title)
        if kind is not None:
            groups[kind[0]][kind[1]] = section
        elif not title.startswith(_KINDS):
            view.other[title] = section
    return view


def read_config(path: Path) -> ConfigFile:
    """The config file at PATH by section kind (empty if the file is missing)."""
    return config_view(read(path))


def is_blank(data: bytes) -> bool:
    """True when DATA holds nothing but blank lines and comments."""
    texts = (line.decode("utf-8", "replace").strip() for line in data.splitlines())
    return not any(text and not text.startswith(_COMMENT) for text in texts)


# -- editing ---------------------------------------------------------------------------------


def section_title(name: str, *, config: bool) -> str:
    """The header awsprompt writes for profile NAME: `profile NAME` in the config file."""
    if not config and name == DEFAULT_SECTION:
        raise ConfigError(
            "[DEFAULT] in a credentials file is not a profile: its keys apply to every profile",
            hint="use another profile name",
        )
    return name if (not config or name == "default") else f"profile {name}"


def _is_profile(title: str, name: str, *, config: bool) -> bool:
    if config:
        return title_kind(title) == ("profile", name)
    return title == name and title != DEFAULT_SECTION


def _spans(doc: _Doc, name: str, *, config: bool) -> list[tuple[int, int]]:
    """(header index, end index) of every section that is profile NAME, in file order."""
    headers = sorted(doc.titles)
    spans = []
    for pos, start in enumerate(headers):
        if _is_profile(doc.titles[start], name, config=config):
            end = headers[pos + 1] if pos + 1 < len(headers) else len(doc.raw)
            spans.append((start, end))
    return spans


def _appended(lines: list[bytes], title: str) -> list[bytes]:
    out = list(lines)
    if out and not out[-1].endswith((b"\n", b"\r")):
        out[-1] += b"\n"
    if out and out[-1].strip():
        out.append(b"\n")
    out.append(f"[{title}]\n".encode())
    return out


def _ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


def _continuations(doc: _Doc, index: int, end: int) -> list[int]:
    return [j for j in range(index + 1, end) if doc.kinds[j] == "more" and doc.owner[j] == index]


def _removable(doc: _Doc, start: int, end: int, wanted: set[str]) -> set[int]:
    """Lines of the unindented keys in WANTED between START and END, with their continuations."""
    drop: set[int] = set()
    for i in range(start + 1, end):
        option = doc.options.get(i)
        if option is not None and option.indent == 0 and option.key in wanted:
            drop.add(i)
            drop.update(_continuations(doc, i, end))
    return drop


def _strip(doc: _Doc, names: set[str], keys: set[str], *, config: bool) -> list[bytes]:
    wanted = {k.lower() for k in keys}
    drop: set[int] = set()
    for name in names:
        for start, end in _spans(doc, name, config=config):
            found = _removable(doc, start, end, wanted)
            if not found:
                continue
            drop |= found
            left = any(
                doc.kinds[j] in ("option", "more") for j in range(start + 1, end) if j not in found
            )
            if not left:  # nothing but comments would remain: the section goes
                drop.update(range(start, end))
    return [line for i, line in enumerate(doc.raw) if i not in drop]


def without_keys(
    data: bytes, names: set[str], keys: set[str], *, config: bool, source: str
) -> bytes:
    """DATA without the unindented KEYS lines (and their continuations) of NAMES' sections.

    A section left with nothing but comments is dropped. Keys on indented lines stay where
    they are: the caller checks the result (see remove_keys).
    """
    return b"".join(_strip(_load(data, source), names, keys, config=config))


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    """The lock file that every edit of PATH (or of its symlink's target) holds."""
    real = _real(path)
    return real.with_name(f".{real.name}.awsprompt-lock")


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[Path]:
    """Hold the edit lock of PATH; yield the real file to read and replace."""
    real = _real(path)
    real.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with fsutil.file_lock(lock_path(real), timeout, f"editing {path}"):
        yield real


def _write(real: Path, data: bytes) -> None:
    try:
        mode = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        mode = 0o600
    fsutil.atomic_write(real, data)
    os.chmod(real, mode)  # keep the user's own mode on their file


_Expect = dict[str, "dict[str, str] | None"]  # title -> own values after the edit (None: gone)
_Change = Callable[[_Doc], tuple[list[bytes], _Expect]]
Backup = Callable[[Path, bytes], object]  # (the real file, its bytes before the edit)


def _checked(
    doc: _Doc,
    path: Path,
    what: str,
    lines: list[bytes],
    expect: _Expect,
    hint: str = "make that change by hand",
) -> bytes:
    """LINES joined, if they parse to DOC's own values updated by EXPECT; else ConfigError."""
    new = b"".join(lines)
    want = doc.own_values()
    for title, values in expect.items():
        if values is None:
            want.pop(title, None)
        else:
            want[title] = values
    try:
        after = _load(new, path).own_values() if new != b"".join(doc.raw) else doc.own_values()
    except ConfigError:
        after = None
    if after != want:
        raise ConfigError(
            f"cannot {what} in {path} without changing anything else (an unusual layout,"
            " such as indented key lines); the file was left as it was",
            hint=hint,
        )
    return new


def _edit(
    path: Path,
    what: str,
    change: _Change,
    timeout: float,
    backup: Backup | None = None,
    hint: str = "make that change by hand",
) -> bool:
    """Apply CHANGE to PATH under its lock; refuse unless the result parses as intended.

    CHANGE returns the new lines and, for each section it changes, the own values that
    section must have afterwards (None: gone). Every other section must read as before.
    BACKUP, when given, gets the old bytes of a file that is about to change (under the lock).
    """
    with locked(path, timeout) as real:
        data = _read_bytes(real)
        doc = _load(data, path)
        lines, expect = change(doc)
        new = _checked(doc, path, what, lines, expect, hint)
        if new == data:
            return False
        if backup is not None and data:
            backup(real, data)
        _write(real, new)
    return True


def has_section(path: Path, name: str, *, config: bool = True) -> bool:
    """True if PATH has a section for profile NAME."""
    return bool(_spans(_load(_read_bytes(path), path), name, config=config))


def ensure_section(
    path: Path, name: str, *, config: bool = True, timeout: float = LOCK_TIMEOUT
) -> bool:
    """Append an empty section for NAME if missing; return True if the file changed."""
    title = section_title(name, config=config)

    def change(doc: _Doc) -> tuple[list[bytes], _Expect]:
        if _spans(doc, name, config=config):
            return doc.raw, {}
        return _appended(doc.raw, title), {title: {}}

    return _edit(path, f"add [{title}]", change, timeout)


def _check_key(path: Path, key: str, value: str) -> None:
    if not _KEY_NAME.fullmatch(key):
        raise ValueError(f"not an ini key name: {key!r}")
    if value != value.strip() or len(value.splitlines()) > 1:
        raise ConfigError(
            f"cannot write {key} into {path}: its value has a line break or outer spaces"
        )


def set_key(
    path: Path,
    name: str,
    key: str,
    value: str,
    *,
    config: bool = True,
    timeout: float = LOCK_TIMEOUT,
) -> bool:
    """Set KEY = VALUE in NAME's section (creating it); return True if the file changed.

    An existing KEY line (any case) is replaced in place, continuation lines and all;
    otherwise the line goes at the end of the section, before its trailing blank lines.
    """
    key = key.lower()
    _check_key(path, key, value)
    title = section_title(name, config=config)
    text = f"{key} = {value}".encode()

    def change(doc: _Doc) -> tuple[list[bytes], _Expect]:
        spans = _spans(doc, name, config=config)
        if not spans:
            return [*_appended(doc.raw, title), text + b"\n"], {title: {key: value}}
        start, end = spans[-1]
        own = doc.titles[start]
        want = {**_joined(doc.sections[own].options), key: value}
        lines = list(doc.raw)
        for i in range(start + 1, end):
            option = doc.options.get(i)
            if option is None or option.indent or option.key != key:
                continue
            more = _continuations(doc, i, end)
            if lines[i].rstrip(b"\r\n") == text and not more:
                return doc.raw, {own: want}
            lines[i] = text + (_ending(lines[i]) or b"\n")
            return [ln for j, ln in enumerate(lines) if j not in more], {own: want}
        insert = end
        while insert > start + 1 and not lines[insert - 1].strip():
            insert -= 1
        if not lines[insert - 1].endswith((b"\n", b"\r")):
            lines[insert - 1] += b"\n"
        lines.insert(insert, text + b"\n")
        return lines, {own: want}

    return _edit(path, f"set {key} in [{title}]", change, timeout)


def remove_keys(
    path: Path,
    name: str,
    keys: set[str],
    *,
    config: bool = False,
    timeout: float = LOCK_TIMEOUT,
) -> bool:
    """Delete KEYS (case-insensitive) from NAME's section; drop the section if nothing is left.

    Raises ConfigError (changing nothing) when a key cannot be removed cleanly, e.g. one
    on an indented line.
    """
    wanted = {k.lower() for k in keys}

    def change(doc: _Doc) -> tuple[list[bytes], _Expect]:
        expect: _Expect = {}
        for start, _end in _spans(doc, name, config=config):
            title = doc.titles[start]
            own = _joined(doc.sections[title].options)
            left = {k: v for k, v in own.items() if k not in wanted}
            if left != own:
                expect[title] = left or None
        return _strip(doc, {name}, wanted, config=config), expect

    return _edit(path, f"remove keys from [{section_title(name, config=config)}]", change, timeout)


def remove_empty_section(
    path: Path, name: str, *, config: bool = True, timeout: float = LOCK_TIMEOUT
) -> bool:
    """Drop NAME's sections that hold no key at all (as `add` creates them); True if changed.

    A section with any key, or only a comment the user wrote, stays.
    """

    def change(doc: _Doc) -> tuple[list[bytes], _Expect]:
        drop: set[int] = set()
        expect: _Expect = {}
        for start, end in _spans(doc, name, config=config):
            body = range(start + 1, end)
            if any(doc.kinds[j] != "blank" for j in body):
                continue
            drop.update(range(start, end))
            # the blank line ensure_section put before a section it appended
            if end == len(doc.raw) and start > 0 and doc.kinds[start - 1] == "blank":
                drop.add(start - 1)
            expect[doc.titles[start]] = None
        return [line for i, line in enumerate(doc.raw) if i not in drop], expect

    return _edit(path, f"remove [{section_title(name, config=config)}]", change, timeout)


# -- marked blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockView:
    """The marked block LABEL of a config file, and the sections around it."""

    label: str
    text: bytes  # the block's lines, both markers included; b"" when there is no block
    # The sections whose headers are inside the block, with their own keys only (as the
    # block alone reads: keys a [DEFAULT] section elsewhere lends them are left out).
    inside: ConfigFile
    outside: ConfigFile  # every other section, as the whole file reads


@dataclass(frozen=True)
class BlockEdit:
    """What replacing a block did (or, for a plan, would do)."""

    path: Path
    old: bytes  # the block before (markers included; b"" when there was none)
    new: bytes  # the block after
    changed: bool  # the file changed (or would change)
    backup: Path | None = None  # the copy of the previous file, when one was written


def block_markers(label: str) -> tuple[str, str]:
    """The begin and end lines of block LABEL: `# >>> LABEL >>>`, `# <<< LABEL <<<`."""
    if not label or label != label.strip() or len(label.splitlines()) != 1:
        raise ValueError(f"not a block label: {label!r}")
    return f"# >>> {label} >>>", f"# <<< {label} <<<"


def _block_span(doc: _Doc, label: str) -> tuple[int, int] | None:
    """(begin index, end index) of block LABEL's marker lines in DOC, or None."""
    begin, end = block_markers(label)
    found: dict[str, list[int]] = {begin: [], end: []}
    for i, line in enumerate(doc.raw):
        text = line.decode("utf-8").strip()
        if text in found and doc.kinds[i] == "comment":
            found[text].append(i)
    starts, ends = found[begin], found[end]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ConfigError(
            f"{doc.source} has a damaged `{label}` block: the lines {begin!r} and {end!r}"
            " must appear once each, in that order; the file was left as it was",
            hint="fix or delete the marker lines by hand, then run the command again",
        )
    return starts[0], ends[0]


def _block_view(doc: _Doc, label: str, span: tuple[int, int] | None) -> BlockView:
    inside: dict[str, Section] = {}
    outside: dict[str, Section] = {}
    for index, title in doc.titles.items():
        if title == DEFAULT_SECTION:
            continue
        if span is not None and span[0] < index < span[1]:
            section = doc.parsed[title]
            own = _joined(doc.sections[title].options)
            inside[title] = Section(
                title, section.line, own, {k: section.nested[k] for k in own if k in section.nested}
            )
        else:
            outside[title] = doc.parsed[title]
    text = b"" if span is None else b"".join(doc.raw[span[0] : span[1] + 1])
    return BlockView(label, text, config_view(inside), config_view(outside))


def _block_change(
    doc: _Doc, label: str, render: Callable[[BlockView], bytes], holder: list[bytes]
) -> tuple[list[bytes], _Expect]:
    """The file's lines with block LABEL replaced by RENDER's body (appended when absent).

    HOLDER receives the old and the new block text.
    """
    span = _block_span(doc, label)
    view = _block_view(doc, label, span)
    body = render(view)
    if body and not body.endswith(b"\n"):
        body += b"\n"
    begin, end = block_markers(label)
    block = f"{begin}\n".encode() + body + f"{end}\n".encode()
    source = f"{doc.source} (the new `{label}` block)"
    body_doc = _load(body, source)
    if body_doc.defaults.options or body_doc.defaults.line:
        raise ValueError("a block may not hold a [DEFAULT] section")
    inside = [t for i, t in doc.titles.items() if span is not None and span[0] < i < span[1]]
    expect: _Expect = dict.fromkeys(inside, None)
    expect.update({t: v for t, v in body_doc.own_values().items() if t != DEFAULT_SECTION})
    if span is None:
        lines = list(doc.raw)
        if lines and not lines[-1].endswith((b"\n", b"\r")):
            lines[-1] += b"\n"
        if lines and lines[-1].strip():
            lines.append(b"\n")
        lines.append(block)
    else:
        lines = [*doc.raw[: span[0]], block, *doc.raw[span[1] + 1 :]]
    holder[:] = [view.text, block]
    return lines, expect


_BLOCK_HINT = (
    "lines right after the end marker count as part of the block's last section:"
    " give them a [section] header of their own, or move them above the block"
)


def plan_block(path: Path, label: str, render: Callable[[BlockView], bytes]) -> BlockEdit:
    """What replace_block would do, without the lock and without writing (a dry run)."""
    data = _read_bytes(path)
    doc = _load(data, path)
    holder: list[bytes] = []
    lines, expect = _block_change(doc, label, render, holder)
    new = _checked(doc, path, f"replace the `{label}` block", lines, expect, _BLOCK_HINT)
    return BlockEdit(path, holder[0], holder[1], new != data)


def replace_block(
    path: Path,
    label: str,
    render: Callable[[BlockView], bytes],
    *,
    backup: Callable[[Path, bytes], Path] | None = None,
    timeout: float = LOCK_TIMEOUT,
) -> BlockEdit:
    """Replace block LABEL of the config file at PATH with RENDER's body; append it if absent.

    RENDER gets the current view under the file's lock and returns the lines to put between
    the markers (sections and comments; no [DEFAULT]). Nothing outside the markers changes
    (a new block is appended after a blank line). The edit is refused, leaving the file as
    it was, unless the result parses to the sections outside the block unchanged and
    exactly the body's sections inside it. BACKUP(real file, old bytes) runs under the lock
    before a file that changes is replaced; its result is reported as the backup.
    """
    holder: list[bytes] = []
    saved: list[Path] = []

    def keep(real: Path, data: bytes) -> None:
        if backup is not None:
            saved.append(backup(real, data))

    changed = _edit(
        path,
        f"replace the `{label}` block",
        lambda doc: _block_change(doc, label, render, holder),
        timeout,
        keep,
        _BLOCK_HINT,
    )
    return BlockEdit(path, holder[0], holder[1], changed, saved[0] if saved else None)

"""Render docs/prompt-states.svg: the prompt segment in each colour state, from a real zsh.

    python docs/prompt_states.py

A zsh with the plugin runs in a pseudo-terminal; the variables aws-use would export are set
for each state and the screen (read through pyte, with its colours) is saved as an SVG.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pyte
from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 76, 8
STATES = [
    ("dev", "111111111111", 2 * 3600 + 5 * 60 + 30, "eu-west-1"),
    ("dev", "111111111111", 12 * 60 + 30, ""),
    ("dev", "111111111111", 4 * 60 + 30, ""),
    ("dev", "111111111111", -30, ""),
    ("prod-admin", "333333333333", 47 * 60 + 30, ""),
]
PYTE_COLOURS = {"brown": "yellow", "default": "default"}


def colour(name: str) -> str:
    """A rich colour for a pyte colour name."""
    if len(name) == 6 and all(c in "0123456789abcdef" for c in name):
        return f"#{name}"
    return PYTE_COLOURS.get(name, name)


def main() -> int:
    """Drive zsh, then write the SVG next to this script."""
    rows: list[Text] = []
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    with tempfile.TemporaryDirectory() as home:
        Path(home, ".zshrc").write_text(
            f"source {ROOT / 'zsh' / 'awsprompt.plugin.zsh'}\nPS1='%F{{cyan}}~%f %# '\n"
        )
        env = {
            "HOME": home,
            "ZDOTDIR": home,
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
        }
        child = pexpect.spawn("zsh", ["-i"], env=env, dimensions=(ROWS, COLS))
        time.sleep(1)
        for profile, account, left, region in STATES:
            line = (
                f"AWSPROMPT_PROFILE={profile} AWSPROMPT_ACCOUNT={account}"
                f" AWS_REGION={region} AWSPROMPT_EXPIRES=$((EPOCHSECONDS + {left})); clear"
            )
            child.sendline(line)
            time.sleep(0.6)
            child.sendline("")
            time.sleep(0.6)
            while True:
                try:
                    stream.feed(child.read_nonblocking(65536, timeout=0.3))
                except (pexpect.TIMEOUT, pexpect.EOF):
                    break
            cells = screen.buffer[screen.cursor.y]
            text = Text()
            for x in range(COLS):
                char = cells[x]
                text.append(char.data, style=colour(char.fg) if char.fg != "default" else "")
            text.rstrip()
            rows.append(text)
        child.sendline("exit")
        child.close(force=True)
    console = Console(record=True, width=COLS, file=open(os.devnull, "w"))  # noqa: SIM115
    for row in rows:
        console.print(row)
    out = Path(__file__).with_name("prompt-states.svg")
    out.write_text(console.export_svg(title="awsprompt: the prompt segment"))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the awsprompt zsh plugin: prompt cost, load time, completion lookup.

Run: python bench/zsh_bench.py [--quick] [--json PATH]

All numbers come from one run on this machine; ratios compare the awsprompt
segment (precmd compute + prompt expansion) with a baseline function that only
prints ${AWS_PROFILE}, and with the oh-my-zsh `$(aws_prompt_info)` pattern
(a fork per prompt).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "zsh" / "awsprompt.plugin.zsh"

PROMPT_SCRIPT = r"""
zmodload zsh/datetime
source {plugin}
export AWS_PROFILE=dev
AWSPROMPT_PROFILE=dev AWSPROMPT_ACCOUNT=123456789012 AWS_REGION=eu-west-1
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 3000 ))
_base() {{ print -v REPLY -rn -- "${{AWS_PROFILE}}" }}
aws_prompt_info() {{  # oh-my-zsh aws plugin, simplified
  local _aws_to_show
  [[ -n $AWS_PROFILE ]] && _aws_to_show+="<aws:${{AWS_PROFILE}}>"
  echo "$_aws_to_show"
}}
_ours() {{ _awsprompt_precmd; REPLY=${{(%)_awsprompt_rprompt}} }}
t0() {{ t=$EPOCHREALTIME }}
t1() {{ print -r -- "$1 $(( (EPOCHREALTIME - t) * 1e6 / $2 ))" }}
t0; repeat {n} _base; t1 base {n}
t0; repeat {n} _ours; t1 ours {n}
t0; repeat {nfork} REPLY=$(aws_prompt_info); t1 omz {nfork}
"""

COMPLETE_SCRIPT = r"""
zmodload zsh/datetime
source {plugin}
t=$EPOCHREALTIME; _awsprompt_profile_menu
print -r -- "cold $(( (EPOCHREALTIME - t) * 1e3 )) $#reply"
t=$EPOCHREALTIME; repeat {n} _awsprompt_profile_menu
print -r -- "cached $(( (EPOCHREALTIME - t) * 1e3 / {n} )) $#reply"
"""

LOAD_SCRIPT = r"""
zmodload zsh/datetime; zmodload -F zsh/stat b:zstat; autoload -Uz add-zsh-hook
t=$EPOCHREALTIME; source {plugin}; print -r -- $(( (EPOCHREALTIME - t) * 1e3 ))
"""


FIRST_TAB_ZSHRC = r"""
PS1='BENCH> '
autoload -Uz compinit && compinit -u -d $ZDOTDIR/.zcompdump
source {plugin}
"""


def first_tab_ms(
    env: dict[str, str], samples: int, touch: Path | None = None
) -> tuple[float, float]:
    """(median ms, best ms) from TAB after `aws-use ` to the completion's answer, each in a
    new interactive zsh (cold: nothing parsed yet), the answer being the common prefix
    `team0` inserted once every match and description is computed."""
    import time

    import pexpect

    times = []
    with tempfile.TemporaryDirectory() as zdot:
        Path(zdot, ".zshrc").write_text(FIRST_TAB_ZSHRC.format(plugin=PLUGIN))
        full = dict(env, ZDOTDIR=zdot, TERM="xterm-256color")
        for i in range(samples + 1):
            if touch is not None:  # a new size: no shell has parsed this version yet
                with touch.open("a") as fh:
                    fh.write("\n")
            child = pexpect.spawn("zsh", ["-i"], env=full, dimensions=(40, 120), timeout=30)
            child.expect("BENCH> ")
            child.send("aws-use ")
            time.sleep(0.2)
            start = time.perf_counter()
            child.send("\t")
            child.expect("team0")
            if i:  # the first run writes the completion dump
                times.append((time.perf_counter() - start) * 1000)
            child.close(force=True)
    return statistics.median(times), min(times)


def zsh(script: str, env: dict[str, str] | None = None) -> str:
    """Run a script in `zsh -f` and return stdout."""
    return subprocess.run(
        ["zsh", "-f", "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    ).stdout


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    n, nfork, loads, ncomp = (2000, 200, 5, 50) if args.quick else (10000, 1000, 15, 200)

    values: dict[str, float] = {}
    for line in zsh(PROMPT_SCRIPT.format(plugin=PLUGIN, n=n, nfork=nfork)).splitlines():
        name, micros = line.split()
        values[f"prompt_{name}_us"] = float(micros)

    load = [float(zsh(LOAD_SCRIPT.format(plugin=PLUGIN))) for _ in range(loads)]
    values["load_ms"] = statistics.median(load)

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config"
        config.write_text(
            "".join(
                f"[profile team{i:04d}]\nrole_arn = arn:aws:iam::111111111111:role/r{i}\n"
                f"source_profile = base\n"
                for i in range(1000)
            )
        )
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": tmp,
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(Path(tmp) / "none"),
            "AWSPROMPT_HOME": tmp,
        }
        for line in zsh(COMPLETE_SCRIPT.format(plugin=PLUGIN, n=ncomp), env).splitlines():
            kind, ms, count = line.split()
            values[f"complete_{kind}_ms"] = float(ms)
            values["complete_profiles"] = int(count)
        samples = 3 if args.quick else 9
        # The floor: the same first TAB with a single profile (zsh's completion system
        # loading its own functions costs most of a cold TAB on its own).
        one = Path(tmp) / "one"
        one.write_text("[profile team0only]\n")
        values["first_tab_floor_ms"] = first_tab_ms(dict(env, AWS_CONFIG_FILE=str(one)), samples)[0]
        # Cold: a new shell; the AWS files were parsed by an earlier shell (disk cache).
        median, best = first_tab_ms(env, samples)
        values["first_tab_ms"], values["first_tab_best_ms"] = median, best
        # Colder: the config changed since any shell parsed it.
        values["first_tab_reparse_ms"] = first_tab_ms(env, samples, touch=config)[0]

    values["ratio_ours_vs_base"] = values["prompt_ours_us"] / values["prompt_base_us"]
    values["ratio_omz_fork_vs_ours"] = values["prompt_omz_us"] / values["prompt_ours_us"]

    rows = [
        ("prompt: baseline ${AWS_PROFILE} function", f"{values['prompt_base_us']:.2f} us"),
        ("prompt: awsprompt precmd + expansion", f"{values['prompt_ours_us']:.2f} us"),
        ("prompt: $(aws_prompt_info) (fork)", f"{values['prompt_omz_us']:.2f} us"),
        ("ratio awsprompt / baseline", f"{values['ratio_ours_vs_base']:.1f}x"),
        ("ratio $(aws_prompt_info) / awsprompt", f"{values['ratio_omz_fork_vs_ours']:.1f}x"),
        ("plugin load (median)", f"{values['load_ms']:.2f} ms"),
        (
            f"profile names, {values['complete_profiles']} profiles, first parse",
            f"{values['complete_cold_ms']:.2f} ms",
        ),
        (
            f"profile names, {values['complete_profiles']} profiles, cached",
            f"{values['complete_cached_ms']:.3f} ms",
        ),
        ("first TAB, 1 profile (zsh floor), new shell", f"{values['first_tab_floor_ms']:.2f} ms"),
        ("first TAB, 1000 profiles, new shell", f"{values['first_tab_ms']:.2f} ms"),
        ("first TAB, 1000 profiles, config changed", f"{values['first_tab_reparse_ms']:.2f} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(values, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

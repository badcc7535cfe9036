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
t=$EPOCHREALTIME; _awsprompt_profile_names
print -r -- "cold $(( (EPOCHREALTIME - t) * 1e3 )) $#reply"
t=$EPOCHREALTIME; repeat {n} _awsprompt_profile_names
print -r -- "cached $(( (EPOCHREALTIME - t) * 1e3 / {n} )) $#reply"
"""

LOAD_SCRIPT = r"""
zmodload zsh/datetime; zmodload -F zsh/stat b:zstat; autoload -Uz add-zsh-hook
t=$EPOCHREALTIME; source {plugin}; print -r -- $(( (EPOCHREALTIME - t) * 1e3 ))
"""


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
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>12}")
    if args.json:
        Path(args.json).write_text(json.dumps(values, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

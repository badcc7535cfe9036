#!/usr/bin/env bash
# Install awsprompt for the current user: a private virtualenv, `awsprompt` on ~/.local/bin,
# and the zsh plugin (oh-my-zsh custom plugin, or one marked block in ~/.zshrc that also
# puts ~/.local/bin on PATH).
#
#   ./install.sh                      install or upgrade (idempotent)
#   ./install.sh --no-demo            skip the demo's local AWS emulation (moto)
#   ./install.sh --no-zsh             do not touch ~/.zshrc or oh-my-zsh
#   ./install.sh --uninstall          lock the vault, remove everything install.sh added
#                                     (your vault stays); refuses while profiles in
#                                     ~/.aws/config get their keys from this awsprompt
#   ./install.sh --uninstall --force  uninstall anyway (those profiles stop working)
#
# Portable: bash 3.2 (macOS) and POSIX tools only (no GNU-only options).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
venv="${AWSPROMPT_VENV:-$data_home/awsprompt-venv}"
bin_dir="${AWSPROMPT_BIN_DIR:-$HOME/.local/bin}"
plugin_dir="$venv/share/awsprompt/zsh"
# What install.sh created (so that --uninstall removes only that): "zshrc PATH", "bin_dir PATH".
created_list="$venv/share/awsprompt/install-created"
zshrc="${ZDOTDIR:-$HOME}/.zshrc"
omz_home="${ZSH:-$HOME/.oh-my-zsh}"
omz_custom="${ZSH_CUSTOM:-$omz_home/custom}"
aws_config="${AWS_CONFIG_FILE:-$HOME/.aws/config}"
aws_credentials="${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}"
# The block that loads the plugin; with oh-my-zsh (which loads it), a block for PATH only,
# under its own markers (`awsprompt doctor` reads the first pair as "the plugin is loaded").
begin_marker="# >>> awsprompt >>>"
end_marker="# <<< awsprompt <<<"
path_begin_marker="# >>> awsprompt PATH >>>"
path_end_marker="# <<< awsprompt PATH <<<"

demo=1
zsh_setup=1
force=0
action=install
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    --no-zsh) zsh_setup=0 ;;
    --uninstall) action=uninstall ;;
    --force) force=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ "$force" = 1 ] && [ "$action" != uninstall ]; then
  echo "install.sh: --force goes with --uninstall" >&2
  exit 2
fi

say() { printf '%s\n' "$*" >&2; }
warn() { say "install.sh: warning: $*"; }
step_number=0
step_count=0
step() {
  step_number=$((step_number + 1))
  say "[$step_number/$step_count] $*"
}
# PATH quoted for a shell, as the user would type it.
quoted() { printf '%q' "$1"; }

# The file PATH names, following symlinks one at a time (no `readlink -f`: macOS before 12.3
# has none).
resolve_link() {
  local path="$1" target hops=0
  while [ -L "$path" ] && [ "$hops" -lt 40 ]; do
    target="$(readlink "$path")"
    case "$target" in
      /*) path="$target" ;;
      *) path="$(dirname "$path")/$target" ;;
    esac
    hops=$((hops + 1))
  done
  printf '%s\n' "$path"
}

# Put the lines of the file BLOCK in place of the awsprompt block of ~/.zshrc (where it is;
# at the end when there is none), or remove the block when BLOCK is empty. Also drops a
# second block and stray markers. A symlinked ~/.zshrc (dotfiles managers) is edited in its
# target; the file keeps its mode (cp -p: chmod has no portable way to copy one) and is swapped in
# by one rename. Nothing is written when nothing changes.
edit_zshrc() {
  local block="$1" target tmp
  target="$(resolve_link "$zshrc")"
  if [ ! -e "$target" ]; then
    [ -n "$block" ] || return 0
    mkdir -p "$(dirname "$target")"
    cat "$block" >"$target"
    return 0
  fi
  if [ ! -w "$target" ] || ! tmp="$(mktemp "$target.XXXXXX" 2>/dev/null)"; then
    # A read-only dotfile (e.g. a link into a store managed by another tool).
    warn "cannot edit $target (read-only, or in a read-only folder)"
    if [ -n "$block" ]; then
      say "Add these lines to it yourself:"
      cat "$block" >&2
    else
      say "Remove the awsprompt block (between its markers) from it yourself."
    fi
    return 0
  fi
  cp -p "$target" "$tmp"
  AWSPROMPT_BLOCK="$block" awk \
    -v b1="$begin_marker" -v e1="$end_marker" -v b2="$path_begin_marker" -v e2="$path_end_marker" '
    function emit(   line) {
      if (block == "" || emitted) return
      while ((getline line < block) > 0) print line
      close(block)
      emitted = 1
    }
    BEGIN { block = ENVIRON["AWSPROMPT_BLOCK"] }
    skip && ($0 == e1 || $0 == e2) { skip = 0; held = ""; emit(); next }
    skip { held = held $0 "\n"; next }
    $0 == b1 || $0 == b2 { skip = 1; held = ""; next }
    $0 == e1 || $0 == e2 { next }
    { print }
    # A begin marker without its end: keep the lines after it, add the block at the end.
    END { if (skip) printf "%s", held; emit() }' "$target" >"$tmp"
  if cmp -s "$target" "$tmp"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$target"
  fi
}

was_created() { [ -f "$created_list" ] && grep -qxF "$1 $2" "$created_list"; }
note_created() {
  mkdir -p "$(dirname "$created_list")"
  was_created "$1" "$2" || printf '%s %s\n' "$1" "$2" >>"$created_list"
}

find_python() {
  local candidate
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# The profiles of the AWS config whose credential_process runs the awsprompt of this venv
# (its link in bin_dir, its own script or Python, or `awsprompt` found on PATH as one of
# those), one name a line.
profiles_using_awsprompt() {
  [ -f "$aws_config" ] || return 0
  local py=""
  if "$venv/bin/python" -c '' 2>/dev/null; then
    py="$venv/bin/python"
  else
    py="$(find_python)" || py=""
  fi
  if [ -z "$py" ]; then
    # No Python to read the file with: any awsprompt in a credential_process counts.
    awk '/^[ \t]*\[/ {name = $0; gsub(/^[ \t]*\[[ \t]*(profile[ \t]+)?|[ \t]*\].*$/, "", name)}
      /^credential_process[ \t]*=.*awsprompt/ {print name}' "$aws_config"
    return 0
  fi
  "$py" - "$aws_config" "$venv" "$bin_dir/awsprompt" <<'PYTHON'
import os
import shlex
import shutil
import sys

config, venv, link = sys.argv[1:4]
venv_real = os.path.realpath(venv)
script_real = os.path.realpath(os.path.join(venv, "bin", "awsprompt"))


def under(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def ours(value):
    try:
        words = shlex.split(value)
    except ValueError:
        return False
    if not words:
        return False
    program = os.path.expanduser(words[0])
    if os.sep not in program:
        program = shutil.which(program) or ""
        if not program:
            return False
    program = os.path.abspath(program)
    real = os.path.realpath(program)
    return (
        program == os.path.abspath(link)
        or under(program, os.path.abspath(venv))
        or real == script_real
        or under(real, venv_real)
    )


found = []
section = None
with open(config, encoding="utf-8", errors="replace") as fh:
    for raw in fh:
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and "]" in line:
            section = line[1 : line.index("]")].strip()
            if section.startswith("profile ") or section.startswith("profile\t"):
                section = section[len("profile") :].strip()
            continue
        if raw[:1] in (" ", "\t") or section is None:
            continue  # a nested value (s3 = ...), or a line before any section
        key, sep, value = line.partition("=")
        if sep and key.strip().lower() == "credential_process" and ours(value.strip()):
            if section not in found:
                found.append(section)
for name in found:
    print(name)
PYTHON
}

# Refuse (exit 1, nothing removed) while profiles get their keys from this awsprompt, and
# say how to take the keys back; with --force, warn and go on.
check_profiles() {
  local profiles names quoted_names="" name command section
  if ! profiles="$(profiles_using_awsprompt)"; then
    [ "$force" = 1 ] || {
      say "install.sh: not uninstalling: could not read $aws_config to check which profiles"
      say "use awsprompt (credential_process). Fix that, or run $0 --uninstall --force."
      exit 1
    }
    warn "could not read $aws_config; profiles that use awsprompt there stop working"
    return 0
  fi
  [ -n "$profiles" ] || return 0
  names="$(printf '%s\n' "$profiles" | tr '\n' ' ' | sed 's/ $//')"
  if [ "$force" = 1 ]; then
    warn "uninstalling anyway (--force). These profiles stop working: their"
    say "credential_process in $aws_config runs the awsprompt being removed:"
    say "  $names"
    say "Their keys stay in the vault; reinstall awsprompt to use them again."
    return 0
  fi
  while IFS= read -r name; do
    quoted_names="$quoted_names $(quoted "$name")"
  done <<EOF
$profiles
EOF
  command="$bin_dir/awsprompt"
  [ -x "$command" ] || command="$venv/bin/awsprompt"
  say "install.sh: not uninstalling: these profiles get their keys from this awsprompt"
  say "(credential_process in $aws_config), and the keys are only in the awsprompt vault:"
  say "  $names"
  say "Keep awsprompt installed, or first put the keys back into $aws_credentials"
  say "(the passphrase is asked for each profile unless you run \`awsprompt unlock\` first):"
  # One line to paste: it appends a [NAME] section with the long-term keys of each (exec
  # --no-session hands them to the child as they are) to the credentials file, mode 600.
  # shellcheck disable=SC2016 # the $ words are for the user's shell
  section='printf "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"'
  section="$section \"\$1\" \"\$AWS_ACCESS_KEY_ID\" \"\$AWS_SECRET_ACCESS_KEY\""
  say "  (umask 077; for p in$quoted_names; do $(quoted "$command") exec --no-session \"\$p\"" \
    "-- sh -c '$section' sh \"\$p\"; done >>$(quoted "$aws_credentials"))"
  say "then delete the credential_process line of each from $aws_config, and run"
  say "$0 --uninstall again. Or run $0 --uninstall --force: those lines are left"
  say "pointing at a deleted command. Nothing was removed."
  exit 1
}

uninstall() {
  local zshrc_created=0 bin_created=0
  step_count=3
  check_profiles
  was_created zshrc "$zshrc" && zshrc_created=1
  was_created bin_dir "$bin_dir" && bin_created=1
  if [ -x "$venv/bin/awsprompt" ]; then
    step "Locking the vault (the unlock agent must not keep its key from a deleted install)"
    "$venv/bin/awsprompt" lock >&2 ||
      warn "\`awsprompt lock\` failed; an agent still running forgets its key when its time is up"
  else
    step "No awsprompt in $venv to lock the vault with"
  fi
  step "Removing the zsh setup"
  edit_zshrc ""
  # A ~/.zshrc that install.sh created, and that holds nothing else, goes too.
  if [ "$zshrc_created" = 1 ] && [ -f "$zshrc" ] && [ ! -L "$zshrc" ] && [ ! -s "$zshrc" ]; then
    rm -f "$zshrc"
  fi
  if [ -L "$omz_custom/plugins/awsprompt" ]; then rm -f "$omz_custom/plugins/awsprompt"; fi
  step "Removing $bin_dir/awsprompt and $venv"
  if [ -L "$bin_dir/awsprompt" ]; then rm -f "$bin_dir/awsprompt"; fi
  rm -rf "$venv"
  if [ "$bin_created" = 1 ] && [ -d "$bin_dir" ]; then rmdir "$bin_dir" 2>/dev/null || true; fi
  say "awsprompt removed. Your vault and sessions stay in ${AWSPROMPT_HOME:-$data_home/awsprompt};"
  say "delete that folder yourself if you want them gone."
}

# The ~/.zshrc block: $bin_dir on PATH (once, however often the file is read), and the
# plugin unless oh-my-zsh loads it.
write_block() {
  local file="$1" with_plugin="$2" dir
  dir="$(quoted "$bin_dir")"
  {
    if [ "$with_plugin" = 1 ]; then
      printf '%s\n' "$begin_marker"
    else
      printf '%s\n' "$path_begin_marker"
    fi
    printf 'case ":$PATH:" in *:%s:*) ;; *) export PATH=%s:"$PATH" ;; esac\n' "$dir" "$dir"
    if [ "$with_plugin" = 1 ]; then
      printf 'typeset -g AWSPROMPT_COMMAND=%q\n' "$bin_dir/awsprompt"
      printf 'source %q\n' "$plugin_dir/awsprompt.plugin.zsh"
      printf '%s\n' "$end_marker"
    else
      printf '%s\n' "$path_end_marker"
    fi
  } >"$file"
}

install() {
  local python pyver zsh_mode="none" zshrc_existed=0 block version
  local extras="keyring" export_line on_path=0
  python="${PYTHON:-}"
  if [ -z "$python" ]; then
    python="$(find_python)" || { say "install.sh: Python 3.10 or newer is needed"; exit 1; }
  fi
  [ "$demo" = 1 ] && extras="keyring,demo"
  step_count=3
  [ "$zsh_setup" = 1 ] && step_count=4

  if [ -x "$venv/bin/python" ]; then
    step "Virtualenv: upgrading $venv"
  else
    pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    step "Virtualenv: creating $venv (Python $pyver)"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
  fi
  say "  upgrading pip in it"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true

  # keyring: the OS keychain backend (optional at run time); demo: the local AWS emulation.
  step "Installing awsprompt[$extras] from $here and its dependencies with pip" \
    "(the first time, pip downloads them: a minute or two)"
  # pip's own lines, as they come (unbuffered, read line by line: awk may wait for a full
  # buffer), indented, without one per satisfied requirement; its errors go straight to
  # stderr. pipefail keeps pip's exit status.
  PYTHONUNBUFFERED=1 "$venv/bin/python" -m pip install --upgrade "$here[$extras]" |
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        "Requirement already satisfied"*) ;;
        *) say "    $line" ;;
      esac
    done

  step "Linking $bin_dir/awsprompt"
  [ -d "$bin_dir" ] || [ -L "$bin_dir" ] || {
    mkdir -p "$bin_dir"
    note_created bin_dir "$bin_dir"
  }
  ln -sfn "$venv/bin/awsprompt" "$bin_dir/awsprompt"

  if [ -d "$here/zsh" ]; then
    rm -rf "$plugin_dir"
    mkdir -p "$(dirname "$plugin_dir")"
    cp -R "$here/zsh" "$plugin_dir"
  fi

  if [ "$zsh_setup" = 1 ] && [ -f "$plugin_dir/awsprompt.plugin.zsh" ]; then
    if [ -e "$zshrc" ] || [ -L "$zshrc" ]; then zshrc_existed=1; fi
    block="$(mktemp "${TMPDIR:-/tmp}/awsprompt-block.XXXXXX")"
    if [ -d "$omz_custom" ] && [ -d "$omz_home" ]; then
      zsh_mode=omz
      step "zsh: linking the oh-my-zsh plugin, and $bin_dir on PATH in $zshrc"
      mkdir -p "$omz_custom/plugins"
      ln -sfn "$plugin_dir" "$omz_custom/plugins/awsprompt"
      write_block "$block" 0
    else
      zsh_mode=zshrc
      step "zsh: the awsprompt block in $zshrc ($bin_dir on PATH, and the plugin)"
      write_block "$block" 1
    fi
    edit_zshrc "$block"
    rm -f "$block"
    [ "$zshrc_existed" = 1 ] || note_created zshrc "$zshrc"
  fi

  version="$("$venv/bin/awsprompt" --version)"
  case ":$PATH:" in *":$bin_dir:"*) on_path=1 ;; esac
  if [ "$(quoted "$bin_dir")" = "$bin_dir" ]; then
    export_line="export PATH=\"$bin_dir:\$PATH\""
  else
    export_line="export PATH=$(quoted "$bin_dir"):\"\$PATH\""
  fi
  say ""
  say "Done: $version."
  case "$zsh_mode" in
    zshrc)
      say "New zsh shells find \`awsprompt\` and load the plugin (the block in $zshrc)."
      say "In this shell, run:"
      say "  exec zsh"
      [ "$on_path" = 1 ] ||
        say "(or, to keep this shell, without the plugin:  $export_line)"
      ;;
    omz)
      say "New zsh shells find \`awsprompt\` (the block in $zshrc). To load the plugin, add"
      say "'awsprompt' to plugins=(...) in $zshrc, then in this shell run:"
      say "  exec zsh"
      [ "$on_path" = 1 ] || say "(or, to keep this shell:  $export_line)"
      ;;
    *)
      if [ "$on_path" = 0 ]; then
        say "$bin_dir is not on your PATH. In this shell, run:"
        say "  $export_line"
        say "and add that line to your shell's startup file for new shells."
      fi
      ;;
  esac
  if [ "$demo" = 1 ]; then say "Then try: awsprompt demo"; else say "Then try: awsprompt doctor"; fi
}

if [ "$action" = uninstall ]; then uninstall; else install; fi

#!/usr/bin/env bash
# Install awsprompt for the current user: a private virtualenv, `awsprompt` on ~/.local/bin,
# and the zsh plugin (oh-my-zsh custom plugin, or one marked line in ~/.zshrc).
#
#   ./install.sh              install or upgrade (idempotent)
#   ./install.sh --no-demo    skip the demo's local AWS emulation (moto)
#   ./install.sh --no-zsh     do not touch ~/.zshrc or oh-my-zsh
#   ./install.sh --uninstall  remove everything install.sh added (your vault stays)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
venv="${AWSPROMPT_VENV:-$data_home/awsprompt-venv}"
bin_dir="${AWSPROMPT_BIN_DIR:-$HOME/.local/bin}"
plugin_dir="$venv/share/awsprompt/zsh"
zshrc="${ZDOTDIR:-$HOME}/.zshrc"
omz_custom="${ZSH_CUSTOM:-${ZSH:-$HOME/.oh-my-zsh}/custom}"
begin_marker="# >>> awsprompt >>>"
end_marker="# <<< awsprompt <<<"

demo=1
zsh_setup=1
action=install
for arg in "$@"; do
  case "$arg" in
    --no-demo) demo=0 ;;
    --no-zsh) zsh_setup=0 ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*" >&2; }

remove_zshrc_block() {
  [ -f "$zshrc" ] || return 0
  grep -qF "$begin_marker" "$zshrc" || return 0
  local tmp
  tmp="$(mktemp "${zshrc}.XXXXXX")"
  awk -v b="$begin_marker" -v e="$end_marker" '
    $0 == b {skip = 1; next}
    $0 == e {skip = 0; next}
    !skip {print}' "$zshrc" >"$tmp"
  chmod --reference="$zshrc" "$tmp" 2>/dev/null || true
  mv "$tmp" "$zshrc"
}

if [ "$action" = uninstall ]; then
  remove_zshrc_block
  if [ -L "$omz_custom/plugins/awsprompt" ]; then rm -f "$omz_custom/plugins/awsprompt"; fi
  if [ -L "$bin_dir/awsprompt" ]; then rm -f "$bin_dir/awsprompt"; fi
  rm -rf "$venv"
  say "awsprompt removed. Your vault and sessions stay in ${AWSPROMPT_HOME:-$data_home/awsprompt};"
  say "delete that folder yourself if you want them gone."
  exit 0
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
fi
[ -n "$python" ] || { say "install.sh: Python 3.10 or newer is needed"; exit 1; }

say "Creating the virtualenv in $venv"
mkdir -p "$(dirname "$venv")"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
# keyring: the OS keychain backend (optional at run time); demo: the local AWS emulation.
target="$here[keyring]"
[ "$demo" = 1 ] && target="$here[keyring,demo]"
"$venv/bin/python" -m pip install --quiet --upgrade "$target"

mkdir -p "$bin_dir"
ln -sfn "$venv/bin/awsprompt" "$bin_dir/awsprompt"
say "Linked $bin_dir/awsprompt"

if [ -d "$here/zsh" ]; then
  rm -rf "$plugin_dir"
  mkdir -p "$(dirname "$plugin_dir")"
  cp -R "$here/zsh" "$plugin_dir"
fi

if [ "$zsh_setup" = 1 ] && [ -f "$plugin_dir/awsprompt.plugin.zsh" ]; then
  if [ -d "$omz_custom" ] && [ -d "${ZSH:-$HOME/.oh-my-zsh}" ]; then
    mkdir -p "$omz_custom/plugins"
    ln -sfn "$plugin_dir" "$omz_custom/plugins/awsprompt"
    say "Linked the oh-my-zsh plugin: add 'awsprompt' to plugins=(...) in $zshrc"
  else
    remove_zshrc_block
    {
      printf '%s\n' "$begin_marker"
      printf 'typeset -g AWSPROMPT_COMMAND=%q\n' "$bin_dir/awsprompt"
      printf 'source %q\n' "$plugin_dir/awsprompt.plugin.zsh"
      printf '%s\n' "$end_marker"
    } >>"$zshrc"
    say "Added the plugin to $zshrc (between the awsprompt markers)"
  fi
fi

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "Note: $bin_dir is not on your PATH; add it to use \`awsprompt\` directly." ;;
esac
say "Done: $("$venv/bin/awsprompt" --version)"

# aws-use / aws-unuse and the shell protocol.
#
# `awsprompt export PROFILE --format zsh` (and `awsprompt serve PROFILE --zsh-parent
# $$` for --server) prints NUL-terminated records on stdout:
#   export\0NAME\0VALUE\0   unset\0NAME\0   set\0NAME\0VALUE\0
# We validate every record (names from the lists in contract.zsh) before applying
# any, never eval anything, and keep secrets only in locals.

# State kept across a reload of the plugin (`source ~/.zshrc`):
# the previous profile (for `aws-use -`) and the options of the last switch
# (reused by auto-refresh; never the MFA code),
(( ${+_awsprompt_prev_profile} )) || typeset -g _awsprompt_prev_profile=
(( ${+_awsprompt_last_opts} )) || typeset -ga _awsprompt_last_opts=()
# the names exported by the last successful switch (empty: not set up by aws-use),
(( ${+_awsprompt_exported} )) || typeset -ga _awsprompt_exported=()
# 1 when the previous profile was used with --server (`aws-use -` does so again),
(( ${+_awsprompt_prev_server} )) || typeset -gi _awsprompt_prev_server=0
# the endpoint this shell started (not exported; used where /proc is unavailable).
(( ${+_awsprompt_server_pid} )) || typeset -g _awsprompt_server_pid=

_awsprompt_usage() {
  emulate -L zsh
  print -u2 -r -- "usage: aws-use [--server] PROFILE [--duration D] [--region R] [--mfa-token CODE]
       aws-use            pick a profile (fzf or a numbered menu)
       --server           serve credentials from a local endpoint that renews them
                          (no keys in the environment; stops with this shell)
       aws-use -          back to the previous profile
       aws-use -u         remove every variable aws-use set (same as aws-unuse)"
}

aws-use() {
  emulate -L zsh
  local profile
  local -a opts
  local -i server=0
  if [[ ${1-} == --server ]]; then
    server=1; shift
  fi
  case ${1-} in
    -h|--help) _awsprompt_usage; return 0 ;;
    -u|--unset) _awsprompt_unuse; return 0 ;;
    -)
      if [[ -z $_awsprompt_prev_profile ]]; then
        print -u2 -r -- "aws-use: no previous profile"
        return 1
      fi
      (( _awsprompt_prev_server )) && server=1
      profile=$_awsprompt_prev_profile; shift ;;
    '')
      (( $# )) && shift
      _awsprompt_pick || return $?
      profile=$REPLY ;;
    -*) _awsprompt_usage; return _awsprompt_exit_usage ;;
    *) profile=$1; shift ;;
  esac
  while (( $# )); do
    case $1 in
      --duration|--region|--mfa-token)
        if (( $# < 2 )) || [[ -z $2 ]]; then
          print -u2 -r -- "aws-use: $1 needs a value"; return _awsprompt_exit_usage
        fi
        opts+=("$1" "$2"); shift 2 ;;
      --duration=?*|--region=?*|--mfa-token=?*)
        opts+=("${1%%=*}" "${1#*=}"); shift ;;
      --server) server=1; shift ;;
      *)
        print -u2 -r -- "aws-use: unknown argument: $1"; _awsprompt_usage
        return _awsprompt_exit_usage ;;
    esac
  done
  if ! _awsprompt_valid_name "$profile"; then
    print -u2 -r -- "aws-use: invalid profile name: ${(q+)profile}"
    return _awsprompt_exit_usage
  fi
  _awsprompt_switch $server "$profile" "${opts[@]}"
}

aws-unuse() {
  emulate -L zsh
  _awsprompt_unuse
}

# _awsprompt_switch SERVER PROFILE [OPTS...]: run export (SERVER=0) or serve
# (SERVER=1) and apply it (interactive: Python may prompt for an MFA code on
# /dev/tty, so the tty is left alone).  The endpoint of the previous profile is
# stopped only once the new state is applied, so a failure changes nothing.
_awsprompt_switch() {
  emulate -L zsh
  local -i server=$1
  local profile=$2 old=${AWSPROMPT_PROFILE-} oldpid=${AWSPROMPT_SERVER_PID-}
  shift 2
  local -a cmd reply
  _awsprompt_command; cmd=("${reply[@]}")
  local out sub=export
  local -i rc
  if (( server )); then
    sub=serve
    out="$("${cmd[@]}" serve "$profile" --zsh-parent $$ "$@")"
  else
    out="$("${cmd[@]}" export "$profile" --format zsh "$@")"
  fi
  rc=$?
  if (( rc )); then
    (( server )) && _awsprompt_stop_started "$out" "$oldpid"
    out=
    return rc
  fi
  if ! _awsprompt_apply "$out" $sub; then
    (( server )) && _awsprompt_stop_started "$out" "$oldpid"
    out=
    print -u2 -r -- "aws-use: refused the output of ${(j: :)${(q+)cmd}} $sub (malformed or unexpected variable); nothing changed"
    return 3
  fi
  out=
  [[ -n $oldpid && $oldpid != ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$oldpid"
  _awsprompt_server_pid=${AWSPROMPT_SERVER_PID-}
  # Remember the options for auto-refresh, without the MFA code.
  local -a keep
  local -i i
  for (( i = 1; i < $#; i += 2 )); do
    [[ ${@[i]} == --mfa-token ]] || keep+=("${@[i]}" "${@[i+1]}")
  done
  _awsprompt_last_opts=("${keep[@]}")
  if [[ -n $old && $old != ${AWSPROMPT_PROFILE-} ]]; then
    _awsprompt_prev_profile=$old
    _awsprompt_prev_server=$(( ${#oldpid} > 0 ))
  fi
  _awsprompt_refresh_reset
  _awsprompt_update
  return 0
}

# _awsprompt_apply OUTPUT [export|serve]: parse the NUL records; apply them only
# if all are valid.  Returns 1 (and changes nothing) otherwise.  Only serve
# output may (and must) export the endpoint variables and a numeric server pid.
_awsprompt_apply() {
  emulate -L zsh
  local mode=${2:-export}
  [[ -n $1 && ${1[-1]} == $'\0' ]] || return 1
  local -a f=("${(@0)1}")
  f[-1]=()              # the empty field after the final NUL
  local -i i=1 n=$#f
  local -a ops names
  local name
  while (( i <= n )); do
    case $f[i] in
      export)
        (( i + 2 <= n )) && (( ${_awsprompt_export_names[(Ie)$f[i+1]]} )) || return 1
        if [[ $mode != serve ]] && (( ${_awsprompt_server_names[(Ie)$f[i+1]]} )); then
          return 1
        fi
        if [[ $f[i+1] == AWSPROMPT_SERVER_PID && $f[i+2] != <2-> ]]; then return 1; fi
        ops+=(x $i); names+=("$f[i+1]"); i+=3 ;;
      set)
        (( i + 2 <= n )) && (( ${_awsprompt_set_names[(Ie)$f[i+1]]} )) || return 1
        if (( ${_awsprompt_cfg_numeric[(Ie)$f[i+1]]} )) && [[ $f[i+2] != <-> ]]; then
          return 1
        fi
        ops+=(s $i); i+=3 ;;
      unset)
        (( i + 1 <= n )) && (( ${_awsprompt_unset_names[(Ie)$f[i+1]]} )) || return 1
        ops+=(u $i); i+=2 ;;
      *) return 1 ;;
    esac
  done
  (( ${names[(Ie)AWSPROMPT_PROFILE]} )) || return 1
  if [[ $mode == serve ]]; then
    for name in $_awsprompt_server_names; do
      (( ${names[(Ie)$name]} )) || return 1
    done
  fi
  # Variables we exported last time and are not part of the new state go away.
  for name in "${_awsprompt_exported[@]}"; do
    (( ${names[(Ie)$name]} )) || unset -- "$name"
  done
  for (( i = 1; i < $#ops; i += 2 )); do
    local -i k=$ops[i+1]
    case $ops[i] in
      x) typeset -gx -- "$f[k+1]=$f[k+2]" ;;
      s) typeset -g -- "$f[k+1]=$f[k+2]" ;;
      u) unset -- "$f[k+1]" ;;
    esac
  done
  _awsprompt_exported=("${names[@]}")
  f=()
  return 0
}

_awsprompt_unuse() {
  emulate -L zsh
  local name
  # `aws-use -` after `aws-use -u` goes back to the profile just left.
  if [[ -n ${AWSPROMPT_PROFILE-} ]]; then
    _awsprompt_prev_profile=$AWSPROMPT_PROFILE
    _awsprompt_prev_server=$(( ${#${AWSPROMPT_SERVER_PID-}} > 0 ))
  fi
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$AWSPROMPT_SERVER_PID"
  _awsprompt_server_pid=
  for name in "${_awsprompt_unset_names[@]}" "${_awsprompt_set_names[@]}"; do
    unset -- "$name"
  done
  _awsprompt_exported=()
  _awsprompt_refresh_reset
  _awsprompt_update
  return 0
}

# _awsprompt_server_ours PID: true if PID is the credentials endpoint this shell
# started.  With /proc, its command line must read `serve ... --zsh-parent $$`
# (the server never execs), which also rules out a reused pid and an endpoint
# inherited from a parent shell; without /proc, the pid this shell recorded.
_awsprompt_server_ours() {
  emulate -L zsh
  local pid=$1
  [[ $pid == <2-> ]] && (( pid != $$ )) || return 1
  if [[ -r /proc/$$/cmdline ]]; then
    [[ -r /proc/$pid/cmdline ]] || return 1
    local line
    line=$(</proc/$pid/cmdline) 2>/dev/null || return 1
    [[ $line == *$'\0'serve$'\0'* && $line == *$'\0'--zsh-parent$'\0'$$$'\0'* ]]
  else
    [[ $pid == $_awsprompt_server_pid ]]
  fi
}

# _awsprompt_kill_server PID: stop our endpoint PID (anything else is left alone).
_awsprompt_kill_server() {
  emulate -L zsh
  _awsprompt_server_ours "$1" || return 0
  kill -TERM -- "$1" 2>/dev/null
  return 0
}

# _awsprompt_stop_started OUTPUT OLDPID: after a failed or refused serve, stop
# the endpoint it may have started (the pid of an `export AWSPROMPT_SERVER_PID`
# record, when numeric and not the endpoint we keep).
_awsprompt_stop_started() {
  emulate -L zsh
  [[ -n $1 ]] || return 0
  local -a f=("${(@0)1}")
  local -i i
  local keep=$_awsprompt_server_pid
  for (( i = 1; i + 2 <= $#f; i++ )); do
    if [[ $f[i] == export && $f[i+1] == AWSPROMPT_SERVER_PID && $f[i+2] == <2-> \
          && $f[i+2] != $2 ]]; then
      _awsprompt_server_pid=$f[i+2]     # it is ours: we just started it
      _awsprompt_kill_server "$f[i+2]"
    fi
  done
  _awsprompt_server_pid=$keep
  f=()
  return 0
}

# _awsprompt_pick -> REPLY: a profile chosen interactively (fzf, else select),
# most frecent first.
_awsprompt_pick() {
  emulate -L zsh
  local -a reply names
  _awsprompt_ranked_names; names=("${reply[@]}")
  if (( ! $#names )); then
    print -u2 -r -- "aws-use: no profiles found (add one with: awsprompt add NAME)"
    return 1
  fi
  local picker=$AWSPROMPT_PICKER
  if [[ $picker == auto ]]; then
    (( ${+commands[fzf]} )) && picker=fzf || picker=select
  fi
  REPLY=
  if [[ $picker == fzf ]]; then
    REPLY=$(print -rl -- "${names[@]}" | fzf --height=40% --reverse --no-multi --prompt='aws-use> ')
  else
    local PROMPT3='profile number: ' choice
    select choice in "${names[@]}"; do
      [[ -n $choice ]] && REPLY=$choice
      break
    done
  fi
  [[ -n $REPLY ]] || return 1
  _awsprompt_valid_name "$REPLY"
}

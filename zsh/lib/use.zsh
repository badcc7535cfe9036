# aws-use / aws-unuse / aws-region and the shell protocol.
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
# the values of the non-secret ones (name -> value): what is still ours, so that a
# value changed by other means is noticed and left alone,
(( ${+_awsprompt_mine} )) || typeset -gA _awsprompt_mine
# what the user had before the first aws-use (name -> value, name -> x if exported),
# given back by aws-use -u,
(( ${+_awsprompt_saved} )) || typeset -gA _awsprompt_saved
(( ${+_awsprompt_saved_x} )) || typeset -gA _awsprompt_saved_x
# a region chosen with `aws-use --region R` / `aws-region R`, kept across renewals,
(( ${+_awsprompt_region} )) || typeset -g _awsprompt_region=
# the key id that replaced ours (credentials set by other means; the prompt says so),
(( ${+_awsprompt_foreign} )) || typeset -g _awsprompt_foreign=
# a counter bumped by every switch (a renewal started before it is discarded),
(( ${+_awsprompt_gen} )) || typeset -gi _awsprompt_gen=0
# 1 when the previous profile was used with --server (`aws-use -` does so again),
(( ${+_awsprompt_prev_server} )) || typeset -gi _awsprompt_prev_server=0
# the endpoint this shell started (not exported; used where /proc is unavailable).
(( ${+_awsprompt_server_pid} )) || typeset -g _awsprompt_server_pid=

# The state a new shell rebuilds from (`exec zsh`, a new tmux pane): exported, never
# secret.  Words quoted with (q): version, the key id or server pid it belongs to,
# the previous profile and its --server flag, the region override, the prompt
# settings Python sent, then the options of the last switch.
typeset -g _awsprompt_state_var=AWSPROMPT_STATE

_awsprompt_usage() {
  emulate -L zsh
  print -u2 -r -- "usage: aws-use [--server] PROFILE [--duration D] [--region R] [--mfa-token CODE]
       aws-use            pick a profile (fzf or a numbered menu)
       --server           serve credentials from a local endpoint that renews them
                          (no keys in the environment; stops with this shell)
       aws-use -          back to the previous profile
       aws-use --region R switch only the region (also: aws-region R)
       aws-use -u         remove every variable aws-use set (same as aws-unuse)"
}

aws-use() {
  emulate -L zsh
  local profile=
  local -a opts
  local -i server=0 unset=0 dash=0 named=0
  local region=
  while (( $# )); do
    case $1 in
      -h|--help) _awsprompt_usage; return 0 ;;
      -u|--unset) unset=1; shift ;;
      --server) server=1; shift ;;
      -) dash=1; shift ;;
      --duration|--region|--mfa-token)
        if (( $# < 2 )) || [[ -z $2 ]]; then
          print -u2 -r -- "aws-use: $1 needs a value"; return _awsprompt_exit_usage
        fi
        [[ $1 == --region ]] && region=$2
        opts+=("$1" "$2"); shift 2 ;;
      --duration=?*|--region=?*|--mfa-token=?*)
        [[ $1 == --region=* ]] && region=${1#*=}
        opts+=("${1%%=*}" "${1#*=}"); shift ;;
      -*)
        print -u2 -r -- "aws-use: unknown option: $1"; _awsprompt_usage
        return _awsprompt_exit_usage ;;
      *)
        if (( named || dash )); then
          print -u2 -r -- "aws-use: unexpected argument: $1"; _awsprompt_usage
          return _awsprompt_exit_usage
        fi
        named=1; profile=$1; shift ;;
    esac
  done
  if (( unset )); then
    if (( named || dash || server || $#opts )); then
      _awsprompt_usage; return _awsprompt_exit_usage
    fi
    _awsprompt_unuse; return 0
  fi
  # `aws-use --region R`: only the region, no awsprompt run.
  if (( ! named && ! dash && ! server && $#opts == 2 )) && [[ -n $region ]]; then
    _awsprompt_set_region "$region"; return $?
  fi
  if (( dash )); then
    if [[ -z $_awsprompt_prev_profile ]]; then
      print -u2 -r -- "aws-use: no previous profile"
      return 1
    fi
    (( _awsprompt_prev_server )) && server=1
    profile=$_awsprompt_prev_profile
  elif (( ! named )); then
    _awsprompt_pick || return $?
    profile=$REPLY
  fi
  if ! _awsprompt_valid_name "$profile"; then
    print -u2 -r -- "aws-use: invalid profile name: ${(q+)profile}"
    return _awsprompt_exit_usage
  fi
  # Caught here, the hint names aws-use (not `awsprompt export --help`).
  local -i i
  for (( i = 1; i < $#opts; i += 2 )); do
    if [[ $opts[i] == --duration ]] && ! _awsprompt_valid_duration "$opts[i+1]"; then
      print -u2 -r -- "aws-use: invalid duration: ${(q+)opts[i+1]} (seconds, or units like 15m, 1h, 1h30m, 8h; see aws-use --help)"
      return _awsprompt_exit_usage
    fi
  done
  _awsprompt_switch $server "$profile" "${opts[@]}"
}

# _awsprompt_valid_duration D: seconds, or NUMBER UNIT parts (durations.py's rule).
_awsprompt_valid_duration() {
  emulate -L zsh
  setopt extended_glob
  [[ ${(L)1} == (<->|(<->[$_awsprompt_duration_units])##) ]]
}

aws-unuse() {
  emulate -L zsh
  _awsprompt_unuse
}

# aws-region [REGION]: switch only the region (no awsprompt run); print it without one.
aws-region() {
  emulate -L zsh
  if (( ! $# )); then
    print -r -- "${AWS_REGION:-${AWS_DEFAULT_REGION-}}"
    return 0
  fi
  if (( $# > 1 )); then
    print -u2 -r -- "usage: aws-region [REGION]"; return _awsprompt_exit_usage
  fi
  _awsprompt_set_region "$1"
}

# _awsprompt_set_region REGION: export AWS_REGION and AWS_DEFAULT_REGION; when aws-use
# manages the shell, keep REGION across renewals (and for aws-use -u to undo).
_awsprompt_set_region() {
  emulate -L zsh
  setopt extended_glob
  local region=$1 name
  if [[ $region != [a-z][a-z0-9-]#[a-z0-9] || $#region -gt 32 ]]; then
    print -u2 -r -- "aws-use: invalid region: ${(q+)region}"
    return _awsprompt_exit_usage
  fi
  (( $#_awsprompt_exported )) || (( ${+_awsprompt_saved[.]} )) || _awsprompt_save_prior
  typeset -gx AWS_REGION=$region AWS_DEFAULT_REGION=$region
  if (( $#_awsprompt_exported )); then
    _awsprompt_region=$region
    for name in AWS_REGION AWS_DEFAULT_REGION; do
      (( ${_awsprompt_exported[(Ie)$name]} )) || _awsprompt_exported+=($name)
      _awsprompt_mine[$name]=$region
    done
    _awsprompt_save_state
  fi
  _awsprompt_update
  return 0
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
  _awsprompt_job_cancel
  local out sub=export REPLY
  local -i rc
  if (( ! server && ! $# )) && _awsprompt_agent_export "$profile"; then
    # From the agent: no process started.  Checked like any output; refused, Python
    # answers instead.
    out=$REPLY
    REPLY=
    (( $#_awsprompt_exported )) || (( ${+_awsprompt_saved[.]} )) || _awsprompt_save_prior
    if _awsprompt_apply "$out" export; then
      out=
      _awsprompt_switched 0 "$old" "$oldpid"
      return 0
    fi
  fi
  # An MFA code goes on stdin (`--mfa-token -`), never into argv: /proc/PID/cmdline is
  # readable by every user, and `serve` keeps its argv for the shell's lifetime.
  local -a args=("$@")
  local mfa=
  local -i i
  for (( i = 1; i < $#args; i++ )); do
    if [[ $args[i] == --mfa-token ]]; then
      mfa=$args[i+1]; args[i+1]=-
    fi
  done
  if (( server )); then
    sub=serve
    out="$(_awsprompt_call_env; print -r -- "$mfa" |
      "${cmd[@]}" serve "$profile" --zsh-parent $$ "${args[@]}")"
  else
    out="$(_awsprompt_call_env; print -r -- "$mfa" |
      "${cmd[@]}" export "$profile" --format zsh "${args[@]}")"
  fi
  rc=$?
  mfa=
  if (( rc )); then
    (( server )) && _awsprompt_stop_started "$out" "$oldpid"
    out=
    return rc
  fi
  (( $#_awsprompt_exported )) || (( ${+_awsprompt_saved[.]} )) || _awsprompt_save_prior
  if ! _awsprompt_apply "$out" $sub; then
    (( server )) && _awsprompt_stop_started "$out" "$oldpid"
    out=
    print -u2 -r -- "aws-use: refused the output of ${(j: :)${(q+)cmd}} $sub (malformed or unexpected variable); nothing changed"
    return 3
  fi
  out=
  _awsprompt_switched $server "$old" "$oldpid" "$@"
  return 0
}

# _awsprompt_switched SERVER OLD-PROFILE OLD-PID [OPTS...]: after a switch applied:
# stop the old endpoint, remember the options (without the MFA code) and the
# previous profile, and start managing the new state.
_awsprompt_switched() {
  emulate -L zsh
  local -i server=$1
  local old=$2 oldpid=$3
  shift 3
  [[ -n $oldpid && $oldpid != ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$oldpid"
  _awsprompt_server_pid=${AWSPROMPT_SERVER_PID-}
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
  _awsprompt_region=
  _awsprompt_adopt
  _awsprompt_carry_save
  (( server )) && _awsprompt_starship_note
  _awsprompt_update
  return 0
}

# _awsprompt_starship_note: starship's aws module shows a profile only when it sees
# credentials (keys in the environment, the credentials file, credential_process or
# SSO in the config), so with --server it stays hidden unless `force_display = true`.
# Say so once per shell when starship draws the prompt and its config lacks it.
(( ${+_awsprompt_starship_noted} )) || typeset -gi _awsprompt_starship_noted=0
_awsprompt_starship_note() {
  emulate -L zsh
  setopt extended_glob
  (( _awsprompt_starship_noted )) || [[ -z ${STARSHIP_SHELL-} ]] && return 0
  local file=${STARSHIP_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/starship.toml} text=
  [[ -r $file ]] && text=$(<$file)
  [[ $text == *force_display[[:space:]]#=[[:space:]]#true* ]] && return 0
  _awsprompt_starship_noted=1
  print -u2 -r -- "awsprompt: with --server the shell holds no keys: starship's aws module shows the profile only with [aws] force_display = true in ${(D)file}"
}

# _awsprompt_adopt: after aws-use or a renewal applied records, the shell is ours:
# remember the non-secret values, start afresh, and export the state for new shells.
_awsprompt_adopt() {
  emulate -L zsh
  local name
  _awsprompt_mine=()
  for name in "${_awsprompt_exported[@]}"; do
    (( ${_awsprompt_nocopy_names[(Ie)$name]} )) || _awsprompt_mine[$name]=${(P)name-}
  done
  _awsprompt_foreign=
  (( ++_awsprompt_gen ))
  _awsprompt_refresh_reset
  _awsprompt_save_state
}

# _awsprompt_save_prior: remember what the user had (not secret) before aws-use
# first changes anything; aws-use -u gives it back.  The key `.` marks "saved".
_awsprompt_save_prior() {
  emulate -L zsh
  local name
  _awsprompt_saved=(. 1)
  _awsprompt_saved_x=()
  for name in "${_awsprompt_restore_names[@]}"; do
    if (( ${(P)+name} )); then
      _awsprompt_saved[$name]=${(P)name}
      [[ ${(tP)name} == *export* ]] && _awsprompt_saved_x[$name]=x
    fi
  done
}

# _awsprompt_restore_prior: give back what _awsprompt_save_prior remembered, where
# the variable is not set now.
_awsprompt_restore_prior() {
  emulate -L zsh
  local name
  for name in "${(@k)_awsprompt_saved}"; do
    [[ $name == . ]] && continue
    (( ${(P)+name} )) && continue
    if (( ${+_awsprompt_saved_x[$name]} )); then
      typeset -gx -- "$name=$_awsprompt_saved[$name]"
    else
      typeset -g -- "$name=$_awsprompt_saved[$name]"
    fi
  done
  _awsprompt_saved=()
  _awsprompt_saved_x=()
}

# _awsprompt_save_state: export AWSPROMPT_STATE for shells started from this one.
_awsprompt_save_state() {
  emulate -L zsh
  local bind=${AWSPROMPT_SERVER_PID:+pid:$AWSPROMPT_SERVER_PID}
  [[ -n $bind ]] || bind=key:${AWS_ACCESS_KEY_ID-}
  local name
  local -a words=(
    1 "$bind" "${_awsprompt_prev_profile:--}" $_awsprompt_prev_server "${_awsprompt_region:--}"
  )
  for name in "${_awsprompt_set_names[@]}"; do
    words+=("${(P)name:--}")
  done
  words+=("${_awsprompt_last_opts[@]}")
  typeset -gx -- "${_awsprompt_state_var}=${(j: :)${(@q)words}}"
}

# _awsprompt_rebuild: in a new shell (`exec zsh`, a tmux pane) whose environment
# holds a switch made by aws-use, take it over: auto-refresh and `aws-use -` keep
# working.  Only when AWSPROMPT_STATE belongs to the credentials in the environment;
# any doubt and nothing is taken over.  Pure parameter work (runs at load).
_awsprompt_rebuild() {
  emulate -L zsh
  setopt extended_glob
  (( $#_awsprompt_exported )) && return 0
  local raw=${(P)_awsprompt_state_var-}
  [[ -n $raw && ${(tP)_awsprompt_state_var} == *export* ]] || return 0
  [[ -n ${AWSPROMPT_PROFILE-} ]] && _awsprompt_valid_name "$AWSPROMPT_PROFILE" || return 0
  local -a w=("${(@Q)${(z)raw}}")
  local -i ncfg=$#_awsprompt_set_names i
  local -i first=$(( 6 + ncfg ))      # the first option word
  (( $#w >= first - 1 && ($#w - first + 1) % 2 == 0 )) && [[ $w[1] == 1 ]] || return 0
  if [[ -n ${AWSPROMPT_SERVER_PID-} ]]; then
    [[ $w[2] == "pid:$AWSPROMPT_SERVER_PID" ]] || return 0
  else
    [[ -n ${AWS_ACCESS_KEY_ID-} && $w[2] == "key:$AWS_ACCESS_KEY_ID" ]] || return 0
  fi
  [[ $w[3] == - ]] || _awsprompt_valid_name "$w[3]" || return 0
  [[ $w[4] == [01] ]] || return 0
  [[ $w[5] == - || $w[5] == [a-z][a-z0-9-]#[a-z0-9] ]] || return 0
  for (( i = 1; i <= ncfg; i++ )); do
    if (( ${_awsprompt_cfg_numeric[(Ie)$_awsprompt_set_names[i]]} )); then
      [[ $w[5+i] == (-|<->) ]] || return 0
    fi
  done
  for (( i = first; i < $#w; i += 2 )); do
    [[ $w[i] == --(duration|region) && $w[i+1] == [[:alnum:]][[:alnum:]-]# ]] || return 0
  done
  local name
  for name in "${_awsprompt_export_names[@]}"; do
    [[ ${(tP)name-} == *export* ]] && _awsprompt_exported+=($name)
  done
  _awsprompt_prev_profile=${w[3]#-}
  _awsprompt_prev_server=$w[4]
  _awsprompt_region=${w[5]#-}
  for (( i = 1; i <= ncfg; i++ )); do
    [[ $w[5+i] == - ]] || typeset -g -- "${_awsprompt_set_names[i]}=$w[5+i]"
  done
  _awsprompt_last_opts=("${(@)w[first,-1]}")
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_server_ours "$AWSPROMPT_SERVER_PID" \
    && _awsprompt_server_pid=$AWSPROMPT_SERVER_PID
  _awsprompt_adopt
}

# _awsprompt_apply OUTPUT [export|serve|renew]: parse the NUL records; apply them
# only if all are valid.  Returns 1 (and changes nothing) otherwise.  Only serve
# output may (and must) export the endpoint variables and a numeric server pid.
# A renewal (renew) leaves alone what the user set since: it removes no variable
# that exists and is not ours, and keeps a region chosen with aws-use --region.
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
      u)
        name=$f[k+1]
        if [[ $mode == renew ]] && (( ${(P)+name} && ! ${_awsprompt_exported[(Ie)$name]} )); then
          continue      # set by the user since the switch: theirs
        fi
        unset -- "$name" ;;
    esac
  done
  if [[ $mode == renew && -n $_awsprompt_region ]]; then
    typeset -gx AWS_REGION=$_awsprompt_region AWS_DEFAULT_REGION=$_awsprompt_region
    names+=(AWS_REGION AWS_DEFAULT_REGION)
  fi
  _awsprompt_exported=("${(@u)names}")
  f=()
  return 0
}

_awsprompt_unuse() {
  emulate -L zsh
  local name
  _awsprompt_job_cancel
  # `aws-use -` after `aws-use -u` goes back to the profile just left.
  if [[ -n ${AWSPROMPT_PROFILE-} ]]; then
    _awsprompt_prev_profile=$AWSPROMPT_PROFILE
    _awsprompt_prev_server=$(( ${#${AWSPROMPT_SERVER_PID-}} > 0 ))
  fi
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$AWSPROMPT_SERVER_PID"
  _awsprompt_server_pid=
  for name in "${_awsprompt_unset_names[@]}" "${_awsprompt_set_names[@]}" $_awsprompt_state_var; do
    unset -- "$name"
  done
  _awsprompt_restore_prior
  _awsprompt_exported=()
  _awsprompt_mine=()
  _awsprompt_region=
  _awsprompt_foreign=
  (( ++_awsprompt_gen ))
  _awsprompt_refresh_reset
  _awsprompt_carry_save
  _awsprompt_update
  return 0
}

# _awsprompt_check_foreign: called before every prompt and command (string
# comparisons only).  Credentials changed by other means after aws-use (an
# `export AWS_ACCESS_KEY_ID=...`, another tool) end our management of this shell:
# what is still ours goes, what the user set stays, nothing is renewed any more,
# and the prompt says so.  A region changed by hand is kept across renewals.
_awsprompt_check_foreign() {
  emulate -L zsh
  (( $#_awsprompt_exported )) || return 0
  local key=${AWS_ACCESS_KEY_ID-} name
  if [[ -n ${AWSPROMPT_SERVER_PID-} ]]; then
    [[ -z $key && ${AWS_CONTAINER_CREDENTIALS_FULL_URI-} == ${_awsprompt_mine[AWS_CONTAINER_CREDENTIALS_FULL_URI]-} ]] \
      && return 0
  elif [[ $key == ${_awsprompt_mine[AWS_ACCESS_KEY_ID]-} ]]; then
    if [[ -n ${AWS_REGION-} && ${AWS_REGION-} != ${_awsprompt_mine[AWS_REGION]-} ]]; then
      _awsprompt_region=$AWS_REGION     # the user's choice, kept across renewals
      _awsprompt_mine[AWS_REGION]=$AWS_REGION
      _awsprompt_mine[AWS_DEFAULT_REGION]=${AWS_DEFAULT_REGION-}
      _awsprompt_save_state
    fi
    return 0
  fi
  _awsprompt_job_cancel
  local profile=${AWSPROMPT_PROFILE-}
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$AWSPROMPT_SERVER_PID"
  for name in "${_awsprompt_exported[@]}"; do
    case $name in
      AWS_ACCESS_KEY_ID) ;;                        # the user's now
      AWS_SECRET_ACCESS_KEY) [[ -n $key ]] || unset -- $name ;;
      AWS_SESSION_TOKEN) [[ $key == ASIA* ]] || unset -- $name ;;   # theirs only with temporary keys
      AWS_CONTAINER_AUTHORIZATION_TOKEN)
        [[ ${AWS_CONTAINER_CREDENTIALS_FULL_URI-} == ${_awsprompt_mine[AWS_CONTAINER_CREDENTIALS_FULL_URI]-} ]] \
          && unset -- $name ;;
      *) [[ ${(P)name-} == ${_awsprompt_mine[$name]-} ]] && unset -- $name ;;
    esac
  done
  unset -- $_awsprompt_state_var "${_awsprompt_set_names[@]}"
  _awsprompt_restore_prior
  _awsprompt_exported=()
  _awsprompt_mine=()
  _awsprompt_server_pid=
  _awsprompt_region=
  _awsprompt_foreign=${key:--}
  [[ -n $profile ]] && _awsprompt_prev_profile=$profile _awsprompt_prev_server=0
  (( ++_awsprompt_gen ))
  _awsprompt_refresh_reset
  print -u2 -r -- "awsprompt: credentials were changed outside aws-use; this shell is no longer managed (no renewal). aws-use PROFILE switches again."
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
    # One line per profile: NAME, then what the preview shows (account, role, region,
    # time left), tab-separated; fzf quotes each field it substitutes.
    local -a lines
    local -A details
    _awsprompt_profile_details
    local name
    for name in "${names[@]}"; do
      lines+=("$name"$'\t'"${details[$name]:-$'keys\t\t\t'}")
    done
    REPLY=$(print -rl -- "${lines[@]}" | fzf --height=40% --reverse --no-multi \
      --prompt='aws-use> ' --delimiter=$'\t' --with-nth=1 \
      --preview='printf "%s\n" {1} "account: "{2} "role:    "{3} "region:  "{4} "session: "{5}' \
      --preview-window=right,50%)
    REPLY=${REPLY%%$'\t'*}
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

# _awsprompt_bind_picker: bind AWSPROMPT_PICKER_KEY (if set) to the picker widget.
_awsprompt_bind_picker() {
  emulate -L zsh
  [[ -n $AWSPROMPT_PICKER_KEY ]] || return 0
  zle -N zle-awsprompt-pick _awsprompt_pick_widget 2>/dev/null || return 0
  bindkey -- "$AWSPROMPT_PICKER_KEY" zle-awsprompt-pick
}

# The picker from a key: pick, switch, redraw (the line being typed is kept).
_awsprompt_pick_widget() {
  emulate -L zsh
  zle -I
  aws-use </dev/tty
  zle .reset-prompt
}

# _awsprompt_profile_details -> details (an associative array of the caller):
# NAME -> ACCOUNT TAB ROLE TAB REGION TAB TIME-LEFT, for the picker's preview.
_awsprompt_profile_details() {
  emulate -L zsh
  setopt extended_glob
  local file=${AWS_CONFIG_FILE:-$HOME/.aws/config} line name= key value REPLY
  local -A account role region
  if [[ -r $file ]]; then
    for line in "${(@f)$(<$file)}" '[]'; do
      line=${${line%$'\r'}##[[:space:]]#}
      if [[ $line == '['* ]]; then
        name=${${${line#\[}%%\]*}##[[:space:]]#}; name=${name%%[[:space:]]#}
        if [[ $name == profile[[:space:]]* ]]; then
          name=${name#profile}; name=${name##[[:space:]]#}
        elif [[ $name != default ]]; then
          name=
        fi
        _awsprompt_valid_name "$name" || name=
        continue
      fi
      [[ -n $name && $line == (#b)([A-Za-z_]##)[[:space:]]#=[[:space:]]#(*) ]] || continue
      key=${(L)match[1]} value=${match[2]%%[[:space:]]#}
      case $key in
        role_arn) role[$name]=$value; account[$name]=${${value#*:iam::}%%:*} ;;
        sso_account_id) account[$name]=$value ;;
        sso_role_name) role[$name]=$value ;;
        region) region[$name]=$value ;;
      esac
    done
  fi
  _awsprompt_session_expiry
  local -i now=$EPOCHSECONDS
  local left
  for name in ${(k)account} ${(k)role} ${(k)region} ${(k)_awsprompt_sessions_expiry}; do
    left=
    if (( ${_awsprompt_sessions_expiry[$name]:-0} > now )); then
      _awsprompt_left_text $(( _awsprompt_sessions_expiry[$name] - now ))
      left="$REPLY left"
    fi
    details[$name]="${account[$name]-}"$'\t'"${role[$name]-}"$'\t'"${region[$name]-}"$'\t'"$left"
  done
}

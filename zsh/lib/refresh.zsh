# precmd hook: refresh credentials shortly before they expire, without ever
# prompting (--no-prompt, stdin from /dev/null), and back off after a failure.

# No refresh attempt before this time (a back-off after a failure); the session
# ("PROFILE:EXPIRES") the last hint was printed for.  Kept across a reload.
(( ${+_awsprompt_refresh_next} )) || typeset -gi _awsprompt_refresh_next=0
(( ${+_awsprompt_hint_key} )) || typeset -g _awsprompt_hint_key=

_awsprompt_refresh_reset() {
  emulate -L zsh
  _awsprompt_refresh_next=0
}

# _awsprompt_refresh: refresh when AWSPROMPT_EXPIRES is within the refresh
# window of a session aws-use set up.  One hint on stderr per failed session.
_awsprompt_refresh() {
  emulate -L zsh
  [[ $AWSPROMPT_AUTO_REFRESH == true && -n ${AWSPROMPT_PROFILE-} ]] || return 0
  [[ -z ${AWSPROMPT_SERVER_PID-} ]] || return 0        # --server renews by itself
  [[ ${AWSPROMPT_EXPIRES-} == <-> ]] || return 0
  (( $#_awsprompt_exported )) || return 0          # not set up by aws-use
  local REPLY
  local -i now=$EPOCHSECONDS window warn crit
  _awsprompt_setting REFRESH; window=$REPLY
  (( AWSPROMPT_EXPIRES - now < window )) || return 0
  (( now >= _awsprompt_refresh_next )) || return 0
  local -a cmd reply
  _awsprompt_command; cmd=("${reply[@]}")
  local out profile=$AWSPROMPT_PROFILE
  local -i rc
  out="$("${cmd[@]}" export "$profile" --format zsh --no-prompt "${_awsprompt_last_opts[@]}" \
    </dev/null 2>/dev/null)"
  rc=$?
  if (( rc == 0 )) && _awsprompt_apply "$out"; then
    out=
    _awsprompt_refresh_next=0
    # Still inside the window (e.g. capped session): don't retry every prompt.
    (( AWSPROMPT_EXPIRES - EPOCHSECONDS < window )) && _awsprompt_refresh_next=$(( now + 60 ))
    return 0
  fi
  out=
  # Back off for a minute, or until the next threshold if that comes sooner.
  local -i next=$(( now + 60 )) t
  _awsprompt_setting WARN; warn=$REPLY
  _awsprompt_setting CRITICAL; crit=$REPLY
  for t in $(( AWSPROMPT_EXPIRES - warn * 60 )) $(( AWSPROMPT_EXPIRES - crit * 60 )) $AWSPROMPT_EXPIRES; do
    (( t > now && t < next )) && next=t
  done
  _awsprompt_refresh_next=$next
  local key="$profile:$AWSPROMPT_EXPIRES"
  if [[ $_awsprompt_hint_key != $key ]]; then
    _awsprompt_hint_key=$key
    local why="exit $rc"
    (( rc == _awsprompt_exit_mfa_required )) && why="a new MFA code is needed"
    (( rc == 0 )) && why="unexpected output"
    print -u2 -r -- "awsprompt: could not refresh ${(q+)profile} ($why); run: aws-use ${(q+)profile}"
  fi
  return 0
}

_awsprompt_precmd() {
  emulate -L zsh
  # Only sessions set up by aws-use are refreshed; skip the call otherwise.
  (( $#_awsprompt_exported )) && [[ -n ${AWSPROMPT_EXPIRES-} && -z ${AWSPROMPT_SERVER_PID-} ]] \
    && _awsprompt_refresh
  _awsprompt_update
}

# zshexit hook: stop the endpoint `aws-use --server` started (it also stops by
# itself within a second or so when this shell is gone, e.g. after kill -9).
_awsprompt_zshexit() {
  emulate -L zsh
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$AWSPROMPT_SERVER_PID"
  return 0
}

# Called at every load: hooks (add-zsh-hook adds each once), no output, no fork.
# prompt_subst, which the RPROMPT segment needs, is set by the plugin file: this
# function's options are local.
_awsprompt_start() {
  emulate -L zsh
  autoload -Uz add-zsh-hook
  add-zsh-hook precmd _awsprompt_precmd
  add-zsh-hook zshexit _awsprompt_zshexit
  _awsprompt_compute
  _awsprompt_rprompt_setup
}

# Auto-refresh, off the foreground.
#
# Inside the refresh window (the one Python uses: contract.zsh, _awsprompt_cfg_refresh)
# the hooks start `awsprompt export PROFILE --format zsh --no-prompt` in the
# background, with a lock wait of 0: a renewal never waits on another terminal's
# MFA prompt.  The job's output reaches the shell through a file descriptor that
# zle watches (`zle -F`), so the result is applied while you sit at the prompt;
# precmd and preexec collect it too.  A job still running after
# AWSPROMPT_REFRESH_TIMEOUT seconds is stopped, and the back-off counts from then.
#
#   precmd   collect a finished renewal, start one when due, print queued hints
#   preexec  the same, and when the credentials are (nearly) expired, wait for the
#            renewal (bounded) so that the command gets fresh ones
#   tick     with AWSPROMPT_LIVE=true, the same while the shell sits idle
#
# The job (a subshell, its own process group) writes "PID\0" at once, then
# "STATUS\0RECORDS" when awsprompt has finished.

# No refresh attempt before this time (a back-off after a failure); the renewal's
# last outcome ('', mfa, busy or failed: the prompt shows a marker); the failure
# the last hint was printed for; hints waiting for the next prompt.
(( ${+_awsprompt_refresh_next} )) || typeset -gi _awsprompt_refresh_next=0
(( ${+_awsprompt_refresh_status} )) || typeset -g _awsprompt_refresh_status=
(( ${+_awsprompt_hint_key} )) || typeset -g _awsprompt_hint_key=
(( ${+_awsprompt_hints} )) || typeset -ga _awsprompt_hints=()
# The running job: its file descriptor, pid, deadline, kind (refresh or carry),
# profile, and the switch counter when it started.
(( ${+_awsprompt_job_fd} )) || typeset -g _awsprompt_job_fd=
(( ${+_awsprompt_job_pid} )) || typeset -g _awsprompt_job_pid=
(( ${+_awsprompt_job_deadline} )) || typeset -gi _awsprompt_job_deadline=0
(( ${+_awsprompt_job_kind} )) || typeset -g _awsprompt_job_kind=
(( ${+_awsprompt_job_profile} )) || typeset -g _awsprompt_job_profile=
(( ${+_awsprompt_job_gen} )) || typeset -gi _awsprompt_job_gen=0
# 1 once this shell has tried to carry the last profile in (AWSPROMPT_CARRY).
(( ${+_awsprompt_carry_tried} )) || typeset -gi _awsprompt_carry_tried=0

_awsprompt_refresh_reset() {
  emulate -L zsh
  _awsprompt_refresh_next=0
  _awsprompt_refresh_status=
}

# _awsprompt_refresh_due: true when credentials aws-use set up are inside the window.
_awsprompt_refresh_due() {
  emulate -L zsh
  [[ $AWSPROMPT_AUTO_REFRESH == true ]] && (( $#_awsprompt_exported )) || return 1
  [[ -n ${AWSPROMPT_PROFILE-} && -z ${AWSPROMPT_SERVER_PID-} && ${AWSPROMPT_EXPIRES-} == <-> ]] \
    || return 1
  local REPLY
  _awsprompt_window
  (( AWSPROMPT_EXPIRES - EPOCHSECONDS < REPLY ))
}

# _awsprompt_refresh [wait]: collect a finished job, start one when due.  With
# `wait` (preexec) and under a minute left, wait for it until its deadline.
_awsprompt_refresh() {
  emulate -L zsh
  [[ -n $_awsprompt_job_fd ]] && _awsprompt_job_poll
  _awsprompt_refresh_due || return 0
  if [[ -z $_awsprompt_job_fd ]]; then
    (( EPOCHSECONDS >= _awsprompt_refresh_next )) || return 0
    _awsprompt_job_start refresh "$AWSPROMPT_PROFILE" "${_awsprompt_last_opts[@]}" || return 0
  fi
  if [[ ${1-} == wait ]] && (( AWSPROMPT_EXPIRES - EPOCHSECONDS < 60 )); then
    _awsprompt_job_wait
  fi
  return 0
}

# _awsprompt_job_start KIND PROFILE [OPTS...]: start the background export.
_awsprompt_job_start() {
  emulate -L zsh
  [[ -z $_awsprompt_job_fd && -n ${sysparams[pid]-} ]] || return 1
  local kind=$1 profile=$2
  shift 2
  local -a cmd reply
  _awsprompt_command; cmd=("${reply[@]}")
  local pid
  local -i fd
  # Without options the agent may answer from the cache (another shell renewed the
  # session already): no awsprompt process then.
  local ask=-
  (( $# )) || ask=$profile
  exec {fd}< <(_awsprompt_job_run $ask "${cmd[@]}" export "$profile" --format zsh --no-prompt "$@")
  if ! IFS= read -r -d '' -u $fd pid || [[ $pid != <2-> ]]; then
    exec {fd}<&-
    return 1
  fi
  local -i limit=10
  [[ $AWSPROMPT_REFRESH_TIMEOUT == <1-> ]] && limit=$AWSPROMPT_REFRESH_TIMEOUT
  _awsprompt_job_fd=$fd _awsprompt_job_pid=$pid _awsprompt_job_kind=$kind
  _awsprompt_job_profile=$profile _awsprompt_job_gen=$_awsprompt_gen
  _awsprompt_job_deadline=$(( EPOCHSECONDS + limit ))
  # The result is applied as soon as it arrives while zle waits for a key.
  zle -F -w $fd zle-awsprompt-job 2>/dev/null
  return 0
}

# _awsprompt_job_run ASK COMMAND...: the job itself (in the subshell); ASK is the
# profile to ask the agent for first, or `-`.
_awsprompt_job_run() {
  emulate -L zsh
  exec </dev/null 2>/dev/null
  print -rn -- "${sysparams[pid]}"$'\0'
  local REPLY
  if [[ $1 != - ]] && _awsprompt_agent_export "$1"; then
    print -rn -- "0"$'\0'"$REPLY"
    return 0
  fi
  shift
  typeset -gx -- "${_awsprompt_env_lock_timeout}=0"
  _awsprompt_call_env
  local out
  local -i rc
  out="$("$@")"
  rc=$?
  print -rn -- "$rc"$'\0'"$out"
}

# zle -F handler (a widget, so that it may redraw): the job has finished.
_awsprompt_job_widget() {
  emulate -L zsh
  if [[ ${1-} != $_awsprompt_job_fd ]]; then
    [[ ${1-} == <-> ]] && zle -F $1
    return 0
  fi
  _awsprompt_job_collect
  _awsprompt_update
  _awsprompt_redraw_widget
}

# _awsprompt_job_poll: collect a finished job; stop one past its deadline.
_awsprompt_job_poll() {
  emulate -L zsh
  [[ -n $_awsprompt_job_fd ]] || return 0
  if zselect -t 0 -r $_awsprompt_job_fd 2>/dev/null; then
    _awsprompt_job_collect
  elif (( EPOCHSECONDS >= _awsprompt_job_deadline )); then
    _awsprompt_job_cancel timeout
  fi
}

# _awsprompt_job_wait: wait for the job until its deadline (Ctrl-C stops waiting).
_awsprompt_job_wait() {
  emulate -L zsh
  [[ -n $_awsprompt_job_fd ]] || return 0
  local -i left=$(( _awsprompt_job_deadline - EPOCHSECONDS ))
  if (( left > 0 )) && zselect -t $(( left * 100 )) -r $_awsprompt_job_fd 2>/dev/null; then
    _awsprompt_job_collect
  elif (( EPOCHSECONDS >= _awsprompt_job_deadline )); then
    _awsprompt_job_cancel timeout
  fi
}

# _awsprompt_job_cancel [timeout]: stop the job (its whole process group) and close
# its descriptor; with `timeout`, count it as a failed renewal.
_awsprompt_job_cancel() {
  emulate -L zsh
  [[ -n $_awsprompt_job_fd ]] || return 0
  local -i fd=$_awsprompt_job_fd
  # Readable means it has finished (or is finishing): never signal a pid that may
  # have been reused.
  if ! zselect -t 0 -r $fd 2>/dev/null && [[ $_awsprompt_job_pid == <2-> ]]; then
    kill -TERM -- -$_awsprompt_job_pid 2>/dev/null || kill -TERM -- $_awsprompt_job_pid 2>/dev/null
  fi
  zle -F $fd 2>/dev/null
  exec {fd}<&-
  local kind=$_awsprompt_job_kind profile=$_awsprompt_job_profile
  local -i gen=$_awsprompt_job_gen
  _awsprompt_job_fd= _awsprompt_job_pid= _awsprompt_job_kind= _awsprompt_job_profile=
  [[ ${1-} == timeout ]] && _awsprompt_job_done "$kind" "$profile" $gen -1 ''
  return 0
}

# _awsprompt_job_collect: read the finished job's answer and act on it.
_awsprompt_job_collect() {
  emulate -L zsh
  local -i fd=$_awsprompt_job_fd
  local out= buf
  while sysread -i $fd buf 2>/dev/null; do
    out+=$buf
  done
  buf=
  zle -F $fd 2>/dev/null
  exec {fd}<&-
  local kind=$_awsprompt_job_kind profile=$_awsprompt_job_profile rc=-1
  local -i gen=$_awsprompt_job_gen
  _awsprompt_job_fd= _awsprompt_job_pid= _awsprompt_job_kind= _awsprompt_job_profile=
  if [[ $out == <->$'\0'* ]]; then
    rc=${out%%$'\0'*}
    out=${out#*$'\0'}
  else
    out=
  fi
  _awsprompt_job_done "$kind" "$profile" $gen $rc "$out"
  out=
}

# _awsprompt_job_done KIND PROFILE GEN STATUS OUTPUT: apply a renewal, or note why not.
# Nothing happens when the shell switched since the job started (GEN).
_awsprompt_job_done() {
  emulate -L zsh
  local kind=$1 profile=$2 out=$5
  local -i gen=$3 rc=$4
  (( gen == _awsprompt_gen )) || { out=; return 0 }
  if [[ $kind == carry ]]; then
    if (( ! $#_awsprompt_exported && rc == 0 )); then
      _awsprompt_save_prior
      if _awsprompt_apply "$out" export; then
        out=
        _awsprompt_last_opts=()
        _awsprompt_region=
        _awsprompt_adopt
        return 0
      fi
    fi
    out=
    (( $#_awsprompt_exported )) || _awsprompt_hints+=("awsprompt: could not switch this new shell to ${(q+)profile}; run: aws-use ${(q+)profile}")
    return 0
  fi
  [[ $profile == ${AWSPROMPT_PROFILE-} ]] && (( $#_awsprompt_exported )) || { out=; return 0 }
  if (( rc == 0 )) && _awsprompt_apply "$out" renew; then
    out=
    _awsprompt_adopt
    # Still inside the window (a capped session): don't retry every prompt.
    local REPLY
    _awsprompt_window
    (( AWSPROMPT_EXPIRES - EPOCHSECONDS < REPLY )) && _awsprompt_refresh_next=$(( EPOCHSECONDS + 60 ))
    return 0
  fi
  out=
  _awsprompt_refresh_failed $rc "$profile"
}

# _awsprompt_refresh_failed STATUS PROFILE: mark the prompt, back off (counted from
# now, after the attempt), and queue one hint per session and reason.
_awsprompt_refresh_failed() {
  emulate -L zsh
  local -i rc=$1 now=$EPOCHSECONDS next=$(( EPOCHSECONDS + 60 )) t
  local profile=$2 why REPLY
  case $rc in
    $_awsprompt_exit_mfa_required)
      _awsprompt_refresh_status=mfa; why="a new MFA code is needed; run: aws-use ${(q+)profile}" ;;
    $_awsprompt_exit_lock_timeout)
      # Another terminal holds the lock (usually its MFA prompt): look again soon.
      _awsprompt_refresh_status=busy; next=$(( now + 5 ))
      why="waiting for the MFA code asked in another terminal" ;;
    -1|$_awsprompt_exit_endpoint)
      _awsprompt_refresh_status=failed
      why="AWS did not answer within ${AWSPROMPT_REFRESH_TIMEOUT}s; next try in a minute" ;;
    *)
      _awsprompt_refresh_status=failed
      (( rc == 0 )) && why="unexpected output" || why="exit $rc"
      why+="; run: aws-use ${(q+)profile}" ;;
  esac
  if [[ $_awsprompt_refresh_status != busy ]]; then
    # Or at the next colour threshold, if that comes sooner.
    local -i warn crit
    _awsprompt_setting WARN; warn=$REPLY
    _awsprompt_setting CRITICAL; crit=$REPLY
    for t in $(( AWSPROMPT_EXPIRES - warn * 60 )) $(( AWSPROMPT_EXPIRES - crit * 60 )) $AWSPROMPT_EXPIRES; do
      (( t > now && t < next )) && next=t
    done
  fi
  _awsprompt_refresh_next=$next
  local key="$profile:${AWSPROMPT_EXPIRES-}:$_awsprompt_refresh_status"
  if [[ $_awsprompt_hint_key != $key ]]; then
    _awsprompt_hint_key=$key
    _awsprompt_hints+=("awsprompt: could not refresh ${(q+)profile} ($why)")
  fi
  return 0
}

# _awsprompt_print_hints: print queued hints (before a prompt or a command only:
# never over the line being edited).
_awsprompt_print_hints() {
  emulate -L zsh
  (( $#_awsprompt_hints )) || return 0
  print -u2 -rl -- "${_awsprompt_hints[@]}"
  _awsprompt_hints=()
}

# _awsprompt_check_profile: oh-my-zsh's `asp` (or any export of AWS_PROFILE) after
# aws-use: the AWS CLI still uses the keys aws-use exported, whatever the other
# prompt says.  Say so once per profile pair; the segment shows a marker.
(( ${+_awsprompt_profile_note} )) || typeset -g _awsprompt_profile_note=
_awsprompt_check_profile() {
  emulate -L zsh
  local other=${AWS_PROFILE:-${AWS_DEFAULT_PROFILE-}}
  if (( ! $#_awsprompt_exported )) || [[ -z $other || -n ${AWSPROMPT_SERVER_PID-} ]]; then
    _awsprompt_profile_note=
    return 0
  fi
  local key="${AWSPROMPT_PROFILE-}:$other"
  [[ $_awsprompt_profile_note == $key ]] && return 0
  _awsprompt_profile_note=$key
  [[ $other == ${AWSPROMPT_PROFILE-} ]] && return 0
  _awsprompt_hints+=("awsprompt: AWS_PROFILE=${(q+)other} is set (oh-my-zsh asp?), but aws and the SDKs use the keys aws-use exported for ${(q+)AWSPROMPT_PROFILE-}; run: aws-use ${(q+)other}, or aws-use -u to let AWS_PROFILE decide")
}

# Carry the profile into new shells (AWSPROMPT_CARRY=true): aws-use writes the
# profile it switched to in the state folder (nothing secret), aws-use -u empties
# it, and the first prompt of a new shell that holds no aws-use state switches to
# it in the background (never prompting: a new MFA code is a hint instead).
_awsprompt_carry_file() {
  emulate -L zsh
  if [[ -n ${AWSPROMPT_CARRY_FILE-} ]]; then
    REPLY=$AWSPROMPT_CARRY_FILE
  else
    _awsprompt_state_dir
    REPLY+=/zsh-profile
  fi
}

_awsprompt_carry_save() {
  emulate -L zsh
  [[ $AWSPROMPT_CARRY == true ]] || return 0
  local REPLY
  _awsprompt_carry_file
  [[ -d ${REPLY:h} && -O ${REPLY:h} ]] || return 0
  if (( $#_awsprompt_exported )) && [[ -n ${AWSPROMPT_PROFILE-} && -z ${AWSPROMPT_SERVER_PID-} ]]; then
    print -r -- "$AWSPROMPT_PROFILE" >| $REPLY 2>/dev/null
  else
    : >| $REPLY 2>/dev/null
  fi
  return 0
}

_awsprompt_carry_start() {
  emulate -L zsh
  (( _awsprompt_carry_tried )) && return 0
  _awsprompt_carry_tried=1
  [[ $AWSPROMPT_CARRY == true ]] || return 0
  (( $#_awsprompt_exported )) && return 0
  [[ -z ${AWSPROMPT_PROFILE-} && -z ${AWS_ACCESS_KEY_ID-} && -z ${AWS_PROFILE-} ]] || return 0
  local REPLY profile
  local -a lines
  _awsprompt_carry_file
  [[ -f $REPLY && -O $REPLY && -r $REPLY ]] || return 0
  lines=("${(@f)$(<$REPLY)}")
  profile=${lines[1]-}
  _awsprompt_valid_name "$profile" || return 0
  _awsprompt_job_start carry "$profile"
}

_awsprompt_precmd() {
  emulate -L zsh
  _awsprompt_redraw_later=       # a new prompt is drawn anyway
  if (( $#_awsprompt_exported )); then
    _awsprompt_check_foreign
    _awsprompt_check_profile
  fi
  (( _awsprompt_carry_tried )) || _awsprompt_carry_start
  [[ -n $_awsprompt_job_fd || -n ${AWSPROMPT_EXPIRES-} ]] && _awsprompt_refresh
  (( $#_awsprompt_hints )) && _awsprompt_print_hints
  _awsprompt_update
}

# preexec: fresh credentials before the command (arithmetic only, unless due).
_awsprompt_preexec() {
  emulate -L zsh
  (( $#_awsprompt_exported )) || [[ -n $_awsprompt_job_fd ]] || return 0
  (( $#_awsprompt_exported )) && _awsprompt_check_foreign
  _awsprompt_refresh wait
  (( $#_awsprompt_hints )) && _awsprompt_print_hints
  return 0
}

# zshexit hook: stop a renewal, and the endpoint `aws-use --server` started (it also
# stops by itself within a second or so when this shell is gone, e.g. after kill -9).
_awsprompt_zshexit() {
  emulate -L zsh
  _awsprompt_job_cancel
  [[ -n ${AWSPROMPT_SERVER_PID-} ]] && _awsprompt_kill_server "$AWSPROMPT_SERVER_PID"
  return 0
}

# Called at every load: hooks (add-zsh-hook adds each once), widgets, no output, no
# fork.  The first load takes over an aws-use state found in the environment.
# prompt_subst, which the RPROMPT segment needs, is set by the plugin file: this
# function's options are local.
_awsprompt_start() {
  emulate -L zsh
  autoload -Uz add-zsh-hook
  add-zsh-hook precmd _awsprompt_precmd
  # (zsh runs preexec hooks in scripts too: before every command)
  [[ -o interactive ]] && add-zsh-hook preexec _awsprompt_preexec
  add-zsh-hook zshexit _awsprompt_zshexit
  # zle-* names: zsh-autosuggestions and zsh-syntax-highlighting leave them unwrapped.
  if [[ -o zle ]]; then
    zle -N zle-awsprompt-job _awsprompt_job_widget 2>/dev/null
    zle -N zle-awsprompt-redraw _awsprompt_redraw_widget 2>/dev/null
    _awsprompt_bind_picker
  fi
  (( ${+_awsprompt_loaded} )) || _awsprompt_rebuild
  _awsprompt_compute
  _awsprompt_rprompt_setup
}

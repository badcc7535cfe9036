# Prompt segment.  Everything is computed in precmd (or by aws-use / a sched
# tick) into variables; prompts only reference them, so rendering forks nothing.
#
#   _awsprompt_text    plain text, e.g. "aws:dev@123456789012 eu-west-1 47m"
#   _awsprompt_state   OK WARN CRITICAL EXPIRED PROD (empty: no profile)
#   _awsprompt_prompt  the coloured, %-escaped prompt string
#   _awsprompt_left    seconds left (empty: no expiry known)

# Each is declared only when missing, so reloading the plugin keeps its value.
(( ${+_awsprompt_text} )) || typeset -g _awsprompt_text=
(( ${+_awsprompt_state} )) || typeset -g _awsprompt_state=
(( ${+_awsprompt_prompt} )) || typeset -g _awsprompt_prompt=
(( ${+_awsprompt_etext} )) || typeset -g _awsprompt_etext=   # the text, %-escaped (p10k)
(( ${+_awsprompt_left} )) || typeset -g _awsprompt_left=
(( ${+_awsprompt_rprompt} )) || typeset -g _awsprompt_rprompt=   # what RPROMPT shows
(( ${+_awsprompt_sched} )) || typeset -g _awsprompt_sched=  # non-empty: a countdown event is pending

# Shown after the profile in --server mode (the endpoint renews the credentials,
# so there is no countdown): ↻ in a UTF-8 locale, else `auto`.  Set before
# loading to change it ('' shows nothing).
(( ${+AWSPROMPT_SERVER_MARKER} )) || () {
  emulate -L zsh
  local locale=${(L)${LC_ALL:-${LC_CTYPE:-${LANG-}}}}
  if [[ $locale == *utf-8* || $locale == *utf8* ]]; then
    typeset -g AWSPROMPT_SERVER_MARKER='↻'
  else
    typeset -g AWSPROMPT_SERVER_MARKER=auto
  fi
}

# _awsprompt_compute: fill the variables above from AWSPROMPT_PROFILE,
# AWSPROMPT_ACCOUNT(_ALIAS), AWS_REGION, AWSPROMPT_EXPIRES and (--server)
# AWSPROMPT_SERVER_PID.
_awsprompt_compute() {
  emulate -L zsh
  local profile=${AWSPROMPT_PROFILE-}
  if [[ -z $profile ]]; then
    _awsprompt_text= _awsprompt_state= _awsprompt_prompt= _awsprompt_left= _awsprompt_etext=
    # Credentials set by other means replaced ours: say so while they are there.
    if [[ -n $_awsprompt_foreign && ${AWS_ACCESS_KEY_ID:--} == $_awsprompt_foreign ]]; then
      _awsprompt_text=$AWSPROMPT_PREFIX$AWSPROMPT_FOREIGN_TEXT _awsprompt_state=FOREIGN
      _awsprompt_etext=${_awsprompt_text//\%/%%}
      _awsprompt_prompt="%F{${AWSPROMPT_COLOR_FOREIGN//\%/%%}}$_awsprompt_etext%f"
    fi
    return 0
  fi
  local text=$AWSPROMPT_PREFIX$profile state=OK REPLY pat
  # Effective settings, inlined for speed (see _awsprompt_setting).
  local -i warn=$AWSPROMPT_WARN crit=$AWSPROMPT_CRITICAL
  local prod=$AWSPROMPT_PROD_PATTERNS
  (( ${+_awsprompt_user_set[WARN]} )) || warn=${_awsprompt_cfg_warn:-$warn}
  (( ${+_awsprompt_user_set[CRITICAL]} )) || crit=${_awsprompt_cfg_critical:-$crit}
  (( ${+_awsprompt_user_set[PROD_PATTERNS]} )) || prod=${_awsprompt_cfg_prod:-$prod}
  local account=${AWSPROMPT_ACCOUNT_ALIAS:-${AWSPROMPT_ACCOUNT-}}
  local region=${AWS_REGION:-${AWS_DEFAULT_REGION-}}
  [[ -n $account ]] && text+="@$account"
  [[ -n $region && $region != $AWSPROMPT_DEFAULT_REGION ]] && text+=" $region"
  _awsprompt_left=
  if [[ -n ${AWSPROMPT_SERVER_PID-} ]]; then
    # --server: the endpoint renews the session; no countdown.  `kill -0` is a
    # builtin (no fork): say so when the endpoint is gone.
    if [[ $AWSPROMPT_SERVER_PID == <-> ]] && kill -0 $AWSPROMPT_SERVER_PID 2>/dev/null; then
      [[ -n $AWSPROMPT_SERVER_MARKER ]] && text+=" $AWSPROMPT_SERVER_MARKER"
    else
      text+=" stopped"; state=EXPIRED
    fi
  elif [[ ${AWSPROMPT_EXPIRES-} == <-> ]]; then
    local -i left=$(( AWSPROMPT_EXPIRES - EPOCHSECONDS ))
    _awsprompt_left=$left
    if (( left <= 0 )); then
      text+=" expired"; state=EXPIRED
    else
      local -i mins=$(( left / 60 ))
      if (( mins >= 60 )); then
        printf -v REPLY '%dh%02dm' $(( mins / 60 )) $(( mins % 60 ))
      elif (( mins > 0 )); then
        REPLY=${mins}m
      else
        REPLY='<1m'
      fi
      text+=" $REPLY"
      if (( left < crit * 60 )); then state=CRITICAL
      elif (( left < warn * 60 )); then state=WARN
      fi
    fi
  fi
  # A renewal that needs a new MFA code, waits for another terminal, or failed.
  case $_awsprompt_refresh_status in
    mfa) [[ -n $AWSPROMPT_MFA_MARKER ]] && text+=" $AWSPROMPT_MFA_MARKER" ;;
    busy) [[ -n $AWSPROMPT_WAIT_MARKER ]] && text+=" $AWSPROMPT_WAIT_MARKER" ;;
    failed) [[ -n $AWSPROMPT_FAIL_MARKER ]] && text+=" $AWSPROMPT_FAIL_MARKER" ;;
  esac
  # AWS_PROFILE set since aws-use (oh-my-zsh asp): the keys win, say which.
  if [[ -n $_awsprompt_profile_note && $_awsprompt_profile_note != "$profile:$profile" ]]; then
    text+=" (not ${_awsprompt_profile_note#*:})"
  fi
  if [[ $state == OK ]]; then
    for pat in ${=prod}; do
      if [[ $profile == ${~pat} ]]; then state=PROD; break; fi
    done
  fi
  local color=${(P)${:-AWSPROMPT_COLOR_$state}}
  _awsprompt_text=$text
  _awsprompt_state=$state
  _awsprompt_etext=${text//\%/%%}
  _awsprompt_prompt="%F{${color//\%/%%}}$_awsprompt_etext%f"
}

# For oh-my-zsh themes: RPROMPT='$(awsprompt_prompt_info)' (a fork per prompt,
# like aws_prompt_info).  Cheaper: RPROMPT='${_awsprompt_prompt}' (needs
# prompt_subst, which oh-my-zsh sets).
awsprompt_prompt_info() {
  emulate -L zsh
  _awsprompt_compute
  print -rn -- "$_awsprompt_prompt"
}

# The ready RPROMPT segment: a reference to a variable, re-added in precmd if a
# theme replaced RPROMPT after the plugin loaded.
_awsprompt_rprompt_setup() {
  emulate -L zsh
  [[ $AWSPROMPT_RPROMPT == true ]] || return 0
  # powerlevel10k owns its prompts: use the prompt_awsprompt segment there.
  (( ${+functions[p10k]} )) && return 0
  local ref='${_awsprompt_rprompt}'
  [[ $RPROMPT == *$ref* ]] || RPROMPT=$ref$RPROMPT
  if [[ -n $_awsprompt_prompt && ${RPROMPT//$ref/} == ?* ]]; then
    _awsprompt_rprompt="$_awsprompt_prompt "
  else
    _awsprompt_rprompt=$_awsprompt_prompt
  fi
}

# _awsprompt_update: recompute, then (re)schedule the live countdown.
_awsprompt_update() {
  emulate -L zsh
  _awsprompt_compute
  [[ $AWSPROMPT_RPROMPT == true ]] && _awsprompt_rprompt_setup
  [[ $AWSPROMPT_LIVE == true || -n $_awsprompt_sched ]] && _awsprompt_schedule
  return 0
}

# Live countdown (AWSPROMPT_LIVE=true): one zsh/sched event at the next minute
# boundary of the time left, or when the refresh window starts if sooner; it
# renews the credentials when due, recomputes, and redraws the prompt without
# touching the line being typed.  No TMOUT/TRAPALRM.
_awsprompt_schedule() {
  emulate -L zsh
  local -i i next
  if (( ${+zsh_scheduled_events} )); then
    for (( i = $#zsh_scheduled_events; i > 0; i-- )); do
      [[ $zsh_scheduled_events[i] == *:_awsprompt_tick ]] && sched -$i
    done
  fi
  _awsprompt_sched=
  [[ $AWSPROMPT_LIVE == true ]] || return 0
  if [[ -n $_awsprompt_redraw_later || -n $_awsprompt_job_fd ]]; then
    # A redraw was put off (menu, suggestion), or a renewal runs (zle does not watch
    # a descriptor added from a sched event until the next key): look again soon.
    next=1
  else
    [[ -n $_awsprompt_left ]] && (( _awsprompt_left > 0 )) || return 0
    next=$(( _awsprompt_left % 60 + 1 ))
    local REPLY
    _awsprompt_window
    (( _awsprompt_left > REPLY && _awsprompt_left - REPLY < next )) && next=$(( _awsprompt_left - REPLY ))
  fi
  zmodload zsh/sched 2>/dev/null || return 0
  sched +$next _awsprompt_tick
  _awsprompt_sched=1
}

_awsprompt_tick() {
  emulate -L zsh
  _awsprompt_sched=
  (( $#_awsprompt_exported )) && _awsprompt_refresh
  _awsprompt_update
  _awsprompt_redraw
  return 0
}

# _awsprompt_redraw: redraw the prompt (from a sched event) through our widget,
# which knows what zle is doing.
(( ${+_awsprompt_redraw_later} )) || typeset -g _awsprompt_redraw_later=
_awsprompt_redraw() {
  emulate -L zsh
  zle || return 0
  zle zle-awsprompt-redraw 2>/dev/null
  return 0
}

# Widgets after which a redraw would damage what zle shows: completion lists and
# menus (a reset-prompt erases menu selection), incremental search.
typeset -g _awsprompt_busy_widgets='(*complet*|*menu*|*expand*|list-choices|delete-char-or-list|*isearch*|fzf-*)'

# The redraw widget: never while a completion menu is open, a zsh-autosuggestions
# suggestion is shown (a redraw would show it as plain text), in a continuation
# (`for>`: the prompt would be expanded in the wrong context) or with keys waiting.
# Put off instead, and tried again a second later (and at the next prompt anyway).
_awsprompt_redraw_widget() {
  emulate -L zsh
  if [[ ${CONTEXT-} != start || -n ${POSTDISPLAY-} ]] || (( ${PENDING:-0} || ${KEYS_QUEUED_COUNT:-0} )) \
      || [[ ${WIDGET-} == ${~_awsprompt_busy_widgets} || ${LASTWIDGET-} == ${~_awsprompt_busy_widgets} ]]; then
    _awsprompt_redraw_later=1
    [[ $AWSPROMPT_LIVE == true ]] && _awsprompt_schedule
    return 0
  fi
  _awsprompt_redraw_later=
  zle .reset-prompt
  zle -R
  [[ $AWSPROMPT_LIVE == true ]] && _awsprompt_schedule
  return 0
}

# powerlevel10k: add `awsprompt` to POWERLEVEL9K_{LEFT,RIGHT}_PROMPT_ELEMENTS; that is
# enough.  Each state is its own segment (OK WARN CRITICAL EXPIRED PROD FOREIGN) with
# the plugin's colour and the AWS icon, shown while its condition holds, and the text
# is expanded when the prompt is drawn (-e): the live countdown and its colour change
# on a redraw (zle reset-prompt), without p10k running this function again.  Restyle
# with POWERLEVEL9K_AWSPROMPT_<STATE>_FOREGROUND / _BACKGROUND / _VISUAL_IDENTIFIER_EXPANSION.
typeset -ga _awsprompt_p10k_states=(OK WARN CRITICAL EXPIRED PROD FOREIGN)
prompt_awsprompt() {
  emulate -L zsh
  _awsprompt_compute
  local state
  for state in "${_awsprompt_p10k_states[@]}"; do
    p10k segment -s $state -f "${(P)${:-AWSPROMPT_COLOR_$state}}" -i AWS_ICON -r \
      -c "\${(M)_awsprompt_state:#$state}" -e -t '${_awsprompt_etext}'
  done
}

# Instant prompt: p10k calls this once and replays the result in new shells before
# ~/.zshrc runs, so it must make the same calls whatever the environment (p10k's
# rule): one segment, shown only when the new shell inherited a profile, whose text
# is expanded from the environment then.  No countdown (no functions run there);
# the real segment replaces it at the first prompt.
instant_prompt_awsprompt() {
  emulate -L zsh
  p10k segment -s OK -f "$AWSPROMPT_COLOR_OK" -i AWS_ICON -r -c '${AWSPROMPT_PROFILE}' -e \
    -t "${AWSPROMPT_PREFIX//\%/%%}"'${AWSPROMPT_PROFILE//\%/%%}${${AWSPROMPT_ACCOUNT_ALIAS:-$AWSPROMPT_ACCOUNT}:+@${${AWSPROMPT_ACCOUNT_ALIAS:-$AWSPROMPT_ACCOUNT}//\%/%%}}'
}

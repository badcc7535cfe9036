# Public settings.  Every default is guarded so that a value set before the plugin
# loads wins (zsh-autosuggestions convention).

zmodload zsh/datetime 2>/dev/null   # EPOCHSECONDS, no fork in the prompt
zmodload -F zsh/stat b:zstat 2>/dev/null
zmodload zsh/system 2>/dev/null     # sysread, sysparams: the background refresh
zmodload zsh/zselect 2>/dev/null    # waiting on it with a bound

# The command to run; an array, or a string split like shell words
# (e.g. AWSPROMPT_COMMAND='python3 -m awsprompt').
(( ! ${+AWSPROMPT_COMMAND} )) && typeset -ga AWSPROMPT_COMMAND=(awsprompt)
# Add the segment to RPROMPT (false: use $(awsprompt_prompt_info) or p10k yourself).
(( ! ${+AWSPROMPT_RPROMPT} )) && typeset -g AWSPROMPT_RPROMPT=true
# The region is shown only when it differs from this one.
(( ! ${+AWSPROMPT_DEFAULT_REGION} )) && typeset -g AWSPROMPT_DEFAULT_REGION=us-east-1
# Text before the segment.
(( ! ${+AWSPROMPT_PREFIX} )) && typeset -g AWSPROMPT_PREFIX='aws:'
# Live countdown while the shell is idle (zsh/sched + zle reset-prompt); it also
# renews the credentials while idle, so they are fresh when you come back.
(( ! ${+AWSPROMPT_LIVE} )) && typeset -g AWSPROMPT_LIVE=false
# Renew credentials near expiry, in the background (never prompts, never waits).
(( ! ${+AWSPROMPT_AUTO_REFRESH} )) && typeset -g AWSPROMPT_AUTO_REFRESH=true
# Seconds a background renewal may take before it is stopped (an endpoint that
# accepts and never answers); the next attempt is a minute after it ended.
(( ! ${+AWSPROMPT_REFRESH_TIMEOUT} )) && typeset -g AWSPROMPT_REFRESH_TIMEOUT=10
# Carry the profile into new shells (like oh-my-zsh's AWS_PROFILE_STATE_ENABLED):
# a new shell switches to the last profile aws-use chose, in the background.
(( ! ${+AWSPROMPT_CARRY} )) && typeset -g AWSPROMPT_CARRY=false
# Interactive picker for a bare `aws-use`: auto (fzf when installed), fzf or select.
(( ! ${+AWSPROMPT_PICKER} )) && typeset -g AWSPROMPT_PICKER=auto
# A key sequence (e.g. '^[a' for Alt-a) bound to the picker; empty: no binding.
(( ! ${+AWSPROMPT_PICKER_KEY} )) && typeset -g AWSPROMPT_PICKER_KEY=
# Shown in the segment when a renewal needs a new MFA code, when it waits for the
# MFA code asked in another terminal, and when it failed otherwise.
(( ! ${+AWSPROMPT_MFA_MARKER} )) && typeset -g AWSPROMPT_MFA_MARKER='needs MFA'
(( ! ${+AWSPROMPT_WAIT_MARKER} )) && typeset -g AWSPROMPT_WAIT_MARKER='waiting'
(( ! ${+AWSPROMPT_FAIL_MARKER} )) && typeset -g AWSPROMPT_FAIL_MARKER='not renewed'
# Shown instead of the profile once credentials were set by other means.
(( ! ${+AWSPROMPT_FOREIGN_TEXT} )) && typeset -g AWSPROMPT_FOREIGN_TEXT='unmanaged keys'
# Colours (anything %F{...} accepts), one per state.
(( ! ${+AWSPROMPT_COLOR_OK} )) && typeset -g AWSPROMPT_COLOR_OK=green
(( ! ${+AWSPROMPT_COLOR_WARN} )) && typeset -g AWSPROMPT_COLOR_WARN=yellow
(( ! ${+AWSPROMPT_COLOR_CRITICAL} )) && typeset -g AWSPROMPT_COLOR_CRITICAL=red
(( ! ${+AWSPROMPT_COLOR_EXPIRED} )) && typeset -g AWSPROMPT_COLOR_EXPIRED=196
(( ! ${+AWSPROMPT_COLOR_PROD} )) && typeset -g AWSPROMPT_COLOR_PROD=magenta
(( ! ${+AWSPROMPT_COLOR_FOREIGN} )) && typeset -g AWSPROMPT_COLOR_FOREIGN=244

# Settings that may also come from the user's YAML file (sent by Python as
# `set _awsprompt_cfg_*` records; names and defaults from contract.zsh).  A value
# set in zsh wins: we remember which ones the user set.  On the first load that is
# every one already set; on a reload (`source ~/.zshrc`) our own defaults are
# still set, so only a value that differs from the default counts, and marks
# made earlier stay.
(( ${+_awsprompt_user_set} )) || typeset -gA _awsprompt_user_set
() {
  emulate -L zsh
  local -i i
  local var
  for (( i = 1; i <= $#_awsprompt_cfg_settings; i++ )); do
    var=AWSPROMPT_$_awsprompt_cfg_settings[i]
    if (( ${(P)+var} )); then
      if (( ! ${+_awsprompt_loaded} )) || [[ ${(P)var} != "$_awsprompt_cfg_defaults[i]" ]]; then
        _awsprompt_user_set[$_awsprompt_cfg_settings[i]]=1
      fi
    else
      typeset -g -- "$var=$_awsprompt_cfg_defaults[i]"
    fi
  done
}
# Defaults (contract.zsh): AWSPROMPT_WARN=15 and AWSPROMPT_CRITICAL=5 minutes,
# AWSPROMPT_PROD_PATTERNS='*prod*', AWSPROMPT_REFRESH=300 seconds.
#
# The refresh window is one value shared with Python (sessions.refresh_window):
# Python sends the window it used with every switch, and the plugin renews inside
# exactly that window.  AWSPROMPT_REFRESH, when set in zsh, is handed to the
# plugin's own awsprompt calls as the window (AWSPROMPT_MIN_TTL), so both agree.

# _awsprompt_setting NAME -> REPLY: the effective value of WARN, CRITICAL,
# PROD_PATTERNS or REFRESH (user zsh setting > YAML via Python > default).
_awsprompt_setting() {
  emulate -L zsh
  local -i i=${_awsprompt_cfg_settings[(ie)$1]}
  local cfg=${_awsprompt_set_names[i]-}
  if [[ -n $cfg ]] && (( ! ${+_awsprompt_user_set[$1]} )) && [[ -n ${(P)cfg-} ]]; then
    REPLY=${(P)cfg}
  else
    REPLY=${(P)${:-AWSPROMPT_$1}}
  fi
}

# _awsprompt_window -> REPLY: seconds before expiry when credentials are renewed:
# the window Python used for the last answer (it sends it), else the default.
_awsprompt_window() {
  emulate -L zsh
  local -i i=${_awsprompt_cfg_settings[(ie)REFRESH]}
  REPLY=${_awsprompt_cfg_refresh:-$_awsprompt_cfg_defaults[i]}
  [[ $REPLY == <-> ]] || REPLY=$_awsprompt_cfg_defaults[i]
}

# _awsprompt_command: reply=(the awsprompt command as words).
_awsprompt_command() {
  emulate -L zsh
  if [[ ${(t)AWSPROMPT_COMMAND} == array* ]]; then
    reply=("${AWSPROMPT_COMMAND[@]}")
  else
    reply=("${(@Q)${(z)AWSPROMPT_COMMAND}}")
  fi
  (( $#reply )) || reply=(awsprompt)
}

# _awsprompt_call_env: export (in the subshell that runs awsprompt) what the plugin
# tells Python through the environment: a refresh window set in zsh.
_awsprompt_call_env() {
  emulate -L zsh
  if (( ${+_awsprompt_user_set[REFRESH]} )) && [[ $AWSPROMPT_REFRESH == <-> ]]; then
    typeset -gx -- "${_awsprompt_env_min_ttl}=$AWSPROMPT_REFRESH"
  fi
  return 0
}

# _awsprompt_state_dir -> REPLY: where Python keeps `recent` and `vault.names`
# (paths.state_dir: the first variable of _awsprompt_state_rule that is set and
# not empty, else the last, plus its sub-folder; a leading ~/ is the home folder).
_awsprompt_state_dir() {
  emulate -L zsh
  local -i i n=$#_awsprompt_state_rule
  local dir sub
  for (( i = 1; i < n; i += 2 )); do
    dir=${(P)${_awsprompt_state_rule[i]}-}
    sub=$_awsprompt_state_rule[i+1]
    [[ -n $dir ]] && break
  done
  [[ $dir == '~' || $dir == '~/'* ]] && dir=${HOME-}${dir#'~'}
  REPLY=$dir${sub:+/$sub}
}

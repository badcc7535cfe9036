# Public settings.  Every default is guarded so that a value set before the plugin
# loads wins (zsh-autosuggestions convention).

zmodload zsh/datetime 2>/dev/null   # EPOCHSECONDS, no fork in the prompt
zmodload -F zsh/stat b:zstat 2>/dev/null

# The command to run; an array, or a string split like shell words
# (e.g. AWSPROMPT_COMMAND='python3 -m awsprompt').
(( ! ${+AWSPROMPT_COMMAND} )) && typeset -ga AWSPROMPT_COMMAND=(awsprompt)
# Add the segment to RPROMPT (false: use $(awsprompt_prompt_info) or p10k yourself).
(( ! ${+AWSPROMPT_RPROMPT} )) && typeset -g AWSPROMPT_RPROMPT=true
# The region is shown only when it differs from this one.
(( ! ${+AWSPROMPT_DEFAULT_REGION} )) && typeset -g AWSPROMPT_DEFAULT_REGION=us-east-1
# Text before the segment.
(( ! ${+AWSPROMPT_PREFIX} )) && typeset -g AWSPROMPT_PREFIX='aws:'
# Live countdown while the shell is idle (zsh/sched + zle reset-prompt).
(( ! ${+AWSPROMPT_LIVE} )) && typeset -g AWSPROMPT_LIVE=false
# Refresh credentials in precmd when they are about to expire.
(( ! ${+AWSPROMPT_AUTO_REFRESH} )) && typeset -g AWSPROMPT_AUTO_REFRESH=true
# Interactive picker for a bare `aws-use`: auto (fzf when installed), fzf or select.
(( ! ${+AWSPROMPT_PICKER} )) && typeset -g AWSPROMPT_PICKER=auto
# Colours (anything %F{...} accepts), one per state.
(( ! ${+AWSPROMPT_COLOR_OK} )) && typeset -g AWSPROMPT_COLOR_OK=green
(( ! ${+AWSPROMPT_COLOR_WARN} )) && typeset -g AWSPROMPT_COLOR_WARN=yellow
(( ! ${+AWSPROMPT_COLOR_CRITICAL} )) && typeset -g AWSPROMPT_COLOR_CRITICAL=red
(( ! ${+AWSPROMPT_COLOR_EXPIRED} )) && typeset -g AWSPROMPT_COLOR_EXPIRED=196
(( ! ${+AWSPROMPT_COLOR_PROD} )) && typeset -g AWSPROMPT_COLOR_PROD=magenta

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

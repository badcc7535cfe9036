# Profile names from ~/.aws/config, ~/.aws/credentials and $state/vault.names,
# parsed in pure zsh and cached per file on (inode, mtime, size).

# FILE -> "inode:mtime:size" when parsed, and the names found (NUL-separated).
(( ${+_awsprompt_names_stamp} )) || typeset -gA _awsprompt_names_stamp
(( ${+_awsprompt_names_cache} )) || typeset -gA _awsprompt_names_cache

# _awsprompt_valid_name NAME: the rule of names.py (contract.zsh): at most
# _awsprompt_name_max characters of _awsprompt_name_chars, the first one of
# _awsprompt_name_first (no leading '-').  Characters from a parameter are
# literal inside [...], so the sets need no escaping.
_awsprompt_valid_name() {
  emulate -L zsh
  (( $#1 && $#1 <= _awsprompt_name_max )) &&
    [[ $1 == [$_awsprompt_name_first]* && $1 != *[^$_awsprompt_name_chars]* ]]
}

# _awsprompt_file_names FILE KIND -> reply: names in FILE (KIND: config,
# credentials or list), re-parsed only when the file changed.
_awsprompt_file_names() {
  emulate -L zsh
  setopt extended_glob
  local file=$1 kind=$2 stamp
  local -A st
  reply=()
  if ! zstat -H st -- "$file" 2>/dev/null || [[ ! -r $file ]]; then
    unset "_awsprompt_names_stamp[$file]" "_awsprompt_names_cache[$file]"
    return 0
  fi
  stamp="$st[inode]:$st[mtime]:$st[size]"
  if [[ ${_awsprompt_names_stamp[$file]-} == $stamp ]]; then
    reply=("${(@ps:\0:)_awsprompt_names_cache[$file]}")
    [[ -z ${_awsprompt_names_cache[$file]} ]] && reply=()
    return 0
  fi
  local line name
  local -a names
  for line in "${(@f)$(<$file)}"; do
    line=${line##[[:space:]]#}
    line=${line%%[[:space:]]#}
    case $kind in
      list) name=$line ;;
      config)
        [[ $line == '['*']' ]] || continue
        name=${${line#\[}%\]}
        name=${name##[[:space:]]#}; name=${name%%[[:space:]]#}
        if [[ $name == default ]]; then :
        elif [[ $name == profile[[:space:]]* ]]; then
          name=${name#profile}; name=${name##[[:space:]]#}
        else
          continue   # sso-session, services, ...
        fi ;;
      credentials)
        [[ $line == '['*']' ]] || continue
        name=${${line#\[}%\]}
        name=${name##[[:space:]]#}; name=${name%%[[:space:]]#} ;;
    esac
    _awsprompt_valid_name "$name" && names+=("$name")
  done
  _awsprompt_names_stamp[$file]=$stamp
  _awsprompt_names_cache[$file]=${(pj:\0:)names}
  reply=("${names[@]}")
}

# _awsprompt_profile_names -> reply: every known profile, sorted, unique.
_awsprompt_profile_names() {
  emulate -L zsh
  setopt extended_glob
  local -aU all
  local REPLY
  _awsprompt_file_names "${AWS_CONFIG_FILE:-$HOME/.aws/config}" config; all+=("${reply[@]}")
  _awsprompt_file_names "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" credentials
  all+=("${reply[@]}")
  _awsprompt_state_dir
  _awsprompt_file_names "$REPLY/$_awsprompt_vault_names_file" list; all+=("${reply[@]}")
  reply=("${(@o)all}")
}

# _awsprompt_ranked_names -> reply: profiles by frecency from $state/recent
# (lines COUNT<TAB>EPOCH<TAB>NAME), then the others alphabetically.
_awsprompt_ranked_names() {
  emulate -L zsh
  setopt extended_glob
  local REPLY line count epoch name
  local -a known ranked fields
  local -A score
  _awsprompt_profile_names; known=("${reply[@]}")
  _awsprompt_state_dir
  local recent=$REPLY/$_awsprompt_recent_file
  if [[ -r $recent ]]; then
    for line in "${(@f)$(<$recent)}"; do
      fields=("${(@ps:\t:)line}")
      (( $#fields == 3 )) || continue
      count=$fields[1] epoch=$fields[2] name=$fields[3]
      [[ $count == <-> && $epoch == <-> ]] || continue
      _awsprompt_valid_name "$name" || continue
      (( $#known && ! ${known[(Ie)$name]} )) && continue
      local -i age=$(( EPOCHSECONDS - epoch )) w=1
      if (( age < 3600 )); then w=16
      elif (( age < 86400 )); then w=8
      elif (( age < 604800 )); then w=2
      fi
      score[$name]=$(( count * w ))
    done
  fi
  # Sort by score descending (zero-padded for a string sort), then by name.
  local -a keyed
  for name in ${(k)score}; do
    keyed+=("${(l:12::0:)$(( 999999999999 - score[$name] ))}"$'\t'"$name")
  done
  ranked=("${(@)${(@o)keyed}#*$'\t'}")
  for name in "${known[@]}"; do
    (( ${+score[$name]} )) || ranked+=("$name")
  done
  reply=("${ranked[@]}")
}

# Profile names from ~/.aws/config, ~/.aws/credentials and $state/vault.names,
# parsed in pure zsh and cached per file on (inode, mtime, size).

# FILE -> "inode:mtime:size" when parsed, and the names found (separated by RS, \x1e).
(( ${+_awsprompt_names_stamp} )) || typeset -gA _awsprompt_names_stamp
(( ${+_awsprompt_names_cache} )) || typeset -gA _awsprompt_names_cache
(( ${+_awsprompt_names_info} )) || typeset -gA _awsprompt_names_info

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
# credentials or list), re-parsed only when the file changed.  Also fills
# _awsprompt_names_info[FILE]: NAME, "TYPE ACCOUNT" pairs, separated by RS, for the
# completion menu (TYPE: role, sso, process or keys).  One pass over only the lines
# that matter (headers, and the keys that tell a profile's type), no function call
# per line: fast enough for a cold first TAB over a thousand profiles.
_awsprompt_file_names() {
  emulate -L zsh
  setopt extended_glob
  local file=$1 kind=$2 stamp
  local -A st
  reply=()
  if ! zstat -H st -- "$file" 2>/dev/null || [[ ! -r $file ]]; then
    unset "_awsprompt_names_stamp[$file]" "_awsprompt_names_cache[$file]" \
      "_awsprompt_names_info[$file]"
    return 0
  fi
  stamp="$st[inode]:$st[mtime]:$st[size]"
  if [[ ${_awsprompt_names_stamp[$file]-} == $stamp ]]; then
    reply=("${(@ps:\x1e:)_awsprompt_names_cache[$file]}")
    [[ -z ${_awsprompt_names_cache[$file]} ]] && reply=()
    return 0
  fi
  # Another shell may have parsed this very file already: the disk cache.
  _awsprompt_disk_cache_load
  local cached=${_awsprompt_disk_cache[$file]-}
  if [[ $cached == "$stamp"$'\x1f'* ]]; then
    local -a parts=("${(@ps:\x1f:)cached}")
    if (( $#parts == 3 )); then
      _awsprompt_names_stamp[$file]=$stamp
      _awsprompt_names_cache[$file]=$parts[2]
      _awsprompt_names_info[$file]=$parts[3]
      reply=("${(@ps:\x1e:)parts[2]}")
      [[ -z $parts[2] ]] && reply=()
      return 0
    fi
  fi
  local text
  text=$(<$file) 2>/dev/null
  local -a lines=("${(@f)text}") names info
  text=
  lines=("${(@)lines%$'\r'}")
  local us=$'\x1f' mark=$'\x1e' name first=$_awsprompt_name_first chars=$_awsprompt_name_chars
  local -i max=$_awsprompt_name_max
  if [[ $kind == list ]]; then
    for name in "${lines[@]}"; do
      name=${${name##[[:space:]]#}%%[[:space:]]#}
      [[ $#name -le max && $name == [$first]* && $name != *[^$chars]* ]] || continue
      names+=("$name"); info+=("$name" keys)
    done
  else
    # Array operations only (no loop over a thousand sections).  The lines that
    # matter: headers, and the keys that tell a profile's type and account (first-
    # character patterns: a leading [[:space:]]# costs ten times more).
    lines=("${(@M)lines:#(\[*|[[:space:]]*|[Rr][Oo][Ll][Ee]_*|[Ss][Ss][Oo]_*|[Cc][Rr][Ee][Dd]*|[Aa][Ww][Ss]_[Aa]*)}")
    lines=("${(@)lines##[[:space:]]##}")
    # One element per section: "HEADER]\nkey = value..." (what precedes a header goes).
    local joined=$'\n'${(pj:\n:)lines}
    local -a secs=("${(@ps:\n[:)joined}")
    secs[1]=()
    names=("${(@)secs%%\]*}")
    names=("${(@)${(@)names##[[:space:]]#}%%[[:space:]]#}")
    local -a descs
    if [[ $kind == config ]]; then
      # [profile NAME] and [default]; other sections (sso-session, services) go.
      names=("${(@)names/#profile[[:space:]]##/$mark}")
      names=("${(@)names/#%^($mark*|default)/}")
      names=("${(@)names#$mark}")
      # "TYPE ACCOUNT" from role_arn (arn:PARTITION:iam::ACCOUNT:role/...), SSO keys,
      # credential_process or keys; anything else: no description.
      local nl=$'\n'
      descs=("${(@)secs/#%(#b)*$nl[Rr][Oo][Ll][Ee]_[Aa][Rr][Nn][^$nl]#:iam::([0-9]##):*/role $match[1]}")
      descs=("${(@)descs/#%*$nl[Rr][Oo][Ll][Ee]_[Aa][Rr][Nn]*/role}")
      descs=("${(@)descs/#%(#b)*$nl[Ss][Ss][Oo]_[Aa][Cc][Cc][Oo][Uu][Nn][Tt]_[Ii][Dd][[:space:]=]##([0-9]##)*/sso $match[1]}")
      descs=("${(@)descs/#%*$nl[Ss][Ss][Oo]_*/sso}")
      descs=("${(@)descs/#%*$nl[Cc][Rr][Ee][Dd][Ee][Nn][Tt][Ii][Aa][Ll]_[Pp]*/process}")
      descs=("${(@)descs/#%*$nl[Aa][Ww][Ss]_[Aa][Cc][Cc][Ee][Ss][Ss]_*/keys}")
      descs=("${(@)descs/#%^(role|sso|process|keys)(| [0-9]##)/-}")   # -: nothing said
    else
      descs=("${(@)secs/*/keys}")
    fi
    # Names outside the rule of names.py (contract.zsh) are blanked, then dropped.
    names=("${(@)names/#%(*[^$chars]*|[^$first]*|?(#c$(( max + 1 )),))/}")
    info=("${(@)names:^descs}")            # NAME DESC pairs (a blank NAME is skipped)
    names=("${(@)names:#}")
  fi
  _awsprompt_names_stamp[$file]=$stamp
  _awsprompt_names_cache[$file]=${(pj:\x1e:)names}
  _awsprompt_names_info[$file]=${(pj:\x1e:)info}
  _awsprompt_disk_cache[$file]=$stamp$'\x1f'$_awsprompt_names_cache[$file]$'\x1f'$_awsprompt_names_info[$file]
  _awsprompt_disk_cache_save
  reply=("${names[@]}")
}

# The parsed names and descriptions are also kept on disk (nothing secret: profile
# names, types, accounts), so that the first TAB of a new shell reads one small file
# instead of parsing the AWS files again.  One record per parsed file: PATH US STAMP
# US NAMES US INFO (lists joined by RS), records NUL-separated; a record is used only
# when its stamp (inode, mtime, size) still matches the file.  Written atomically
# (zsh/files' mv: no fork) in the private state folder, when it exists.
(( ${+_awsprompt_disk_cache} )) || typeset -gA _awsprompt_disk_cache
(( ${+_awsprompt_disk_cache_read} )) || typeset -gi _awsprompt_disk_cache_read=0
typeset -g _awsprompt_disk_cache_name=zsh-complete.cache
_awsprompt_disk_cache_load() {
  emulate -L zsh
  (( _awsprompt_disk_cache_read )) && return 0
  _awsprompt_disk_cache_read=1
  local REPLY text record
  _awsprompt_state_dir
  local file=$REPLY/$_awsprompt_disk_cache_name
  [[ -f $file && -O $file && -r $file ]] || return 0
  text=$(<$file) 2>/dev/null || return 0
  [[ $text == 'awsprompt-zsh-complete 1'$'\0'* ]] || return 0
  for record in "${(@0)${text#*$'\0'}}"; do
    [[ $record == ?*$'\x1f'*$'\x1f'*$'\x1f'* ]] || continue
    _awsprompt_disk_cache[${record%%$'\x1f'*}]=${record#*$'\x1f'}
  done
}
_awsprompt_disk_cache_save() {
  emulate -L zsh
  local REPLY key
  _awsprompt_state_dir
  [[ -d $REPLY && -O $REPLY ]] || return 0
  zmodload -F zsh/files b:zf_mv 2>/dev/null || return 0
  local file=$REPLY/$_awsprompt_disk_cache_name
  local -a records=('awsprompt-zsh-complete 1')
  for key in ${(k)_awsprompt_disk_cache}; do
    records+=("$key"$'\x1f'"$_awsprompt_disk_cache[$key]")
  done
  {
    print -rn -- "${(pj:\0:)records}" >| $file.$$ && zf_mv -f $file.$$ $file
  } 2>/dev/null
  return 0
}

# _awsprompt_profile_names -> reply: every known profile, sorted, unique.
_awsprompt_profile_names() {
  emulate -L zsh
  setopt extended_glob
  local -a all
  local REPLY
  _awsprompt_file_names "${AWS_CONFIG_FILE:-$HOME/.aws/config}" config; all+=("${reply[@]}")
  _awsprompt_file_names "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" credentials
  all+=("${reply[@]}")
  _awsprompt_state_dir
  _awsprompt_file_names "$REPLY/$_awsprompt_vault_names_file" list; all+=("${reply[@]}")
  reply=("${(@ou)all}")
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

# Cached sessions (not secret): $state/sessions/*.json carry their profile and expiry in
# plain JSON beside the sealed secret.  PROFILE -> epoch of the latest expiry, read again
# only when the folder changes (files are replaced by rename, which changes its mtime).
(( ${+_awsprompt_sessions_stamp} )) || typeset -g _awsprompt_sessions_stamp=
(( ${+_awsprompt_sessions_expiry} )) || typeset -gA _awsprompt_sessions_expiry
_awsprompt_session_expiry() {
  emulate -L zsh
  setopt extended_glob
  local REPLY dir file text
  _awsprompt_state_dir
  dir=$REPLY/sessions
  local -A st
  if ! zstat -H st -- "$dir" 2>/dev/null; then
    _awsprompt_sessions_expiry=() _awsprompt_sessions_stamp=
    return 0
  fi
  [[ $_awsprompt_sessions_stamp == "$st[inode]:$st[mtime]" ]] && return 0
  _awsprompt_sessions_expiry=()
  for file in $dir/[^.]*.json(N.); do
    text=$(<$file) 2>/dev/null || continue
    [[ $text == (#b)*'"profile": "'([^\"]##)'"'* ]] || continue
    local profile=$match[1]
    [[ $text == (#b)*'"expires": '([0-9]##)[,\}]* ]] || continue
    (( match[1] > ${_awsprompt_sessions_expiry[$profile]:-0} )) && _awsprompt_sessions_expiry[$profile]=$match[1]
  done
  _awsprompt_sessions_stamp="$st[inode]:$st[mtime]"
}

# Account aliases (not secret) from $state/accounts.json, which Python keeps as
# {"ACCOUNT": {"alias": "NAME", ...}, ...}: ACCOUNT -> alias, read again when it changes.
(( ${+_awsprompt_aliases_stamp} )) || typeset -g _awsprompt_aliases_stamp=
(( ${+_awsprompt_aliases} )) || typeset -gA _awsprompt_aliases
_awsprompt_account_aliases() {
  emulate -L zsh
  setopt extended_glob
  local REPLY text
  _awsprompt_state_dir
  local file=$REPLY/$_awsprompt_accounts_file
  local -A st
  if ! zstat -H st -- "$file" 2>/dev/null; then
    _awsprompt_aliases=() _awsprompt_aliases_stamp=
    return 0
  fi
  [[ $_awsprompt_aliases_stamp == "$st[inode]:$st[mtime]:$st[size]" ]] && return 0
  _awsprompt_aliases=()
  text=$(<$file) 2>/dev/null
  while [[ $text == (#b)[^0-9]#([0-9](#c12))'": {"alias": "'([^\\\"]##)'"'(*) ]]; do
    _awsprompt_valid_name "$match[2]" && _awsprompt_aliases[$match[1]]=$match[2]
    text=$match[3]
  done
  _awsprompt_aliases_stamp="$st[inode]:$st[mtime]:$st[size]"
}

# _awsprompt_left_text SECONDS -> REPLY: 47m, 2h05m, <1m (as the prompt shows it).
_awsprompt_left_text() {
  emulate -L zsh
  local -i left=$1 mins=$(( $1 / 60 ))
  if (( mins >= 60 )); then
    printf -v REPLY '%dh%02dm' $(( mins / 60 )) $(( mins % 60 ))
  elif (( mins > 0 )); then
    REPLY=${mins}m
  else
    REPLY='<1m'
  fi
}

# _awsprompt_profile_menu -> reply: "NAME:DESCRIPTION" for every profile (for
# _describe): the type and account, and the time left on a cached session.  Array
# operations where they count: the order does not matter, _describe sorts.
_awsprompt_profile_menu() {
  emulate -L zsh
  local REPLY name out
  local -a names keys
  local -A desc
  _awsprompt_profile_names; names=("${reply[@]}")
  keys=("${(@)names/*/keys}")
  desc=("${(@)names:^keys}")                     # vault and credentials names: keys
  local file=${AWS_CONFIG_FILE:-$HOME/.aws/config}
  [[ -n ${_awsprompt_names_info[$file]-} ]] && desc+=("${(@ps:\x1e:)_awsprompt_names_info[$file]}")
  unset 'desc[]'
  # Config sections that tell nothing (-): keys when the credentials or the vault
  # hold some for them, else no description.
  local -a keyed
  _awsprompt_state_dir
  for file in "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" \
      "$REPLY/$_awsprompt_vault_names_file"; do
    keyed+=("${(@ps:\x1e:)_awsprompt_names_cache[$file]-}")
  done
  for name in ${(k)desc[(R)-]}; do
    (( ${keyed[(Ie)$name]} )) && desc[$name]=keys || desc[$name]=
  done
  # An account's alias, when IAM told one, instead of its number.
  _awsprompt_account_aliases
  local account
  for account in ${(k)_awsprompt_aliases}; do
    for name in ${(k)desc[(R)* $account]}; do
      desc[$name]=${desc[$name]% $account}" $_awsprompt_aliases[$account]"
    done
  done
  _awsprompt_session_expiry
  local -i now=$EPOCHSECONDS
  for name in ${(k)_awsprompt_sessions_expiry}; do
    (( _awsprompt_sessions_expiry[$name] > now && ${+desc[$name]} )) || continue
    _awsprompt_left_text $(( _awsprompt_sessions_expiry[$name] - now ))
    desc[$name]+=" $REPLY left"
  done
  (( $#desc )) || { reply=(); return 0 }
  printf -v out '%s:%s\0' "${(@kv)desc}"
  reply=("${(@0)out}")
  reply[-1]=()
}

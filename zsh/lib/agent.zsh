# A cached switch without starting a process: ask the unlock agent directly over its
# socket (zsh/net/socket) for `export PROFILE --format zsh`, answered from the session
# cache with the fast path's rules (awsprompt/shell/fastpath.py) and decrypted inside
# the agent: the key never leaves it.  What comes back is the usual NUL records, which
# _awsprompt_apply checks against the allowlist and applies all or nothing.  Any doubt
# (no agent, no socket, an odd value, a refusal, a short answer): Python answers.

# _awsprompt_runtime_dir -> REPLY: the agent's folder (paths.runtime_dir).
_awsprompt_runtime_dir() {
  emulate -L zsh
  if [[ -n ${XDG_RUNTIME_DIR-} ]]; then
    REPLY=$XDG_RUNTIME_DIR/$_awsprompt_runtime_sub
  else
    REPLY=$_awsprompt_runtime_fallback$UID
  fi
}

# _awsprompt_agent_export PROFILE -> REPLY: the records, when the agent can answer.
# Waits at most a second for each part of the answer.
_awsprompt_agent_export() {
  emulate -L zsh
  setopt extended_glob no_multibyte
  REPLY=
  [[ ${(P)_awsprompt_env_no_agent-} != 1 && -z ${(P)_awsprompt_env_depth-} ]] || return 1
  _awsprompt_valid_name "$1" || return 1
  zmodload zsh/net/socket 2>/dev/null || return 1
  local dir sock
  _awsprompt_runtime_dir; dir=$REPLY; REPLY=
  # The socket's name is a digest of the state folder, which Python writes down for us
  # (`$(<file)` reads it without a fork); it must be a socket of that folder.
  _awsprompt_state_dir
  local pointer=$REPLY/$_awsprompt_agent_pointer
  REPLY=
  [[ -r $pointer ]] || return 1
  sock=${"$(<$pointer)"%%$'\n'*}
  [[ $sock == $dir/agent-[0-9a-f]##.sock ]] || return 1
  # The folder must be ours and private, as the Python client checks.
  local -A st
  zstat -L -H st -- "$dir" 2>/dev/null || return 1
  [[ $st[uid] == $UID ]] && (( (st[mode] & 8#77) == 0 )) && [[ -S $sock ]] || return 1
  # The request: the profile and the exported values of what the fast path is keyed
  # on (a refresh window set in zsh included); a value JSON would need escaping in
  # is a doubt.
  local name value json sep=
  local -A env
  for name in "${_awsprompt_fast_inputs[@]}"; do
    [[ ${(tP)name-} == *export* ]] && env[$name]=${(P)name}
  done
  if (( ${+_awsprompt_user_set[REFRESH]} )) && [[ $AWSPROMPT_REFRESH == <-> ]]; then
    env[$_awsprompt_env_min_ttl]=$AWSPROMPT_REFRESH
  fi
  json='{"op": "zsh-export", "profile": "'$1'", "env": {'
  for name value in "${(@kv)env}"; do
    [[ $value == *[[:cntrl:]\\\"]* ]] && return 1
    json+=$sep'"'$name'": "'$value'"'
    sep=', '
  done
  json+='}}'
  zsocket "$sock" 2>/dev/null || return 1
  local -i fd=$REPLY
  REPLY=
  local data= buf
  if print -rn -u $fd -- "$json"$'\n' 2>/dev/null; then
    while zselect -t 100 -r $fd 2>/dev/null && sysread -i $fd buf 2>/dev/null; do
      data+=$buf
    done
  fi
  buf=
  exec {fd}>&-
  local header=${data%%$'\n'*}
  if [[ $header == '{"ok": true, "length": '(<->)'}' ]]; then
    local -i len=${${header#*: true, \"length\": }%\}}
    data=${data#*$'\n'}
    if (( len > 0 && $#data == len )); then
      REPLY=$data
      data=
      return 0
    fi
  fi
  data=
  return 1
}

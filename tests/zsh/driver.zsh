# Runs one case of tests/zsh/<function>/<case>.zsh in `zsh -f` (tests/test_zsh_functions.py),
# in the manner of zsh-syntax-highlighting's test harness:
#
#   zsh -f driver.zsh PLUGIN CASE        (ZT_TMP: a scratch folder for the case)
#
# The plugin is sourced under NO_UNSET and WARN_CREATE_GLOBAL, then the case file,
# which sets its inputs, `call=(FUNCTION ARGS...)` and `expected=(KEY VALUE ...)`.
# KEY is a parameter (arrays joined by single spaces; `(unset)` when it does not
# exist) or one of:
#   status         the exit status of the call
#   stdout         what the call printed on stdout
#   exported       our exported variables (names of _awsprompt_unset_names), sorted
#   stderr         what the call printed on stderr (expected empty unless given)
#   stray_globals  globals the call created that are neither expected keys nor
#                  names the protocol may set (expected empty unless given)
# For every KEY the driver prints KEY NUL ACTUAL NUL EXPECTED NUL.

setopt NO_UNSET WARN_CREATE_GLOBAL
source $1

typeset -ga call=() expected=() reply=()
typeset -g REPLY=

# Helpers for case files.
# zt_nul FIELD... -> REPLY: the fields, each NUL-terminated (a protocol output).
zt_nul() {
  REPLY=${(pj:\0:)@}$'\0'
  (( $# )) || REPLY=
}
# zt_session_before: this shell already uses profile `old` (set up by aws-use).
zt_session_before() {
  typeset -gx AWSPROMPT_PROFILE=old AWS_ACCESS_KEY_ID=ASIAOLD AWS_SESSION_TOKEN=OLDTOKEN
  _awsprompt_exported=(AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN)
}

source $2

typeset -ga zt_before zt_after zt_list zt_keys
typeset -gA zt_want
typeset -g zt_key zt_value
typeset -gi zt_status=0
zt_before=(${(k)parameters})
"${call[@]}" >$ZT_TMP/zt.stdout 2>$ZT_TMP/zt.stderr || zt_status=$?
zt_after=(${(k)parameters})

zt_want=("${expected[@]}")
(( ${+zt_want[stderr]} )) || zt_want[stderr]=
(( ${+zt_want[stray_globals]} )) || zt_want[stray_globals]=
zt_keys=(${(k)zt_want})

for zt_key in ${(ok)zt_want}; do
  case $zt_key in
    status) zt_value=$zt_status ;;
    stdout) zt_value=$(<$ZT_TMP/zt.stdout) ;;
    stderr) zt_value=$(<$ZT_TMP/zt.stderr) ;;
    exported)
      zt_list=()
      for zt_value in $_awsprompt_unset_names; do
        [[ ${(tP)zt_value-} == *export* ]] && zt_list+=($zt_value)
      done
      zt_value=${(j: :)${(o)zt_list}} ;;
    stray_globals)
      zt_list=(${zt_after:|zt_before})
      zt_list=(${zt_list:|_awsprompt_export_names})
      zt_list=(${zt_list:|_awsprompt_set_names})
      zt_list=(${zt_list:|zt_keys})
      zt_value=${(j: :)${(o)zt_list}} ;;
    *)
      if (( ${(P)+zt_key} )); then
        zt_value=${(j: :)${(P)zt_key}}
      else
        zt_value='(unset)'
      fi ;;
  esac
  print -rn -- "$zt_key"$'\0'"$zt_value"$'\0'"$zt_want[$zt_key]"$'\0'
done

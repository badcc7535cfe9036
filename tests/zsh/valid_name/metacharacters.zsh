# Shell, glob and prompt metacharacters, spaces and non-ASCII letters are refused.
names=(
  'a b' $'a\tb' $'a\nb' 'a;b' 'a|b' 'a&b' '$HOME' '$(touch pwn)' '`id`' 'a*' 'a?'
  '[ab]' '~root' '%F{red}' "a'b" 'a"b' 'a\b' '#a' 'a!' '(a)' '{a}' '<a>' 'é' 'a^b'
)
accepted=()
zt_check() {
  local name
  for name in "${names[@]}"; do
    _awsprompt_valid_name "$name" && accepted+=("$name")
  done
  return 0
}
call=(zt_check)
expected=(status 0 accepted '')

# Names as Identity Center tools generate them, with '/' and ':' (names.py).
names=('Sandbox/AdministratorAccess' 'dev:admin' '/lead' ':lead' 'a//b::c')
accepted=()
zt_check() {
  local name
  for name in "${names[@]}"; do
    _awsprompt_valid_name "$name" && accepted+=("$name")
  done
  return 0
}
call=(zt_check)
expected=(status 0 accepted 'Sandbox/AdministratorAccess dev:admin /lead :lead a//b::c')

# A warn threshold the user set in zsh wins over the YAML one.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 25 * 60 + 30 ))
AWSPROMPT_WARN=10
_awsprompt_user_set[WARN]=1
_awsprompt_cfg_warn=30
call=(_awsprompt_compute)
expected=(
  _awsprompt_state OK
)

# A YAML critical threshold applies too.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 8 * 60 + 30 ))
_awsprompt_cfg_critical=10
call=(_awsprompt_compute)
expected=(
  _awsprompt_state CRITICAL
  _awsprompt_prompt '%F{red}aws:dev 8m%f'
)

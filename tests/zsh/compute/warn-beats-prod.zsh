# Warning, critical and expired take precedence over the production state.
AWSPROMPT_PROFILE=acme-prod
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 10 * 60 + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_state WARN
)

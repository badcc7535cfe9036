# Under a minute left reads <1m (never 0m).
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev <1m'
  _awsprompt_state CRITICAL
)

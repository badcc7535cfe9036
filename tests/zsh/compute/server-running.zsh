# --server mode with a live endpoint: the marker instead of a countdown, state OK.
AWSPROMPT_PROFILE=dev
AWSPROMPT_ACCOUNT=111111111111
AWSPROMPT_SERVER_PID=$$
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 60 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev@111111111111 ↻'
  _awsprompt_state OK
  _awsprompt_left ''
)

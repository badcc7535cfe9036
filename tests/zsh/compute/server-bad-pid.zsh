# A server pid that is not a number counts as stopped (kill is never run on it).
AWSPROMPT_PROFILE=dev
AWSPROMPT_SERVER_PID='1;x'
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev stopped'
  _awsprompt_state EXPIRED
)

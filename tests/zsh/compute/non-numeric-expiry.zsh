# An expiry that is not a number shows no countdown.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES='soon'
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev'
  _awsprompt_state OK
  _awsprompt_left ''
)

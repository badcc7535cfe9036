# --server mode whose endpoint is gone: `stopped`, in the EXPIRED colour.
AWSPROMPT_PROFILE=dev
AWSPROMPT_SERVER_PID=999999999
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev stopped'
  _awsprompt_state EXPIRED
  _awsprompt_prompt '%F{196}aws:dev stopped%f'
)

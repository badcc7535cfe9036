# Past the expiry: `expired`, in the EXPIRED colour (196).
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS - 5 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev expired'
  _awsprompt_state EXPIRED
  _awsprompt_prompt '%F{196}aws:dev expired%f'
)

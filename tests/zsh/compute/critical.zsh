# Less than AWSPROMPT_CRITICAL (5) minutes left: CRITICAL, in red.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 4 * 60 + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev 4m'
  _awsprompt_state CRITICAL
  _awsprompt_prompt '%F{red}aws:dev 4m%f'
)

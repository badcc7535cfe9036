# Less than AWSPROMPT_WARN (15) minutes left: WARN, in yellow.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 10 * 60 + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev 10m'
  _awsprompt_state WARN
  _awsprompt_prompt '%F{yellow}aws:dev 10m%f'
)

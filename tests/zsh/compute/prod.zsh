# A profile matching AWSPROMPT_PROD_PATTERNS (*prod*) is PROD, in magenta.
AWSPROMPT_PROFILE=acme-prod
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 3600 + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:acme-prod 1h00m'
  _awsprompt_state PROD
  _awsprompt_prompt '%F{magenta}aws:acme-prod 1h00m%f'
)

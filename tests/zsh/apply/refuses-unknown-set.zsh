# A set of a name outside the list (PROMPT) refuses the whole output.
zt_session_before
PROMPT=kept
zt_nul \
  export AWSPROMPT_PROFILE evil \
  set PROMPT pwned
call=(_awsprompt_apply "$REPLY")
expected=(
  status 1
  AWSPROMPT_PROFILE old
  AWS_ACCESS_KEY_ID ASIAOLD
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  _awsprompt_exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  PROMPT kept
)

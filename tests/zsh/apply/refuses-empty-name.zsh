# An export of an empty name is refused.
zt_session_before
zt_nul \
  export AWSPROMPT_PROFILE evil \
  export '' x
call=(_awsprompt_apply "$REPLY")
expected=(
  status 1
  AWSPROMPT_PROFILE old
  AWS_ACCESS_KEY_ID ASIAOLD
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  _awsprompt_exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
)

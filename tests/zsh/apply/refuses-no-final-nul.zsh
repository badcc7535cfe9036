# Output whose last field is not NUL-terminated is refused.
zt_session_before
call=(_awsprompt_apply $'export\0AWSPROMPT_PROFILE\0evil')
expected=(
  status 1
  AWSPROMPT_PROFILE old
  AWS_ACCESS_KEY_ID ASIAOLD
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  _awsprompt_exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
)

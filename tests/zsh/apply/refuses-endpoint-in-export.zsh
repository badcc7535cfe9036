# A key export (not serve) may not export the endpoint URL.
zt_session_before
zt_nul \
  export AWSPROMPT_PROFILE evil \
  export AWS_CONTAINER_CREDENTIALS_FULL_URI http://127.0.0.1:9/x
call=(_awsprompt_apply "$REPLY")
expected=(
  status 1
  AWSPROMPT_PROFILE old
  AWS_ACCESS_KEY_ID ASIAOLD
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  _awsprompt_exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
)

# A server pid of 1 (init) is refused.
zt_session_before
zt_nul \
  export AWS_CONTAINER_CREDENTIALS_FULL_URI http://127.0.0.1:9/x \
  export AWS_CONTAINER_AUTHORIZATION_TOKEN T \
  export AWSPROMPT_PROFILE evil \
  export AWSPROMPT_SERVER_PID 1
call=(_awsprompt_apply "$REPLY" serve)
expected=(
  status 1
  AWSPROMPT_PROFILE old
  AWS_ACCESS_KEY_ID ASIAOLD
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
  _awsprompt_exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN'
)

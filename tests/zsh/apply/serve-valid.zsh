# Serve output (aws-use --server) exports the endpoint, its token and a numeric pid.
zt_session_before
zt_nul \
  export AWS_CONTAINER_CREDENTIALS_FULL_URI http://127.0.0.1:9/creds \
  export AWS_CONTAINER_AUTHORIZATION_TOKEN ENDPOINTTOKEN \
  export AWSPROMPT_PROFILE dev \
  export AWSPROMPT_SERVER_PID 4242 \
  unset AWS_ACCESS_KEY_ID \
  unset AWS_SESSION_TOKEN
call=(_awsprompt_apply "$REPLY" serve)
expected=(
  status 0
  AWSPROMPT_SERVER_PID 4242
  AWS_ACCESS_KEY_ID '(unset)'
  exported 'AWSPROMPT_PROFILE AWSPROMPT_SERVER_PID AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_CREDENTIALS_FULL_URI'
)

# Variables exported for the previous profile and absent from the new state go away.
zt_session_before
zt_nul \
  export AWS_ACCESS_KEY_ID AKIASTATIC \
  export AWS_SECRET_ACCESS_KEY STATICSECRET \
  export AWSPROMPT_PROFILE static
call=(_awsprompt_apply "$REPLY")
expected=(
  status 0
  AWS_ACCESS_KEY_ID AKIASTATIC
  AWS_SESSION_TOKEN '(unset)'
  exported 'AWSPROMPT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY'
)

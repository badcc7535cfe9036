# A region the user exported (not aws-use) stays when the new profile sets none.
typeset -gx AWS_REGION=eu-west-1
zt_nul export AWSPROMPT_PROFILE dev
call=(_awsprompt_apply "$REPLY")
expected=(
  status 0
  AWS_REGION eu-west-1
  exported 'AWSPROMPT_PROFILE AWS_REGION'
)

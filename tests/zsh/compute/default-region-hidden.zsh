# The default region is not shown; the account alias is shown instead of the number.
AWSPROMPT_PROFILE=dev
AWSPROMPT_ACCOUNT=123456789012
AWSPROMPT_ACCOUNT_ALIAS=acme
AWS_REGION=us-east-1
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 47 * 60 + 30 ))
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev@acme 47m'
  _awsprompt_state OK
)

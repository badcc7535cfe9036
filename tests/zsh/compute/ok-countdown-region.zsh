# Profile, account, a non-default region and hours:minutes left, in the OK colour.
AWSPROMPT_PROFILE=dev
AWSPROMPT_ACCOUNT=123456789012
AWS_REGION=eu-west-1
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 2 * 3600 + 5 * 60 + 30 ))
call=(_awsprompt_compute)
expected=(
  status 0
  _awsprompt_text 'aws:dev@123456789012 eu-west-1 2h05m'
  _awsprompt_state OK
  _awsprompt_prompt '%F{green}aws:dev@123456789012 eu-west-1 2h05m%f'
)

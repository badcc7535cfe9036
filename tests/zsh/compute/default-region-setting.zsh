# AWS_DEFAULT_REGION counts when AWS_REGION is empty; AWSPROMPT_DEFAULT_REGION hides it.
AWSPROMPT_PROFILE=dev
AWS_REGION=
AWS_DEFAULT_REGION=eu-central-1
AWSPROMPT_DEFAULT_REGION=eu-central-1
AWSPROMPT_PREFIX='☁ '
call=(_awsprompt_compute)
expected=(
  _awsprompt_text '☁ dev'
  _awsprompt_prompt '%F{green}☁ dev%f'
  _awsprompt_left ''
)

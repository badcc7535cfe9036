# Values are escaped for the prompt (% doubled) and never evaluated.
AWSPROMPT_PROFILE='50%off$(touch pwn)'
AWSPROMPT_ACCOUNT_ALIAS='%F{red}'
AWSPROMPT_COLOR_OK='%x'
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:50%off$(touch pwn)@%F{red}'
  _awsprompt_prompt '%F{%%x}aws:50%%off$(touch pwn)@%%F{red}%f'
)

# `set` records assign the YAML prompt settings as plain (unexported) shell variables.
zt_nul \
  export AWSPROMPT_PROFILE dev \
  set _awsprompt_cfg_warn 30 \
  set _awsprompt_cfg_prod 'live-* *prod*' \
  set _awsprompt_cfg_refresh 600
call=(_awsprompt_apply "$REPLY")
expected=(
  status 0
  _awsprompt_cfg_warn 30
  _awsprompt_cfg_prod 'live-* *prod*'
  _awsprompt_cfg_refresh 600
  exported AWSPROMPT_PROFILE
)

# YAML production patterns (space-separated globs) replace the default *prod*.
AWSPROMPT_PROFILE=live-eu
_awsprompt_cfg_prod='staging live-*'
call=(_awsprompt_compute)
expected=(
  _awsprompt_state PROD
)

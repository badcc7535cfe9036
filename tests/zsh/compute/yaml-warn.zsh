# A YAML warn threshold (set record) applies when the zsh setting is not the user's.
AWSPROMPT_PROFILE=dev
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 25 * 60 + 30 ))
_awsprompt_cfg_warn=30
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:dev 25m'
  _awsprompt_state WARN
)

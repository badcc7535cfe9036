# AWSPROMPT_SERVER_MARKER='' shows nothing after the profile; prod keeps its colour.
AWSPROMPT_PROFILE=prod-db
AWSPROMPT_SERVER_PID=$$
AWSPROMPT_SERVER_MARKER=
call=(_awsprompt_compute)
expected=(
  _awsprompt_text 'aws:prod-db'
  _awsprompt_state PROD
)

# Without AWSPROMPT_PROFILE the segment is empty, whatever else is set.
AWSPROMPT_ACCOUNT=123456789012
AWSPROMPT_EXPIRES=$(( EPOCHSECONDS + 600 ))
_awsprompt_text=stale _awsprompt_state=OK _awsprompt_prompt=stale
call=(_awsprompt_compute)
expected=(
  status 0
  _awsprompt_text ''
  _awsprompt_state ''
  _awsprompt_prompt ''
  _awsprompt_left ''
)

# The empty name is invalid.
call=(_awsprompt_valid_name '')
expected=(status 1)

# An ordinary profile name is valid.
call=(_awsprompt_valid_name dev)
expected=(status 0)

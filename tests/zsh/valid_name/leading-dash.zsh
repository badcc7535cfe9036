# A name starting with '-' would read as an option: invalid.
call=(_awsprompt_valid_name -rf)
expected=(status 1)

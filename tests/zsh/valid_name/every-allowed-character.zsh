# Letters, digits and ._-@+=,/: are allowed (names.py).
call=(_awsprompt_valid_name 'aZ09._-@+=,/:')
expected=(status 0)

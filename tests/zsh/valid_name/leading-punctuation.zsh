# Every allowed character but '-' may start a name.
call=(_awsprompt_valid_name '.a_b@c+d=e,f')
expected=(status 0)

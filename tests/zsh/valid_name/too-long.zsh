# A name one character over the maximum length is invalid.
call=(_awsprompt_valid_name ${(l:_awsprompt_name_max+1::a:)${:-}})
expected=(status 1)

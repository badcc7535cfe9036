# A name of exactly the maximum length (contract: names.MAX_NAME) is valid.
call=(_awsprompt_valid_name ${(l:_awsprompt_name_max::a:)${:-}})
expected=(status 0)

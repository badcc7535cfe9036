# Windows line endings are tolerated.
print -rn -- $'[default]\r\n[profile win]\r\nregion = x\r\n' > $ZT_TMP/config
call=(_awsprompt_file_names $ZT_TMP/config config)
expected=(status 0 reply 'default win')

# credentials: every [NAME] section, without the `profile` prefix rule.
print -r -- '[cred_one]
aws_access_key_id = AKIA
[ default ]
[profile x]
[`touch pwn2`]
[$HOME]
not a section
[two+2]' > $ZT_TMP/credentials
call=(_awsprompt_file_names $ZT_TMP/credentials credentials)
expected=(status 0 reply 'cred_one default two+2')

# A file whose size changed is parsed again (even within the same second).
print -r -- '[profile first]' > $ZT_TMP/config
_awsprompt_file_names $ZT_TMP/config config
print -r -- '[profile first]
[profile second]' > $ZT_TMP/config
call=(_awsprompt_file_names $ZT_TMP/config config)
expected=(status 0 reply 'first second')

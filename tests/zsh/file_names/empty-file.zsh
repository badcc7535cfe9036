# An empty file gives no names, also when served from the cache.
: > $ZT_TMP/config
_awsprompt_file_names $ZT_TMP/config config
call=(_awsprompt_file_names $ZT_TMP/config config)
expected=(status 0 reply '')

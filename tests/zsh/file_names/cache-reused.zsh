# An unchanged file (same inode, mtime, size) is served from the cache, not parsed.
print -r -- '[profile cached]' > $ZT_TMP/config
_awsprompt_file_names $ZT_TMP/config config
_awsprompt_names_cache[$ZT_TMP/config]=fromcache
call=(_awsprompt_file_names $ZT_TMP/config config)
expected=(status 0 reply fromcache)

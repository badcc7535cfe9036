# A missing file gives no names and drops its cache entries.
_awsprompt_names_stamp[$ZT_TMP/none]=1:2:3
_awsprompt_names_cache[$ZT_TMP/none]=stale
reply=(stale)
zt_call() {
  _awsprompt_file_names $ZT_TMP/none config
  cached=${+_awsprompt_names_cache[$ZT_TMP/none]}${+_awsprompt_names_stamp[$ZT_TMP/none]}
}
cached=
call=(zt_call)
expected=(status 0 reply '' cached 00)

# vault.names: one name a line; blank lines, spaces around and invalid names skipped.
print -r -- 'vault@one

  vault+two  
bad name
-dash
vault=three' > $ZT_TMP/vault.names
call=(_awsprompt_file_names $ZT_TMP/vault.names list)
expected=(status 0 reply 'vault@one vault+two vault=three')

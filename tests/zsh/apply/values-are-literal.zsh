# Values with quotes, $(...), backticks, % and newlines are stored as they are.
zt_nul \
  export AWSPROMPT_PROFILE dev \
  export AWSPROMPT_ACCOUNT_ALIAS $'a\'b"c$(touch pwn)`touch pwn2`\nline2 %F{red}'
call=(_awsprompt_apply "$REPLY")
expected=(
  status 0
  AWSPROMPT_ACCOUNT_ALIAS $'a\'b"c$(touch pwn)`touch pwn2`\nline2 %F{red}'
)

# config: [default] and [profile NAME] (spaces allowed around), nothing else.
print -r -- '[default]
region = us-east-1
[profile cfg-one]
role_arn = x
[ profile  cfg.two ]
	[profile	tabbed]
[sso-session corp]
[services svc]
[profilex]
# [profile commented]
[profile bad name]
[profile %F{red}$(touch pwn)]
[profile -rf]
[profile ok@last]' > $ZT_TMP/config
call=(_awsprompt_file_names $ZT_TMP/config config)
expected=(status 0 reply 'default cfg-one cfg.two tabbed ok@last')

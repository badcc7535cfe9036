"""IAM Identity Center (AWS SSO): configuration, sign-in, tokens at rest and the portal.

- `config`: an SSO profile's and an `[sso-session]` section's keys -> `SsoConfig` (pure)
- `tokens`: the token and registration records, the AWS CLI v2 cache codec, the encrypted store
- `oidc`: RegisterClient, StartDeviceAuthorization, CreateToken (botocore's unsigned client)
- `login`: the authorization-code + PKCE flow (loopback listener) and the device-code flow
- `refresh`: a valid access token for a session: store, CLI cache, refresh, one login at a time
- `portal`: GetRoleCredentials, ListAccounts, ListAccountRoles, Logout with back-off
- `_sdk`: the botocore client and the mapping of SDK failures onto awsprompt errors
"""

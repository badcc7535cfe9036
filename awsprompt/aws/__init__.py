"""The AWS side: credentials, STS planning and execution, MFA, sign-in, rotation."""

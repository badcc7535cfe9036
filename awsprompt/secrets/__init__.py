"""Secrets at rest: crypto, the vault backends, the session cache, the unlock agent."""

"""Importers: keys from ~/.aws/credentials and from an aws-vault file vault."""

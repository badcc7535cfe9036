"""Configuration: the AWS CLI's ini files, profile resolution, awsprompt's settings."""

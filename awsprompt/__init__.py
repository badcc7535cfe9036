"""awsprompt: an encrypted vault for AWS keys, a credentials engine and a zsh prompt."""

__version__ = "0.1.0"

"""The shell side: output formats, the zsh contract, the hot path, the credentials endpoint."""

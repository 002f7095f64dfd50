"""Settings in layers (defaults, policy, user, environment, command line), the standard
places for files, and logging."""

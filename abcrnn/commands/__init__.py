"""The command line's edge: what is checked before a command runs (``arguments``)."""

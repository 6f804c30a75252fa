"""The package's one exception type.

Every error a user can cause (a bad file, a bad option, a broken bundle) is an
``AbcrnnError`` whose message says what was wrong and what to do. The CLI prints
it on one line and exits non-zero; anything else is a bug and keeps its traceback.
"""


class AbcrnnError(Exception):
    """A problem with the user's input, files or options, explained in one line."""


class UsageError(AbcrnnError):
    """A command line that does not fit the command (unknown option, missing value, wrong type): exit 2."""

"""Parsing ABC with music21, quietly: the one place that calls its converter.

music21 prints its own warnings straight to stderr (``abcFormat: WARNING ...``);
users see abcrnn's verdicts instead.
"""

import contextlib
import io
import warnings


@contextlib.contextmanager
def quiet():
    """Silence music21's printed and raised warnings inside the block."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def parse_abc(tune: str):
    """A music21 score of one tune; raises whatever music21 raises on bad ABC."""
    from music21 import converter

    with quiet():
        return converter.parse(tune, format="abc")


def parse_failure(tune: str) -> str | None:
    """None if music21 parses the tune and finds notes in it, else why not."""
    try:
        score = parse_abc(tune)
    except Exception as error:  # music21 raises many kinds on bad ABC
        return f"{type(error).__name__}: {str(error)[:80]}"
    if not score.flatten().notes:
        return "no notes found"
    return None

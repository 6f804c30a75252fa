"""Numbered endings that go somewhere: each first ending closes a repeat that a second ending follows.

ABC 2.1 section 4.9 writes first and second repeats as ``|1 ... :|2 ...`` (or ``[1``, ``|[1``,
``[1,3``): the first ending is played, the repeat goes back, and the second ending is played
in its place the second time. Two players disagree on a tune that writes ``[1`` again before
any ``[2``, a second ending far from the repeat that closes the first, or a first ending with
no second: there is no one way to play it. Of the 3,838 tunes of ``corpora/folk.abc`` one
has such an ending (it leaves its second ending unnumbered); the sampler's critic ranks a
candidate that has one below one that has none.
"""

import re

from abcrnn.text.abc import music_lines
from abcrnn.text.tokens import REPEAT_END, BarLine, Note, scan

_REPEAT_END = re.compile(REPEAT_END)


def ending_errors(tune: str) -> list[str]:
    """What is wrong with a tune's numbered endings, one line each; empty where they are well formed.

    >>> ending_errors("X:1\\nK:G\\n|:GAB c2d|1 e3 d3:|2 g3 d3|]"), ending_errors("X:1\\nK:G\\nGAB|[1 c3:|[1 d3|]")
    ([], ['ending 1 again before a second ending', 'a first ending with no second'])
    >>> ending_errors("X:1\\nK:G\\n|:GAB|1 c3:|\\n|:def|1 g3:|\\nabc|2 d3|]")
    ['ending 1 again before a second ending', 'ending 2 does not come at the repeat that closes ending 1']
    """
    errors, last, first_open, repeats, notes_since_repeat = [], None, False, 0, False
    for token in scan("\n".join(music_lines(tune))):
        if isinstance(token, Note) and not token.is_spacer and not token.grace:
            notes_since_repeat = True
        if not isinstance(token, BarLine):
            continue
        if _REPEAT_END.fullmatch(token.symbol):
            repeats, notes_since_repeat = repeats + 1, False
        if token.ending is None:
            continue
        numbers = sorted(token.passes)
        if numbers[0] > 1:
            if last is None or last + 1 != numbers[0]:
                errors.append(f"ending {numbers[0]} follows no ending {numbers[0] - 1}")
            elif repeats != 1 or notes_since_repeat:
                errors.append(f"ending {numbers[0]} does not come at the repeat that closes ending {last}")
        elif first_open:
            errors.append("ending 1 again before a second ending")
        last, first_open, repeats = max(numbers), numbers == [1], 0
    if first_open:
        errors.append("a first ending with no second")
    return errors

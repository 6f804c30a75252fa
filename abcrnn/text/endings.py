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
from abcrnn.text.tokens import BAR_LINE, ENDING_NUMBER, GRACE_NOTES, MARKUP, REPEAT_END

# An ending's number after its bar line (across a line continuation) or bracket; or a repeat's end.
_EVENT = re.compile(f"(?P<bar>{BAR_LINE})?\\\\?\\s*(?P<number>{ENDING_NUMBER})|(?P<repeat>{REPEAT_END})")
_NOT_MUSIC = re.compile(f"{MARKUP}|{GRACE_NOTES}")  # chord symbols and fingerings have digits of their own
_NOTE = re.compile(r"[A-Ga-gz]")
_REPEAT_END = re.compile(REPEAT_END)


def ending_errors(tune: str) -> list[str]:
    """What is wrong with a tune's numbered endings, one line each; empty where they are well formed.

    >>> ending_errors("X:1\\nK:G\\n|:GAB c2d|1 e3 d3:|2 g3 d3|]"), ending_errors("X:1\\nK:G\\nGAB|[1 c3:|[1 d3|]")
    ([], ['ending 1 again before a second ending', 'a first ending with no second'])
    >>> ending_errors("X:1\\nK:G\\n|:GAB|1 c3:|\\n|:def|1 g3:|\\nabc|2 d3|]")
    ['ending 1 again before a second ending', 'ending 2 does not come at the repeat that closes ending 1']
    """
    music = _NOT_MUSIC.sub("", "\n".join(music_lines(tune)))
    errors, last, first_open, repeats, repeat_end = [], None, False, 0, None
    for event in _EVENT.finditer(music):
        bar = event.group("bar") or ""
        if event.group("repeat") or _REPEAT_END.fullmatch(bar):
            repeats, repeat_end = repeats + 1, event.end("repeat") if event.group("repeat") else event.end("bar")
        if event.group("number") is None or not (bar or event.group("number").startswith("[")):
            continue  # a repeat's end, or a note's length
        numbers = [int(number) for number in re.findall(r"\d+", event.group("number"))]
        if numbers[0] > 1:
            if last is None or last + 1 != numbers[0]:
                errors.append(f"ending {numbers[0]} follows no ending {numbers[0] - 1}")
            elif repeats != 1 or _NOTE.search(music[repeat_end : event.start("number")]):
                errors.append(f"ending {numbers[0]} does not come at the repeat that closes ending {last}")
        elif first_open:
            errors.append("ending 1 again before a second ending")
        last, first_open, repeats = max(numbers), numbers == [1], 0
    if first_open:
        errors.append("a first ending with no second")
    return errors

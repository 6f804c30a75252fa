"""Parsing ABC with music21, quietly and safely: the one place that calls its converter.

music21 prints its own warnings straight to stderr (``abcFormat: WARNING ...``);
users see abcrnn's verdicts instead. It also never returns on some malformed
fields (``M:6:87``, ``M:9999/8``), so the fields it interprets (``M:``, ``L:``,
``K:``, ``Q:``, as lines and inline) are checked here before it sees them.

A verdict (``parse_failure``) reads the tune without beaming it: music21 groups every
part's eighth notes into beams after reading it, which takes two thirds of the reading
(the 765 tunes of corpora/jigs-valid.abc: 7.7-7.9 s instead of 22.7-22.9, two runs each in
processes of their own; the same verdicts and messages) and nothing but the score on paper needs. Only the thread asking for a verdict
goes without beams (``_unbeamed``); a score made for MusicXML or MIDI is beamed as before.
"""

import contextlib
import io
import re
import threading
import warnings

from abcrnn.text.abc import split_header_body, strip_comment
from abcrnn.text.tokens import CHORD_SYMBOL, DECORATION, INLINE_FIELD, PLUS_DECORATION

# The meters tunes use: a count (or a sum such as 2+3+2) of beats of 1/1 to 1/64
# (FREI: free meter, in the Essen collection).
_METER = re.compile(r"(C\|?|none|(FREI)?\(?\d{1,2}(\+\d{1,2})*\)?/(1|2|4|8|16|32|64))")
_UNIT_LENGTH = re.compile(r"1(/(1|2|4|8|16|32|64))?")
# A tonic and mode (or none, or a bagpipe key), then accidentals, clef and other settings,
# but nothing that looks like another field run into it.
_KEY = re.compile(r"((none|HP|Hp|H|[A-G][#b]?)[^:\[\]]*)?")
# An optional text, beat lengths and beats per minute, or a bare number.
_TEMPO = re.compile(r'("[^"]*"\s*)?(((\d{1,2}/\d{1,3}\s*)+=\s*)?(\d{1,4}))?\s*("[^"]*")?')
_FIELD_CHECKS = {"M": (_METER, "meter"), "L": (_UNIT_LENGTH, "unit length"), "K": (_KEY, "key"),
                 "Q": (_TEMPO, "tempo")}  # fmt: skip
_INLINE_FIELD = re.compile(r"\[([MLKQ]):([^\]]*)\]")
_FIELD_LINE = re.compile(r"([MLKQ]):(?![|:])(.*)")
# music21 re-bars a note hundreds of units long for many seconds; tunes use at most 32.
LONGEST_NOTE = 64
_LENGTH = re.compile(r"(?<![/\d:|\[,-])\d+")  # not a denominator or an ending number
_NOT_NOTES = re.compile(f"{CHORD_SYMBOL}|{DECORATION}|{PLUS_DECORATION}|{INLINE_FIELD}")


def field_errors(tune: str) -> list[str]:
    """What music21 must not be given: malformed or absurd fields it reads, absurdly long notes; each names its line.

    >>> field_errors("X:1\\nM:6:87L:1/8\\nK:G\\nGAB|[M:9999/8]c|B283 c|")
    ['line 2: malformed meter M:6:87L:1/8', 'line 4: a length of 283 units', 'line 4: malformed meter [M:9999/8]']
    """
    errors = []
    header, body = split_header_body(tune)
    for number, line in enumerate(header + body, start=1):
        line = strip_comment(line).strip()
        if not re.match(r"[A-Za-z]:|%", line):  # music, wherever it is
            errors += [f"line {number}: a length of {match.group(0)} units"
                       for match in _LENGTH.finditer(_NOT_NOTES.sub("", line))
                       if int(match.group(0)) > LONGEST_NOTE]  # fmt: skip
        found = [match.groups() for match in _INLINE_FIELD.finditer(line)] if number > len(header) else []
        whole = _FIELD_LINE.fullmatch(line)
        for letter, value in ([whole.groups()] if whole else []) + found:
            pattern, what = _FIELD_CHECKS[letter]
            if not pattern.fullmatch(value.strip()) or (letter == "Q" and _absurd_tempo(value)):
                shown = f"{letter}:{value}" if whole and (letter, value) == whole.groups() else f"[{letter}:{value}]"
                errors.append(f"line {number}: malformed {what} {shown[:40]}")
    return errors


def _absurd_tempo(value: str) -> bool:
    beats = re.findall(r"(?<![/\d])(\d{1,4})\s*(?:\"[^\"]*\")?\s*$", value)
    return bool(beats) and not 1 <= int(beats[-1]) <= 1000


@contextlib.contextmanager
def quiet():
    """Silence music21's printed and raised warnings inside the block."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


class MalformedField(ValueError):
    """A field music21 must not be given (it may never return)."""


def parse_abc(tune: str):
    """A music21 score of one tune; raises ``MalformedField``, or whatever music21 raises on bad ABC."""
    from music21 import converter

    errors = field_errors(tune)
    if errors:
        raise MalformedField(errors[0])
    with quiet():
        return converter.parse(tune, format="abc")


def parse_failure(tune: str) -> str | None:
    """None if music21 parses the tune and finds notes in it, else why not."""
    try:
        with _unbeamed():
            score = parse_abc(tune)
    except MalformedField as error:
        return str(error)
    except Exception as error:  # music21 raises many kinds on bad ABC
        return f"{type(error).__name__}: {' '.join(str(error).split())[:80]}"  # one line: it may quote the tune
    if not score.flatten().notes:
        return "no notes found"
    return None


_beaming = threading.local()  # .off: this thread reads tunes without beaming them


@contextlib.contextmanager
def _unbeamed():
    """Within the block, music21 makes no beams in this thread (``Stream.makeBeams`` does nothing); other threads
    beam as before."""
    from music21 import stream

    if not hasattr(stream.Stream.makeBeams, "abcrnn_beams"):
        stream.Stream.makeBeams = _beams_unless_off(stream.Stream.makeBeams)
    _beaming.off = True
    try:
        yield
    finally:
        _beaming.off = False


def _beams_unless_off(make_beams):
    def beams_unless_off(self, *args, **kwargs):
        return None if getattr(_beaming, "off", False) else make_beams(self, *args, **kwargs)

    beams_unless_off.abcrnn_beams = make_beams
    return beams_unless_off

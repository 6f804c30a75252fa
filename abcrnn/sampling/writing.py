"""One tune as the sampler writes it: what is fed instead of drawn, and what may come next.

A ``Stream`` holds a tune's text so far. Header fields the user fixes are written in place of
the model's (``next_characters``); the header ends at its ``K:`` line and the tune at a blank
line or ``max_chars`` (``advance``). While the music is written, a chord symbol or annotation
opened on a line closes on it, before any bar line (``in_quotes``), and the bar guard
(``bar_guard.BarGuard``, made for the header's meter) says whether a bar line may close the bar,
which characters would overfill it, what must follow a short bar's bar line, and whether the tune
may end; ``streams._Batch`` draws again where they refuse what the model drew.
"""

from dataclasses import dataclass, field

from abcrnn.errors import AbcrnnError
from abcrnn.sampling.bar_guard import GUARDED_CHARACTERS, BarGuard
from abcrnn.text.abc import MODEL_HEADER_ORDER, model_text, parse_field_line
from abcrnn.text.following import bar_units_of
from abcrnn.text.tokens import BAR_CHARACTER, open_quote


@dataclass
class Stream:
    """The text of one tune being sampled, and what must be fed next instead of sampled."""

    text: str
    forced: dict[str, str]  # header fields still to force: letter -> value ("" leaves the field out)
    header_order: str  # the order of header fields in the model's text
    pending: str = ""  # characters to feed before sampling again
    in_header: bool = True
    opening: str = ""  # music to feed once the header is written (a primer without header lines)
    guard: BarGuard | None = None  # follows the bars, made for the header's meter when first asked (whole_bars)
    music_start: int = 0  # where the music starts in ``text`` (once the header is written)
    done: bool = field(default=False)
    end_refused: bool = False  # the guard has kept it from ending once (``may_end``)
    log_likelihood: float = 0.0  # of the music the model chose, at temperature 1
    chosen: int = 0

    def line(self) -> str:
        return self.text[self.text.rfind("\n") + 1 :]


def start_stream(primer: str, forced: dict[str, str], header_order: str) -> Stream:
    """A stream that starts with the primer: the start of a tune, or (with no header line) its opening music."""
    if primer and not primer.startswith("X:") and not any(parse_field_line(line) for line in primer.split("\n")):
        return Stream(text="X:1\n", forced=dict(forced), header_order=header_order, opening=primer)
    text = model_text(primer if primer.startswith("X:") else "X:1\n" + primer, header_order)
    stream = Stream(text=text, forced=dict(forced), header_order=header_order)
    position = 0
    for line in text.split("\n")[:-1] if "\n" in text else []:
        position += len(line) + 1
        if line[:2] in {f"{letter}:" for letter in header_order}:
            if line[0] in stream.forced:
                raise AbcrnnError(f"the primer already sets {line[:2]}; leave out the option that sets it too")
            if stream.in_header and line[0] == "K":  # the primer writes the whole header: its music follows
                stream.in_header, stream.music_start = False, position
    return stream


def check_primer(primer: str, forced: dict[str, str], header_order: str = MODEL_HEADER_ORDER) -> None:
    """Raise ``AbcrnnError`` if the primer sets a header field that ``forced`` sets too."""
    start_stream(primer, forced, header_order)


def next_characters(stream: Stream, sampled: str) -> str:
    """What a stream writes next, given the character the model sampled for it.

    At the start of a header line, a forced field that comes at or before the
    sampled field (in the corpus's header order) is written instead.
    """
    order = stream.header_order
    if stream.in_header and stream.text.endswith("\n") and stream.forced:
        position = order.find(sampled) if sampled in order else len(order)
        due = [letter for letter in order[: position + 1] if letter in stream.forced]
        if due and stream.forced[due[0]] == "":  # a field left out: the next forced one comes instead
            stream.forced.pop(due[0])
            due = [letter for letter in order if stream.forced.get(letter)][:1]
        if due:
            return f"{due[0]}:{stream.forced.pop(due[0])}\n"
    return sampled


def advance(stream: Stream, characters: str, max_chars: int) -> None:
    """Append characters to a stream and note where its header and the tune end."""
    for character in characters:
        stream.text += character
        if stream.in_header and character == "\n" and stream.text.rstrip("\n").split("\n")[-1].startswith("K:"):
            stream.in_header = False
            stream.music_start = len(stream.text)
            stream.text, stream.opening = stream.text + stream.opening, ""  # fed before the model writes on
        if stream.text.endswith("\n\n") or stream.text.endswith("\nX:") or len(stream.text) >= max_chars:
            stream.done = True
            return


def written_fields(stream: Stream) -> str:
    """At the start of a header line, the letters of the fields the header already has ("" elsewhere).

    No tune of the corpora writes a header field twice; a model fine-tuned on a few tunes can
    (``M:6/8`` and then ``M:4/4``), so the sampler draws again where it would.
    """
    if not stream.text.endswith("\n"):
        return ""
    return "".join(line[0] for line in stream.text.split("\n")[:-1] if line[1:2] == ":")


def bar_line_allowed(stream: Stream) -> bool:
    """Whether the guard lets a bar line come next (always in the header, and inside a bar line)."""
    if stream.in_header or stream.text[-1:] in GUARDED_CHARACTERS:
        return True
    return _guard(stream).allows_bar_line(stream.text[stream.music_start :])


QUOTE_CLOSED_BEFORE = BAR_CHARACTER + "\n"  # what may not come while a chord symbol is open (``in_quotes``)
# Of corpora/folk.abc's 3,844 chord symbols and annotations, 99.6% are 10 characters or fewer, quotes included.
LONGEST_QUOTE = 16


def in_quotes(stream: Stream) -> bool:
    """Whether the music line being written leaves a chord symbol or annotation open (``text.tokens.open_quote``):
    then neither a bar line nor a line break may come before the quote that closes it. A model that has written
    more than ``LONGEST_QUOTE`` characters in one has lost its way, and is let be (refused, it wrote on to
    --max-chars); the validator refuses the tune."""
    if stream.in_header:
        return False
    line = stream.line()
    start = open_quote(line)
    return start is not None and len(line) - start <= LONGEST_QUOTE


def overfilling(stream: Stream, character: str, characters: str) -> str:
    """The characters the guard refuses next if ``character`` would overfill the bar ("" in the header)."""
    if stream.in_header:
        return ""
    return _guard(stream).overfilling(stream.text[stream.music_start :], character, characters)


def part_closers(stream: Stream) -> str:
    """What may come next where a bar line just written after a short bar must close a part ("" in the header)."""
    if stream.in_header or not stream.text.endswith("|"):
        return ""
    return _guard(stream).closing(stream.text[stream.music_start :])


def may_end(stream: Stream) -> bool:
    """Whether the guard lets the tune end at a line break drawn next: not while a part owes its lead-in, the first
    time it tries (a tune kept from ending can ramble on to --max-chars)."""
    if stream.in_header or stream.end_refused or not stream.text.endswith("\n"):
        return True
    return _guard(stream).may_end(stream.text[stream.music_start :])


def _guard(stream: Stream) -> BarGuard:
    if stream.guard is None:
        stream.guard = BarGuard(bar_units_of(stream.text[: stream.music_start]))
    return stream.guard

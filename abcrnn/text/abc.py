"""ABC text handling: split a collection into tunes, read header fields, clean a tune.

Pure functions on text; nothing here touches files or music21.

>>> tunes = split_tunes("%abc-2.1\\nX: 7\\nT: A Jig\\nZ: someone\\nM:6/8\\nK:D\\nABc def|\\n")
>>> print(clean_tune(tunes[0]))
X:7
T:A Jig
M:6/8
L:1/8
K:D
ABc def|
"""

import re

# The header fields a musician needs to play a tune, in the order a clean tune
# writes them; K comes last because it ends the header.
KEPT_HEADER_FIELDS = ("X", "T", "R", "M", "L", "Q", "K")
WRITTEN_HEADER_ORDER = "".join(KEPT_HEADER_FIELDS)
# The order of header fields in a model's text: the title after the rhythm and meter, so
# that a tune is titled knowing what it is (written first, a jig was titled as a reel or a
# hornpipe one time in four). Models trained before it read WRITTEN_HEADER_ORDER.
MODEL_HEADER_ORDER = "XRMLQTK"
# The fields every tune needs (3.1: X: and T: first, K: last; abcrnn asks for the meter too).
REQUIRED_FIELDS = ("X", "T", "M", "K")

# Field lines that change how the music that follows sounds; kept in the body.
KEPT_BODY_FIELDS = frozenset("MKLQ")

_FIELD_LINE = re.compile(r"^([A-Za-z]):(?![|:])(.*)$")
_TUNE_START = re.compile(r"^X:", re.MULTILINE)


def split_tunes(text: str) -> list[str]:
    """Split a collection's text into tunes; each starts at an ``X:`` line.

    Text before the first ``X:`` (a file header, free text) belongs to no tune.

    >>> split_tunes("junk\\nX:1\\nK:C\\nC|\\nX:2\\nK:G\\nG|\\n")
    ['X:1\\nK:C\\nC|\\n', 'X:2\\nK:G\\nG|\\n']
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [match.start() for match in _TUNE_START.finditer(text)]
    return [text[start:end] for start, end in zip(starts, starts[1:] + [len(text)])]


def strip_comment(line: str) -> str:
    r"""Remove a ``%`` comment (an escaped ``\%`` is not one) and trailing spaces.

    >>> strip_comment("abc def | % second time")
    'abc def |'
    """
    match = re.search(r"(?<!\\)%", line)
    if match:
        line = line[: match.start()]
    return line.rstrip()


def parse_field_line(line: str) -> tuple[str, str] | None:
    """Return ``(letter, value)`` for a field line such as ``M: 6/8``, else None.

    >>> parse_field_line("M: 6/8")
    ('M', '6/8')
    >>> parse_field_line("B:|")  # a note B and an end repeat, not a field
    """
    match = _FIELD_LINE.match(line)
    if not match:
        return None
    return match.group(1), strip_comment(match.group(2)).strip()


def split_header_body(tune: str) -> tuple[list[str], list[str]]:
    """Split a tune into header lines (up to and including the first K:) and body lines.

    A tune without a K: line is all header.
    """
    lines = tune.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        field = parse_field_line(line.strip())
        if field and field[0] == "K":
            return lines[: index + 1], lines[index + 1 :]
    return lines, []


def music_lines(tune: str) -> list[str]:
    """A tune's music: its body lines without comments, and without the field lines inside it (K:, P:).

    >>> music_lines("X:1\\nK:G\\nGAB c2d| % A part\\nP:B\\ngfe dcB|]")
    ['GAB c2d|', 'gfe dcB|]']
    """
    return [strip_comment(line) for line in split_header_body(tune)[1] if not parse_field_line(line)]


def header_fields(tune: str) -> dict[str, str]:
    """Read a tune's header fields: the first value of each field letter.

    >>> header_fields("X: 3\\nT:First\\nT:Second\\nK: Dmix\\nabc|\\n")
    {'X': '3', 'T': 'First', 'K': 'Dmix'}
    """
    fields: dict[str, str] = {}
    header, _ = split_header_body(tune)
    for line in header:
        field = parse_field_line(line.strip())
        if field and field[0] not in fields:
            fields[field[0]] = field[1]
    return fields


# The blank line that ends a tune in ABC (and separates the tunes of a training stream).
TUNE_SEPARATOR = "\n\n"


def model_text(tune: str, header_order: str = MODEL_HEADER_ORDER) -> str:
    """A tune as the model sees it: its X: number is always 1, its header in ``header_order``.

    X: numbers are bookkeeping, not music; left in, a model spends capacity on
    them and cannot tell where an unusually short or long one ends. The sampler
    starts every tune from ``X:1`` and numbers the output in order.

    >>> model_text("X:231\\nT:Jig\\nR:jig\\nK:G\\nGAB|")
    'X:1\\nR:jig\\nT:Jig\\nK:G\\nGAB|'
    """
    return reorder_header(numbered(tune, 1), header_order)


def numbered(tune: str, number: int) -> str:
    """A tune with its X: line set to ``number``.

    >>> numbered("X:5\\nT:Jig", 12)
    'X:12\\nT:Jig'
    """
    return re.sub(r"\AX:[^\n]*", f"X:{number}", tune)


def with_title(tune: str, title: str) -> str:
    """The tune with its first ``T:`` line saying ``title`` (one is added after ``X:`` if it has none).

    >>> with_title("X:1\\nT:Old\\nT:Alias\\nK:G\\nGAB|", "New")
    'X:1\\nT:New\\nT:Alias\\nK:G\\nGAB|'
    >>> with_title("X:1\\nK:G\\nGAB|", "Named")
    'X:1\\nT:Named\\nK:G\\nGAB|'
    """
    title = " ".join(title.split())  # one line: a line break would start the music early
    header, body = split_header_body(tune)
    for index, line in enumerate(header):
        field = parse_field_line(line.strip())
        if field and field[0] == "T":
            header[index] = f"T:{title}"
            return "\n".join(header + body)
    at = 1 if header and header[0].startswith("X:") else 0
    return "\n".join(header[:at] + [f"T:{title}"] + header[at:] + body)


def with_note(tune: str, note: str) -> str:
    """The tune with an ``N:`` (notes) line saying ``note``, after its ``X:`` and ``T:`` lines.

    >>> with_note("X:3\\nT:Jig\\nK:G\\nGAB|", "seed 13")
    'X:3\\nT:Jig\\nN:seed 13\\nK:G\\nGAB|'
    """
    lines = tune.split("\n")
    at = next((index for index, line in enumerate(lines) if not line.startswith(("X:", "T:"))), len(lines))
    return "\n".join(lines[:at] + [f"N:{note}"] + lines[at:])


def reorder_header(text: str, order: str) -> str:
    """A tune (or the start of one) with its header field lines in ``order``; the rest unchanged.

    The header is the field lines before the music, up to the first K:; a last line
    without its line break may be unfinished, and stays where it is.

    >>> reorder_header("X:1\\nT:Air\\nM:3/4\\nK:D\\nABc|", "XMTK")
    'X:1\\nM:3/4\\nT:Air\\nK:D\\nABc|'
    >>> reorder_header("X:1\\nT:Air\\nM:3", "XMTK")
    'X:1\\nT:Air\\nM:3'
    """
    lines = text.split("\n")
    header: list[str] = []
    for line in lines[:-1]:
        field = parse_field_line(line)
        if not field or field[0] not in order:
            break
        header.append(line)
        if field[0] == "K":
            break
    ordered = sorted(header, key=lambda line: order.index(line[0]))
    return "\n".join(ordered + lines[len(header) :])


def default_unit_length(meter: str) -> str:
    """The unit note length ABC implies when L: is missing: 1/16 below 3/4, else 1/8.

    >>> default_unit_length("2/4"), default_unit_length("6/8"), default_unit_length("C")
    ('1/16', '1/8', '1/8')
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", meter)
    if match and int(match.group(1)) / int(match.group(2)) < 0.75:
        return "1/16"
    return "1/8"


def clean_tune(tune: str) -> str:
    """Clean a tune to the fields needed to play it and its unchanged music.

    The header keeps X, T, R, M, L, Q, K in that order (the first value of
    each, no space after the colon, K last); an L: implied by the meter is
    written out. Comments, lyrics, bibliographic and other fields, trailing
    spaces and blank lines are dropped. Music lines, and M:, K:, L:, Q: lines
    inside the music, are kept as they are.
    """
    fields = header_fields(tune)
    if "M" in fields and "L" not in fields:
        fields["L"] = default_unit_length(fields["M"])
    lines = [f"{letter}:{fields[letter]}" for letter in KEPT_HEADER_FIELDS if letter in fields]
    _, body = split_header_body(tune)
    for line in body:
        line = strip_comment(line)
        field = parse_field_line(line)
        if field and field[0] in KEPT_BODY_FIELDS:
            lines.append(f"{field[0]}:{field[1]}")
        elif line and not field:
            lines.append(line)
    return "\n".join(lines)


def join_tunes(tunes: list[str]) -> str:
    """Write tunes as a collection: each separated by exactly one blank line.

    >>> join_tunes(["X:1\\nK:C\\nC|", "X:2\\nK:G\\nG|"])
    'X:1\\nK:C\\nC|\\n\\nX:2\\nK:G\\nG|\\n'
    """
    return "\n\n".join(tune.strip("\n") for tune in tunes) + "\n"

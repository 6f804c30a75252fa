"""``abcrnn transpose``: move the tunes of an ABC file to another key."""

import sys

from abcrnn.errors import AbcrnnError
from abcrnn.text.transpose import Key, TransposeError, transpose_tune


def transpose(file: str, semitones: int | None = None, to: str | None = None, out: str | None = None) -> None:
    """Transpose every tune of an ABC file; a tune that cannot move is reported with its reason and left out.

    Args:
        file: the ABC file to read.
        semitones: how far to move, -24 to 24 (negative is down).
        to: move to this key instead (the nearest way, up or down): a tonic such as G or Bb moves the tonic
            there; a key with a mode such as Am or Edor moves each tune to that signature (a G tune to C).
        out: file to write (whole or not at all); default the terminal.
    """

    from abcrnn.text.abc import header_fields, join_tunes
    from abcrnn.files import read_tunes, write_atomic

    if (semitones is None) == (to is None):
        raise AbcrnnError("give either --semitones N or --to KEY")
    if semitones is not None and (isinstance(semitones, bool) or not isinstance(semitones, int)
                                  or not -24 <= semitones <= 24):  # fmt: skip
        raise AbcrnnError(f"--semitones must be a whole number from -24 to 24, got {semitones!r}")
    if to is not None:
        Key(str(to))  # an unknown key is one error, not one per tune
    moved = []
    for tune in read_tunes(file):
        try:
            moved.append(transpose_tune(tune, semitones or 0, to_key=None if to is None else str(to)))
        except TransposeError as error:
            fields = header_fields(tune)
            print(f"not transposed: X:{fields.get('X', '?')} {fields.get('T', '(untitled)')!r}: {error}",
                  file=sys.stderr)  # fmt: skip
    if not moved:
        raise AbcrnnError(f"no tune of {file} could be transposed")
    text = join_tunes(moved)
    if out:
        write_atomic(out, text)
        print(f"wrote {len(moved)} transposed tunes to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)

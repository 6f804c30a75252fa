"""``abcrnn chords``: guitar chords for the tunes of an ABC file, as a backer would play them."""

import sys

from abcrnn.errors import AbcrnnError


def chords(file: str, out: str | None = None, replace: bool = False) -> None:
    """Write guitar chords into every tune that has none: the key's chords, one or two a bar, cadences at part ends.

    The music itself is left as it is: only chord symbols ("G", "Em") are added, before the notes
    they fall on. A tune that cannot be harmonised (no key with a tonic, no full bar) is written
    unchanged and named. The MIDI of a chorded tune plays the chords as an accompaniment.

    Args:
        file: the ABC file to read.
        out: file to write (whole or not at all); default the terminal.
        replace: take out the chords a tune already has and choose new ones (without it, they are kept).
    """
    from abcrnn.files import read_tunes, write_atomic
    from abcrnn.text.abc import header_fields, join_tunes
    from abcrnn.text.chords import add_chords, has_chords

    tunes = read_tunes(file)
    written, counts = [], {"chorded": 0, "kept": 0, "failed": 0}
    for tune in tunes:
        if has_chords(tune) and not replace:
            written.append(tune)
            counts["kept"] += 1
            continue
        try:
            written.append(add_chords(tune, replace=replace))
            counts["chorded"] += 1
        except AbcrnnError as error:
            fields = header_fields(tune)
            print(f"no chords for X:{fields.get('X', '?')} {fields.get('T', '(untitled)')!r}: {error}", file=sys.stderr)
            written.append(tune)
            counts["failed"] += 1
    if not counts["chorded"] and not counts["kept"]:
        raise AbcrnnError(f"no tune of {file} could be given chords")
    text = join_tunes(written)
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)
    print(f"chords for {counts['chorded']} tunes; {counts['kept']} kept their own"
          + (f"; {counts['failed']} left as written" if counts["failed"] else "")
          + (f"; wrote {out}" if out else ""), file=sys.stderr)  # fmt: skip

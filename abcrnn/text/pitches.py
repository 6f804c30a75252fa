"""The pitch tables: note letters, their pitch classes, and the accidentals that move them.

ABC 2.1 4.1 (pitch) and 4.2 (accidentals) for the notes of the music; key fields (3.1.14)
and chord symbols (4.18) spell a root's sharp or flat after its letter instead (``F#m``, ``Bb``).
"""

LETTERS = "CDEFGAB"  # the note letters, in pitch order from C
NATURAL_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# What a sharp or flat after a key's or chord's letter adds (G#, Bb).
ACCIDENTAL_SHIFT = {"#": 1, "b": -1, "": 0}
# A note's accidental written before it, and the semitones it means.
ACCIDENTAL_TEXT = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}
ACCIDENTAL_VALUE = {text: value for value, text in ACCIDENTAL_TEXT.items()}


def pitch_class(letter: str, accidental: str = "") -> int:
    """The pitch class of a key's or chord's root: ``pitch_class("F", "#")`` is 6.

    >>> pitch_class("F", "#"), pitch_class("B", "b"), pitch_class("C")
    (6, 10, 0)
    """
    return (NATURAL_PITCH[letter] + ACCIDENTAL_SHIFT[accidental]) % 12


def key_tonic(key: str) -> tuple[str, str] | None:
    """The tonic a K: field's key names, as its letter and sharp or flat; None for ``none`` or no key.

    >>> key_tonic(" Gmix"), key_tonic("f#m"), key_tonic("Bb"), key_tonic("none")
    (('G', ''), ('F', '#'), ('B', 'b'), None)
    """
    key = key.strip()
    if not key[:1] or key[0].upper() not in LETTERS:
        return None
    return key[0].upper(), key[1] if key[1:2] in ("#", "b") else ""


def key_tonic_letter(key: str) -> str | None:
    """The letter a K: field's key names as its tonic (G for ``Gmix``)."""
    tonic = key_tonic(key)
    return tonic[0] if tonic else None


def tonic_pitch_class(key: str) -> int | None:
    """The pitch class of the tonic a K: field's key names, if it names one.

    >>> tonic_pitch_class("Ador"), tonic_pitch_class("F#m"), tonic_pitch_class("Bb"), tonic_pitch_class("none")
    (9, 6, 10, None)
    """
    tonic = key_tonic(key)
    return pitch_class(*tonic) if tonic else None


def dominant_letter(letter: str | None) -> str | None:
    """The letter a fifth above: D for G."""
    return LETTERS[(LETTERS.index(letter) + 4) % 7] if letter else None

"""The character vocabulary: the sorted character set of a corpus, and encode/decode.

>>> vocabulary = Vocabulary.from_text("X:1\\nabc|")
>>> vocabulary.decode(vocabulary.encode("abc|")) == "abc|"
True
>>> vocabulary.encode("abz")
Traceback (most recent call last):
abcrnn.errors.AbcrnnError: text has characters the model has never seen: 'z'
"""

from dataclasses import dataclass

import numpy as np

from abcrnn.errors import AbcrnnError


@dataclass(frozen=True)
class Vocabulary:
    """A fixed set of characters; a character's id is its position in ``characters``."""

    characters: str

    @classmethod
    def from_text(cls, text: str) -> "Vocabulary":
        """The vocabulary of every character that occurs in ``text``."""
        return cls("".join(sorted(set(text))))

    def extended(self, text: str) -> "Vocabulary":
        """This vocabulary with the characters of ``text`` it lacks added at the end, so every id keeps its character.

        >>> Vocabulary("abc").extended("cab!d").characters
        'abc!d'
        """
        return Vocabulary(self.characters + "".join(self.unknown_characters(text)))

    @property
    def size(self) -> int:
        return len(self.characters)

    def unknown_characters(self, text: str) -> list[str]:
        """The characters of ``text`` outside the vocabulary, sorted."""
        return sorted(set(text) - set(self.characters))

    def encode(self, text: str) -> np.ndarray:
        """Character ids of ``text``; an error names any character not in the vocabulary."""
        unknown = self.unknown_characters(text)
        if unknown:
            listed = " ".join(repr(character) for character in unknown)
            raise AbcrnnError(f"text has characters the model has never seen: {listed}")
        index = {character: position for position, character in enumerate(self.characters)}
        return np.fromiter((index[character] for character in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        """The text of a sequence of character ids."""
        return "".join(self.characters[int(i)] for i in ids)

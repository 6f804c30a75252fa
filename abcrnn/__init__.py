"""abcrnn: learn folk tunes written in ABC notation and write new ones.

The Python API is in ``abcrnn.api`` (see its examples): ``load_model``, ``sample``
(``compose`` adds the seed and notes), ``validate``, ``transpose``, ``chords``, ``midi``, ``musicxml`` and ``page``,
the same work the commands do.
"""

from abcrnn.api import Composed, Tune, chords, compose, load_model, midi, musicxml, page, sample, transpose, validate
from abcrnn.errors import AbcrnnError

__version__ = "0.1.0"
__all__ = ["AbcrnnError", "Composed", "Tune", "chords", "compose", "load_model", "midi", "musicxml", "page", "sample",
           "transpose", "validate", "__version__"]

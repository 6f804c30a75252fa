"""abcrnn: learn folk tunes written in ABC notation and write new ones."""

from abcrnn.errors import AbcrnnError

__version__ = "0.1.0"
__all__ = ["AbcrnnError", "__version__"]

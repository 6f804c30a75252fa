"""The ``abcrnn`` command: maps command names to library functions, nothing more.

Each command's help is its function's docstring. Library modules import
TensorFlow and music21 inside the functions that need them, so ``--help`` is fast.
"""

import os
import sys

# Set before anything can import TensorFlow, so users do not see its start-up noise.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from abcrnn.commands.chords import chords  # noqa: E402
from abcrnn.commands.corpus import build_corpus  # noqa: E402
from abcrnn.commands.arguments import check_command_line  # noqa: E402
from abcrnn.errors import AbcrnnError, UsageError  # noqa: E402
from abcrnn.commands.evaluate import evaluate  # noqa: E402
from abcrnn.commands.explain import explain  # noqa: E402
from abcrnn.commands.midi import render_midi  # noqa: E402
from abcrnn.commands.musicxml import musicxml  # noqa: E402
from abcrnn.commands.page import page  # noqa: E402
from abcrnn.commands.sample import sample  # noqa: E402
from abcrnn.commands.serve import serve  # noqa: E402
from abcrnn.commands.train import train  # noqa: E402
from abcrnn.commands.transpose import transpose  # noqa: E402
from abcrnn.commands.validate import validate  # noqa: E402

COMMANDS = {
    "corpus": build_corpus,
    "train": train,
    "sample": sample,
    "validate": validate,
    "midi": render_midi,
    "musicxml": musicxml,
    "chords": chords,
    "page": page,
    "explain": explain,
    "evaluate": evaluate,
    "transpose": transpose,
    "serve": serve,
}


def main(argv: list[str] | None = None) -> None:
    """Run one command; a bad command line exits 2 and other user errors 1, in one line; Ctrl-C exits 130."""
    import fire

    try:
        command_line = check_command_line(COMMANDS, sys.argv[1:] if argv is None else list(argv))
        fire.Fire(COMMANDS, command=command_line, name="abcrnn")
    except UsageError as error:
        print(f"abcrnn: error: {error}", file=sys.stderr)
        sys.exit(2)
    except AbcrnnError as error:
        print(f"abcrnn: error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("abcrnn: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # the output was piped into a command that stopped reading (head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":
    main()

"""``abcrnn corpus``: build a training corpus of one rhythm from music21's collections or your files."""

import sys

from abcrnn.bounded import DEFAULT_TIME_LIMIT
from abcrnn.training.corpus import DEFAULT_COLLECTIONS


def build_corpus(
    out: str = "corpora/jigs.abc",
    rhythm: str = "jig",
    collections: str = ",".join(DEFAULT_COLLECTIONS),
    inputs: str | None = None,
    valid_only: bool = False,
    verbose: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """Build a training corpus of one rhythm: cleaned, de-duplicated tunes music21 parses.

    Args:
        out: where to write the corpus (written whole or not at all).
        rhythm: jig, reel, hornpipe, slip jig, polka, strathspey, ... or any.
        collections: music21's shipped ABC collections to read, comma-separated.
        inputs: your own .abc files or folders, comma-separated; used instead of collections.
        valid_only: keep only tunes that pass `abcrnn validate` (bar lengths included).
        verbose: also list each tune dropped as a duplicate or of another rhythm.
        time_limit: seconds one tune may take to read; a slower one is dropped with that reason.
    """
    from abcrnn.errors import AbcrnnError
    from abcrnn.files import write_atomic
    from abcrnn.progress import progress_printer
    from abcrnn.text.abc import join_tunes
    from abcrnn.training.corpus import corpus_sources, select_corpus

    sources = corpus_sources(collections, inputs)
    selection = select_corpus(sources, rhythm, valid_only, time_limit, progress_printer(len(sources), "read files:"))
    print(f"read {len(selection.kept) + len(selection.dropped)} tunes from {len(sources)} files", file=sys.stderr)
    for reason, count in sorted(selection.drop_counts().items()):
        print(f"dropped {count}: {reason}", file=sys.stderr)
    for name, title, reason in selection.dropped:
        if verbose or reason not in ("other rhythm", "duplicate") and not reason.startswith("fails validation"):
            print(f"  dropped {name} {title!r}: {reason}", file=sys.stderr)
    if not selection.kept:
        raise AbcrnnError(f"no {rhythm} tunes found; nothing written to {out} (try --rhythm any)")
    write_atomic(out, join_tunes(selection.kept))
    print(f"kept {len(selection.kept)} {rhythm} tunes in {out}", file=sys.stderr)

"""Build a training corpus: the tunes of one rhythm, cleaned, de-duplicated, parseable.

``select_tunes`` is the pure core (text in, kept tunes and reasons out);
``build_corpus`` reads music21's shipped collections or the user's files and
writes the corpus atomically.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from abcrnn.text.abc import REQUIRED_FIELDS, clean_tune, header_fields, split_header_body, split_tunes
from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit, map_bounded
from abcrnn.errors import AbcrnnError
from abcrnn.files import as_list, find_abc_files, read_text_file, read_tunes, shipped_file
from abcrnn.text.parsing import parse_failure
from abcrnn.text.rhythms import matches_rhythm, rhythm_meter_key, rhythm_name, with_rhythm_name
from abcrnn.text.tokens import CHORD_SYMBOL, DECORATION, GRACE_NOTES, INLINE_FIELD, PLUS_DECORATION

DEFAULT_COLLECTIONS = ("oneills1850", "ryansMammoth")
# The corpus human tunes are compared with where none is named (``abcrnn evaluate --samples``).
REFERENCE_CORPUS = "jigs.abc"

# What a source tune must have (cleaning numbers every tune, so its X: may be missing).
SOURCE_FIELDS = tuple(letter for letter in REQUIRED_FIELDS if letter != "X")


@dataclass
class Selection:
    """The outcome of selecting tunes: those kept, and every dropped tune with its reason."""

    kept: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)  # (source, title, reason)

    def drop_counts(self) -> Counter:
        """How many tunes were dropped for each kind of reason."""
        return Counter(reason.split(":")[0] for _, _, reason in self.dropped)


def pitch_sequence(tune: str) -> str:
    """A tune's pitches (with accidentals and octave marks) and nothing else.

    Two transcriptions of one tune often differ in bar lines, unit note length,
    ornaments and spacing, but rarely in this.

    >>> pitch_sequence('K:D\\n"D"A2{g}B c/d/|!trill!e3 z ||')
    'ABcde'
    """
    # Read as the shipped corpora were de-duplicated: the lines joined, so that between two ! line breaks
    # (ABC 2.0) !...! is taken for a decoration and its notes are lost. The scan (``text.tokens``) keeps
    # them and finds one more duplicate in corpora/folk.abc (its X:3645 is X:3199 in another meter): read
    # so, the corpus would no longer rebuild as shipped, which the shipped model was trained on.
    _, body = split_header_body(tune)
    music = re.sub(f"{CHORD_SYMBOL}|{GRACE_NOTES}|{DECORATION}|{PLUS_DECORATION}|{INLINE_FIELD}", "", "".join(body))
    return "".join(re.findall(r"[_^=]*[A-Ga-g][,']*", music))


def duplicate_keys(tune: str, fields: dict[str, str]) -> set[str]:
    """Keys shared by two copies of one tune: its pitches, or its title words and opening.

    >>> sorted(duplicate_keys("K:G\\nGAB c2d|", {"T": "Grass, The"}))
    ['GABcd', 'grass|GABcd']
    """
    pitches = pitch_sequence(tune)
    title_words = sorted(set(re.findall(r"[a-z]+", fields.get("T", "").lower())) - {"the", "a"})
    opening = "".join(re.findall(r"[A-Ga-g]", pitches)[:24])
    return {pitches, " ".join(title_words) + "|" + opening}


def select_tunes(
    sources: list[tuple[str, str]],
    rhythm: str = "jig",
    check: Callable[[str], str | None] = lambda tune: None,
    progress: Callable[[int], None] | None = None,
) -> Selection:
    """Choose the clean, distinct, parseable tunes of one rhythm from collections.

    Args:
        sources: ``(name, text)`` for each collection file, in a fixed order.
        rhythm: the dance to keep (``jig``, ``reel``, ``slip jig``, ... or ``any``).
        check: returns None for a cleaned tune to keep, else the reason to drop it.
        progress: called with the number of sources done after each one.

    Returns:
        The kept tunes, renumbered ``X:1`` onwards, and the dropped ones with reasons.
    """
    selection, seen = Selection(), set()
    for done, (name, text) in enumerate(sources, start=1):
        for tune in split_tunes(text):
            fields = header_fields(tune)
            title = fields.get("T", "(untitled)")
            reason = _drop_reason(tune, fields, rhythm, seen, check)
            if reason:
                selection.dropped.append((name, title, reason))
                continue
            seen |= duplicate_keys(tune, fields)
            cleaned = with_rhythm_name(clean_tune(tune)).split("\n", 1)[1]
            selection.kept.append(f"X:{len(selection.kept) + 1}\n{cleaned}")
        if progress:
            progress(done)
    return selection


def _drop_reason(tune, fields, rhythm, seen, check) -> str | None:
    if not matches_rhythm(fields, rhythm):
        return "other rhythm"
    missing = [letter for letter in SOURCE_FIELDS if letter not in fields]
    if missing:
        return "missing field: " + ", ".join(f"{letter}:" for letter in missing)
    keys = duplicate_keys(tune, fields)
    if not pitch_sequence(tune):
        return "no music"
    if keys & seen:
        return "duplicate"
    return check(clean_tune(tune))


def checked_in_advance(sources, rhythm: str, check, time_limit: float) -> dict[str, str | None]:
    """``check`` of every cleaned tune of ``rhythm`` in ``sources``, on every core, each within ``time_limit``.

    ``select_tunes`` then looks the verdicts up: a tune music21 cannot read in
    time is dropped with that reason, and cannot stop the others.
    """
    from abcrnn.progress import progress_printer

    candidates = sorted({clean_tune(tune) for _, text in sources for tune in split_tunes(text)
                         if matches_rhythm(fields := header_fields(tune), rhythm)
                         and all(letter in fields for letter in SOURCE_FIELDS) and pitch_sequence(tune)})  # fmt: skip
    outcomes = map_bounded(check, candidates, time_limit, progress=progress_printer(len(candidates), "checked tunes:"))
    return {tune: outcome.error or outcome.value for tune, outcome in zip(candidates, outcomes)}


def music21_check(tune: str) -> str | None:
    """Keep tunes music21 parses."""
    failure = parse_failure(tune)
    return f"music21 cannot parse: {failure}" if failure else None


def validation_check(tune: str) -> str | None:
    """Keep only tunes that pass `abcrnn validate`."""
    from abcrnn.text.validate import error_kind, validate_tune

    errors = validate_tune(tune).errors
    return f"fails validation: {error_kind(errors[0])}" if errors else None


def collection_sources(collections: list[str]) -> list[tuple[str, str]]:
    """Read the named collections that ship inside music21's corpus folder."""
    import music21

    corpus_root = Path(music21.__file__).parent / "corpus"
    sources = []
    for name in collections:
        folder = corpus_root / name
        if not folder.is_dir() or name.startswith(("_", ".")):
            raise AbcrnnError(f"music21 ships no collection named {name!r}; try oneills1850 or ryansMammoth")
        sources += [(f"{name}/{path.name}", read_text_file(path)) for path in sorted(folder.glob("*.abc"))]
    return sources


def input_sources(inputs: list[str]) -> list[tuple[str, str]]:
    """Read the user's own ``.abc`` files and folders, refusing any without tunes."""
    sources = []
    for path in find_abc_files(inputs):
        sources.append((str(path), "".join(read_tunes(path))))
    return sources


def corpus_sources(collections: str = ",".join(DEFAULT_COLLECTIONS), inputs: str | None = None) -> list:
    """The files a corpus is read from: your ``inputs`` (files and folders) if given, else music21's collections."""
    paths = as_list(inputs)
    return input_sources(paths) if paths else collection_sources(as_list(collections))


def select_corpus(sources: list, rhythm: str = "jig", valid_only: bool = False,
                  time_limit: float = DEFAULT_TIME_LIMIT, progress=None) -> Selection:  # fmt: skip
    """The tunes of ``sources`` that make a corpus of ``rhythm`` (see ``abcrnn corpus``), and those dropped."""
    time_limit = check_time_limit(time_limit)
    check = validation_check if valid_only else music21_check
    verdicts = checked_in_advance(sources, str(rhythm), check, time_limit)
    return select_tunes(sources, rhythm=str(rhythm), check=verdicts.__getitem__, progress=progress)


def header_statistics(tunes: list[str]) -> dict[str, dict]:
    """How many tunes have each rhythm (``none`` without R:), each key, and each rhythm and meter together.

    A bundle records these for the corpus it was trained on; the sampler and
    `abcrnn evaluate --samples` read them. (Bundles trained before this also hold each
    rhythm's share of tunes ending on the tonic, which nothing reads.)

    >>> header_statistics(["X:1\\nR:Reel\\nM:C|\\nK:D\\nd|", "X:2\\nM:6/8\\nK:E minor\\ne|g|"])["rhythm_meters"]
    {'reel M:C|': 1, 'none M:6/8': 1}
    """
    from abcrnn.text.transpose import TransposeError, key_name

    rhythms, keys, pairs = Counter(), Counter(), Counter()
    for tune in tunes:
        fields = header_fields(tune)
        rhythm = rhythm_name(fields.get("R", "")) or "none"
        rhythms[rhythm] += 1
        pairs[rhythm_meter_key(rhythm, fields.get("M", "").replace(" ", ""))] += 1
        try:
            keys[key_name(tune)] += 1
        except TransposeError:
            keys["other"] += 1
    return {"rhythms": dict(rhythms), "keys": dict(keys), "rhythm_meters": dict(pairs)}


def load_corpus_tunes(path: str) -> list[str]:
    """Read an ABC file as cleaned tunes (as `abcrnn corpus` writes them) for training or scoring."""
    return [clean_tune(tune) for tune in read_tunes(path)]


def shipped_corpus(name: str = REFERENCE_CORPUS) -> Path:
    """A corpus shipped with abcrnn, ``corpora/NAME``, found from any folder (``files.shipped_file``)."""
    return shipped_file(f"corpora/{name}")

"""How good sampled tunes are, measured against the training corpus.

Well-formedness (music21 parses, validation passes, a closing bar line), form
(two or more parts), novelty (no run of 4 bars copied from a corpus tune) and
style (pitch-class and melodic-interval distributions close to the corpus's,
by Jensen-Shannon divergence, next to the divergence between two halves of the
corpus as a yardstick) and variety (the keys and rhythms, against the corpus's).
"""

from collections import Counter, defaultdict

import numpy as np

from abcrnn.text.abc import header_fields
from abcrnn.sampling.titles import title_names_another_rhythm
from abcrnn.text.bars import written_bars
from abcrnn.bounded import DEFAULT_TIME_LIMIT, map_bounded
from abcrnn.sampling.sample import CUT_MARK

COPIED_BARS = 4  # a sampled tune copying this many consecutive bars is not new


def bar_runs(bars: list[str], length: int = COPIED_BARS) -> set[tuple[str, ...]]:
    """Every run of ``length`` consecutive bars."""
    return {tuple(bars[i : i + length]) for i in range(len(bars) - length + 1)}


def novelty(samples: list[str], corpus: list[str]) -> list[dict]:
    """For each sampled tune: whether it copies 4+ bars, and its most similar corpus tune.

    Similarity is the share of the sampled tune's bars that also occur in the corpus tune; of corpus tunes that share
    as many, the first in the corpus is the closest (the same report for the same tunes, run after run).
    """
    corpus_bars = [written_bars(tune) for tune in corpus]
    runs = set().union(*(bar_runs(bars) for bars in corpus_bars))
    tunes_with_bar = defaultdict(set)
    for index, bars in enumerate(corpus_bars):
        for bar in bars:
            tunes_with_bar[bar].add(index)
    results = []
    for sample in samples:
        bars = written_bars(sample)
        shared = Counter(index for bar in set(bars) for index in tunes_with_bar.get(bar, ()))
        index, count = min(shared.items(), key=lambda item: (-item[1], item[0])) if shared else (None, 0)
        results.append({
            "copies_bars": bool(bar_runs(bars) & runs),
            "closest": header_fields(corpus[index]).get("T", "?") if index is not None else None,
            "shared_bars": count / max(1, len(set(bars))),
        })  # fmt: skip
    return results


def note_statistics(tune: str) -> tuple[Counter, Counter, dict | None]:
    """A tune's pitch-class and melodic-interval (semitones, -12..12) counts, and its ``form`` measures.

    The counts are empty and the measures None if music21 cannot parse it or finds no bars.
    """
    from abcrnn.sampling.form import cadence_measures, form_measures, score_bars
    from abcrnn.text.pitches import tonic_pitch_class
    from abcrnn.text.parsing import parse_abc

    try:
        score = parse_abc(tune)
        midi = [note.pitch.midi for note in score.flatten().notes if note.isNote]
        bars, part_ends = score_bars(score)
    except Exception:  # a tune music21 cannot parse adds nothing
        midi, bars, part_ends = [], [], []
    intervals = Counter(max(-12, min(12, b - a)) for a, b in zip(midi, midi[1:]))
    form = {**form_measures(bars, part_ends, tonic_pitch_class(header_fields(tune).get("K", ""))),
            **cadence_measures(tune)} if bars else None
    return Counter(pitch % 12 for pitch in midi), intervals, form


def mean_form(statistics: list[tuple[Counter, Counter, dict | None]]) -> dict:
    """Each ``form`` measure averaged over the tunes that have it (a share for ends_on_tonic; the part measures
    over the tunes of two or more parts)."""
    from abcrnn.sampling.form import MEASURES

    forms = [form for _, _, form in statistics if form]
    values = {name: [form[name] for form in forms if form.get(name) is not None] for name in MEASURES}
    return {name: float(np.mean(found)) if found else float("nan") for name, found in values.items()}


def summed(statistics: list[tuple[Counter, Counter, dict | None]]) -> tuple[Counter, Counter]:
    """Pitch-class and interval counts added up over many tunes."""
    pitch_classes, intervals = Counter(), Counter()
    for tune_pitch_classes, tune_intervals, _ in statistics:
        pitch_classes.update(tune_pitch_classes)
        intervals.update(tune_intervals)
    return pitch_classes, intervals


def js_divergence(first: Counter, second: Counter) -> float:
    """Jensen-Shannon divergence in bits between two histograms: 0 same, 1 disjoint.

    >>> js_divergence(Counter({1: 5}), Counter({1: 2})), js_divergence(Counter({1: 1}), Counter({2: 1}))
    (0.0, 1.0)
    >>> js_divergence(Counter({1: 5}), Counter())  # nothing to compare with
    nan
    """
    if not sum(first.values()) or not sum(second.values()):
        return float("nan")
    keys = sorted(set(first) | set(second))
    p = np.array([first[key] for key in keys], float)
    q = np.array([second[key] for key in keys], float)
    p, q = p / p.sum(), q / q.sum()
    middle = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float((a[mask] * np.log2(a[mask] / middle[mask])).sum())

    return round((kl(p) + kl(q)) / 2, 6)


def key_and_rhythm_counts(tunes: list[str]) -> tuple[Counter, Counter]:
    """How many tunes are in each key and of each rhythm (as the corpus names them; ``none`` without R:)."""
    from abcrnn.training.corpus import header_statistics

    statistics = header_statistics(tunes)
    return Counter(statistics["keys"]), Counter(statistics["rhythms"])


def parsed_note_statistics(tune: str) -> tuple[bool, tuple[Counter, Counter, dict | None]]:
    """Whether music21 parses the tune (with notes), and its ``note_statistics``."""
    from abcrnn.text.parsing import parse_failure

    return parse_failure(tune) is None, note_statistics(tune)


def quality_report(samples: list[str], corpus: list[str], progress=None,
                   time_limit: float = DEFAULT_TIME_LIMIT) -> dict:  # fmt: skip
    """The sample-quality figures for ``samples`` against the training ``corpus``.

    music21 reads each tune in a worker process within ``time_limit`` seconds; a
    tune it cannot read in time counts as not parsed, with no notes.
    """
    from abcrnn.text.bars import part_count
    from abcrnn.text.validate import ends_with_closing_bar, validate_tunes

    share = lambda flags: sum(flags) / len(flags)  # noqa: E731
    nothing = (False, (Counter(), Counter(), None))
    reports = validate_tunes(samples, time_limit=time_limit)
    found = novelty(samples, corpus)
    parsed = [outcome.value or nothing for outcome in map_bounded(parsed_note_statistics, samples, time_limit)]
    sample_pitches, sample_intervals = summed([statistics for _, statistics in parsed])
    per_corpus_tune = [outcome.value or nothing[1]
                       for outcome in map_bounded(note_statistics, corpus, time_limit, progress=progress)]  # fmt: skip
    corpus_pitches, corpus_intervals = summed(per_corpus_tune)
    order = np.random.default_rng(0).permutation(len(corpus))
    halves = [summed([per_corpus_tune[i] for i in order[part::2]]) for part in (0, 1)]
    sample_keys, sample_rhythms = key_and_rhythm_counts(samples)
    corpus_keys, corpus_rhythms = key_and_rhythm_counts(corpus)
    half_keys = [key_and_rhythm_counts([corpus[i] for i in order[part::2]])[0] for part in (0, 1)]
    return {
        "tunes": len(samples),
        "parse": share([parses for parses, _ in parsed]),
        "valid": share([report.valid for report in reports]),
        "closing_bar_line": share([ends_with_closing_bar(tune) for tune in samples]),
        "complete": share([ends_with_closing_bar(tune) and CUT_MARK not in tune for tune in samples]),
        "two_or_more_parts": share([part_count(tune) >= 2 for tune in samples]),
        "copies_4_bars": share([item["copies_bars"] for item in found]),
        "pitch_js": js_divergence(sample_pitches, corpus_pitches),
        "interval_js": js_divergence(sample_intervals, corpus_intervals),
        "pitch_js_corpus_halves": js_divergence(halves[0][0], halves[1][0]),
        "interval_js_corpus_halves": js_divergence(halves[0][1], halves[1][1]),
        "key_js": js_divergence(sample_keys, corpus_keys),
        "key_js_corpus_halves": js_divergence(*half_keys),
        "rhythm_js": js_divergence(sample_rhythms, corpus_rhythms),
        "keys": dict(sample_keys.most_common()),
        "corpus_keys": dict(corpus_keys.most_common()),
        "rhythms": dict(sample_rhythms.most_common()),
        "titles_another_rhythm": share([title_names_another_rhythm(tune) for tune in samples]),
        "corpus_titles_another_rhythm": share([title_names_another_rhythm(tune) for tune in corpus]),
        "form": mean_form([statistics for _, statistics in parsed]),
        "corpus_form": mean_form(per_corpus_tune),
        "per_tune": [
            {
                "x": header_fields(tune).get("X", "?"),
                "title": header_fields(tune).get("T", ""),
                "valid": report.valid,
                **item,
            }
            for tune, report, item in zip(samples, reports, found)
        ],  # fmt: skip
    }


FORM_LABELS = {
    "bars_return": "bars whose notes come back in the tune",
    "phrases_return": "two-bar phrases that come back",
    "ends_on_tonic": "tunes ending on the tonic",
    "parts_end_home": "parts ending on the tonic or dominant",
    "first_part_on_tonic": "first parts ending on the tonic (tunes of two or more parts)",
    "ends_as_first_part": "last parts ending where the first did",
    "closes_as_first_part": "last parts closing with the first part's last bar",
    "loops": "tunes playing a passage of 1, 2 or 4 bars three times running",
    "range": "range (semitones, mean)",
    "steps": "moves of a step or less (2 semitones)",
    "leaps": "moves of a fifth or more (7 semitones)",
}

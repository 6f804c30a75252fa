"""Which characters a sampled row may draw: the trims of top-k, top-p and the header, and redraws.

The sampler (``streams``) tempers the model's probabilities, then trims each row here: the
music by ``top_k`` and top-p, a header line only of the model's slips. Top-p holds a copy to
its course: where the tune's own past proposes the likeliest character (the copy memory,
``model.copying``), the characters outside the likeliest ``top_p`` of the probability are
not drawn, so a phrase that comes back comes back whole. In new material every character
may be drawn (``fresh_top_p`` 1.0): trimming there had cut the style's long tail, the leaps,
dotted rhythms and the flat seventh (README: "Trimming only where the tune repeats itself").

Where a rule refuses the character drawn (the bar guard's short bar, a run of spaces too
long), the row is drawn again without it.
"""

import numpy as np

# The longest run of spaces written. The corpus aligns a few tunes with runs of up to 75
# (0.2% of its runs are longer than 16); a model sampled below temperature 1 can stay in one
# until --max-chars, leaving a tune with no music.
LONGEST_SPACE_RUN = 16
# In header lines, a character under this share of the likeliest one's probability is a slip
# (K:Rdin), not one of the corpus's rarer keys or meters, and is never written.
HEADER_MIN_P = 0.02


def filter_probabilities(probabilities: np.ndarray, top_k: int = 0, top_p: float = 1.0,
                         min_p: float = 0.0) -> np.ndarray:  # fmt: skip
    """Keep each row's ``top_k`` likeliest characters, its smallest set holding ``top_p``, and those
    at least ``min_p`` times as likely as its likeliest.

    >>> filter_probabilities(np.array([[0.5, 0.3, 0.2]]), top_p=0.7).round(3).tolist()
    [[0.625, 0.375, 0.0]]
    >>> filter_probabilities(np.array([[0.5, 0.49, 0.01]]), min_p=0.05).round(3).tolist()
    [[0.505, 0.495, 0.0]]
    """
    keep = probabilities >= min_p * probabilities.max(axis=1, keepdims=True)
    if (top_k and top_k < probabilities.shape[1]) or top_p < 1.0:  # only these need the characters ranked
        order = np.argsort(-probabilities, axis=1)
        ranked = np.take_along_axis(probabilities, order, axis=1)
        ranked_keep = np.ones_like(ranked, dtype=bool)
        if top_k and top_k < probabilities.shape[1]:
            ranked_keep[:, top_k:] = False
        if top_p < 1.0:
            # A character stays if the likelier ones before it hold less than top_p.
            ranked_keep &= (np.cumsum(ranked, axis=1) - ranked) < top_p
        in_rank = np.empty_like(keep)
        np.put_along_axis(in_rank, order, ranked_keep, axis=1)
        keep &= in_rank
    kept = np.where(keep, probabilities, 0.0)
    return kept / kept.sum(axis=1, keepdims=True)


def trimmed(tempered: np.ndarray, in_header: np.ndarray, top_k: int, top_ps: np.ndarray) -> np.ndarray:
    """Top-k and each row's top-p (``top_ps``, from ``row_top_ps``) trim the music's rows; header rows lose only
    the model's slips, keeping the rarer keys."""
    rows_trimmed = np.empty_like(tempered)
    groups = [(~in_header & (top_ps == value), dict(top_k=top_k, top_p=float(value))) for value in np.unique(top_ps)]
    for rows, trim in groups + [(in_header, dict(min_p=HEADER_MIN_P))]:
        if rows.any():
            rows_trimmed[rows] = filter_probabilities(tempered[rows], **trim)
    return rows_trimmed


def row_top_ps(likeliest_repeats: np.ndarray | None, top_p: float, fresh_top_p: float, rows: int) -> np.ndarray:
    """Each row's top-p: ``top_p`` where the tune's own past proposes the likeliest character (it is repeating
    itself), ``fresh_top_p`` in new material; ``top_p`` everywhere for a model without a copy memory (None).

    >>> row_top_ps(np.array([True, False]), 0.95, 1.0, 2).tolist(), row_top_ps(None, 0.9, 1.0, 2).tolist()
    ([0.95, 1.0], [0.9, 0.9])
    """
    if likeliest_repeats is None:
        return np.full(rows, top_p)
    return np.where(likeliest_repeats, top_p, fresh_top_p)


def draw_without(tempered: np.ndarray, refused: list[int], rng, drawn: int, top_k: int, top_p: float) -> int:
    """Draw again from one row's tempered probabilities without the ``refused`` characters, trimmed as usual.

    A bar line the guard refuses was often all top-p left, so the draw starts before the trim. A space
    after a space is refused too (and a line break), so that the bar goes on with music, not padding.
    """
    kept = tempered.copy()
    kept[refused] = 0.0
    if kept.sum() <= 0:
        return drawn
    left = filter_probabilities(kept[None, :] / kept.sum(), top_k, top_p)[0]
    return min(int((np.cumsum(left) < rng.random()).sum()), len(kept) - 1)


def end_space_runs(probabilities: np.ndarray, texts: list[str], space: int) -> None:
    """Rule out another space where a stream already ends with the longest run the sampler writes."""
    for row, text in enumerate(texts):
        if text.endswith(" " * LONGEST_SPACE_RUN):
            probabilities[row, space] = 0
            probabilities[row] /= probabilities[row].sum()

"""Score an ABC file with a trained model: bits per character and per tune.

Tunes are cleaned as for training and each is scored from a fresh state, with
the end-of-tune blank line included (the model must learn where tunes end).
Characters the model has never seen cannot be fed to it; they are charged the
cost of a uniform guess among the vocabulary plus one ``unknown`` symbol, and
counted, rather than silently dropped.
"""

import math
import re

import numpy as np

from abcrnn.text.abc import TUNE_SEPARATOR, model_text
from abcrnn.text.tokens import BAR_CHARACTER


# What each scored character is: in the header, in a bar heard for the first time in the tune,
# or in a bar that repeats an earlier bar of the tune (its notes as written, spaces aside).
HEADER, FIRST_BAR, REPEATED_BAR = "header", "first-time bars", "repeated bars"
# Split at the bar line character, as the copy memory reads the model's bars (``model.copying``).
_BAR = re.compile(f"[^{re.escape(BAR_CHARACTER)}]*{re.escape(BAR_CHARACTER)}*")


def character_kinds(text: str) -> list[str]:
    """Each character's kind: header, first-time bar or repeated bar (a bar takes the bar line that ends it).

    >>> kinds = character_kinds("X:1\\nK:D\\nAB c|d2|AB c|")
    >>> "".join(kind[0] for kind in kinds)
    'hhhhhhhhffffffffrrrrr'
    """
    header_line = re.search(r"^K:.*$", text, re.MULTILINE)
    if not header_line:
        return [HEADER] * len(text)
    music_start = header_line.end() + 1
    kinds, seen = [HEADER] * music_start, set()
    for match in _BAR.finditer(text, music_start):
        written = re.sub(r"[\s|]", "", match.group(0))
        kinds += [REPEATED_BAR if written and written in seen else FIRST_BAR] * len(match.group(0))
        seen.add(written)
    return kinds[: len(text)]


def score_tunes(bundle, tunes: list[str], engine=None) -> dict:
    """Score tunes with a bundle's model (``engine``: its engine, where the caller has it already); return bits
    per char and tune, and unseen characters."""
    from abcrnn.model.engine import log_probabilities

    vocabulary = bundle.vocabulary
    # An unseen character is fed to the model as a space, the most neutral ABC character.
    stand_in = vocabulary.characters.index(" ") if " " in vocabulary.characters else 0
    known = {character: index for index, character in enumerate(vocabulary.characters)}
    unseen_cost = math.log(vocabulary.size + 1)
    sequences, unseen_masks, kinds = [], [], []
    for tune in tunes:
        text = model_text(tune, bundle.header_order) + TUNE_SEPARATOR
        sequences.append(np.array([known.get(character, stand_in) for character in text]))
        unseen_masks.append(np.array([character not in known for character in text[1:]]))
        kinds += character_kinds(text)[1:]
    scores = log_probabilities(engine or bundle.engine(), sequences)
    nats = -np.concatenate([np.where(mask, -unseen_cost, score) for score, mask in zip(scores, unseen_masks)])
    nats_per_tune = [-np.where(mask, -unseen_cost, score).sum() for score, mask in zip(scores, unseen_masks)]
    characters = sum(len(score) for score in scores)
    unseen = sorted({c for tune in tunes for c in tune if c not in known})
    kinds = np.array(kinds)
    by_kind = {kind: float(nats[kinds == kind].mean() / math.log(2)) if (kinds == kind).any() else float("nan")
               for kind in (HEADER, FIRST_BAR, REPEATED_BAR)}  # fmt: skip
    in_bars = np.isin(kinds, (FIRST_BAR, REPEATED_BAR))
    return {
        "bits_per_char_by_kind": by_kind,
        "repeated_share": float((kinds == REPEATED_BAR).sum() / max(1, in_bars.sum())),
        "tunes": len(tunes),
        "characters": characters,
        "bits_per_char": sum(nats_per_tune) / characters / math.log(2),
        "bits_per_tune": sum(nats_per_tune) / len(tunes) / math.log(2),
        "unseen_count": int(sum(mask.sum() for mask in unseen_masks)),
        "unseen_characters": unseen,
    }

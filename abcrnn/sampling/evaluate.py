"""Score an ABC file with a trained model: bits per character and per tune.

Tunes are cleaned as for training and each is scored from a fresh state, with
the end-of-tune blank line included (the model must learn where tunes end).
Characters the model has never seen cannot be fed to it; they are charged the
cost of a uniform guess among the vocabulary plus one ``unknown`` symbol, and
counted, rather than silently dropped.
"""

import math
import sys

import numpy as np

from abcrnn.bounded import DEFAULT_TIME_LIMIT, check_time_limit
from abcrnn.model.bundle import load_bundle
from abcrnn.training.corpus import load_corpus_tunes
from abcrnn.training.data import TUNE_SEPARATOR, model_text


def score_tunes(bundle, tunes: list[str]) -> dict:
    """Score tunes with a bundle's model; return bits per char and tune, and unseen characters."""
    from abcrnn.model.engine import log_probabilities

    vocabulary = bundle.vocabulary
    # An unseen character is fed to the model as a space, the most neutral ABC character.
    stand_in = vocabulary.characters.index(" ") if " " in vocabulary.characters else 0
    known = {character: index for index, character in enumerate(vocabulary.characters)}
    unseen_cost = math.log(vocabulary.size + 1)
    sequences, unseen_masks = [], []
    for tune in tunes:
        text = model_text(tune) + TUNE_SEPARATOR
        sequences.append(np.array([known.get(character, stand_in) for character in text]))
        unseen_masks.append(np.array([character not in known for character in text[1:]]))
    scores = log_probabilities(bundle.engine(), sequences)
    nats_per_tune = [-np.where(mask, -unseen_cost, score).sum() for score, mask in zip(scores, unseen_masks)]
    characters = sum(len(score) for score in scores)
    unseen = sorted({c for tune in tunes for c in tune if c not in known})
    return {
        "tunes": len(tunes),
        "characters": characters,
        "bits_per_char": sum(nats_per_tune) / characters / math.log(2),
        "bits_per_tune": sum(nats_per_tune) / len(tunes) / math.log(2),
        "unseen_count": int(sum(mask.sum() for mask in unseen_masks)),
        "unseen_characters": unseen,
    }


def evaluate(weights: str | None = None, corpus: str = "corpora/jigs.abc", samples: str | None = None,
             time_limit: float = DEFAULT_TIME_LIMIT) -> None:  # fmt: skip
    """Score an ABC file with a model (bits per character), or report on sampled tunes.

    Args:
        weights: model bundle folder (default: the shipped folk model, weights/folk).
        corpus: ABC file to score; tunes are cleaned as for training, each scored from a fresh state.
            With --samples: the training corpus the samples are compared with.
        samples: ABC file of sampled tunes: report how many parse, pass validation, end
            with a closing bar line, have two parts, copy 4+ bars of a corpus tune, and how
            close their pitches and intervals are to the corpus.
        time_limit: with --samples, seconds music21 may take to read one tune; a slower one counts as unreadable.
    """
    from abcrnn.model.bundle import default_weights

    tunes = load_corpus_tunes(corpus)
    if samples is not None:
        from abcrnn.files import read_tunes
        from abcrnn.progress import progress_printer
        from abcrnn.sampling.quality import print_quality_report, quality_report

        sampled = read_tunes(samples)
        print(f"comparing {len(sampled)} sampled tunes with {len(tunes)} tunes of {corpus}", file=sys.stderr)
        report = quality_report(sampled, tunes, progress_printer(len(tunes), "read corpus tunes:"),
                                check_time_limit(time_limit))  # fmt: skip
        print_quality_report(report)
        return
    weights = weights or default_weights()
    bundle = load_bundle(weights)
    print(f"scoring {len(tunes)} tunes from {corpus} with {weights}", file=sys.stderr)
    result = score_tunes(bundle, tunes)
    print(f"tunes: {result['tunes']}")
    print(f"characters: {result['characters']}")
    print(f"bits per char: {result['bits_per_char']:.3f}")
    print(f"bits per tune: {result['bits_per_tune']:.1f}")
    listed = " ".join(repr(c) for c in result["unseen_characters"])
    print(
        f"unseen characters: {result['unseen_count']}"
        + (f" ({listed}; each scored as a uniform guess)" if listed else "")
    )

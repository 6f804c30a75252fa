"""The model's own endings as a training signal (``abcrnn train --reward-endings``).

Trained on human tunes alone, the model ends its own tunes on the tonic about half the time,
against 82% of the corpus jigs, however its endings are weighted (``--ending-weight``): it
learns the cadence in the contexts human tunes give it, and its own tunes reach their ending
bars in other contexts. So here it learns from its own tunes too, as a policy gradient
(REINFORCE with a baseline, as in Jaques et al.'s RL Tuner for melody RNNs, with the corpus
as the anchor that keeps the style): each epoch samples tunes from the model as it stands
(``own_tunes``), and each first and last part's ending (its last bar, closing bar line and
what follows, as ``--ending-weight`` spans them) is rewarded 1 where its last note is the
key's tonic and 0 where not (``ending_rewards``). Its characters' loss weighs ``scale`` times
the reward less the epoch's mean reward for that kind of ending (``reward_weights``): an
ending that comes home is made likelier, one that does not less likely, and nothing changes
where all come home or none do. Every other character of a sampled tune weighs nothing (it
is read only so that the network reaches the ending in the state the tune gives it), and the
corpus tunes train beside them as usual. Two settings change that: ``--reward-anchor`` teaches
those other characters what the warm start would write there (``anchored_targets``), and
``--reward-home`` rewards the tune's own home instead of K:'s tonic, and ``--reward-return`` a last part
that closes with the first part's last bar, as most human jigs come home (``ending_rewards``).
"""

import numpy as np

from abcrnn.text.abc import TUNE_SEPARATOR, clean_tune, model_text
from abcrnn.text.bars import closes_as_first_part, home_letter, tonic_letter
from abcrnn.text.pitches import dominant_letter
from abcrnn.training.data import ending_spans


GOALS = {  # what ``ending_rewards`` rewards: as the training history's keys name it, and in words
    "tonic": ("on_tonic", "on the tonic"),
    "home": ("rewarded", "as rewarded (first on the tonic or dominant, last at home)"),
    "return": ("rewarded", "as rewarded (first on the tonic, last with the first part's last bar)"),
}


def reward_goal(settings: dict) -> str:
    """The goal (``GOALS``) a run's training settings choose: ``--reward-return``, ``--reward-home`` or the tonic."""
    return "return" if settings.get("reward_return") else "home" if settings.get("reward_home") else "tonic"


def ending_rewards(tune: str, goal: str = "tonic") -> list[tuple[int, int, str, float]]:
    """The rewarded endings of a tune: its first part's (where it has two or more) and its last part's, each as
    (start, end, "first" or "last", 1.0 if its last note is the tonic letter K: names else 0.0).

    With the goal ``home``, the tune's own home is the goal instead of K:'s tonic: the first part is rewarded for
    a cadence on K:'s tonic or its dominant, and the last for ending where the tune itself says it is at home
    (``bars.home_letter``: where the first part ended, unless on the dominant), so that a modal tune written
    with its parent key's signature is not sent to the parent's tonic. With ``return``, the last part is
    rewarded for closing with the first part's last bar as written (``bars.closes_as_first_part``; a tune of one part
    for its tonic, as a first part is): 68% of
    corpora/jigs.abc's tunes do, and so come home the way their first part did; the shipped model's own, 15%.

    >>> tune = "X:1\\nK:G\\n|:GAB dBG|ABc d3:|\\ngfe dBG|AGF G3|]\\n"
    >>> [(tune[start:end], kind, reward) for start, end, kind, reward in ending_rewards(tune)]
    [('ABc d3:|\\ng', 'first', 0.0), ('AGF G3|]\\n', 'last', 1.0)]
    >>> dorian = "X:1\\nK:G\\n|:EAA ABd|edB A3:|\\n|:eaa age|dBA A3:|\\n"
    >>> [[reward for *_, reward in ending_rewards(dorian, goal)] for goal in GOALS]
    [[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    >>> [reward for *_, reward in ending_rewards(dorian.replace("dBA A3", "edB A3"), "return")]
    [0.0, 1.0]
    >>> ending_rewards("X:1\\nK:none\\nGAB dBG|ABc d3|]\\n")
    []
    """
    tonic, spans = tonic_letter(tune), ending_spans(tune)
    if not tonic or not spans:
        return []
    goals = {"first": {tonic}, "last": {tonic}}
    if goal == "home":
        goals = {"first": {tonic, dominant_letter(tonic)}, "last": {home_letter(tune)}}
    chosen = ([(spans[0], "first")] if len(spans) > 1 else []) + [(spans[-1], "last")]
    rewards = [(start, end, kind, float(letter in goals[kind])) for (start, end, letter), kind in chosen]
    if goal == "return" and len(chosen) > 1:
        rewards[-1] = (*rewards[-1][:3], float(bool(closes_as_first_part(tune))))
    return rewards


def reward_weights(tunes: list[str], scale: float, goal: str = "tonic"):
    """Each tune's loss weights as a training chunk (``tune`` + the separator, as ``data.stream_chunks`` joins
    them, by that chunk's text), and each kind of ending's mean reward (the baseline; the share on the tonic).

    >>> home, away = "X:1\\nK:G\\nGAB dBG|AGF G3|]", "X:1\\nK:G\\nGAB dBG|AGF A3|]"
    >>> weights, baseline = reward_weights([home, away], 2.0)
    >>> [sorted(set(weights[tune + TUNE_SEPARATOR].tolist())) for tune in (home, away)], baseline
    ([[0.0, 1.0], [-1.0, 0.0]], {'last': 0.5})
    """
    rewarded = [ending_rewards(tune + TUNE_SEPARATOR, goal) for tune in tunes]  # with the tail: where the tune stops
    rewards: dict[str, list[float]] = {}
    for endings in rewarded:
        for _, _, kind, reward in endings:
            rewards.setdefault(kind, []).append(reward)
    baseline = {kind: float(np.mean(values)) for kind, values in sorted(rewards.items())}
    weights = {}
    for tune, endings in zip(tunes, rewarded):
        chunk_weights = np.zeros(len(tune) + len(TUNE_SEPARATOR), np.float32)
        for start, end, kind, reward in endings:
            chunk_weights[start:end] += scale * (reward - baseline[kind])
        weights[tune + TUNE_SEPARATOR] = chunk_weights
    return weights, baseline


def anchored_targets(start, vocabulary, weights: dict[str, np.ndarray], anchor: float, seed: int) -> dict:
    """Outside their endings, the model's own tunes teach what the warm start (``start``, an engine) would
    write there: each such character's target is drawn from the warm start's prediction at that point, and
    weighs ``anchor`` (``weights`` is changed in place). Returns each chunk's targets, its own ids at its
    endings (those that ``weights`` rewards) and the drawn ones elsewhere; the first character is its own.

    The expected gradient is that of the cross-entropy from the warm start's predictions to the model's (a KL
    anchor, as the RL Tuner's, but read from the warm start's whole prediction rather than from the one
    character sampled), so the music between the cadences keeps the warm start's mix of notes and rhythms
    while the endings learn from their rewards.
    """
    from abcrnn.model.engine import read_sequences

    rng = np.random.default_rng(seed)
    chunks = list(weights)
    ids = [vocabulary.encode(chunk) for chunk in chunks]
    gumbel = lambda log_probs, _: np.argmax(log_probs + rng.gumbel(size=log_probs.shape), axis=1)  # noqa: E731
    drawn = read_sequences(start, ids, gumbel, streams=256)
    targets = {}
    for chunk, own, guesses in zip(chunks, ids, drawn):
        free = np.ones(len(chunk), bool)  # outside the rewarded endings
        free[0] = False
        for start_at, end, _, _ in ending_rewards(chunk):
            free[start_at:end] = False
        targets[chunk] = np.where(free, np.concatenate([own[:1], guesses]), own)
        weights[chunk][free] = anchor
    return targets


class _Standing:
    """The network as it stands in training, as ``sample.sample_from`` reads a bundle."""

    def __init__(self, model, config, vocabulary, metadata: dict):
        from abcrnn.model.engine import Engine
        from abcrnn.model.model import model_weights

        self._engine = Engine.from_weights(model_weights(model, config), vocabulary.characters)
        self.vocabulary, self.header_order = vocabulary, metadata["training"]["header_order"]
        self.header_statistics = metadata.get("corpus", {}).get("headers")

    def engine(self):
        return self._engine


def own_endings(model, config, vocabulary, metadata: dict, seed: int, progress=None):
    """Tunes the network writes as it stands, as training chunks with their loss weights (``reward_weights``,
    with the settings ``metadata["training"]`` records), the targets that replace their own characters where
    ``--reward-anchor`` draws them from the warm start (``anchored_targets``; else none), and the share of their
    first and last parts that ended as rewarded (``reward_goal``).

    They are sampled from ``seed`` (``own_tunes``); ``progress`` is called with the tunes sampled so far.
    """
    from abcrnn.model.bundle import load_bundle

    settings = metadata["training"]
    standing = _Standing(model, config, vocabulary, metadata)
    tunes = own_tunes(standing, settings["reward_samples"], seed, progress)
    weights, baseline = reward_weights(tunes, settings["reward_endings"], reward_goal(settings))
    targets = {}
    if settings.get("reward_anchor") and settings.get("warm_start"):
        start = load_bundle(settings["warm_start"])  # with the model's vocabulary (``train`` checked it)
        targets = anchored_targets(start.engine(), vocabulary, weights, settings["reward_anchor"], seed)
    return weights, targets, baseline


def own_tunes(standing, n: int, seed: int, progress=None) -> list[str]:
    """``n`` tunes sampled as ``abcrnn sample --rhythm any --best-of 1`` samples them, the other settings at their
    defaults, read as the model reads a tune (``text.abc.model_text``); those cut at ``--max-chars`` are left out
    (their ending is not theirs)."""
    from abcrnn.sampling.sample import SampleSettings, sample_from

    sampled = sample_from(standing, SampleSettings(n=n, seed=seed, rhythm="any", best_of=1), progress)
    return [model_text(clean_tune(text), standing.header_order)
            for text, tune in zip(sampled.texts, sampled.tunes) if not tune.truncated]  # fmt: skip

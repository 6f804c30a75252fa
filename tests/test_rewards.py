"""Training on the model's own endings (``abcrnn train --reward-endings``, ``training/rewards.py``)."""

import numpy as np
import pytest
from conftest import DATA, TINY, TINY_ARGS, assert_one_line_error, run_cli

from abcrnn.commands.train import train
from abcrnn.model.bundle import load_bundle
from abcrnn.model.engine import log_probabilities
from abcrnn.training.rewards import ending_rewards, reward_weights

JIGS = str(DATA / "jigs120.abc")
HEADER = "X:1\nM:6/8\nL:1/8\nT:Tune {}\nK:G\n"  # the model's header order (X R M L Q T K)
OPENING = "|:GAB dBG|ABc d2B|GAB dBG|AGF "


def test_the_first_and_last_parts_endings_are_rewarded_by_their_last_note_and_a_first_ending_closes_no_part():
    tune = HEADER.format(1) + "|:GAB dBG|1 ABc d3:|2 ABc B3||\n|:gfe dBG|AGF A3:|\n"
    endings = ending_rewards(tune)
    assert [(tune[start:end], kind, reward) for start, end, kind, reward in endings] == [
        (" ABc B3||\n|", "first", 0.0), ("AGF A3:|\n", "last", 0.0)]
    assert [kind for *_, kind, _ in ending_rewards(HEADER.format(2) + "GAB dBG|AGF G3|]")] == ["last"]


def test_weights_are_the_reward_less_the_mean_of_its_kind_on_the_ending_and_nothing_elsewhere():
    tunes = [HEADER.format(n) + OPENING + final + "3:|" for n, final in enumerate("GGGA")]
    weights, shares = reward_weights(tunes, 4.0)
    assert shares == {"last": 0.75}
    home, away = weights[tunes[0] + "\n\n"], weights[tunes[3] + "\n\n"]
    assert np.allclose(home[home != 0], 4.0 * 0.25) and np.allclose(away[away != 0], -4.0 * 0.75)
    assert (home != 0).sum() == len("AGF G3:|\n\n") and home[: tunes[0].index("AGF G")].sum() == 0
    same, _ = reward_weights(tunes[:3], 4.0)  # all at home: nothing to learn
    assert not any(w.any() for w in same.values())


def _tonic_odds(bundle_path) -> float:
    """log P(G) - log P(A) for the last note of OPENING's fourth bar: a tonic ending against a supertonic one."""
    bundle = load_bundle(bundle_path)
    prefix = HEADER.format(0) + OPENING
    ids = [bundle.vocabulary.encode(prefix + final) for final in "GA"]
    home, away = (scores[-1] for scores in log_probabilities(bundle.engine(), ids))
    return float(home - away)


@pytest.mark.slow
def test_rewarded_endings_make_the_tonic_ending_likelier_than_the_corpus_alone_does(tiny_bundle, tmp_path, monkeypatch):
    """With the model's own tunes replaced by fixed ones (half ending on the tonic), a rewarded epoch raises the
    odds of the tonic ending against the other, compared with an epoch on the corpus alone from the same start."""
    import abcrnn.training.rewards

    own = [HEADER.format(n) + OPENING + "GA"[n % 2] + "3:|" for n in range(80)]
    monkeypatch.setattr(abcrnn.training.rewards, "own_tunes", lambda standing, n, seed, progress: own)
    settings = {**TINY, "learning_rate": 0.003}
    train(corpus=JIGS, out=str(tmp_path / "rewarded"), epochs=1, warm_start=str(tiny_bundle), reward_endings=20.0,
          **settings)  # fmt: skip
    train(corpus=JIGS, out=str(tmp_path / "corpus"), epochs=1, warm_start=str(tiny_bundle), **settings)
    start, rewarded, corpus = (_tonic_odds(path) for path in (tiny_bundle, tmp_path / "rewarded", tmp_path / "corpus"))
    assert rewarded - start > (corpus - start) + 0.5, (start, rewarded, corpus)
    row = load_bundle(tmp_path / "rewarded").history[0]
    assert row["own_last_parts_on_tonic"] == 0.5


@pytest.mark.slow
@pytest.mark.parametrize("home", [False, True])
def test_reward_epochs_sample_the_model_as_it_stands_and_keep_each_epoch(tiny_bundle, tmp_path, home):
    out = tmp_path / "own"
    result = run_cli("train", "--corpus", JIGS, "--out", str(out), "--warm-start", str(tiny_bundle), "--epochs", "2",
                     "--reward-endings", "2", "--reward-samples", "12", *(["--reward-home"] if home else []),
                     *TINY_ARGS)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("of the model's own tunes") == 2
    assert ("as rewarded (first on the tonic or dominant, last at home)" in result.stderr) == home
    bundle = load_bundle(out)
    assert len(bundle.history) == 2 and bundle.best_epoch == 2 and bundle.metadata["training"]["reward_endings"] == 2
    goal = "rewarded" if home else "on_tonic"
    assert {key for row in bundle.history for key in row if key.startswith("own_")} <= \
        {f"own_first_parts_{goal}", f"own_last_parts_{goal}"}  # fmt: skip


@pytest.mark.parametrize("option, value", [("--reward-endings", "-1"), ("--reward-samples", "0"), ("--reward-anchor", "-2")])
def test_bad_reward_options_are_refused_in_one_line(tmp_path, option, value):
    result = run_cli("train", "--corpus", JIGS, "--out", str(tmp_path / "x"), option, value, *TINY_ARGS)
    assert_one_line_error(result, option)


@pytest.mark.parametrize("option", [["--reward-home"], ["--reward-return"], ["--reward-anchor", "1"]])
def test_a_reward_option_without_reward_endings_is_refused_in_one_line_not_ignored(tmp_path, option):
    result = run_cli("train", "--corpus", JIGS, "--out", str(tmp_path / "x"), *option, *TINY_ARGS)
    assert_one_line_error(result, "--reward-endings")
    assert option[0] in result.stderr and not (tmp_path / "x").exists()


class _Always:
    """An engine that predicts id ``favourite`` with probability ``share`` and id 0 otherwise."""

    def __init__(self, favourite: int, share: float, size: int):
        self.favourite, self.share, self.size = favourite, share, size

    def initial_state(self, streams: int):
        return streams

    def step(self, ids, state):
        probabilities = np.full((len(ids), self.size), 1e-12)
        probabilities[:, 0], probabilities[:, self.favourite] = 1 - self.share, self.share
        return np.log(probabilities), state


def test_the_anchor_draws_targets_from_the_warm_start_outside_the_endings_and_keeps_the_endings_own():
    from abcrnn.model.vocabulary import Vocabulary
    from abcrnn.training.rewards import anchored_targets

    tunes = [HEADER.format(n) + OPENING + final + "3:|" for n, final in enumerate("GA")]
    vocabulary = Vocabulary.from_text("".join(tunes) + "\n\n")
    weights, _ = reward_weights(tunes, 2.0)
    endings = {chunk: weights[chunk] != 0 for chunk in weights}
    favourite = vocabulary.encode("z")[0] if "z" in vocabulary.characters else vocabulary.size - 1
    targets = anchored_targets(_Always(favourite, 0.75, vocabulary.size), vocabulary, weights, 0.5, seed=1)
    drawn = []
    for tune in tunes:
        chunk = tune + "\n\n"
        own, free = vocabulary.encode(chunk), ~endings[chunk]
        free[0] = False
        assert np.array_equal(targets[chunk][~free], own[~free])  # the endings and the first character: its own
        reward = -1.0 if tune[-4] == "A" else 1.0  # 2 x (1 - 0.5) at home, 2 x (0 - 0.5) away
        assert np.allclose(weights[chunk][free], 0.5) and np.allclose(weights[chunk][endings[chunk]], reward)
        assert set(targets[chunk][free].tolist()) <= {0, favourite}
        drawn += targets[chunk][free].tolist()
    assert abs(np.mean(np.equal(drawn, favourite)) - 0.75) < 0.1  # drawn as the warm start predicts


def _drift(start_path, model_path, tunes) -> float:
    """The mean KL divergence (nats per character) from the warm start's predictions to the model's over tunes."""
    from abcrnn.model.engine import read_sequences

    start, model = load_bundle(start_path), load_bundle(model_path)
    ids = [start.vocabulary.encode(tune + "\n\n") for tune in tunes]
    before, after = (read_sequences(bundle.engine(), ids, lambda log_probs, _: log_probs) for bundle in (start, model))
    return float(np.mean([(np.exp(b) * (b - a)).sum(axis=1).mean() for b, a in zip(before, after)]))


@pytest.mark.slow
def test_the_anchor_keeps_the_models_own_music_nearer_its_warm_starts(tiny_bundle, tmp_path, monkeypatch):
    """With the same fixed tunes as the model's own, an anchored epoch leaves the model's predictions over them
    nearer the warm start's than an epoch without the anchor does."""
    import abcrnn.training.rewards

    own = [HEADER.format(n) + OPENING + "GA"[n % 2] + "3:|" + "\n|:gfe dBG|AGF G3:|" * (n % 3) for n in range(80)]
    monkeypatch.setattr(abcrnn.training.rewards, "own_tunes", lambda standing, n, seed, progress: own)
    settings = {**TINY, "learning_rate": 0.003, "warm_start": str(tiny_bundle), "reward_endings": 1.0}
    train(corpus=JIGS, out=str(tmp_path / "anchored"), epochs=1, reward_anchor=2.0, **settings)
    train(corpus=JIGS, out=str(tmp_path / "free"), epochs=1, **settings)
    anchored, free = (_drift(tiny_bundle, tmp_path / name, own) for name in ("anchored", "free"))
    assert anchored < 0.7 * free, (anchored, free)


def test_the_anchor_needs_a_warm_start_that_reads_every_character_of_the_corpus(tiny_bundle, tmp_path):
    corpus = tmp_path / "more.abc"
    corpus.write_text(open(JIGS).read() + "\nX:999\nT:The Jaunting Car\nM:6/8\nL:1/8\nK:D\n|:d2j fed|Add fed:|\n")
    result = run_cli("train", "--corpus", str(corpus), "--out", str(tmp_path / "x"), "--warm-start", str(tiny_bundle),
                     "--reward-endings", "2", "--reward-anchor", "1", *TINY_ARGS)  # fmt: skip
    assert_one_line_error(result, "--reward-anchor")
    assert not (tmp_path / "x").exists()


def test_with_reward_home_a_modal_tune_is_rewarded_for_ending_where_it_began_not_on_its_signatures_tonic():
    dorian = HEADER.format(1) + "|:EAA ABd|edB A3:|\n|:eaa age|dBA {}3:|\n"
    home, sent_away = dorian.format("A"), dorian.format("G")  # the second ends on K:G's tonic, away from A
    rewards = {tune: [(kind, reward) for *_, kind, reward in ending_rewards(tune + "\n\n", "home")]
               for tune in (home, sent_away)}  # fmt: skip
    assert rewards == {home: [("first", 0.0), ("last", 1.0)], sent_away: [("first", 0.0), ("last", 0.0)]}
    assert [reward for *_, reward in ending_rewards(sent_away + "\n\n")] == [0.0, 1.0]  # K:'s tonic is rewarded
    half_cadence = HEADER.format(2) + OPENING + "D3:|\n|:gfe dBG|AGF G3:|\n"
    assert [reward for *_, reward in ending_rewards(half_cadence + "\n\n", "home")] == [1.0, 1.0]
    weights, shares = reward_weights([home, sent_away], 2.0, "home")
    assert shares == {"first": 0.0, "last": 0.5}


def test_with_reward_return_a_last_part_is_rewarded_for_closing_with_the_first_parts_last_bar():
    tune = HEADER.format(1) + "|:GAB dBG|1 ABc d3:|2 cBA G3||\n|:gfe dBG|{}:|\n"
    returning, new_close, same_note = (tune.format(bar) for bar in ("!roll!c BA G3", "AGF G3", "cBA B3"))
    rewards = [[reward for *_, reward in ending_rewards(t + "\n", "return")] for t in (returning, new_close, same_note)]
    assert rewards == [[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]]  # the first part (its second ending) ends on G
    assert [reward for *_, reward in ending_rewards(new_close + "\n")] == [1.0, 1.0]  # the tonic alone: both
    one_part = HEADER.format(2) + "GAB dBG|AGF {}3|]\n\n"  # its only part: rewarded for the tonic, as the first
    assert [[reward for *_, reward in ending_rewards(one_part.format(n), "return")] for n in "GA"] == [[1.0], [0.0]]
    _, shares = reward_weights([returning, new_close], 2.0, "return")
    assert shares == {"first": 1.0, "last": 0.5}


@pytest.mark.slow
def test_a_resumed_run_cannot_add_an_anchor_whose_warm_start_lacks_the_corpus_characters(tiny_bundle, tmp_path):
    corpus = tmp_path / "more.abc"
    corpus.write_text(open(JIGS).read() + "\nX:999\nT:The Jaunting Car\nM:6/8\nL:1/8\nK:D\n|:d2j fed|Add fed:|\n")
    out = tmp_path / "x"
    common = ["train", "--corpus", str(corpus), "--out", str(out), "--warm-start", str(tiny_bundle),
              "--reward-endings", "2", "--reward-samples", "10", *TINY_ARGS]  # fmt: skip
    assert run_cli(*common, "--epochs", "1").returncode == 0
    result = run_cli(*common, "--epochs", "2", "--resume", "--reward-anchor", "1")
    assert_one_line_error(result, "--reward-anchor")
    assert len(load_bundle(out).history) == 1

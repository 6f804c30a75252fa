import numpy as np
import pytest

from abcrnn.training.data import split_train_validation, stream_text, stream_windows
from abcrnn.errors import AbcrnnError
from abcrnn.model.vocabulary import Vocabulary


def test_vocabulary_is_sorted_and_round_trips():
    text = "X:1\nT:Jig\nK:D\nd2e fed|]\n"
    vocabulary = Vocabulary.from_text(text)
    assert list(vocabulary.characters) == sorted(set(text))
    assert vocabulary.decode(vocabulary.encode(text)) == text


def test_vocabulary_error_names_unknown_characters():
    vocabulary = Vocabulary.from_text("abc")
    with pytest.raises(AbcrnnError, match="'x' 'é'"):
        vocabulary.encode("abxéx")


def test_split_is_deterministic_and_by_whole_tunes():
    tunes = [f"X:{i}\nK:C\nC|" for i in range(50)]
    first = split_train_validation(tunes, 0.1, seed=3)
    assert first == split_train_validation(tunes, 0.1, seed=3)
    assert first != split_train_validation(tunes, 0.1, seed=4)
    train, validation = first
    assert len(validation) == 5 and not set(train) & set(validation)
    assert sorted(train + validation) == sorted(tunes)


def test_stream_text_shuffles_tunes_from_seed():
    tunes = [f"X:{i}\nK:C\nC|" for i in range(20)]
    assert stream_text(tunes, 1) == stream_text(tunes, 1) != stream_text(tunes, 2)
    assert sorted(stream_text(tunes, 1).split("\n\n")[:-1]) == sorted(tunes)


def test_stream_windows_continue_each_stream():
    ids = np.arange(1001)
    inputs, targets = stream_windows(ids, batch_size=4, seq_len=10)
    assert inputs.shape == targets.shape == (100, 10)
    windows = inputs.reshape(25, 4, 10)
    # Window k+1 of stream i starts where window k of stream i ended.
    assert np.all(windows[1:, :, 0] == windows[:-1, :, -1] + 1)
    assert np.all(targets == inputs + 1)


def test_stream_windows_refuses_text_smaller_than_a_batch():
    with pytest.raises(AbcrnnError, match="smaller than one batch"):
        stream_windows(np.arange(100), batch_size=16, seq_len=64)


def test_ending_weights_fall_on_each_parts_last_bar_and_the_choice_to_stop():
    from abcrnn.training.data import ending_weights

    tune = "X:1\nT:A|B\nK:G\nGAB|cde:|\n|:fga|bag|]\n\n"
    weights = ending_weights(tune, 4.0)
    weighted = "".join(character for character, weight in zip(tune, weights) if weight == 4.0)
    assert weighted == "cde:|\n|" + "bag|]\n\n"  # not the title's bar, nor a bar inside a part
    assert set(weights) == {1.0, 4.0}


def test_weighted_targets_line_up_with_the_targets_and_average_one():
    from abcrnn.training.data import stream_windows
    from abcrnn.training.train import _target_weights

    vocabulary = Vocabulary.from_text("X:1\nK:G\nGAB|cde:|\n|\n")
    chunks = ["X:1\nK:G\nGAB|cde:|\n\n"] * 8
    _, targets = stream_windows(vocabulary.encode("".join(chunks)), 2, 5)
    weights = _target_weights(chunks, 3.0, 2, 5)
    assert weights.shape == targets.shape and abs(weights.mean() - 1) < 0.05
    heavy = {vocabulary.characters[i] for i in targets[weights > 1]}
    assert heavy == set("cde:|\n") and not {"X", "K", "G", "A", "B"} & heavy

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, ROOT, assert_header_starts_resume, assert_one_line_error, run_cli

from abcrnn.text.abc import header_fields, split_header_body, split_tunes
from abcrnn.model.bundle import load_bundle
from abcrnn.model.engine import softmax
from abcrnn.sampling.streams import Drawing, cut_to_last_bar, sample_tunes


def test_engine_probabilities_equal_keras(tiny_bundle):
    from abcrnn.model.model import build_model, copy_weights

    bundle = load_bundle(tiny_bundle)
    keras_model = build_model(bundle.config, batch_size=1, seq_len=None)
    copy_weights(bundle.keras_model(), keras_model)
    text = (DATA / "jigs120.abc").read_text()[5000:5300]
    ids = bundle.vocabulary.encode(text)
    expected = np.asarray(keras_model(ids[None, :], training=False))[0]
    engine = bundle.engine()
    state, actual = engine.initial_state(1), []
    for character_id in ids:
        log_probs, state = engine.step(np.array([character_id]), state)
        actual.append(softmax(log_probs)[0])
    assert bundle.config.layers == 2 and len(actual) == 300
    np.testing.assert_allclose(np.array(actual), expected, atol=1e-5)


def test_same_seed_gives_same_tunes(tiny_bundle, tmp_path):
    outputs = []
    for seed, name in ((5, "a"), (5, "b"), (6, "c")):
        out = tmp_path / f"{name}.abc"
        result = run_cli("sample", "--weights", str(tiny_bundle), "--n", "4", "--seed", str(seed),
                         "--max-chars", "300", "--out", str(out))  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1] != outputs[2]


def test_each_tune_has_its_own_seed_and_is_made_again_from_it_alone(tiny_bundle):
    from abcrnn.api import compose

    bundle = load_bundle(tiny_bundle)
    batch = compose(4, model=bundle, seed=20, best_of=3, max_chars=300).tunes
    assert [tune.seed for tune in batch] == [20, 21, 22, 23]
    assert all(re.search(f"^N:seed {20 + number}$", tune.text, re.M) for number, tune in enumerate(batch))
    without_number = lambda text: re.sub(r"\AX:\d+\n", "", text)  # noqa: E731
    assert len({without_number(tune.text) for tune in batch}) == 4
    for tune in batch[1:3]:  # made beside three others, then alone (one stream of the engine, and its candidates)
        (alone,) = compose(1, model=bundle, seed=tune.seed, best_of=3, max_chars=300).tunes
        assert without_number(alone.text) == without_number(tune.text)


def test_sampled_tunes_are_numbered_and_forced_fields_hold(tiny_bundle, tmp_path):
    out = tmp_path / "forced.abc"
    result = run_cli("sample", "--weights", str(tiny_bundle), "--n", "5", "--seed", "1", "--key", "Dmix",
                     "--meter", "6/8", "--title", "Caf\u00e9 Jig", "--max-chars", "300", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    tunes = split_tunes(out.read_text())
    assert len(tunes) == 5
    for number, tune in enumerate(tunes, start=1):
        fields = header_fields(tune)
        assert fields["X"] == str(number)
        assert fields["M"] == "6/8" and fields["K"] == "Dmix" and fields["T"] == "Caf\u00e9 Jig"
    assert result.stderr.count("sampled tunes: 5/5") == 1  # where it ends, said once


def test_primer_starts_every_tune(tiny_bundle):
    bundle = load_bundle(tiny_bundle)
    primer = "X:1\nT:Primed\nM:6/8\nL:1/8\nK:G\nGAB"
    tunes = sample_tunes(bundle.engine(), bundle.vocabulary, 3, Drawing(max_chars=200), seed=2, primer=primer,
                         first_number=7)
    for number, tune in zip((7, 8, 9), tunes):
        assert tune.text.startswith(f"X:{number}\nT:Primed\nM:6/8\nL:1/8\nK:G\nGAB")


def test_max_chars_cuts_back_to_last_complete_bar(tiny_bundle):
    bundle = load_bundle(tiny_bundle)
    tunes = sample_tunes(bundle.engine(), bundle.vocabulary, 4, Drawing(temperature=3.0, max_chars=120), seed=3)
    truncated = [tune for tune in tunes if tune.truncated]
    assert truncated  # at temperature 3 a tiny model does not end a tune in 120 characters
    for tune in truncated:
        assert len(tune.text) <= 120
        assert tune.text.endswith("|") or tune.text.endswith("]") or "K:" not in tune.text


def test_cut_to_last_bar_keeps_repeats_and_header():
    assert cut_to_last_bar("X:1\nK:G\n|:GAB cBA:|dBG") == "X:1\nK:G\n|:GAB cBA:|"
    assert cut_to_last_bar("X:1\nT:a|b\nK:G\nGAB") == "X:1\nT:a|b\nK:G"


def test_sampling_never_imports_tensorflow(tiny_bundle):
    code = (
        "import sys; from abcrnn.cli import main\n"
        "try:\n"
        f"    main(['sample', '--weights', {str(tiny_bundle)!r}, '--n', '2', '--seed', '1', '--max-chars', '200'])\n"
        "finally:\n"
        "    assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "options, problem",
    [
        (["--primer", "X:1\nT:\u00fc\u00df"], "never seen: '\u00df' '\u00fc'"),
        (["--n", "0"], "--n must be"),
        (["--n", "-3"], "--n must be"),
        (["--temperature", "0"], "--temperature must be above 0"),
        (["--top-p", "1.5"], "--top-p must be in (0, 1]"),
        (["--top-p", "0"], "--top-p must be in (0, 1]"),
        (["--key", "H#"], "is not a key"),
        (["--header-temperature", "0"], "--header-temperature must be a number above 0"),
    ],
)
def test_bad_sampling_options_give_one_line_error(tiny_bundle, tmp_path, options, problem):
    out = tmp_path / "out.abc"
    result = run_cli("sample", "--weights", str(tiny_bundle), *options, "--out", str(out))
    assert_one_line_error(result, problem)
    assert not out.exists()


def test_missing_and_corrupt_bundles_give_one_line_error(tiny_bundle, tmp_path):
    assert_one_line_error(run_cli("sample", "--weights", str(tmp_path / "nothing")), "no model bundle")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for path in tiny_bundle.iterdir():
        (corrupt / path.name).write_bytes(path.read_bytes())
    (corrupt / "weights.npz").write_bytes(b"garbage")
    assert_one_line_error(run_cli("sample", "--weights", str(corrupt)), "corrupt or unreadable weights")
    (corrupt / "weights.npz").write_bytes(b"")
    assert_one_line_error(run_cli("sample", "--weights", str(corrupt)), "corrupt or unreadable weights")
    tunes = tmp_path / "tunes.abc"
    tunes.write_text("X:1\nT:One\nM:6/8\nL:1/8\nK:G\nGAB dBG|ABc d3|]\n")
    scored = run_cli("evaluate", "--weights", str(corrupt), "--corpus", str(tunes))
    assert_one_line_error(scored, "corrupt or unreadable weights")
    assert len(scored.stderr.strip().splitlines()) == 1, scored.stderr  # the error alone, no "scoring" first


@pytest.fixture(scope="module")
def rhythm_bundle(tmp_path_factory) -> Path:
    """A tiny model trained on 60 tunes of four rhythms, each with its R: field."""
    from conftest import TINY

    from abcrnn.commands.train import train

    out = tmp_path_factory.mktemp("bundles") / "rhythms"
    train(corpus=str(DATA / "rhythms60.abc"), out=str(out), epochs=3, **TINY)
    return out


def test_bundle_records_the_corpus_rhythms_and_keys(rhythm_bundle):
    headers = load_bundle(rhythm_bundle).header_statistics
    assert headers["rhythms"] == {"reel": 20, "jig": 20, "hornpipe": 10, "slip jig": 10}
    assert headers["rhythm_meters"]["slip jig M:9/8"] == 10 and sum(headers["keys"].values()) == 60


def test_rhythm_is_forced_and_unknown_rhythms_refused(rhythm_bundle, tmp_path):
    out = tmp_path / "reels.abc"
    result = run_cli("sample", "--weights", str(rhythm_bundle), "--n", "4", "--seed", "2", "--rhythm", "Reel",
                     "--max-chars", "300", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [header_fields(tune)["R"] for tune in split_tunes(out.read_text())] == ["reel"] * 4
    refused = run_cli("sample", "--weights", str(rhythm_bundle), "--rhythm", "polka", "--out", str(out))
    assert_one_line_error(refused, "never saw that rhythm", "hornpipe, jig, reel, slip jig")
    assert len(refused.stderr.strip().splitlines()) == 1  # not announced as sampling first


def test_a_forced_meter_gets_only_rhythms_the_corpus_has_in_it(rhythm_bundle):
    from abcrnn.sampling.sample import rhythm_chooser

    bundle = load_bundle(rhythm_bundle)
    choose = rhythm_chooser("any", {"M": "9/8"}, bundle.header_statistics)
    tunes = sample_tunes(bundle.engine(), bundle.vocabulary, 6, Drawing(max_chars=250), seed=4,
                         forced=choose(list(range(4, 10))))
    for tune in tunes:
        assert header_fields(tune.text).get("R") == "slip jig" and header_fields(tune.text)["M"] == "9/8"
    # "none" in the corpus: the R: field is left out, never sampled.
    headers = {"rhythm_meters": {"none M:3/4": 5, "reel M:C|": 9}}
    assert rhythm_chooser("any", {"M": "3/4"}, headers)([1, 2, 3]) == [{"M": "3/4", "R": ""}] * 3
    tunes = sample_tunes(bundle.engine(), bundle.vocabulary, 4, Drawing(max_chars=250), seed=5,
                         forced={"M": "3/4", "R": ""})
    assert all("R" not in header_fields(tune.text) and header_fields(tune.text)["M"] == "3/4" for tune in tunes)


class UniformEngine:
    """An engine that finds every character equally likely: what is sampled follows from the sampler alone."""

    def __init__(self, size: int):
        self.size = size

    def initial_state(self, n: int, break_loops: bool = False):
        from abcrnn.model.engine import State

        return State([(np.zeros((n, 1)), np.zeros((n, 1)))])

    def step(self, ids, state):
        return np.zeros((len(ids), self.size)), state


class HeaderLoopingEngine:
    """An engine that would write a header field again: at each header line's start M: (0.7) or K: (0.3),
    then the tune "GAB cBA|]"."""

    def __init__(self, characters: str):
        self.characters, self.texts = characters, []

    def initial_state(self, n: int, break_loops: bool = False):
        from abcrnn.model.engine import State

        self.texts += [""] * n  # each stream's text so far, found through its row's number in the state
        rows = np.arange(len(self.texts) - n, len(self.texts), dtype=float)[:, None]
        return State([(rows, rows)])

    def step(self, ids, state):
        log_probs = np.full((len(ids), len(self.characters)), -30.0)
        for row, (character, stream) in enumerate(zip(ids, state.lstm[0][0][:, 0].astype(int))):
            self.texts[stream] += self.characters[character]
            text = self.texts[stream]
            line = text[text.rfind("\n") + 1 :]
            if "\nK:G\n" in text:
                music = text[text.index("\nK:G\n") + 5 :]
                likely = {"GAB cBA|]\n\n"[min(len(music), 10)]: 1.0}
            elif line:
                likely = {"M:6/8\n"[len(line)] if line[0] == "M" else "K:G\n"[len(line)]: 1.0}
            else:
                likely = {"M": 0.7, "K": 0.3}
            for name, probability in likely.items():
                log_probs[row, self.characters.index(name)] = np.log(probability)
        return log_probs, state


def test_no_header_field_is_written_twice():
    """A model fine-tuned on a few tunes can write M: again; the sampler draws another field instead."""
    from abcrnn.model.vocabulary import Vocabulary

    vocabulary = Vocabulary.from_text("X:1\nM:6/8\nK:G\nGAB cBA|]\n")
    tunes = sample_tunes(HeaderLoopingEngine(vocabulary.characters), vocabulary, 20, Drawing(max_chars=200), seed=1)
    counts = [tune.text.count("M:") for tune in tunes]
    assert max(counts) == 1 and counts.count(1) > 5  # the engine alone writes two or more in half its tunes
    assert all(tune.text.endswith("K:G\nGAB cBA|]") for tune in tunes)


def test_header_temperature_applies_to_the_header_only(tiny_bundle, monkeypatch):
    import abcrnn.model.engine

    used = []
    real_softmax = abcrnn.model.engine.softmax
    recorded = lambda logits, t: used.append(t.ravel()[0]) or real_softmax(logits, t)  # noqa: E731
    monkeypatch.setattr(abcrnn.model.engine, "softmax", recorded)
    bundle = load_bundle(tiny_bundle)
    draw = lambda primer, forced: sample_tunes(  # noqa: E731
        UniformEngine(bundle.vocabulary.size), bundle.vocabulary, 1,
        Drawing(temperature=1.3, max_chars=400, header_temperature=0.2), seed=6, primer=primer, forced=forced)
    draw("X:1\nT:A\nM:6/8\nL:1/8\nK:G\n", {})  # the header is given: all music
    assert set(used) == {1.3}
    used.clear()
    tune = draw("X:1\nT:A\nM:6/8\nL:1/8\n", {"K": "G"})[0]  # the K: line still to come
    switch = used.index(1.3)
    assert switch >= len("X:1\nT:A\nM:6/8\nL:1/8\n") and set(used[:switch]) == {0.2} and set(used[switch:]) == {1.3}
    assert "\nK:G\n" in tune.text


def test_top_k_trims_the_music_but_not_the_header(tiny_bundle):
    """Header lines keep the corpus's rarer keys and titles: top-k and top-p apply to the music only."""
    bundle = load_bundle(tiny_bundle)
    tunes = sample_tunes(bundle.engine(), bundle.vocabulary, 12, Drawing(top_k=1, max_chars=300), seed=3)
    split = [split_header_body(tune.text) for tune in tunes]
    headers = ["\n".join(header[1:]) for header, _ in split]  # X: numbers aside
    assert len(set(headers)) > 1  # sampled from the whole distribution, not always the likeliest
    music = {}
    for header, (_, body) in zip(headers, split):
        music.setdefault(header, set()).add("\n".join(body))
    assert all(len(bodies) == 1 for bodies in music.values())  # the music is the likeliest given its header


def test_evaluate_reports_key_and_rhythm_divergence(tmp_path):
    samples = tmp_path / "samples.abc"
    reels = [tune for tune in split_tunes((DATA / "rhythms60.abc").read_text()) if header_fields(tune)["R"] == "reel"]
    samples.write_text("".join(reels))
    result = run_cli("evaluate", "--samples", str(samples), "--corpus", str(DATA / "rhythms60.abc"))
    assert result.returncode == 0, result.stderr
    rhythm_line = next(line for line in result.stdout.splitlines() if line.startswith("rhythm divergence"))
    assert float(rhythm_line.split()[4]) > 0.3  # all reels against a corpus of four rhythms
    assert "rhythms: reel 100%" in result.stdout and "key divergence from corpus:" in result.stdout



def test_a_candidate_started_where_its_tune_s_music_starts_goes_on_as_if_it_had_written_the_header():
    """best_of's later candidates start from the state the first candidate's draw recorded at the end of its header
    (``HeaderStart``); the shipped model has a copy gate (a context model: test_context)."""
    assert_header_starts_resume(load_bundle(ROOT / "weights" / "folk"))


def test_tunes_that_join_a_batch_or_stop_in_it_are_those_sampled_alone():
    """``refill`` adds tunes to a batch as others finish, and stops unwanted ones: an added tune is the tune its seed
    gives alone, and a stopped one is the start of that tune."""
    bundle = load_bundle(ROOT / "weights" / "folk")
    engine, vocabulary, order = bundle.engine(), bundle.vocabulary, bundle.header_order
    drawing = Drawing(max_chars=400)
    alone = {seed: sample_tunes(engine, vocabulary, 1, drawing, seed=[seed], header_order=order)[0].text.split(
        "\n", 1)[1] for seed in (1, 2, 3, 4, 5)}  # fmt: skip
    asked = []

    def refill(finished):
        asked.append([index for index, _ in finished])
        if len(asked) == 1:  # when the first tune finishes: two more join, and the tune still longest is stopped
            return [(4, {}, None), (5, {}, None)], [max((0, 1, 2), key=lambda index: len(alone[index + 1]))]
        return [], []

    tunes = sample_tunes(engine, vocabulary, 3, drawing, seed=[1, 2, 3], header_order=order, refill=refill)
    longest = max((0, 1, 2), key=lambda index: len(alone[index + 1]))
    assert len(tunes) == 5 and sorted(sum(asked, [])) == [index for index in range(5) if index != longest]
    for index, tune in enumerate(tunes):
        music = tune.text.split("\n", 1)[1]
        if index == longest:  # stopped: cut back to its last bar line
            assert tune.truncated and len(music) < len(alone[index + 1]) and alone[index + 1].startswith(music)
        else:
            assert music == alone[index + 1]

"""The copy mechanism: the tracker's proposals against a slow reading of the tune, and the engine against Keras."""

import re

import numpy as np
import pytest

from abcrnn.model.copying import (BARS_BACK, EARLIER_SOURCES, LONGEST_MATCH, MOST_PART_BARS, SKIPPED_AT_BAR_START, SOURCES,
                                  CopyTracker, copy_features)
from abcrnn.text.tokens import PART_END
from abcrnn.model.vocabulary import Vocabulary
from abcrnn.training.corpus import load_corpus_tunes
from abcrnn.text.abc import TUNE_SEPARATOR, model_text
from conftest import DATA, ROOT


def slow_proposals(music: str) -> list:
    """What each source proposes after ``music`` (a tune's music so far), read the obvious way."""
    proposals = [None] * len(SOURCES)
    for length in range(min(LONGEST_MATCH, len(music) - 1), 0, -1):
        suffix = music[len(music) - length :]
        earlier = music.rfind(suffix, 0, len(music) - 1)  # the most recent occurrence before this one
        if earlier >= 0:
            proposals[0] = music[earlier + length]
            break
    starts, skipped = [0], [""]
    for position, character in enumerate(music):
        empty = starts[-1] == position
        if character == "|" and not empty:
            starts.append(position + 1)
            skipped.append("")
        elif empty and (character == "|" or character in SKIPPED_AT_BAR_START):
            starts[-1] = position + 1
            skipped[-1] += character
    bar, offset = len(starts) - 1, len(music) - starts[-1]
    for column, back in enumerate(BARS_BACK, start=1):
        if bar - back >= 0 and starts[bar - back] + offset < len(music):
            proposals[column] = music[starts[bar - back] + offset]
    parts, places = slow_parts(music, starts, skipped)
    earlier = [k for k in range(bar) if parts[k] == parts[bar] - 1 and places[k] == places[bar]]
    if parts[bar] >= 1 and places[bar] < MOST_PART_BARS and earlier and starts[earlier[-1]] + offset < len(music):
        proposals[SOURCES.index("part")] = music[starts[earlier[-1]] + offset]
    return proposals


def slow_parts(music: str, starts: list[int], skipped: list[str]) -> tuple[list[int], list[int]]:
    """Each bar's part and place in it: parts close at PART_END (but ``::``, which starts no bar here), unless
    the next bar is an ending (``:|2``); a second ending takes the place of the first."""
    closes = [match.end() for match in re.finditer(PART_END, music) if match.group() != "::"]
    ending = [next((character for character in prefix if character.isdigit()), None) for prefix in skipped]
    effective = [close for close in closes
                 if not any(start >= close and ending[k] for k, start in enumerate(starts)
                            if start == min(s for s in starts + [len(music) + 1] if s >= close))]  # fmt: skip
    parts, places, first_ending = [], [], {}
    for k, start in enumerate(starts):
        part = sum(close <= start for close in effective)
        place = 0 if not parts or parts[-1] != part else places[-1] + 1
        if ending[k] == "1":
            first_ending[part] = place
        elif ending[k] and part in first_ending:
            place = first_ending[part]
        parts.append(part)
        places.append(place)
    return parts, places


def slow_features(text: str) -> list:
    """(proposals, runs) after each character of a tune; runs count a source's consecutive right proposals."""
    music_start = text.index("\n", text.index("\nK:") + 1) + 1
    rows, runs, before = [], [0] * len(SOURCES), [None] * len(SOURCES)
    for read in range(1, len(text) + 1):
        if read <= music_start:
            rows.append(([None] * len(SOURCES), [0] * len(SOURCES)))
            continue
        music = text[music_start:read]
        runs = [run + 1 if was == music[-1] else 0 for run, was in zip(runs, before)]
        proposals = slow_proposals(music)
        if proposals[0] is not None:  # the match's run is its length
            runs[0] = next(n for n in range(min(LONGEST_MATCH, len(music) - 1), 0, -1)
                           if music.rfind(music[len(music) - n :], 0, len(music) - 1) >= 0)  # fmt: skip
        rows.append((proposals, list(runs)))
        before = proposals
    return rows


@pytest.fixture(scope="module")
def tunes():
    texts = [model_text(tune) + TUNE_SEPARATOR for tune in load_corpus_tunes(str(DATA / "jigs120.abc"))[:10]]
    return texts, Vocabulary.from_text("".join(texts))


def test_proposals_and_runs_equal_a_slow_reading(tunes):
    from abcrnn.model.copying import run_buckets

    texts, vocabulary = tunes
    # Several tunes at once, in streams of different lengths, as training computes them.
    features = copy_features(vocabulary.characters, [vocabulary.encode(text) for text in texts], streams=3)
    compared = 0
    for text, (proposals, bands) in zip(texts, features):
        for position, (expected, runs) in enumerate(slow_features(text)):
            got = [vocabulary.characters[p] if b else None for p, b in zip(proposals[position], bands[position])]
            assert got == expected, (text[: position + 1][-30:], got, expected)
            available = np.array([e is not None for e in expected])
            assert bands[position].tolist() == run_buckets(available, np.array(runs)).tolist()
            compared += available.sum()
    assert compared > 5000  # the sources did propose


def test_a_repeated_bar_is_proposed_by_every_source_that_sees_it():
    text = "X:1\nK:D\nABc def|gfe dcB|ABc def|"
    vocabulary = Vocabulary.from_text(text + "\n")
    tracker = CopyTracker(vocabulary.characters, 1)
    for character in text:
        proposals, bands = tracker.feed(vocabulary.encode(character))
    # After the third bar, bar 2 comes back: gfe dcB.
    proposed = dict(zip(SOURCES, (vocabulary.characters[p] if b else None for p, b in zip(proposals[0], bands[0]))))
    assert proposed["bar-1"] == "A" and proposed["bar-2"] == "g" and proposed["bar-4"] is None
    assert proposed["match"] == "g"  # "ABc def|" was last followed by g


def test_the_part_before_proposes_its_bar_at_the_same_place_through_anacruses_and_endings():
    # The first part has a pickup bar and two endings; the second ends as the first's second ending does.
    first = "X:1\nK:G\nd|GAB dBG|1 ABc d2:|2 ABG G2||\n|:d|gfe dBG|"
    vocabulary = Vocabulary.from_text(first + "ABG G2:|\n")

    def proposed(text):
        tracker = CopyTracker(vocabulary.characters, 1)
        for character in text:
            proposals, bands = tracker.feed(vocabulary.encode(character))
        return {source: vocabulary.characters[p] for source, p, b in zip(SOURCES, proposals[0], bands[0]) if b}

    # Place 2 of the second part: the first part's second ending (it took the first ending's place; had
    # ``:|2`` closed a part, the second ending would be a part of its own, and place 2 of none).
    assert proposed(first + "AB")["part"] == "G" and proposed(first + "ABG G")["part"] == "2"
    assert proposed(first + "AB")["bar-4"] == "c"  # four bars back is the first ending
    assert "part" not in proposed(first[: first.index("||")])  # the first part has no part before it
    # A gate of an earlier bundle reads the first five sources only.
    tracker = CopyTracker(vocabulary.characters, 1, sources=EARLIER_SOURCES)
    assert all(len(array[0]) == EARLIER_SOURCES for array in tracker.feed(vocabulary.encode("X")))


def test_break_loops_proposes_no_third_playing_of_a_passage():
    once, twice = "X:1\nK:D\nABc def|gfe dcB|", "X:1\nK:D\nABc def|gfe dcB|ABc def|gfe dcB|"
    vocabulary = Vocabulary.from_text(twice + "\n")

    def proposing(text, break_loops):
        tracker = CopyTracker(vocabulary.characters, 1, break_loops=break_loops)
        for character in text:
            _, bands = tracker.feed(vocabulary.encode(character))
        return [source for source, band in zip(SOURCES, bands[0]) if band]

    # Played twice running: every source would start a third playing; with break_loops none does.
    assert proposing(twice, False) == ["match", "bar-1", "bar-2", "bar-4"] and proposing(twice, True) == []
    assert proposing(twice[:-3], True) == ["match", "bar-1", "bar-2"]  # the second playing may go on
    assert proposing(once, True) == proposing(once, False) == ["match", "bar-1", "bar-2"]
    # A figure shorter than MIN_LOOP may come round: "dBd dBd " is a 4-character figure twice.
    assert proposing("X:1\nK:D\ndBd dBd ", True) == ["match"]


def test_the_header_proposes_nothing_and_each_tune_starts_empty():
    text = "X:1\nT:ABc|ABc|\nK:D\n"
    vocabulary = Vocabulary.from_text(text)
    tracker = CopyTracker(vocabulary.characters, 2)
    for character in text:
        _, bands = tracker.feed(np.repeat(vocabulary.encode(character), 2))
        assert not bands.any()  # a title's bars are not music


def test_select_keeps_the_chosen_streams():
    text = "X:1\nK:D\nABc|ABc|"
    vocabulary = Vocabulary.from_text(text)
    tracker, alone = CopyTracker(vocabulary.characters, 3), CopyTracker(vocabulary.characters, 1)
    ids = vocabulary.encode(text)
    for position, character_id in enumerate(ids):
        if position == 5:
            tracker = tracker.select([2])
        both = tracker.feed(np.full(len(tracker.length), character_id))
        single = alone.feed(np.array([character_id]))
    assert all(np.array_equal(a, b) for a, b in zip(both, single))


def test_engine_with_a_copy_gate_equals_keras(copy_bundle):
    from abcrnn.model.bundle import load_bundle
    from abcrnn.model.model import build_model, copy_weights

    bundle = load_bundle(copy_bundle)
    assert bundle.config.copy
    model = build_model(bundle.config, batch_size=1, seq_len=None)
    copy_weights(bundle.keras_model(), model)
    text = model_text(load_corpus_tunes(str(DATA / "jigs120.abc"))[7]) + TUNE_SEPARATOR
    ids = bundle.vocabulary.encode(text)
    ((proposals, bands),) = copy_features(bundle.vocabulary.characters, [ids])
    assert (bands > 0).mean() > 0.5
    expected = np.asarray(model([ids[None], proposals[None].astype("int32"), bands[None].astype("int32")]))[0]
    engine, actual = bundle.engine(), []
    state = engine.initial_state(1)
    for character_id in ids:
        log_probs, state = engine.step(np.array([character_id]), state)
        actual.append(np.exp(log_probs[0]))
    np.testing.assert_allclose(np.array(actual), expected, atol=1e-5)
    # The gate does something: the same weights without it give other probabilities.
    assert np.abs(np.array(actual) - softmax_without_gate(engine, ids)).max() > 1e-4


def softmax_without_gate(engine, ids):
    state, out = engine.initial_state(1), []
    state.copy = None
    for character_id in ids:
        log_probs, state = engine.step(np.array([character_id]), state)
        out.append(np.exp(log_probs[0]))
    return np.array(out)


def test_the_engine_state_says_which_characters_the_tune_s_own_past_proposes(copy_bundle):
    from abcrnn.model.bundle import load_bundle

    bundle = load_bundle(copy_bundle)
    engine, characters = bundle.engine(), bundle.vocabulary.characters
    _, state = engine.feed(bundle.vocabulary.encode("X:1\nM:6/8\nK:G\nGAB c2d|GAB c")[None], engine.initial_state(1))
    # "GAB c" was followed by 2, and bar 1 back has 2 at this place: proposed; z nowhere.
    assert state.proposes(np.array([characters.index("2")])).tolist() == [True]
    assert state.proposes(np.array([characters.index("z")])).tolist() == [False]
    assert state.select([0, 0]).proposes(np.array([characters.index("2")] * 2)).tolist() == [True, True]
    plain = engine.initial_state(1)
    plain.copy = None
    _, plain = engine.step(np.array([0]), plain)
    assert plain.proposes(np.array([0])) is None  # no copy memory, nothing to say


def test_the_sampler_trims_only_where_the_tune_repeats_itself(monkeypatch):
    """With top-p tiny where the tune repeats itself, the sampler writes what the likeliest proposal says there;
    in new material (fresh_top_p 1.0) it draws from every character."""
    from abcrnn.model.bundle import load_bundle
    from abcrnn.sampling import streams
    from abcrnn.sampling.trimming import trimmed

    bundle = load_bundle(ROOT / "weights" / "folk")
    seen = []

    def recording(tempered, in_header, top_k, top_ps):
        kept = trimmed(tempered, in_header, top_k, top_ps)
        seen.extend(zip(top_ps[~in_header], (kept[~in_header] > 0).sum(axis=1)))
        return kept

    monkeypatch.setattr(streams, "trimmed", recording)
    streams.sample_tunes(bundle.engine(), bundle.vocabulary, 4, streams.Drawing(top_p=0.01, fresh_top_p=1.0,
                                                                                max_chars=400), seed=3)  # fmt: skip
    repeating = [count for top_p, count in seen if top_p == 0.01]
    new = [count for top_p, count in seen if top_p == 1.0]
    assert repeating and new and set(repeating) == {1}  # one character left where the tune repeats itself
    assert min(new) > 1  # every character the model gives a chance, in new material


def test_new_material_is_drawn_at_its_own_temperature(monkeypatch):
    """With --fresh-temperature, the rows where the tune's own past proposes the likeliest character are tempered
    at --temperature and the others (new material) at the fresh one; the header at its own."""
    from abcrnn.model import engine
    from abcrnn.model.bundle import load_bundle
    from abcrnn.sampling import streams
    from abcrnn.sampling.trimming import trimmed

    bundle = load_bundle(ROOT / "weights" / "folk")
    temperatures, seen, softmax = [], [], engine.softmax

    def recording_softmax(logits, temperature=1.0):
        temperatures.append(np.broadcast_to(temperature, (len(logits), 1))[:, 0].copy())
        return softmax(logits, temperature)

    def recording_trimmed(tempered, in_header, top_k, top_ps):
        seen.extend(zip(in_header, top_ps, temperatures[-1]))  # the last tempering of this step is the one drawn
        return trimmed(tempered, in_header, top_k, top_ps)

    monkeypatch.setattr(engine, "softmax", recording_softmax)
    monkeypatch.setattr(streams, "trimmed", recording_trimmed)
    drawing = streams.Drawing(temperature=0.5, top_p=0.9, fresh_top_p=1.0, fresh_temperature=2.0,
                              header_temperature=1.5, max_chars=400)  # fmt: skip
    streams.sample_tunes(bundle.engine(), bundle.vocabulary, 4, drawing, seed=3)
    by_kind = {}
    for in_header, top_p, temperature in seen:
        by_kind.setdefault("header" if in_header else "repeating" if top_p == 0.9 else "new", set()).add(temperature)
    assert by_kind == {"header": {1.5}, "repeating": {0.5}, "new": {2.0}}


def test_new_material_is_drawn_at_1_by_default_and_none_follows_the_temperature():
    from abcrnn.model.bundle import load_bundle
    from abcrnn.sampling.sample import SampleSettings, sample_from

    bundle = load_bundle(ROOT / "weights" / "folk")
    texts = {fresh: sample_from(bundle, SampleSettings(n=3, seed=5, best_of=1, fresh_temperature=fresh)).texts
             for fresh in (None, 0.9, 1.0)}  # fmt: skip
    default = sample_from(bundle, SampleSettings(n=3, seed=5, best_of=1)).texts
    assert default == texts[1.0]  # unset, new material is drawn as the model has it
    assert texts[None] == texts[0.9]  # None: at --temperature (0.9)
    assert texts[1.0] != texts[None]

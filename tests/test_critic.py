"""The critic of --best-of and the musician's measures it shares with `abcrnn evaluate --samples`."""

import pytest

from abcrnn.sampling.critic import critic_score, ranked
from abcrnn.sampling.best_of import best_of
from abcrnn.sampling.sample import SampleSettings
from abcrnn.sampling.streams import SampledTune
from conftest import ROOT, assert_one_line_error, run_cli

from abcrnn.training.corpus import load_corpus_tunes

HOME = "X:1\nT:Home\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB d2B|GAB cBA|GAB G3|]"  # bars return, ends on G
AWAY = "X:1\nT:Away\nM:6/8\nL:1/8\nK:G\nGAB cBA|dBG AFD|ege dBA|GAB A3|]"  # no bar returns, ends on A
BROKEN = "X:1\nT:Broken\nM:6/8\nL:1/8\nK:G\nGAB cBA|GAB c|GAB G3|]"  # bar 2 is 4/8 long


def test_the_critic_prefers_a_tune_that_comes_home_and_repeats():
    assert critic_score(HOME, -1.0) > critic_score(AWAY, -1.0)


def test_home_is_where_the_tune_itself_says_not_a_quota():
    """A Dorian tune under K:G ends at home on A, where its first part ends; sent to G it would not."""
    dorian = "X:1\nT:Dorian\nM:6/8\nL:1/8\nK:G\n|:EAA ABd|edB A3:|\n|:eaa age|dBA {}:|"
    at_home, on_g = dorian.format("A3"), dorian.format("G3")
    assert critic_score(at_home, -1.0) > critic_score(on_g, -1.0)
    candidates = [SampledTune(on_g, log_likelihood=-0.5 * 60, chosen=60), SampledTune(at_home, log_likelihood=-60,
                                                                                       chosen=60)]  # fmt: skip
    assert ranked(candidates) == [1, 0]  # the likelier candidate that ends away loses
    # And one whose first part ends on the tonic is at home only there.
    major = "X:1\nT:Major\nM:6/8\nL:1/8\nK:G\n|:GAB dBG|AGF G3:|\n|:gfe dBG|AGF {}:|"
    assert critic_score(major.format("G3"), -1.0) > critic_score(major.format("A3"), -1.0)


def test_a_cut_tune_ranks_below_every_complete_one():
    candidates = [SampledTune(HOME, truncated=True, log_likelihood=-1, chosen=10),
                  SampledTune(AWAY, log_likelihood=-20, chosen=10)]  # fmt: skip
    assert ranked(candidates) == [1, 0]


def test_a_tune_whose_endings_go_nowhere_ranks_below_one_whose_endings_do():
    from abcrnn.text.endings import ending_errors

    header = "X:1\nT:Ends\nR:jig\nM:6/8\nL:1/8\nK:G\n"
    good = header + "|:GAB c2d|e2d cBA|1 GAB c2B:|2 GAB G3|]"
    again = header + "|:GAB c2d|e2d cBA|1 GAB c2B:|\n|:GAB c2d|1 e2d cBA:|\nGAB G3|]"
    assert ending_errors(good) == [] and ending_errors(again) == [
        "ending 1 again before a second ending", "a first ending with no second"]
    # However much likelier the model finds it.
    candidates = [SampledTune(again, log_likelihood=-1, chosen=10), SampledTune(good, log_likelihood=-20, chosen=10)]
    assert ranked(candidates) == [1, 0]


def test_ending_errors_are_rare_in_the_corpus_and_none_in_the_jigs():
    from abcrnn.text.endings import ending_errors

    folk = load_corpus_tunes(str(ROOT / "corpora" / "folk.abc"))
    assert sum(bool(ending_errors(tune)) for tune in folk) == 1  # Calisthenic Hornpipe: an unnumbered 2nd ending
    assert not any(ending_errors(tune) for tune in load_corpus_tunes(str(ROOT / "corpora" / "jigs.abc")))


def batch_sampler(write, joins=None):
    """A stand-in for ``streams.sample_tunes``: the tunes it is given all finish at once, then those its ``refill``
    asks for join, and so on; ``write(seed, fields)`` writes each tune, and ``joins`` records each join's seeds and
    fields. It serves as ``draw`` (``sampler(seeds, None, refill)``) and as ``sample_with``."""

    def sample(seeds, fields=None, progress=None, starts=None, refill=None):
        tunes, given = [], list(zip(seeds, fields or [None] * len(seeds)))
        while given:
            if joins is not None:
                joins.append(given)
            new = [write(seed, field) for seed, field in given]
            tunes += new
            more, _ = refill(list(enumerate(new, start=len(tunes) - len(new)))) if refill else ([], [])
            given = [(seed, field) for seed, field, _ in more]
        return tunes

    return sample


def as_draw(sample):
    return lambda seeds, progress, refill=None: sample(seeds, None, progress, None, refill)


def test_best_of_draws_more_only_for_tunes_without_an_acceptable_candidate_and_keeps_the_first():
    likelier_home = HOME.replace("T:Home", "T:Likelier")

    def write(seed, fields):  # each tune's first candidate broken, though the model loves it; then away, home...
        if fields is None:
            return SampledTune(BROKEN.replace("T:Broken", f"T:Broken {seed - 1}"), log_likelihood=5.0, chosen=10)
        texts = {1: AWAY, 2: HOME, 3: likelier_home}
        return SampledTune(texts.get(seed[1], AWAY), log_likelihood=-10.0 + seed[1], chosen=10)

    joins = []
    sample = batch_sampler(write, joins)
    kept = best_of(as_draw(sample), sample, 8, time_limit=30)([1, 2], progress=None)
    # The broken first candidates look acceptable until validated; then, as few tunes wait, each gets all its
    # other candidates at once (a batch has 16 streams or more); a tune's candidates come from its own seed.
    assert [[seed for seed, _ in join] for join in joins] == [[1, 2], [(1, c) for c in range(1, 8)] + [
        (2, c) for c in range(1, 8)]]  # fmt: skip
    assert [fields["T"] for _, fields in joins[1]] == ["Broken 0"] * 7 + ["Broken 1"] * 7
    # The first acceptable candidate is kept, not the likeliest: valid and at home, candidate 2.
    assert [tune.text.split("\n")[:2] for tune in kept] == [["X:1", "T:Home"], ["X:2", "T:Home"]]
    assert all(tune.errors == [] for tune in kept) and [tune.seed for tune in kept] == [1, 2]


def test_the_tune_best_of_keeps_for_a_seed_does_not_depend_on_the_tunes_drawn_beside_it():
    """Alone a tune gets its other candidates at once; among 40 it gets one or two at a time, as the batch has room."""

    def write(seed, fields):  # at home for some (seed, candidate) pairs, away for the others
        seed, number = (seed, 0) if fields is None else seed
        home = (seed * 7 + number * 3) % 5 == 0
        return SampledTune((HOME if home else AWAY).replace("T:", f"T:{seed}.{number} "), log_likelihood=-1.0,
                           chosen=10)  # fmt: skip

    joins = []
    sample = batch_sampler(write, joins)
    together = best_of(as_draw(sample), sample, 8, time_limit=30)(list(range(40)), progress=None)
    # A fifth of the tunes is at home each time: 32 wait and join one each, then 24, then 16 two each.
    assert [len(join) for join in joins] == [40, 32, 24, 32]
    for seed, kept in zip(range(40), together):
        joins.clear()
        (alone,) = best_of(as_draw(sample), sample, 8, time_limit=30)([seed], progress=None)
        assert alone.text.split("\n")[1] == kept.text.split("\n")[1]
        assert [len(join) for join in joins] == ([1, 7] if seed % 5 else [1])
    # The first candidate at home is kept.
    assert together[0].text.split("\n")[1].startswith("T:0.0 ") and together[1].text.split("\n")[1].startswith(
        "T:1.1 ")


def test_best_of_with_no_acceptable_candidate_keeps_the_critics_first_valid_one():
    def write(seed, fields):  # first broken; then ending away from home (on A): valid, never acceptable
        return SampledTune(BROKEN if fields is None else AWAY, log_likelihood=5.0 if fields is None else -10.0,
                           chosen=10)  # fmt: skip

    sample = batch_sampler(write)
    (kept,) = best_of(as_draw(sample), sample, 3, time_limit=30)([7], progress=None)
    assert kept.text.split("\n")[:2] == ["X:1", "T:Away"] and kept.errors == [] and kept.seed == 7


def test_best_of_samples_fresh_headers_after_a_first_candidate_whose_header_lacks_a_field():
    """A fine-tuned model can write a title into R: and go straight on to K:; that header is not set again."""
    headless = "X:1\nR:Brautlied, S. 18\nK:G\nGAB cBA|GAB G3|]"  # no T:, no M:
    asked = []

    def write(seed, fields):
        if fields is None:
            return SampledTune(headless, log_likelihood=-1.0, chosen=10)
        asked.append(fields)
        return SampledTune(HOME if len(asked) > 1 else AWAY, log_likelihood=-1.0, chosen=10)

    sample = batch_sampler(write)
    (kept,) = best_of(as_draw(sample), sample, 4, time_limit=30, fresh_fields=lambda seed: {"R": f"rhythm of {seed}"})(
        [7], progress=None)
    assert asked == [{"R": "rhythm of 7"}] * 3  # the rhythm the first was given, and nothing of its broken header
    assert kept.text.split("\n")[1] == "T:Home" and kept.errors == []


@pytest.mark.parametrize("value, message", [(0, "--best-of must be a whole number"), (2.5, "--best-of must be")])
def test_bad_best_of_is_refused(value, message):
    with pytest.raises(Exception, match=message):
        SampleSettings(best_of=value)


@pytest.mark.parametrize("value, message", [("0", "--best-of must be a whole number"), ("x", "takes a whole number")])
def test_bad_best_of_on_the_command_line_writes_nothing(value, message, tmp_path):
    result = run_cli("sample", "--n", "1", "--best-of", value, "--out", str(tmp_path / "s.abc"))
    assert_one_line_error(result, message)
    assert not (tmp_path / "s.abc").exists()


def test_the_musicians_measures_of_a_known_tune():
    from abcrnn.sampling.quality import note_statistics

    _, _, home = note_statistics(HOME)
    _, _, away = note_statistics(AWAY)
    assert home["bars_return"] == 0.5 and home["ends_on_tonic"] and home["parts_end_home"] == 1.0
    assert away["bars_return"] == 0.0 and not away["ends_on_tonic"] and away["phrases_return"] == 0.0
    assert home["range"] == 74 - 67 and home["phrases_return"] == 0.0  # G4 to D5


def test_the_critic_prefers_returning_phrases_to_a_loop_on_one_bar():
    loop = "X:1\nT:Loop\nM:6/8\nL:1/8\nK:G\nGAB cAF|GAB cAF|GAB cAF|GAB G3|]"
    assert critic_score(HOME, -1.0) > critic_score(loop, -1.0)


def test_the_part_cadence_measures_count_only_tunes_of_two_parts():
    from abcrnn.sampling.quality import mean_form, note_statistics

    modal = "X:1\nT:Modal\nM:6/8\nL:1/8\nK:G\n|:EAA ABc|1 BAG E3:|2 BAG A3||\n|:eaa age|dBG A3:|"
    drifting = "X:2\nT:Drift\nM:6/8\nL:1/8\nK:G\n|:GAB dBG|cBA G3:|\n|:gfe dBG|cBA B3:|"
    one_part = "X:3\nT:One\nM:6/8\nL:1/8\nK:G\nGAB dBG|cBA G3|GAB dBG|cBA G3|]"
    statistics = [note_statistics(tune) for tune in (modal, drifting, one_part)]
    assert [form["first_part_on_tonic"] for _, _, form in statistics] == [False, True, None]
    assert [form["ends_as_first_part"] for _, _, form in statistics] == [True, False, None]
    # the modal tune ends where its first part did, but not with its last bar (its second ending's BAG A3)
    assert [form["closes_as_first_part"] for _, _, form in statistics] == [False, False, None]
    returning = "X:4\nT:Return\nM:6/8\nL:1/8\nK:G\n|:GAB dBG|cBA G3:|\n|:gfe dBG|!roll!c BA G3:|"
    assert note_statistics(returning)[2]["closes_as_first_part"]  # as written: spaces and decorations aside
    means = mean_form(statistics)  # over the two tunes of two parts, not three
    assert means["first_part_on_tonic"] == 0.5 and means["ends_as_first_part"] == 0.5
    assert means["ends_on_tonic"] == 1 / 3  # over all three


def test_the_critics_choices_for_several_tunes_are_validated_together(monkeypatch):
    import abcrnn.text.validate as validate

    batches = []
    real = validate.validate_tunes

    def counted(tunes, **options):
        batches.append(len(tunes))
        return real(tunes, **options)

    monkeypatch.setattr(validate, "validate_tunes", counted)

    def write(seed, fields):  # a cut tune is never acceptable, nor ever validated; then away: valid, not acceptable
        if fields is None:
            return SampledTune(HOME.replace("|]", ""), log_likelihood=5.0, chosen=10, truncated=True)
        return SampledTune(AWAY, log_likelihood=-10.0, chosen=10)

    sample = batch_sampler(write)
    kept = best_of(as_draw(sample), sample, 3, time_limit=30)([7, 8, 9], progress=None)
    assert [tune.seed for tune in kept] == [7, 8, 9] and all(tune.errors == [] for tune in kept)
    assert all(tune.text.split("\n")[1] == "T:Away" for tune in kept)
    assert batches[-1] == 3  # the three tunes' choices in one call, not one call each


def test_home_is_where_the_first_part_ends_only_where_the_notes_bear_it_out():
    """An A Dorian tune under K:G dwells on A and is at home there; a G major tune whose parts both stray to B
    is not at home on B, however alike its parts end; human jigs end at home so read more often than on K:'s
    tonic."""
    from abcrnn.text.abc import split_tunes
    from abcrnn.text.bars import ends_at_home, home_letter, part_finals, tonic_letter

    dorian = "X:1\nK:G\n|:EAA ABd|eAA ABd|edB A2G|EAA A3:|\n|:eaa age|dBA ABd|edB A2G|EAA A3:|"
    straying = "X:2\nK:G\n|:G2G GAG|G2B d2G|GAG GBd|cAF B3:|\n|:g2g gag|g2d B2G|GAG GBd|cAF B3:|"
    assert (home_letter(dorian), ends_at_home(dorian)) == ("A", True)
    assert (home_letter(straying), ends_at_home(straying)) == ("G", False)
    jigs = split_tunes((ROOT / "corpora" / "jigs.abc").read_text())
    at_home = sum(map(ends_at_home, jigs)) / len(jigs)
    on_tonic = sum(bool(part_finals(t)) and part_finals(t)[-1] == tonic_letter(t) for t in jigs) / len(jigs)
    assert at_home > on_tonic + 0.02

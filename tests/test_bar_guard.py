"""The bar guard: bar lengths read quickly agree with music21, corpus bar lines pass, short bars do not."""

from fractions import Fraction

import pytest
from conftest import DATA, ROOT

from abcrnn.sampling.bar_guard import BarGuard
from abcrnn.text.following import bar_units_of
from abcrnn.text.abc import header_fields, split_header_body
from abcrnn.text.bars import bar_length_errors, read_bars, written_bars
from abcrnn.text.durations import bar_units
from abcrnn.text.tokens import BAR_LINE_PATTERN
from abcrnn.training.corpus import load_corpus_tunes

SLIP_JIG_HEADER = "X:1\nR:slip jig\nM:9/8\nL:1/8\nK:G\n"


def valid_corpus_tunes(name: str) -> tuple[list[str], list[str]]:
    """The tunes of a test corpus file, and those of them that pass validation."""
    from abcrnn.text.validate import validate_tunes

    tunes = load_corpus_tunes(DATA / name)
    return tunes, [tune for tune, report in zip(tunes, validate_tunes(tunes)) if report.valid]


def split(tune: str) -> tuple[str, str]:
    header, _ = split_header_body(tune)
    head = "\n".join(header) + "\n"
    return head, tune[len(head) :]


def refusals(tune: str) -> list[str]:
    """The music before each bar line of ``tune`` that the guard would have refused."""
    head, music = split(tune)
    guard, refused, previous_end = BarGuard(bar_units_of(head)), [], None
    for line in BAR_LINE_PATTERN.finditer(music):
        if line.start() != previous_end and not guard.allows_bar_line(music[: line.start()]):
            refused.append(music[: line.start()][-30:])
        previous_end = line.end()
    return refused


@pytest.mark.parametrize("name", ["jigs120.abc", "rhythms60.abc"])
def test_bar_lengths_read_from_the_text_agree_with_music21(name):
    compared = 0
    for tune in load_corpus_tunes(DATA / name):
        head, music = split(tune)
        lengths = [bar_units(bar) for bar in BAR_LINE_PATTERN.split(music)]
        if None in lengths or "L:1/8" not in head:
            continue
        quarter_notes = sum(bar.length for bar in read_bars(tune, header_fields(tune)["M"]))
        assert sum(lengths) / 2 == quarter_notes, tune
        compared += 1
    assert compared > 40


@pytest.mark.parametrize("name", ["jigs120.abc", "rhythms60.abc", "good_jigs.abc"])
def test_every_bar_line_of_the_valid_corpus_tunes_passes_the_guard(name):
    tunes, valid = valid_corpus_tunes(name)
    assert len(valid) > 0.8 * len(tunes)
    assert [(tune[:40], refusals(tune)) for tune in valid if refusals(tune)] == []


def test_a_short_bar_is_refused_but_not_an_anacrusis_its_complement_or_a_lead_in():
    guard = BarGuard(bar_units_of(SLIP_JIG_HEADER))
    assert guard.full == 9
    assert guard.allows_bar_line("GA")  # the tune's anacrusis
    assert not guard.allows_bar_line("GA|Bcd edB")  # 6/8: in 9/8, the first bar after the anacrusis is too short
    assert not guard.allows_bar_line("GA|Bcd edB dBG|GAB cBA")
    assert guard.allows_bar_line("GA|Bcd edB dBG|GAB cBA G2")  # 8/8 + ... a lead-in short of full
    assert guard.allows_bar_line("GA|Bcd edB dBG|GAB cBA B")  # 7/8: complements the opening GA
    assert not guard.allows_bar_line("GA|Bcd edB dBG|GAB cBA BGE|dBG")
    assert guard.allows_bar_line("GA|Bcd edB dBG|GAB cBA BGE|dBG:|\n|:GAB")  # a new part's anacrusis
    assert not BarGuard(bar_units_of(SLIP_JIG_HEADER)).allows_bar_line("GA|Bcd edB dBG|GAB cBA [")  # before [|
    assert BarGuard(bar_units_of("X:1\nM:none\nK:G\n")).allows_bar_line("G|GA|G")  # free meter: no guard
    changing = BarGuard(bar_units_of(SLIP_JIG_HEADER))
    assert changing.allows_bar_line("GAB cBA BGE|[M:6/8]GAB cBA")  # a meter change inside: the guard stands down


def test_sampled_slip_jigs_keep_their_bars_whole():
    from abcrnn.api import compose, load_model

    model = load_model()
    drawn = dict(rhythm="slip jig", seed=4, best_of=1, fresh_temperature=0.9)  # all the music at 0.9: tunes music21 reads
    guarded = compose(12, model=model, **drawn).tunes
    free = compose(12, model=model, **drawn, whole_bars=False).tunes
    assert all(refusals(tune.text) == [] for tune in guarded)
    assert sum(bool(refusals(tune.text)) for tune in free) >= 6  # the model alone slips into 6/8 bars

    def wrong_share(tunes) -> float:  # of bars, those the validator finds the wrong length (in tunes music21 reads)
        from abcrnn.text.validate import music21_errors

        readable = [tune for tune in tunes if not music21_errors(tune.text)]
        assert len(readable) >= len(tunes) // 2
        return sum(len(bar_length_errors(tune.text, "9/8")) for tune in readable) / sum(
            len(written_bars(tune.text)) for tune in readable)

    def full_share(tunes) -> float:
        bars = [bar_units(bar) for tune in tunes for bar in written_bars(tune.text)[1:-1]]
        return sum(length == 9 for length in bars) / len(bars)

    assert wrong_share(guarded) < 0.1 < 0.5 < wrong_share(free)
    assert full_share(guarded) > 0.6 > 0.1 > full_share(free)  # the rest are lead-ins and the parts' short ends


def test_a_primer_that_writes_the_header_is_guarded_too():
    from abcrnn.api import compose, load_model

    primer = "X:1\nR:slip jig\nM:9/8\nL:1/8\nK:G\n"  # as "more like this" sends a tune's opening
    tunes = compose(8, model=load_model(), rhythm="any", primer=primer + "GAB", seed=4, best_of=1).tunes
    assert all(tune.text.startswith("X:") and "M:9/8" in tune.text for tune in tunes)
    assert all(refusals(tune.text) == [] for tune in tunes)


def overfilled(tune: str) -> list[str]:
    """The music before each character of ``tune`` that the guard would refuse as overfilling its bar."""
    head, music = split(tune)
    guard, characters = BarGuard(bar_units_of(head)), "".join(sorted(set(tune)))
    return [music[:end][-20:] + "^" + music[end] for end in range(len(music))
            if music[end] in guard.overfilling(music[:end], music[end], characters)]


@pytest.mark.parametrize("name", ["jigs120.abc", "good_jigs.abc"])
def test_no_character_of_the_valid_corpus_tunes_overfills_its_bar(name):
    _, valid = valid_corpus_tunes(name)
    assert [(tune[:40], overfilled(tune)) for tune in valid if overfilled(tune)] == []


def test_a_full_bar_takes_no_more_notes_and_no_length_takes_it_past_the_meter():
    guard, characters = BarGuard(bar_units_of("X:1\nM:6/8\nL:1/8\nK:G\n")), "\n |:ABCGabc23/>~"
    assert guard.overfilling("GAB cBA", "d", characters) == "\nABCGabc23/>~"  # a bar line (or a space) is due
    assert guard.overfilling("GAB cBA ", "d", characters) == "\n ABCGabc23/>~"  # one space is enough
    assert guard.overfilling("GAB cB", "A", characters) == ""  # the bar's last unit note
    assert guard.overfilling("GAB cBA", "|", characters) == ""
    assert guard.overfilling("GAB cB", "3", characters) == "3456789"  # B3 and longer would overfill; B2 fills it
    assert guard.overfilling("GAB c", "2", characters) == ""  # c2 leaves one
    assert guard.overfilling("GAB c>", "B", characters) == ""  # a broken rhythm's pair, already counted
    assert guard.overfilling("GAB cBA|", "d", characters) == ""  # the next bar
    free = BarGuard(bar_units_of("X:1\nM:none\nK:G\n"))
    assert free.overfilling("GAB cBA dBG", "d", characters) == ""  # free meter: no guard


def test_a_short_bar_closes_a_part_and_the_next_part_owes_the_lead_in_that_makes_it_whole():
    jig = "X:1\nM:6/8\nL:1/8\nK:G\n"
    guard, characters = lambda: BarGuard(bar_units_of(jig)), "\n |:]ABCGabcdefg23"
    assert guard().closing("GAB cBA|GAB c2|") == "|]:"  # 5/8: its bar line must become ||, |] or |:
    assert guard().closing("GAB cBA|") == guard().closing("d|") == guard().closing("GAB c2||") == ""
    closed = "GAB cBA|GAB c2||"  # short by a unit note, which the next part's lead-in must make up
    assert guard().overfilling(closed, "d", characters) == "" and guard().allows_bar_line(closed + "d")
    assert not guard().allows_bar_line(closed + "d/")  # half the lead-in
    assert guard().overfilling(closed + "d", "e", characters) == "\n]ABCGabcdefg23"  # the lead-in is written
    assert guard().overfilling(closed + "d", "2", characters) == "23456789"  # d2 and longer: too long for it
    assert guard().overfilling(closed + "d|", "e", characters) == ""  # after the lead-in, a whole bar
    assert not guard().may_end(closed + "\n")  # nor may the tune end owing it
    assert guard().may_end("GAB cBA|GAB cBA|]\n") and guard().may_end("d|GAB cBA|GAB c2|]\n")  # whole with its opening
    assert guard().may_end("GAB cBA|GAB c2-c|]\n")  # a bar the guard cannot be sure of is let be


def objections(tune: str) -> list[str]:
    """Where the guard would ask ``tune`` for a part's close that it does not write, or keep it from ending."""
    head, music = split(tune)
    guard, found = BarGuard(bar_units_of(head)), []
    for end in range(1, len(music)):
        closers = guard.closing(music[:end])
        if closers and music[end] not in closers:
            found.append(music[:end][-20:] + "^" + music[end])
    return found + ([] if guard.may_end(music.rstrip() + "\n") else ["may not end"])


@pytest.mark.parametrize("name", ["jigs120.abc", "good_jigs.abc", "rhythms60.abc"])
def test_the_valid_corpus_tunes_close_their_short_bars_and_end_as_the_guard_asks(name):
    _, valid = valid_corpus_tunes(name)
    assert [(tune[:40], objections(tune)) for tune in valid if objections(tune)] == []


def test_a_zero_divisor_is_read_as_abc2midi_reads_it_not_a_crash():
    """A model at a high temperature wrote d/0, and sampling stopped with ZeroDivisionError."""
    guard, characters = BarGuard(bar_units_of("X:1\nM:6/8\nL:1/8\nK:G\n")), "\n |:ABCGabc0123/"
    assert bar_units("GAB d/0BG") == Fraction(11, 2)  # d/0 is d/, as abc2midi plays it
    assert guard.overfilling("GAB d/", "0", characters) == ""
    assert guard.overfilling("GAB c/0BA", "d", characters) == ""  # half a unit note left


def test_a_tune_owing_a_lead_in_is_kept_from_ending_once():
    from abcrnn.sampling.writing import Stream, may_end

    header = "X:1\nM:6/8\nL:1/8\nK:G\n"
    owing = Stream(header + "GAB cBA|GAB c2||\n", {}, "XRMLQTK", in_header=False, music_start=len(header))
    assert not may_end(owing)
    owing.end_refused = True  # the sampler kept it from ending once: a tune that tries again ends as it wanted
    assert may_end(owing)
    whole = Stream(header + "GAB cBA|GAB cBA||\n", {}, "XRMLQTK", in_header=False, music_start=len(header))
    assert may_end(whole)


def test_a_chord_symbol_opened_on_a_line_closes_before_a_bar_line_or_the_line_break():
    from abcrnn.sampling.writing import LONGEST_QUOTE, Stream, in_quotes

    header = "X:1\nM:6/8\nL:1/8\nK:G\n"
    writing = lambda music: Stream(header + music, {}, "XRMLQTK", in_header=False, music_start=len(header))  # noqa
    assert in_quotes(writing('GAB cBA|"G'))  # no | nor line break until it closes
    assert not in_quotes(writing('GAB cBA|"G"GA')) and not in_quotes(writing('"G"GAB\n'))
    assert not in_quotes(writing('GAB % "a comment'))
    assert in_quotes(writing('GAB "' + "x" * (LONGEST_QUOTE - 1)))
    assert not in_quotes(writing('GAB "' + "x" * LONGEST_QUOTE))  # lost: let be, the validator refuses the tune
    assert not in_quotes(Stream('X:1\nT:"Open', {}, "XRMLQTK"))  # a header is not music


def test_the_sampler_draws_again_where_a_bar_line_would_leave_a_chord_symbol_open():
    import numpy as np

    from abcrnn.model.bundle import load_bundle
    from abcrnn.sampling import streams
    from abcrnn.sampling.writing import Stream

    bundle = load_bundle(ROOT / "weights" / "folk")
    characters = bundle.vocabulary.characters
    batch = streams._Batch(bundle.engine(), bundle.vocabulary, streams.Drawing(), "", "XRMLQTK", False)
    header = "X:1\nM:6/8\nL:1/8\nK:G\n"
    batch.streams = [Stream(header + 'GAB cBA|"D', {}, "XRMLQTK", in_header=False, music_start=len(header))]
    batch.rngs = [np.random.default_rng(0)]
    bar, quote = characters.index("|"), characters.index('"')
    tempered = np.full(len(characters), 1e-9)
    tempered[[bar, quote]] = [0.9, 0.1]  # the model would write the bar line
    batch._write(0, bar, tempered / tempered.sum(), 1.0, np.log(tempered / tempered.sum()))
    assert batch.streams[0].text.endswith('"D"')

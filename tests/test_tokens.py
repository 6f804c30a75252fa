"""The one scan of ABC music: every character in one token, each token typed as the standard reads it."""

from fractions import Fraction

from hypothesis import given, strategies as st

from abcrnn.text.tokens import BarLine, ChordEnd, Field, Note, Tuplet, scan

PIECES = list("ABCDEFGabcdefgzxyZ ^_=,'/23468|:[]{}\"!+-()<>.~HTuv%\\\n") + [
    "|1", ":|2", "(3", "[K:G]", "!trill!", '"Am"', "+slide+", "[ceg]2", "{g}", "::", "|]", "[|"]


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_every_character_is_in_exactly_one_token_in_order(music):
    tokens = scan(music)
    assert "".join(token.text for token in tokens) == music
    assert all(token.end == following.start for token, following in zip(tokens, tokens[1:]))
    assert all(music[token.start : token.end] == token.text for token in tokens)


def test_notes_carry_their_spelling_octave_and_written_length():
    notes = [token for token in scan("^^c'2 _B,/ =e3/2 z// x") if isinstance(token, Note)]
    assert [(note.accidental, note.letter, note.length) for note in notes] == [
        ("^^", "c", Fraction(2)), ("_", "B", Fraction(1, 2)), ("=", "e", Fraction(3, 2)), ("", "z", Fraction(1, 4)),
        ("", "x", Fraction(1))]
    assert [note.octave for note in notes[:3]] == [2, -1, 1]
    assert [note.is_rest for note in notes] == [False, False, False, True, True]


def test_a_bar_line_takes_the_ending_it_starts_even_across_a_line_continuation():
    bars = [token for token in scan("abc :|2 def|\\\n  [3 g|[2 a||") if isinstance(token, BarLine)]
    assert [(bar.symbol, bar.ending) for bar in bars] == [(":|", "2"), ("|", "[3"), ("|", "[2"), ("||", None)]
    alone = [token for token in scan("abc\n[2 def") if isinstance(token, BarLine)]
    assert [(bar.symbol, bar.ending) for bar in alone] == [("", "[2")]


def test_a_bracket_opens_a_chord_only_where_it_closes_before_a_bar_line():
    assert [token.kind for token in scan("[ce]2")] == ["chord_start", "note", "note", "chord_end"]
    assert [token for token in scan("[ce]/")if isinstance(token, ChordEnd)][0].length == Fraction(1, 2)
    assert [token.kind for token in scan("[c|e]")][:2] == ["other", "note"]


def test_fields_tuplets_and_what_is_not_music():
    field, tuplet = scan("[M:3/4]")[0], scan("(3:2:3")[0]
    assert isinstance(field, Field) and (field.letter, field.value) == ("M", "3/4")
    assert isinstance(tuplet, Tuplet) and (tuplet.p, tuplet.q, tuplet.r) == (3, 2, 3)
    kinds = [token.kind for token in scan('"G|D"!tr|ill!{g}A % a|b')]
    assert kinds == ["symbol", "decoration", "grace_start", "note", "grace_end", "note", "space", "comment"]
    assert [token.kind for token in scan("^/ =20")][0] == "microtone"

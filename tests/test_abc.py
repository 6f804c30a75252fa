from pathlib import Path

from abcrnn.text.abc import clean_tune, header_fields, join_tunes, split_tunes

MESSY = (Path(__file__).parent / "data" / "messy.abc").read_text()


def test_split_tunes_starts_each_tune_at_x_line():
    tunes = split_tunes(MESSY)
    assert [header_fields(tune)["T"] for tune in tunes] == ["The Test Jig", "A Reel", "No Rhythm Six Eight"]
    assert not any("%abc-2.1" in tune for tune in tunes)


def test_split_tunes_of_text_without_x_is_empty():
    assert split_tunes("T:No X line\nK:C\nCDE|\n") == []


def test_clean_tune_keeps_playing_fields_in_order_and_music_unchanged():
    cleaned = clean_tune(split_tunes(MESSY)[0])
    assert cleaned == (
        "X:1\nT:The Test Jig\nR:double jig\nM:6/8\nL:1/8\nK:D\n"
        '|:A | d2e fed | "G"B2A {g}AFA |\n'
        "d2e fed | e3 e2 :|\n"
        "|:f | [K:Bm] a2f d2f | !trill!e3 e2f |\n"
        "M:9/8\n"
        "a2f d2f e2d |1 e3 e2 :|2 e3 e2 |]"
    )


def test_clean_tune_adds_unit_length_implied_by_meter():
    cleaned = clean_tune(split_tunes(MESSY)[2])
    assert cleaned.split("\n")[:5] == ["X:3", "T:No Rhythm Six Eight", "M:6/8", "L:1/8", "K:Ador"]
    assert "O:" not in cleaned


def test_clean_tune_is_idempotent():
    for tune in split_tunes(MESSY):
        assert clean_tune(clean_tune(tune)) == clean_tune(tune)


def test_header_fields_reads_first_value_before_k():
    fields = header_fields(split_tunes(MESSY)[0])
    assert fields["T"] == "The Test Jig"
    assert fields["K"] == "D"
    assert fields["M"] == "6/8"  # not the 9/8 inside the music


def test_join_tunes_separates_with_one_blank_line():
    text = join_tunes([clean_tune(tune) for tune in split_tunes(MESSY)])
    assert "\n\n\n" not in text
    assert text.count("\n\nX:") == 2
    assert text.endswith(":|\n") and not text.endswith("\n\n")
    assert [clean_tune(t) for t in split_tunes(text)] == [clean_tune(t) for t in split_tunes(MESSY)]

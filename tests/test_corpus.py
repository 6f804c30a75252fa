import pytest
from conftest import DATA, ROOT, assert_one_line_error, run_cli

from abcrnn.text.abc import header_fields, split_tunes
from abcrnn.commands.corpus import build_corpus
from abcrnn.text.rhythms import matches_rhythm
from abcrnn.training.corpus import select_tunes

MESSY = (DATA / "messy.abc").read_text()


def test_select_tunes_keeps_jigs_by_rhythm_or_meter():
    selection = select_tunes([("messy.abc", MESSY)], rhythm="jig")
    titles = [header_fields(tune)["T"] for tune in selection.kept]
    assert titles == ["The Test Jig", "No Rhythm Six Eight"]
    assert [header_fields(tune)["X"] for tune in selection.kept] == ["1", "2"]
    assert selection.dropped == [("messy.abc", "A Reel", "other rhythm")]


def test_select_tunes_other_rhythm_and_any():
    assert len(select_tunes([("m", MESSY)], rhythm="reel").kept) == 1
    assert len(select_tunes([("m", MESSY)], rhythm="any").kept) == 3


def test_select_tunes_drops_duplicate_transcriptions():
    # The same tune again with other bar lines, note lengths and spacing.
    copy = MESSY.replace("X: 1", "X: 9").replace("d2e fed", "d4e2 f2e2d2").replace("||", "|")
    selection = select_tunes([("a", MESSY), ("b", copy)], rhythm="jig")
    assert len(selection.kept) == 2
    assert selection.drop_counts()["duplicate"] == 2


def test_select_tunes_reports_parse_failures_and_missing_fields():
    text = "X:1\nT:No key\nM:6/8\nabc|\n\nX:2\nT:Bad\nM:6/8\nK:G\nGAB|\n"
    selection = select_tunes([("f", text)], rhythm="jig", check=lambda tune: "broken")
    reasons = [reason for _, _, reason in selection.dropped]
    assert reasons == ["missing field: K:", "broken"]


def test_valid_only_corpus_drops_tunes_that_fail_validation(tmp_path):
    source = tmp_path / "in.abc"
    source.write_text(MESSY + "\nX:4\nT:Short Bar\nM:6/8\nL:1/8\nK:G\nGAB cBA|GA cBA|GAB c3|]\n")
    out = tmp_path / "valid.abc"
    result = run_cli("corpus", "--inputs", str(source), "--out", str(out), "--valid-only")
    assert result.returncode == 0, result.stderr
    assert "dropped 2: fails validation" in result.stderr  # the 9/8 change in the test jig, and the short bar
    assert [header_fields(tune)["T"] for tune in split_tunes(out.read_text())] == ["No Rhythm Six Eight"]


def test_rhythm_names_are_normalized():
    assert matches_rhythm({"R": "Slipjig"}, "slip jig")
    assert matches_rhythm({"M": "9/8"}, "slip-jig")
    assert not matches_rhythm({"M": "6/8", "R": "slide"}, "jig")


def test_corpus_from_inputs_writes_cleaned_jigs(tmp_path):
    out = tmp_path / "mine.abc"
    result = run_cli("corpus", "--inputs", str(DATA / "messy.abc"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "kept 2 jig tunes" in result.stderr
    assert "dropped 1: other rhythm" in result.stderr
    tunes = split_tunes(out.read_text())
    assert len(tunes) == 2 and "Z:" not in out.read_text()


@pytest.mark.parametrize(
    "content, problem",
    [(None, "no such file"), (b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"just words\n", "no ABC tunes")],
)
def test_corpus_bad_inputs_give_one_line_error_and_write_nothing(tmp_path, content, problem):
    source = tmp_path / "input.abc"
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "out.abc"
    result = run_cli("corpus", "--inputs", str(source), "--out", str(out))
    assert_one_line_error(result, str(source), problem)
    assert not out.exists()


def test_corpus_with_no_tune_of_the_rhythm_keeps_existing_output(tmp_path):
    out = tmp_path / "out.abc"
    out.write_text("precious\n")
    result = run_cli("corpus", "--inputs", str(DATA / "messy.abc"), "--rhythm", "polka", "--out", str(out))
    assert_one_line_error(result, "no polka tunes")
    assert out.read_text() == "precious\n"


@pytest.mark.slow
@pytest.mark.parametrize("name, options", [
    ("jigs.abc", {}),
    ("jigs-valid.abc", {"valid_only": True}),
    ("folk.abc", {"rhythm": "any", "valid_only": True, "collections": "oneills1850,ryansMammoth,airdsAirs,miscFolk"}),
])  # fmt: skip
def test_shipped_corpora_are_rebuilt_byte_identically(tmp_path, name, options):
    out = tmp_path / name
    build_corpus(out=str(out), **options)
    assert out.read_bytes() == (ROOT / "corpora" / name).read_bytes()


def test_shipped_corpus_holds_clean_distinct_jigs():
    text = (ROOT / "corpora" / "jigs.abc").read_text()
    tunes = split_tunes(text)
    assert len(tunes) >= 700
    assert "%" not in text and "\n\n\n" not in text
    bodies = set()
    for tune in tunes:
        lines = tune.strip("\n").split("\n")
        letters = [line[0] for line in lines[:6] if line[1:2] == ":"]
        assert letters[0] == "X" and letters[-1] == "K" and {"T", "M", "L"} <= set(letters), tune
        assert not any(line[:2] in ("Z:", "N:", "B:", "w:", "W:", "S:") for line in lines), tune
        bodies.add("\n".join(lines[1:]))
    assert len(bodies) == len(tunes)

"""The tune book page, opened in a real browser (headless Chromium): drawn, offline, playable."""

from pathlib import Path

import pytest
from conftest import DATA, assert_one_line_error, run_cli


BROKEN = "X:9\nT:Broken Bar\nM:6/8\nL:1/8\nK:G\nGAB cde | fga |]\n"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    source = folder / "tunes.abc"
    source.write_text((DATA / "good_jigs.abc").read_text() + "\n" + BROKEN, encoding="utf-8")
    result = run_cli("page", str(source), "--out", str(folder / "tunes.html"), "--title", "Test <book>")
    assert result.returncode == 0, result.stderr
    return folder / "tunes.html"


def open_page(browser, path: Path):
    """The page loaded from file://, with every request outside it refused and recorded."""
    page = browser.new_page()
    problems = {"outside": [], "errors": []}
    page.on("console", lambda message: message.type == "error" and problems["errors"].append(message.text))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))

    def route(request_route):
        if request_route.request.url.startswith(("file://", "data:")):
            return request_route.continue_()
        problems["outside"].append(request_route.request.url)
        return request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.tune svg').length === 5", timeout=20000)
    return page, problems


def test_every_tune_is_drawn_offline_with_its_verdict(browser, page_file):
    page, problems = open_page(browser, page_file)
    assert page.title() == "Test <book>"
    assert page.locator(".tune").count() == 5 and page.locator(".tune svg").count() == 5
    assert page.locator(".abcjs-note").count() > 100
    assert page.locator(".verdict.valid").count() == 4
    broken = page.locator(".verdict.invalid")
    assert broken.count() == 1 and "bar" in broken.inner_text()
    assert page.locator('a[download$=".mid"]').count() == 5
    assert page.locator('a[download$=".musicxml"]').count() == 5
    assert page.locator("#contents li").count() == 5
    assert page.locator("details pre").first.text_content().startswith("X:1")
    assert problems == {"outside": [], "errors": []}
    page.close()


def test_play_starts_audio_and_moves_the_cursor(browser, page_file):
    page, problems = open_page(browser, page_file)
    first = page.locator(".tune").first
    first.locator("button.play").click()
    page.wait_for_function("document.querySelectorAll('.playing').length > 0", timeout=5000)
    first_note = page.evaluate("[...document.querySelectorAll('.playing')].map(e => e.outerHTML).join()")
    state, started = page.evaluate("[audio.state, audio.currentTime]")
    page.wait_for_timeout(1500)
    later_note = page.evaluate("[...document.querySelectorAll('.playing')].map(e => e.outerHTML).join()")
    assert state == "running" and page.evaluate("audio.currentTime") > started + 0.5
    assert later_note and later_note != first_note  # the cursor moved on
    assert first.locator("button.play").inner_text() == "Stop"
    first.locator("button.play").click()
    assert page.locator(".playing").count() == 0 and first.locator("button.play").inner_text() == "Play"
    assert problems == {"outside": [], "errors": []}
    page.close()


def test_musicxml_download_has_the_tunes_notes(browser, page_file, tmp_path):
    """The page carries each tune's MusicXML deflated; the browser inflates it into a file music21 reads."""
    from music21 import converter

    from abcrnn.files import read_tunes
    from abcrnn.text.parsing import parse_abc

    page, problems = open_page(browser, page_file)
    with page.expect_download() as download:
        page.locator('a[download$=".musicxml"]').first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    score = converter.parse(saved)
    tune = read_tunes(DATA / "good_jigs.abc")[0]
    pitches = lambda stream: [p.midi for n in stream.flatten().notes for p in n.pitches]  # noqa: E731
    assert saved.name.endswith(".musicxml") and pitches(score) == pitches(parse_abc(tune))
    assert problems == {"outside": [], "errors": []}
    page.close()


def test_a_chorded_tune_plays_its_backing(browser, tmp_path):
    from abcrnn.text.chords import add_chords

    source = tmp_path / "chorded.abc"
    source.write_text(add_chords((DATA / "good_jigs.abc").read_text().split("\n\n")[1]) + "\n")
    out = tmp_path / "chorded.html"
    assert run_cli("page", str(source), "--out", str(out)).returncode == 0
    page = browser.new_page()
    page.goto(out.as_uri())
    page.wait_for_function("document.querySelectorAll('.tune svg').length === 1", timeout=20000)
    assert page.locator(".abcjs-chord").count() > 5  # the chords are shown above the staff
    # Count the notes the synthesiser is asked for, melody (now) and backing (scheduled ahead).
    page.evaluate("""window.calls = []; const original = synthNote;
        synthNote = (pitch, seconds, volume, delay, output) => { calls.push([pitch, delay || 0, !!output]);
                                                               return original(pitch, seconds, volume, delay, output); };
        true""")
    page.locator("button.play").click()
    page.wait_for_timeout(500)
    backing = page.evaluate("calls.filter(call => call[2])")
    assert len(backing) > 40 and max(call[1] for call in backing) > 5  # scheduled through the tune
    assert min(call[0] for call in backing) < 48  # a bass note, below the melody's range
    page.locator("button.play").click()
    assert page.evaluate("playing") is None
    page.evaluate("calls.length = 0")
    page.locator(".backing input").uncheck()
    page.locator("button.play").click()
    page.wait_for_timeout(300)
    assert page.evaluate("calls.filter(call => call[2]).length") == 0 and page.evaluate("calls.length") > 0
    page.close()


@pytest.mark.slow
def test_the_page_prints_notation_only_with_contents_and_no_tune_split(browser, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("no pdftotext to read the printed pages (apt-get install poppler-utils)")
    tunes = (DATA / "jigs120.abc").read_text().split("\n\n")[:30]
    source = tmp_path / "book.abc"
    source.write_text("\n\n".join(tunes) + "\n", encoding="utf-8")
    out = tmp_path / "book.html"
    assert run_cli("page", str(source), "--out", str(out), "--title", "Printed book").returncode == 0
    page = browser.new_page()
    page.goto(out.as_uri())
    page.wait_for_function("document.querySelectorAll('.tune').length === 30", timeout=20000)
    page.emulate_media(media="print")  # as the browser does when asked to print: every tune is drawn
    page.wait_for_function("document.querySelectorAll('.tune svg').length === 30", timeout=30000)
    style = page.evaluate("""[getComputedStyle(document.querySelector('.tune')).breakInside,
                              getComputedStyle(document.querySelector('.controls')).display,
                              getComputedStyle(document.querySelector('details')).display]""")
    assert style == ["avoid", "none", "none"]
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    page.close()
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")  # fmt: skip
    pages = [text for text in pages if text.strip()]
    assert "Contents" in pages[0] and "Download" not in "".join(pages) and "Play" not in "".join(pages)
    headings = [f"X:{number}" for number in range(1, 31)]
    for text in pages[1:]:
        first_line = next(line.strip() for line in text.splitlines() if line.strip())
        assert first_line.startswith("X:"), f"a page starts inside a tune: {first_line!r}"
    printed = "".join(pages[1:])
    assert all(f"{heading} " in printed for heading in headings) and len(pages) > 3


@pytest.mark.slow
def test_two_hundred_tunes_stay_usable(browser, tmp_path):
    tunes = (DATA / "jigs120.abc").read_text() * 2
    source = tmp_path / "many.abc"
    source.write_text(tunes, encoding="utf-8")
    out = tmp_path / "many.html"
    assert run_cli("page", str(source), "--out", str(out)).returncode == 0
    page = browser.new_page()
    page.goto(out.as_uri())
    page.wait_for_function("document.querySelectorAll('.tune').length === 240", timeout=20000)
    drawn = page.locator(".tune svg").count()
    assert 0 < drawn < 240  # only the tunes near the view are drawn at first
    page.locator(".tune").last.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.tune:last-child svg') !== null", timeout=20000)
    page.close()


def test_page_bad_input_is_a_one_line_error(tmp_path):
    empty = tmp_path / "empty.abc"
    empty.write_text("no tunes here\n")
    assert_one_line_error(run_cli("page", str(empty), "--out", str(tmp_path / "x.html")), "holds no ABC tunes")
    assert_one_line_error(run_cli("page", str(DATA / "good_jigs.abc"), "--instrument", "kazoo"), "unknown instrument")
    assert not (tmp_path / "x.html").exists()


def test_explain_features_read_bars_parts_and_groups_as_abc_writes_them():
    from abcrnn.pages.explain import musical_features

    text = "X:1\nK:D\nAB c|d ::e2 fg||a|"
    features, music = musical_features(text), text.index("AB")
    assert features["header"][:music].all() and not features["header"][music:].any()
    bar = features["bar"]
    assert bar[text.index("||") + 1] > bar[text.index("||")] > bar[text.index("fg")]  # || is one bar line
    assert bar[text.index("d")] == bar[text.index("e2")] == bar[text.index("a|")] == 0  # a new bar after each
    assert features["part"][text.index("e2")] == 1 and not features["part"][: text.index("::") + 2].any()
    group = features["group"]
    assert group[music : music + 2].tolist() == [0, 1] and group[text.index("fg") + 1] == 1


@pytest.fixture(scope="module")
def explain_file(tmp_path_factory, tiny_bundle) -> Path:
    out = tmp_path_factory.mktemp("explain") / "explain.html"
    result = run_cli("explain", str(DATA / "jigs120.abc"), "--weights", str(tiny_bundle), "--out", str(out),
                     "--most-tunes", "10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("cell ") == 4 and "inside a header line" in result.stderr
    return out


def test_explain_shows_every_character_with_five_guesses(browser, explain_file):
    from abcrnn.training.corpus import load_corpus_tunes
    from abcrnn.text.abc import TUNE_SEPARATOR, model_text

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(explain_file.as_uri())
    first_tune = model_text(load_corpus_tunes(str(DATA / "jigs120.abc"))[0]) + TUNE_SEPARATOR
    assert page.locator(".column").count() == len(first_tune)
    assert page.locator(".guess").count() == 5 * len(first_tune)
    assert page.locator(".line").count() == first_tune.count("\n") + 1  # one row per line of the tune
    assert page.locator("#cells input").count() == 4
    # Every character is shaded by the chosen cell: the first offered, then the second once it is picked
    # (the two may be one cell, so the test reads which cell each character shows, not its colour).
    shows_cell = """index => {
        const cell = JSON.parse(document.getElementById("explain-data").textContent).cells[index];
        return [...document.querySelectorAll(".character")].every(
            (character, position) => character.title === `cell ${cell.cell}: ${cell.activations[position]}`);
    }"""
    assert page.evaluate(shows_cell, 0)
    page.locator("#cells input").nth(1).check()
    assert page.evaluate(shows_cell, 1)
    assert errors == []
    page.close()


def test_explain_bad_neuron_is_a_one_line_error(tiny_bundle, tmp_path):
    result = run_cli("explain", str(DATA / "jigs120.abc"), "--weights", str(tiny_bundle), "--neuron", "64",
                     "--out", str(tmp_path / "e.html"))  # fmt: skip
    assert_one_line_error(result, "--neuron must be a cell number from 0 to 63")
    assert not (tmp_path / "e.html").exists()
    chosen = run_cli("explain", str(DATA / "jigs120.abc"), "--weights", str(tiny_bundle), "--neuron", "7",
                     "--out", str(tmp_path / "e.html"))  # fmt: skip
    assert chosen.returncode == 0 and "cell 7: chosen with --neuron" in chosen.stderr

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
    assert page.locator("a[download]").count() == 5
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
    from abcrnn.training.data import TUNE_SEPARATOR, model_text

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

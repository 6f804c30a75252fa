"""abcrnn serve in Chromium: compose, the tunes draw and play, transpose and edit, save, restart, export."""

import pytest
from serving import Server

pytest.importorskip("fastapi", reason="abcrnn serve needs fastapi and uvicorn (pip install abcrnn)")
playwright_api = pytest.importorskip("playwright.sync_api", reason="no playwright (pip install playwright)")
expect = playwright_api.expect

JIG = "X:1\nT:Test Jig\nR:jig\nM:6/8\nL:1/8\nK:G\n|:GAB cBA|BGE D3|GAB cBA|BGE G3:|\n|:gfe dcB|cBA G3:|\n"


def open_app(browser, server):
    """The compose page, with every request to another origin refused and recorded, and every script error."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    problems = {"outside": [], "errors": []}

    def route(request_route):
        if request_route.request.url.startswith(server.url) or request_route.request.url.startswith("data:"):
            request_route.continue_()
        else:
            problems["outside"].append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems["errors"].append(message.text))
    page.goto(server.url + "/")
    expect(page.locator("select[name=rhythm] option[value=jig]")).to_have_count(1, timeout=20000)
    return page, problems


@pytest.mark.slow
def test_compose_play_transpose_edit_save_restart_and_export(browser, tmp_path):
    db = tmp_path / "book.sqlite"
    server = Server(db)
    try:
        page, problems = open_app(browser, server)
        page.select_option("select[name=rhythm]", "jig")
        page.fill("input[name=n]", "2")
        page.fill("input[name=best_of]", "2")
        page.click("#compose-button")
        expect(page.locator(".tune svg")).to_have_count(2, timeout=120000)
        expect(page.locator("#status")).to_contain_text("composed with seed")
        assert page.locator(".tune").first.locator(".abcjs-note").count() > 20
        assert page.input_value("input[name=seed]").isdigit()
        card = page.locator(".tune").first

        card.locator("button.play").click()  # play starts, and the cursor moves
        expect(card.locator(".playing").first).to_be_attached(timeout=5000)
        assert page.evaluate("audio.state") == "running"
        expect(card.locator("button.play")).to_have_text("Stop")
        card.locator("button.play").click()
        expect(card.locator(".playing")).to_have_count(0)
        card.locator(".count-in").check()  # a bar of clicks comes before the first note
        card.locator("button.play").click()
        assert card.locator(".playing").count() == 0
        expect(card.locator(".playing").first).to_be_attached(timeout=8000)
        card.locator("button.play").click()

        abc = card.locator(".abc").input_value()
        drawn = card.locator(".notation").inner_html()
        card.locator(".up").click()  # transpose moves the ABC, and the notation with it
        expect(card.locator(".abc")).not_to_have_value(abc, timeout=10000)
        moved = card.locator(".abc").input_value()
        server_moved = server.post("/api/transpose", {"abc": abc, "semitones": 1})["abc"]
        assert moved == server_moved and moved != abc
        assert card.locator(".notation").inner_html() != drawn

        card.locator(".abc").fill(JIG.replace("BGE D3|", "BGE D2|"))  # an edit redraws and is checked again
        expect(card.locator(".verdict")).to_contain_text("bar 2", timeout=20000)
        expect(card.locator(".heading")).to_have_text("Test Jig")
        card.locator(".abc").fill(JIG)
        expect(card.locator(".verdict")).to_have_text("valid", timeout=20000)

        card.locator(".save").click()
        expect(page.locator("#book li input")).to_have_value("Test Jig", timeout=10000)

        card.locator(".more-part").click()  # keep the first part, sample the rest again: a new tune after it
        expect(page.locator(".tune svg")).to_have_count(3, timeout=120000)
        again = page.locator(".tune").nth(1).locator(".abc").input_value()
        assert "K:G\n|:GAB cBA|BGE D3|GAB cBA|BGE G3:|" in again and again.strip() != JIG.strip()
        assert problems == {"outside": [], "errors": []}
        page.close()
    finally:
        server.kill()

    server = Server(db)  # killed and started again: the tune is still there
    try:
        page, problems = open_app(browser, server)
        expect(page.locator("#book li input")).to_have_value("Test Jig", timeout=10000)
        exported = page.request.get(server.url + "/api/book/export.abc").text()
        assert exported.startswith("X:1\nT:Test Jig\n") and "|:gfe dcB|" in exported
        with page.expect_download() as download:
            page.click("#export-page")
        assert "Test Jig" in download.value.path().read_text(encoding="utf-8")
        page.locator("#book li button", has_text="Open").click()
        expect(page.locator(".tune svg")).to_have_count(1, timeout=10000)
        assert problems == {"outside": [], "errors": []}
        page.close()
    finally:
        server.kill()


def test_a_title_cannot_inject_script(browser, tmp_path):
    server = Server(tmp_path / "book.sqlite")
    try:
        hostile = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>'
        server.post("/api/book", {"abc": JIG.replace("T:Test Jig", "T:" + hostile)})
        page, problems = open_app(browser, server)
        expect(page.locator("#book li input")).to_have_value(hostile, timeout=10000)
        page.locator("#book li button", has_text="Open").click()
        expect(page.locator(".tune svg")).to_have_count(1, timeout=10000)
        expect(page.locator(".tune .heading")).to_have_text(hostile)
        page.wait_for_timeout(500)
        assert page.evaluate("window.hacked") is None
        assert page.locator("#book img, .tune img, .tune script").count() == 0
        page.close()
    finally:
        server.kill()

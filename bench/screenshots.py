"""Screenshots of the pages abcrnn writes, for the README (headless Chromium through Playwright).

    python bench/screenshots.py [--weights weights/folk]

Writes bench/screenshots/tunebook.png (``abcrnn sample --n 6 --seed 11 --page``,
the first tune playing), bench/screenshots/explain.png (``abcrnn explain`` on
the first tunes of the folk corpus) and bench/screenshots/serve.png (``abcrnn serve``:
three reels composed with seed 11, the first saved and playing). ``--only serve``
makes one of them.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent / "screenshots"


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default="weights/folk")
    parser.add_argument("--only", default="", help="tunebook, explain or serve")
    args = parser.parse_args()
    HERE.mkdir(exist_ok=True)
    if args.only == "serve":
        return serve_screenshot(args.weights)
    with tempfile.TemporaryDirectory() as folder:
        book, explain = Path(folder) / "tunes.html", Path(folder) / "explain.html"
        run = lambda *options: subprocess.run([sys.executable, "-m", "abcrnn", *options], check=True)  # noqa: E731
        run("sample", "--weights", args.weights, "--n", "6", "--seed", "11", "--out", str(Path(folder) / "t.abc"),
            "--page", str(book))  # fmt: skip
        run("explain", "corpora/folk.abc", "--weights", args.weights, "--most-tunes", "40", "--out", str(explain))
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 760})
            page.goto(book.as_uri())
            page.wait_for_selector(".tune svg")
            page.locator("button.play").first.click()
            page.wait_for_timeout(1800)
            page.screenshot(path=str(HERE / "tunebook.png"))
            page.locator("button.play").first.click()
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(explain.as_uri())
            page.screenshot(path=str(HERE / "explain.png"))
            browser.close()
    print(f"wrote {HERE / 'tunebook.png'} and {HERE / 'explain.png'}")
    serve_screenshot(args.weights)


def serve_screenshot(weights: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from serving import Server

    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "book.sqlite", weights=weights)
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1300, "height": 860})
                page.goto(server.url + "/")
                expect(page.locator("select[name=rhythm] option[value=reel]")).to_have_count(1)
                page.select_option("select[name=rhythm]", "reel")
                page.fill("input[name=n]", "3")
                page.fill("input[name=seed]", "11")
                page.check("input[name=lock_seed]")
                page.click("#compose-button")
                expect(page.locator(".tune svg")).to_have_count(3, timeout=120000)
                card = page.locator(".tune").first
                card.locator(".save").click()
                expect(page.locator("#book li")).to_have_count(1)
                card.locator("button.play").click()
                page.wait_for_timeout(1800)
                page.screenshot(path=str(HERE / "serve.png"))
                browser.close()
        finally:
            server.kill()
    print(f"wrote {HERE / 'serve.png'}")


if __name__ == "__main__":
    main()

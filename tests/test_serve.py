"""abcrnn serve's API, through FastAPI's test client: composing, every bad request, concurrency, the tune book."""

import asyncio
import json
import sqlite3
import subprocess
import sys
import zipfile
from io import BytesIO

import pytest
from conftest import DATA, assert_one_line_error, run_cli

pytest.importorskip("fastapi", reason="abcrnn serve needs fastapi and uvicorn (pip install abcrnn)")

from fastapi.testclient import TestClient  # noqa: E402

from abcrnn.serve.book import TuneBook  # noqa: E402
from abcrnn.serve.forms import Limits  # noqa: E402
from abcrnn.serve.server import create_app  # noqa: E402

JIG = "X:1\nT:Test Jig\nR:jig\nM:6/8\nL:1/8\nK:G\n|:GAB cBA|BGE D3|GAB cBA|BGE G3:|\n|:gfe dcB|cBA G3:|\n"
FAST = {"best_of": 1, "max_chars": 400}  # the tiny model's tunes need not be good, only quick


@pytest.fixture(scope="module")
def bundle(tiny_bundle):
    from abcrnn.api import load_model

    return load_model(str(tiny_bundle))


def app_for(bundle, tmp_path, **limits):
    return create_app(bundle, TuneBook(tmp_path / "book.sqlite"), Limits(**limits) if limits else Limits())


@pytest.fixture
def client(bundle, tmp_path):
    return TestClient(app_for(bundle, tmp_path))


def events(response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_compose_streams_the_seed_progress_and_tunes_the_sampler_gives(client, bundle):
    from abcrnn.api import compose

    response = client.post("/api/compose", json={"n": 3, "seed": 5, **FAST})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    stream = events(response)
    assert stream[0] == {"event": "start", "seed": 5, "n": 3} and stream[-1] == {"event": "done", "seed": 5}
    assert [event["done"] for event in stream if event["event"] == "progress"][-1] == 3
    tunes = [tune for event in stream if event["event"] == "tunes" for tune in event["tunes"]]
    assert [tune["number"] for tune in tunes] == [1, 2, 3]
    expected = compose(3, model=bundle, seed=5, **FAST).tunes
    assert [tune["abc"] for tune in tunes] == [tune.text for tune in expected]
    assert [tune["errors"] for tune in tunes] == [tune.errors for tune in expected]
    again = events(client.post("/api/compose", json={"n": 3, "seed": 5, **FAST}))
    assert [e for e in again if e["event"] == "tunes"] == [e for e in stream if e["event"] == "tunes"]
    # Each tune carries its own seed, and composing one tune with it makes that tune again.
    assert [tune["seed"] for tune in tunes] == [5, 6, 7]
    remade = events(client.post("/api/compose", json={"n": 1, "seed": 6, **FAST}))
    (alone,) = next(event for event in remade if event["event"] == "tunes")["tunes"]
    assert alone["abc"].split("\n", 1)[1] == tunes[1]["abc"].split("\n", 1)[1]


def test_a_long_request_comes_in_rounds_and_an_unlocked_seed_is_drawn(bundle, tmp_path):
    client = TestClient(app_for(bundle, tmp_path, round_tunes=2))
    stream = events(client.post("/api/compose", json={"n": 5, **FAST}))
    rounds = [event["tunes"] for event in stream if event["event"] == "tunes"]
    assert [len(tunes) for tunes in rounds] == [2, 2, 1]
    assert [tune["number"] for tunes in rounds for tune in tunes] == [1, 2, 3, 4, 5]
    assert isinstance(stream[0]["seed"], int) and stream[-1]["event"] == "done"


def test_forced_fields_and_an_opening_reach_the_tunes(client):
    stream = events(client.post("/api/compose", json={"n": 2, "seed": 1, "key": "Dmix", "title": "Mine",
                                                      "start": "|:GA", **FAST}))  # fmt: skip
    for tune in next(event for event in stream if event["event"] == "tunes")["tunes"]:
        assert "K:Dmix\n|:GA" in tune["abc"] and tune["title"] == "Mine"


BAD_COMPOSE = [
    ({"rhythm": "polka-dot"}, 400, "never saw that rhythm"),
    ({"temperature": 0}, 422, "temperature"),
    ({"n": 1_000_000}, 422, "n:"),
    ({"max_chars": 10**9}, 422, "max_chars"),
    ({"best_of": 0}, 422, "best_of"),
    ({"top_p": 1.5}, 422, "top_p"),
    ({"fresh_top_p": 0}, 422, "fresh_top_p"),
    ({"fresh_temperature": 0}, 422, "fresh_temperature"),
    ({"seed": -1}, 422, "seed"),
    ({"key": "H#lydian"}, 400, "not a key"),
    ({"start": "|:GA€B"}, 400, "'€'"),
    ({"tunes": 3}, 422, "tunes: Extra inputs"),
    ({"n": "three"}, 422, "n:"),
    ({"start": "M:9/8\n", "meter": "6/8"}, 400, "already sets M:"),
]


@pytest.mark.parametrize("body, status, words", BAD_COMPOSE, ids=[str(case[0])[:30] for case in BAD_COMPOSE])
def test_a_bad_compose_request_is_a_one_line_4xx(client, body, status, words):
    response = client.post("/api/compose", json=body)
    assert response.status_code == status
    assert_one_line_answer(response, words)


def assert_one_line_answer(response, *words):
    assert 400 <= response.status_code < 500, response.text
    message = response.json()["error"]
    assert "\n" not in message and "Traceback" not in message and len(message) < 400
    for word in words:
        assert word in message, message


def test_bad_bodies_routes_and_files_are_one_line_4xx_and_the_server_stays_up(client):
    answers = [
        client.post("/api/compose", content=b"{not json", headers={"content-type": "application/json"}),
        client.post("/api/compose", content=b'{"n": 1}', headers={"content-type": "text/plain"}),
        client.post("/api/compose", json=[1, 2]),
        client.post("/api/check", content=b'{"abc": "' + b"a" * 10_000_000 + b'"}',
                    headers={"content-type": "application/json"}),  # fmt: skip
        client.post("/api/check", json={"abc": ""}),
        client.post("/api/check", json={}),
        client.post("/api/transpose", json={"abc": JIG, "to": "Q#"}),
        client.post("/api/transpose", json={"abc": JIG, "semitones": 99}),
        client.post("/api/midi", json={"abc": JIG, "instrument": "theremin"}),
        client.post("/api/opening", json={"abc": JIG, "through": 3}),
        client.post("/api/opening", json={"abc": JIG, "through": -1}),
        client.get("/api/book/999"),
        client.get("/api/book/abc"),
        client.patch("/api/book/1", json={"title": ""}),
        client.delete("/api/book/999"),
        client.get("/api/book/export.abc"),
        client.get("/static/..%2Fbook.py"),
        client.get("/static/server.py"),
        client.get("/etc/passwd"),
        client.put("/api/compose", json={}),
    ]
    for response in answers:
        assert_one_line_answer(response)
    assert answers[3].status_code == 413 and answers[11].status_code == 404
    assert client.get("/api/model").status_code == 200


def test_the_sampling_time_limit_ends_a_request_with_one_line_and_the_next_is_served(bundle, tmp_path):
    client = TestClient(app_for(bundle, tmp_path, sampling_seconds=0.3))
    stream = events(client.post("/api/compose", json={"n": 50, "best_of": 8, "max_chars": 4000}))
    assert stream[-1]["event"] == "error" and "longer than 0.3 s" in stream[-1]["message"]
    assert events(client.post("/api/compose", json={"n": 1, **FAST}))[-1]["event"] in ("done", "error")


async def _concurrently(app, requests):
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=120) as client:
        return await asyncio.gather(*(client.post(path, json=body) for path, body in requests))


def test_eight_concurrent_composers_and_checks_beside_them_are_all_served(bundle, tmp_path):
    # Checks fork music21 workers while other threads sample: this once stopped OpenBLAS under a sampler.
    app = app_for(bundle, tmp_path)
    requests = [("/api/compose", {"n": 2, "seed": seed, **FAST}) for seed in range(8)]
    requests += [("/api/check", {"abc": JIG})] * 4
    answers = asyncio.run(asyncio.wait_for(_concurrently(app, requests), 300))
    assert all(answer.status_code == 200 for answer in answers)
    assert all(events(answer)[-1]["event"] == "done" for answer in answers[:8])
    assert all(answer.json()["tunes"][0]["valid"] for answer in answers[8:])


def test_too_many_waiting_requests_are_told_to_try_again(bundle, tmp_path):
    app = app_for(bundle, tmp_path, most_jobs=1, sampling_threads=1)
    requests = [("/api/compose", {"n": 3, "seed": seed, **FAST}) for seed in range(3)]
    answers = asyncio.run(_concurrently(app, requests))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses[0] == 200 and 429 in statuses
    assert_one_line_answer(next(answer for answer in answers if answer.status_code == 429), "busy")


def test_check_transpose_midi_and_opening(client):
    verdict = client.post("/api/check", json={"abc": JIG.replace("BGE D3|", "BGE D2|")}).json()["tunes"][0]
    assert not verdict["valid"] and verdict["errors"][0].startswith("bar 2 ")
    moved = client.post("/api/transpose", json={"abc": JIG, "semitones": 2}).json()["abc"]
    assert "K:A\n|:ABc dcB|" in moved
    assert "K:Em" in client.post("/api/transpose", json={"abc": JIG.replace("K:G", "K:Am"), "to": "Em"}).json()["abc"]
    midi = client.post("/api/midi", json={"abc": JIG, "tempo": 90})
    assert midi.content[:4] == b"MThd" and "001_Test_Jig.mid" in midi.headers["content-disposition"]
    first_part = client.post("/api/opening", json={"abc": JIG}).json()["start"]
    assert first_part.endswith("|GAB cBA|BGE G3:|") and "gfe" not in first_part
    through = client.post("/api/opening", json={"abc": JIG, "through": JIG.index("BGE")}).json()["start"]
    assert through.endswith("K:G\n|:GAB cBA|BGE D3|")


def test_chords_backing_and_musicxml(client):
    from music21 import converter

    chorded = client.post("/api/chords", json={"abc": JIG}).json()["abc"]
    from abcrnn.text.chords import without_chords

    assert chorded.count('"') >= 12 and without_chords(chorded).strip() == JIG.strip()  # a chord a bar, music kept
    assert client.post("/api/chords", json={"abc": chorded}).json()["abc"].strip() == chorded.strip()  # kept
    backing = client.post("/api/backing", json={"abc": chorded}).json()["backing"]
    assert len(backing) > 20 and all(len(row) == 4 for row in backing) and min(row[2] for row in backing) < 48
    assert client.post("/api/backing", json={"abc": JIG}).json()["backing"] == []
    xml = client.post("/api/musicxml", json={"abc": JIG})
    assert xml.status_code == 200 and "001_Test_Jig.musicxml" in xml.headers["content-disposition"]
    score = converter.parseData(xml.content.decode("utf-8"), format="musicxml")
    assert len(score.flatten().notes) == 30  # as written, repeats not unfolded
    assert_one_line_answer(client.post("/api/chords", json={"abc": JIG.replace("K:G", "K:none")}), "key")


def test_compose_with_chords_writes_them_into_every_tune(client):
    stream = events(client.post("/api/compose", json={"n": 2, "seed": 3, "chords": True, **FAST}))
    tunes = [tune for event in stream if event["event"] == "tunes" for tune in event["tunes"]]
    notes = [note for event in stream if event["event"] == "tunes" for note in event["notes"]]
    assert len(tunes) == 2
    assert all('"' in tune["abc"] or any("no chords" in note for note in notes) for tune in tunes)


def test_the_page_and_its_scripts_come_from_this_server_only(client):
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "http" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    for name in ("abcjs-basic-min.js", "player.js", "compose.js", "compose.css"):
        assert f"/static/{name}" in page.text
        assert client.get(f"/static/{name}").status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "/api/compose" in client.get("/openapi.json").json()["paths"]


def test_another_host_header_is_refused(bundle, tmp_path):
    app = create_app(bundle, TuneBook(tmp_path / "book.sqlite"), allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://localhost:8000").get("/api/model").status_code == 200
    assert_one_line_answer(TestClient(app, base_url="http://evil.example").get("/api/model"), "evil.example")


def test_the_tune_book_saves_lists_renames_filters_deletes_and_exports(client):
    saved = client.post("/api/book", json={"abc": JIG, "settings": {"seed": 5, "temperature": 0.9}})
    assert saved.status_code == 201
    tune = saved.json()
    assert tune["title"] == "Test Jig" and tune["rhythm"] == "jig" and tune["settings"]["seed"] == 5
    assert tune["settings"]["model"] == "folk" and tune["saved"] > 0
    reel = JIG.replace("R:jig", "R:reel").replace("T:Test Jig", "T:Test Reel")
    client.post("/api/book", json={"abc": reel})
    assert [t["title"] for t in client.get("/api/book").json()["tunes"]] == ["Test Jig", "Test Reel"]
    assert [t["title"] for t in client.get("/api/book?rhythm=reel").json()["tunes"]] == ["Test Reel"]
    renamed = client.patch(f"/api/book/{tune['id']}", json={"title": "New Name"}).json()
    assert renamed["title"] == "New Name" and "T:New Name\n" in renamed["abc"]
    exported = client.get("/api/book/export.abc").text
    assert exported.startswith("X:1\nT:New Name") and "X:2\nT:Test Reel" in exported
    archive = zipfile.ZipFile(BytesIO(client.get("/api/book/export.zip").content))
    assert sorted(archive.namelist()) == ["001_New_Name.mid", "002_Test_Reel.mid"]
    scores = zipfile.ZipFile(BytesIO(client.get("/api/book/export-musicxml.zip").content))
    assert sorted(scores.namelist()) == ["001_New_Name.musicxml", "002_Test_Reel.musicxml"]
    assert b"<work-title>New Name</work-title>" in scores.read("001_New_Name.musicxml")
    page = client.get("/api/book/export.html")
    assert "New Name" in page.text and "http" not in page.headers["content-security-policy"]
    assert client.delete(f"/api/book/{tune['id']}").status_code == 204
    assert [t["title"] for t in client.get("/api/book").json()["tunes"]] == ["Test Reel"]


def test_the_book_survives_a_restart_and_a_crash_during_a_save(tmp_path):
    path = tmp_path / "book.sqlite"
    TuneBook(path).save(JIG, {"seed": 1})
    # A save killed half way: its transaction is open when the process dies.
    crash = ("import sqlite3, os, sys\nc = sqlite3.connect(sys.argv[1])\n"
             "c.execute(\"INSERT INTO tunes (title, rhythm, abc, settings, saved) VALUES ('half', '', '', '{}', 0)\")\n"
             "os._exit(9)\n")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", crash, str(path)]).returncode == 9
    book = TuneBook(path)
    assert [tune.title for tune in book.tunes()] == ["Test Jig"]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_tune_book_is_a_one_line_error(tmp_path):
    from abcrnn.errors import AbcrnnError

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00\xffnot a database" * 100)
    with pytest.raises(AbcrnnError, match="not a tune book"):
        TuneBook(junk)


def test_serve_bad_command_lines_are_one_line_errors(tmp_path, tiny_bundle):
    assert_one_line_error(run_cli("serve", "--prot", "8000"), "--port")
    assert_one_line_error(run_cli("serve", "--port", "70000"), "--port")
    assert_one_line_error(run_cli("serve", "--weights", str(DATA / "jigs120.abc")), "jigs120.abc")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00\xffnot a database" * 100)
    assert_one_line_error(run_cli("serve", "--weights", str(tiny_bundle), "--db", str(junk)), "not a tune book")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = run_cli("serve", "--weights", str(tiny_bundle), "--db", str(tmp_path / "book.sqlite"), "--port", port)
    assert_one_line_error(result, "the port is in use")
    assert "open http" not in result.stderr  # it never said where to open what did not start


def test_serve_listens_on_this_computer_unless_told_and_then_warns(tmp_path, tiny_bundle):
    from serving import Server

    local = Server(tmp_path / "book.sqlite", weights=tiny_bundle)
    said = local.kill()
    assert f"open http://127.0.0.1:{local.port}/" in said and "warning" not in said
    anywhere = Server(tmp_path / "book.sqlite", weights=tiny_bundle, host="0.0.0.0")
    assert "warning: listening on 0.0.0.0: anyone who can reach this address" in anywhere.kill()
